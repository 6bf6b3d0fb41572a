// Opening a connection the address policy has vetted: DNS (hosts file first), the policy applied to
// every address, TCP, TLS, and undici clients pinned to that address and certificate. The probe
// opens one per run; the compliance checks open one per origin they must read (an authorization
// server's metadata), so both go through the same policy, deadlines and caps.
import type { SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { Failure } from '../domain/failure-codes.ts';
import type { CertificateFacts, ResolvedAddress } from '../domain/probe-result.ts';
import { defaultPort } from '../domain/url.ts';
import { checkAddress, hostIsIpLiteral } from './address-policy.ts';
import { checkedDispatchers, type CheckedDispatchers } from './connection.ts';
import type { Deadline } from './deadline.ts';
import { createResolver, resolveHost, type DnsResolver, type HostsLookup } from './dns.ts';
import { HostsFile, SYSTEM_HOSTS_FILE } from './hosts-file.ts';
import type { PhaseRecorder } from './phases.ts';
import { connectTcp } from './tcp.ts';
import { createTrustContext, sessionKey, startTls } from './tls.ts';
import type { TlsSessionCache } from './tls-session-cache.ts';

export interface VettedSettings {
  readonly dnsTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tlsTimeoutMs: number;
  readonly allowPrivate: boolean;
  readonly dnsServers: readonly string[];
  readonly extraCaPem?: string;
}

export interface VettedDeps {
  readonly resolver?: DnsResolver;
  readonly hosts?: HostsLookup | null;
  readonly trust?: SecureContext;
  readonly tlsSessions?: TlsSessionCache | null;
  readonly wallClock?: () => Date;
}

/** What was learned on the way, kept even when a later step fails (the result reports it). */
export interface VettedFacts {
  addresses: ResolvedAddress[];
  connectedAddress: string | null;
  certificate: CertificateFacts | null;
  /** The TLS session key of an https origin, to forget after a failure. */
  resumableAs: string | undefined;
}

export function emptyVettedFacts(): VettedFacts {
  return { addresses: [], connectedAddress: null, certificate: null, resumableAs: undefined };
}

export type Vetted = { readonly ok: true; readonly clients: CheckedDispatchers } | ({ readonly ok: false } & Failure);

/**
 * Resolves, vets and connects to `url`'s origin under `deadline`, timing each step in `phases`.
 * On success the caller owns the clients and must destroy them; on failure nothing is left open.
 */
export async function openVetted(url: URL, settings: VettedSettings, deps: VettedDeps, deadline: Deadline, phases: PhaseRecorder, facts: VettedFacts): Promise<Vetted> {
  const hostname = url.hostname;
  const literal = hostIsIpLiteral(hostname);
  const port = defaultPort(url);
  if (url.protocol === 'https:') facts.resumableAs = sessionKey({ hostname: literal ?? hostname, isIpLiteral: literal !== undefined, port });

  if (literal !== undefined) {
    facts.addresses = [{ address: literal, family: literal.includes(':') ? 6 : 4, ttl: null }];
  } else {
    const dnsOptions = { servers: settings.dnsServers, timeoutMs: settings.dnsTimeoutMs };
    const sources = {
      resolver: deps.resolver ?? createResolver(dnsOptions),
      hosts: deps.hosts === undefined ? new HostsFile({ path: SYSTEM_HOSTS_FILE }) : deps.hosts,
    };
    const resolved = await phases.time('dns', () => resolveHost(hostname, sources, dnsOptions, deadline));
    if (!resolved.ok) return resolved;
    facts.addresses = resolved.addresses;
  }
  // Every address must pass, not just the one we would dial: a name answering both a public
  // and a private address is how rebinding attacks begin.
  for (const { address } of facts.addresses) {
    const decision = checkAddress(address, { allowPrivate: settings.allowPrivate });
    if (!decision.allowed) {
      const hint = settings.allowPrivate ? '' : ' (allow private addresses to monitor internal servers)';
      return { ok: false, code: 'ADDRESS_BLOCKED', detail: `${decision.reason}; refusing to connect${decision.addressClass === 'metadata' ? '' : hint}` };
    }
  }

  const connected = await phases.time('connect', () => connectFirst(facts.addresses, port, settings, deadline));
  if (!connected.ok) return connected;
  let socket: Socket = connected.socket;
  facts.connectedAddress = connected.address;

  let tlsSettings = null;
  try {
    if (url.protocol === 'https:') {
      const tlsOptions = {
        hostname: literal ?? hostname,
        isIpLiteral: literal !== undefined,
        port,
        context: deps.trust ?? createTrustContext(settings.extraCaPem),
        timeoutMs: settings.tlsTimeoutMs,
        now: (deps.wallClock ?? (() => new Date()))(),
        sessions: deps.tlsSessions ?? null,
      };
      const secured = await phases.time('tls', () => startTls(connected.socket, tlsOptions, deadline));
      facts.certificate = secured.certificate;
      if (!secured.ok) {
        connected.socket.destroy();
        return secured;
      }
      socket = secured.socket;
      tlsSettings = { ...tlsOptions, fingerprint256: secured.certificate.fingerprint256 };
    }
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const clients = checkedDispatchers(
    { origin: url.origin, address: connected.address, port, connectTimeoutMs: settings.connectTimeoutMs, tls: tlsSettings },
    socket,
    deadline,
  );
  return { ok: true, clients };
}

/** Tries the resolved addresses in order until one accepts, all under the connect phase. */
async function connectFirst(
  addresses: readonly ResolvedAddress[],
  port: number,
  settings: VettedSettings,
  deadline: Deadline,
): Promise<{ ok: true; socket: Socket; address: string } | ({ ok: false } & Failure)> {
  let last: ({ ok: false } & Failure) | undefined;
  for (const { address } of addresses.slice(0, 4)) {
    const attempt = await connectTcp(address, port, settings.connectTimeoutMs, deadline);
    if (attempt.ok) return { ok: true, socket: attempt.socket, address };
    last = { ok: false, code: attempt.code, detail: addresses.length > 1 ? `${address}: ${attempt.detail}` : attempt.detail };
    if (attempt.code === 'PROBE_TIMEOUT') break;
  }
  return last ?? { ok: false, code: 'DNS_NO_RECORDS', detail: 'no address to connect to' };
}
