import { promises as dns, type RecordWithTtl } from 'node:dns';
import type { Outcome } from '../domain/failure-codes.ts';
import type { ResolvedAddress } from '../domain/probe-result.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';

/** The slice of dns.promises.Resolver the probe uses; passed in so tests and the service share one. */
export interface DnsResolver {
  resolve4(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
  resolve6(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
}

export interface DnsOptions {
  /** Resolver servers ("1.1.1.1", "127.0.0.1:5353"); empty means the system's resolv.conf. */
  readonly servers: readonly string[];
  readonly timeoutMs: number;
}

/** c-ares resolver: ~16 µs a query against the thread-pool-bound dns.lookup. */
export function createResolver(options: DnsOptions): DnsResolver {
  const resolver = new dns.Resolver({ timeout: Math.max(1, Math.round(options.timeoutMs)), tries: 1 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

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

/**
 * A and AAAA in parallel. One family answering is enough; when neither does, the more telling
 * error wins: a timeout or SERVFAIL says more than "no records", and NXDOMAIN more than NODATA.
 */
export async function resolveHost(
  hostname: string,
  resolver: DnsResolver,
  options: DnsOptions,
  deadline: Deadline,
): Promise<Outcome<{ addresses: ResolvedAddress[] }>> {
  try {
    const [a, aaaa] = await deadline.wait(options.timeoutMs, 'DNS_TIMEOUT', () =>
      Promise.all([settle(resolver.resolve4(hostname, { ttl: true })), settle(resolver.resolve6(hostname, { ttl: true }))]),
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
      // Names in /etc/hosts never reach c-ares; the system resolver sees them.
      const local = await lookupLocal(hostname, deadline, options.timeoutMs);
      if (local.length > 0) return { ok: true, addresses: local };
    }
    if (serious !== undefined) return { ok: false, ...classifyError(serious, 'dns') };
    if (nxdomain !== undefined) return { ok: false, code: 'DNS_NXDOMAIN', detail: `DNS: ${hostname} does not exist (NXDOMAIN)` };
    return { ok: false, code: 'DNS_NO_RECORDS', detail: `DNS: ${hostname} has no A or AAAA records` };
  } catch (err) {
    return { ok: false, ...classifyError(err, 'dns') };
  }
}

async function lookupLocal(hostname: string, deadline: Deadline, timeoutMs: number): Promise<ResolvedAddress[]> {
  try {
    const found = await deadline.wait(timeoutMs, 'DNS_TIMEOUT', () => dns.lookup(hostname, { all: true, verbatim: true }));
    return found.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4, ttl: null }));
  } catch {
    return [];
  }
}
