// The blackbox_exporter series of one probe result, with blackbox's meanings (prober/http.go,
// prober/tls.go, prober/utils.go), so its alert rules and dashboards read mcpwatch unchanged.
// Pure: both /metrics (one block per endpoint, `slug` label) and /probe (one probe, no label of
// its own) render what `blackboxSamples` emits.
//
// Semantics, blackbox's unless said:
// - probe_http_status_code / probe_http_version: the last response to an MCP request (HttpFacts);
//   0 when no response came back (refused, timed out, TLS refused).
// - probe_http_ssl: 1 when that response came over TLS, else 0.
// - probe_http_duration_seconds{phase}: always the five phases. resolve = DNS, connect = TCP,
//   tls = the handshake; processing = request sent → response head, summed over the MCP requests;
//   transfer = the rest of the MCP exchanges (reading and parsing replies and streams). The
//   session-closing DELETE and the RFC 9728 metadata fetch come after the outcome and are in no
//   phase (mcp_probe_phase_duration_seconds has them).
// - probe_tls_version_info{version="TLS 1.3"} and probe_ssl_last_chain_expiry_timestamp_seconds:
//   only when a response came over TLS, as in blackbox (whose HTTP client refuses a bad
//   certificate, so these are absent then; probe_ssl_earliest_cert_expiry is kept instead). The
//   chain is the one Node verified (getPeerCertificate(true): presented certificates up to the
//   trusted root), so the last chain's earliest expiry is that chain's soonest notAfter.
// - probe_ip_protocol (4 or 6) and probe_ip_addr_hash (FNV-1a 32 over the address bytes, 4 for
//   IPv4 and IPv4-mapped IPv6, else 16): the address connected to, else the first resolved; 0 when
//   none was resolved.
import ipaddr from 'ipaddr.js';
import type { PhaseName, ProbeResult } from '../domain/probe-result.ts';
import { formatValue, type Family } from './exposition.ts';

export const BLACKBOX_FAMILIES = {
  httpStatus: { name: 'probe_http_status_code', type: 'gauge', help: 'Response HTTP status code of the last MCP request (0 when none answered).' },
  httpVersion: { name: 'probe_http_version', type: 'gauge', help: 'Returns the version of HTTP of the probe response (0 when none answered).' },
  httpSsl: { name: 'probe_http_ssl', type: 'gauge', help: 'Indicates if SSL was used for the final response.' },
  httpDuration: {
    name: 'probe_http_duration_seconds',
    type: 'gauge',
    help: 'Duration of the probe by blackbox phase (resolve, connect, tls, processing, transfer), summed over its requests.',
  },
  tlsVersion: { name: 'probe_tls_version_info', type: 'gauge', help: 'Returns the TLS version used (always 1; present when the final response came over TLS).' },
  lastChainExpiry: { name: 'probe_ssl_last_chain_expiry_timestamp_seconds', type: 'gauge', help: 'Returns last SSL chain expiry in timestamp.' },
  ipProtocol: { name: 'probe_ip_protocol', type: 'gauge', help: 'Specifies whether probe ip protocol is IP4 or IP6.' },
  ipAddrHash: { name: 'probe_ip_addr_hash', type: 'gauge', help: "Specifies the hash of IP address. It's useful to detect if the IP address changes." },
} as const satisfies Record<string, Family>;

export type BlackboxKey = keyof typeof BLACKBOX_FAMILIES;

/** Receives one sample: its family, its own labels already rendered (`phase="tls"`, or ''), its value. */
export type SampleSink = (key: BlackboxKey, labels: string, value: string) => void;

type Bucket = 'resolve' | 'connect' | 'tls' | 'exchange' | null;

/** Where each mcpwatch phase goes; `exchange` is split into processing and transfer. */
const PHASE_BUCKET = {
  dns: 'resolve',
  connect: 'connect',
  tls: 'tls',
  discover: 'exchange',
  initialize: 'exchange',
  initialized: 'exchange',
  ping: 'exchange',
  sse_open: 'exchange',
  tools_list: 'exchange',
  tool_call: 'exchange',
  reconnect: 'exchange',
  auth_metadata: null,
  session_close: null,
} as const satisfies Record<PhaseName, Bucket>;

