import { promises as dns, type RecordWithTtl } from 'node:dns';
import type { Outcome } from '../domain/failure-codes.ts';
import type { ResolvedAddress } from '../domain/probe-result.ts';
import { classifyAddress } from './address-policy.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';
import { normalizeHostName, type HostsAddress } from './hosts-file.ts';

/** The slice of dns.promises.Resolver the probe uses; passed in so tests and the service share one. */
export interface DnsResolver {
  resolve4(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
  resolve6(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
}

/** Names answered before DNS is asked (a HostsFile); passed in so the file is parsed once, not per probe. */
export interface HostsLookup {
  lookup(name: string): Promise<readonly HostsAddress[] | undefined>;
}

/** Where a name is looked up: the hosts file first (null: none), then DNS. */
export interface NameSources {
  readonly resolver: DnsResolver;
  readonly hosts: HostsLookup | null;
}

export interface DnsOptions {
  /** Resolver servers ("1.1.1.1", "127.0.0.1:5353"); empty means the system's resolv.conf. */
  readonly servers: readonly string[];
  readonly timeoutMs: number;
}

/**
 * c-ares resolver: ~16 µs a query against the thread-pool-bound dns.lookup. One retry, so a single
 * lost UDP reply is not a DNS_TIMEOUT. c-ares doubles the wait for the retry: measured with c-ares
 * 1.34 (Node 20.20), timeout 1000 ms and 2 tries sent the second query at ~1000 ms and gave up at
 * ~3000 ms; so a third of the budget per first try makes both fit the probe's DNS limit.
 */
export function createResolver(options: DnsOptions): DnsResolver {
  const resolver = new dns.Resolver({ timeout: Math.max(1, Math.round(options.timeoutMs / 3)), tries: 2 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

/** RFC 6761 §6.3: `localhost` and every name under it are loopback, and never asked of DNS. */
export function isLocalhostName(hostname: string): boolean {
  const name = normalizeHostName(hostname);
  return name === 'localhost' || name.endsWith('.localhost');
}

const LOOPBACK: readonly HostsAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

type Answer = { ok: true; records: RecordWithTtl[] } | { ok: false; err: unknown };

async function settle(query: Promise<RecordWithTtl[]>): Promise<Answer> {
  try {
    return { ok: true, records: await query };
  } catch (err) {
    return { ok: false, err };
  }
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

const EMPTY = new Set(['ENODATA', 'ENOTFOUND']);

function fromHosts(addresses: readonly HostsAddress[]): ResolvedAddress[] {
  return addresses.map(({ address, family }) => ({ address, family, ttl: null }));
}

/**
 * Resolves as the system does: `localhost` names to loopback, then the hosts file, then A and
 * AAAA in parallel through c-ares. One family answering is enough; when neither does, the more
 * telling error wins: an unreachable resolver, a timeout or SERVFAIL says more than "no records",
 * and NXDOMAIN more than NODATA. Every address still goes through the address policy afterwards.
 */
export async function resolveHost(
  hostname: string,
  sources: NameSources,
  options: DnsOptions,
  deadline: Deadline,
): Promise<Outcome<{ addresses: ResolvedAddress[] }>> {
  try {
    const local = await deadline.wait(options.timeoutMs, 'DNS_TIMEOUT', () => fromHostsFile(hostname, sources.hosts));
    if (local.length > 0) return { ok: true, addresses: local };

    const [a, aaaa] = await deadline.wait(options.timeoutMs, 'DNS_TIMEOUT', () =>
      Promise.all([settle(sources.resolver.resolve4(hostname, { ttl: true })), settle(sources.resolver.resolve6(hostname, { ttl: true }))]),
    );
    const addresses: ResolvedAddress[] = [
      ...(a.ok ? a.records.map((r) => ({ address: r.address, family: 4 as const, ttl: r.ttl })) : []),
      ...(aaaa.ok ? aaaa.records.map((r) => ({ address: r.address, family: 6 as const, ttl: r.ttl })) : []),
    ];
    if (addresses.length > 0) return { ok: true, addresses };
    const errors = [a, aaaa].flatMap((x) => (x.ok ? [] : [x.err]));
    const serious = errors.find((e) => !EMPTY.has(code(e) ?? ''));
    const nxdomain = errors.find((e) => code(e) === 'ENOTFOUND');
    if (options.servers.length === 0 && serious === undefined) {
      // c-ares asks for the name as written; the system resolver also tries resolv.conf's search
      // list (a Kubernetes service's short name) and other NSS sources (mDNS, myhostname).
      const system = await lookupSystem(hostname, deadline, options.timeoutMs);
      if (system.length > 0) return { ok: true, addresses: system };
    }
    if (serious !== undefined) return { ok: false, ...classifyError(serious, 'dns') };
    if (nxdomain !== undefined) return { ok: false, code: 'DNS_NXDOMAIN', detail: `DNS: ${hostname} does not exist (NXDOMAIN)` };
    return { ok: false, code: 'DNS_NO_RECORDS', detail: `DNS: ${hostname} has no A or AAAA records` };
  } catch (err) {
    return { ok: false, ...classifyError(err, 'dns') };
  }
}

/**
 * A `localhost` name gets the loopback addresses the hosts file gives it (or gives `localhost`),
 * else 127.0.0.1 and ::1; a file mapping it anywhere else is ignored, as RFC 6761 asks.
 */
async function fromHostsFile(hostname: string, hosts: HostsLookup | null): Promise<ResolvedAddress[]> {
  if (!isLocalhostName(hostname)) return fromHosts((await hosts?.lookup(hostname)) ?? []);
  const loopback = (list: readonly HostsAddress[] | undefined): readonly HostsAddress[] =>
    (list ?? []).filter(({ address }) => classifyAddress(address) === 'loopback');
  const own = loopback(await hosts?.lookup(hostname));
  if (own.length > 0) return fromHosts(own);
  const plain = loopback(await hosts?.lookup('localhost'));
  return fromHosts(plain.length > 0 ? plain : LOOPBACK);
}

async function lookupSystem(hostname: string, deadline: Deadline, timeoutMs: number): Promise<ResolvedAddress[]> {
  try {
    const found = await deadline.wait(timeoutMs, 'DNS_TIMEOUT', () => dns.lookup(hostname, { all: true, verbatim: true }));
    return found.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4, ttl: null }));
  } catch {
    return [];
  }
}