/** Node's getProtocol() names to blackbox's labels (Go's tls.Version… names); anything else is "unknown". */
const TLS_VERSION_LABEL: Readonly<Record<string, string>> = { TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3' };

export function tlsVersionLabel(protocol: string | null): string {
  return (protocol !== null && TLS_VERSION_LABEL[protocol]) || 'unknown';
}

/** An address's protocol and blackbox hash, parsed once (0 and 0 for no valid address). */
interface AddressFacts {
  readonly protocol: 4 | 6 | 0;
  readonly hash: number;
}

const NO_ADDRESS: AddressFacts = { protocol: 0, hash: 0 };

// Results keep connecting to the same few addresses: parsing each with ipaddr.js (a regex per
// form) was ~10 % of rendering an endpoint's lines. Bounded: cleared when full.
const ADDRESS_MEMO_LIMIT = 4096;
const addressMemo = new Map<string, AddressFacts>();

function addressFacts(address: string): AddressFacts {
  const known = addressMemo.get(address);
  if (known !== undefined) return known;
  let facts = NO_ADDRESS;
  if (ipaddr.isValid(address)) {
    const parsed = ipaddr.process(address);
    let hash = 0x811c9dc5;
    for (const byte of parsed.toByteArray()) {
      hash ^= byte;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    facts = { protocol: parsed.kind() === 'ipv4' ? 4 : 6, hash: hash >>> 0 };
  }
  if (addressMemo.size >= ADDRESS_MEMO_LIMIT) addressMemo.clear();
  addressMemo.set(address, facts);
  return facts;
}

/** blackbox's ipHash: FNV-1a 32 over the 4 bytes of an IPv4 (or IPv4-mapped) address, else the 16 bytes. */
export function ipAddrHash(address: string): number {
  return addressFacts(address).hash;
}

const seconds = (ms: number): string => formatValue(Math.round(ms * 1000) / 1e6);

/** Emits the blackbox series of one result, families in BLACKBOX_FAMILIES order. */
export function blackboxSamples(result: ProbeResult, emit: SampleSink): void {
  const http = result.http;
  const overTls = http !== null && /^https:/i.test(result.url);
  emit('httpStatus', '', String(http?.lastStatus ?? 0));
  emit('httpVersion', '', http ? formatValue(Number(http.version)) : '0');
  emit('httpSsl', '', overTls ? '1' : '0');

  let resolve = 0;
  let connect = 0;
  let tls = 0;
  let exchange = 0;
  for (const p of result.phases) {
    const bucket: Bucket = PHASE_BUCKET[p.phase];
    if (bucket === 'resolve') resolve += p.ms;
    else if (bucket === 'connect') connect += p.ms;
    else if (bucket === 'tls') tls += p.ms;
    else if (bucket === 'exchange') exchange += p.ms;
  }
  const processing = http?.headWaitMs ?? 0;
  emit('httpDuration', 'phase="resolve"', seconds(resolve));
  emit('httpDuration', 'phase="connect"', seconds(connect));
  emit('httpDuration', 'phase="tls"', seconds(tls));
  emit('httpDuration', 'phase="processing"', seconds(processing));
  emit('httpDuration', 'phase="transfer"', seconds(http ? Math.max(0, exchange - processing) : 0));

  const certificate = result.certificate;
  if (overTls && certificate !== null) {
    emit('tlsVersion', `version="${tlsVersionLabel(certificate.protocol)}"`, '1');
    const expiry = Date.parse(certificate.earliestNotAfter);
    if (certificate.chainValid && Number.isFinite(expiry)) emit('lastChainExpiry', '', formatValue(Math.floor(expiry / 1000)));
  }

  const address = result.connectedAddress ?? result.addresses[0]?.address ?? null;
  const facts = address === null ? NO_ADDRESS : addressFacts(address);
  emit('ipProtocol', '', String(facts.protocol));
  emit('ipAddrHash', '', String(facts.hash));
}
