import { performance } from 'node:perf_hooks';
import type { SecureContext } from 'node:tls';
import { sanitizeDetail, sanitizeText } from '../domain/detail.ts';
import type { Failure } from '../domain/failure-codes.ts';
import { failureResult } from '../domain/failure-result.ts';
import type { AuthFacts, CertificateFacts, Era, EraOverride, ProbeResult, Warning } from '../domain/probe-result.ts';
import { certificateWarning, slowWarning } from '../domain/status.ts';
import { unexpectedFailure } from '../domain/unexpected.ts';
import { parseEndpointUrl } from '../domain/url.ts';
import type { CheckedDispatchers } from './connection.ts';
import { Deadline, type Clock } from './deadline.ts';
import type { DnsResolver, HostsLookup } from './dns.ts';
import { ResponseLog, type Limits } from './http.ts';
import { withDescribeAuth } from './mcp/auth.ts';
import type { McpContext } from './mcp/context.ts';
import { handshake } from './mcp/handshake.ts';
import { PhaseRecorder } from './phases.ts';
import type { TlsSessionCache } from './tls-session-cache.ts';
import { emptyVettedFacts, openVetted, type VettedFacts } from './vetted.ts';

/** What to probe: one endpoint as configured. Secrets arrive here and never leave in the result. */
export interface ProbeRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bearerToken?: string;
  readonly era?: EraOverride;
  /** The era this endpoint answered in last time; tried first. */
  readonly eraHint?: Era;
  readonly listTools?: boolean;
  /**
   * Calls this tool with empty arguments after the handshake: an explicit opt-in of `check` for a
   * side-effect-free health tool. The service never sets it — a monitor must not act on servers.
   */
  readonly callTool?: string;
}

export interface ProbeSettings {
  readonly timeoutMs: number;
  readonly dnsTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tlsTimeoutMs: number;
  readonly ttfbMs: number;
  readonly bodyMs: number;
  readonly sseEventMs: number;
  readonly maxBodyBytes: number;
  readonly maxListBytes: number;
  readonly maxSseEvents: number;
  readonly maxToolPages: number;
  readonly slowMs: number;
  readonly certExpiringDays: number;
  readonly allowPrivate: boolean;
  readonly dnsServers: readonly string[];
  readonly extraCaPem?: string;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = Object.freeze({
  timeoutMs: 15_000,
  dnsTimeoutMs: 3_000,
  connectTimeoutMs: 5_000,
  tlsTimeoutMs: 5_000,
  ttfbMs: 10_000,
  bodyMs: 10_000,
  sseEventMs: 10_000,
  maxBodyBytes: 1024 * 1024,
  maxListBytes: 8 * 1024 * 1024,
  maxSseEvents: 200,
  maxToolPages: 20,
  slowMs: 3_000,
  certExpiringDays: 14,
  allowPrivate: false,
  dnsServers: [],
});

/** Clocks, resolver and trust store are passed in so the service shares them and tests drive them. */
export interface ProbeDeps {
  readonly clock?: Clock;
  readonly wallClock?: () => Date;
  readonly resolver?: DnsResolver;
  /** Names answered before DNS (default: /etc/hosts, read for this probe); null: none. */
  readonly hosts?: HostsLookup | null;
  readonly trust?: SecureContext;
  /** TLS sessions to resume between full handshakes (the service keeps one); absent: always full. */
  readonly tlsSessions?: TlsSessionCache | null;
  readonly signal?: AbortSignal;
}

interface Facts extends VettedFacts {
  readonly responses: ResponseLog;
}

/**
 * Runs one probe to completion. Never throws: what the remote side does is a result, and so is an
 * exception nobody expected (recorded with a code, see domain/unexpected.ts), because a probe that
 * throws records nothing and leaves the endpoint's last status standing.
 */
export async function runProbe(request: ProbeRequest, settings: ProbeSettings, deps: ProbeDeps = {}): Promise<ProbeResult> {
  const clock = deps.clock ?? (() => performance.now());
  const startedAt = (deps.wallClock ?? (() => new Date()))();
  const phases = new PhaseRecorder(clock);
  const deadline = new Deadline(clock, settings.timeoutMs, deps.signal);
  const facts: Facts = { ...emptyVettedFacts(), responses: new ResponseLog() };
  const base = { url: request.url, startedAt: startedAt.toISOString(), phases: phases.timings };
  const failed = (failure: Failure, extra: { auth?: AuthFacts | null; era?: Era | null } = {}): ProbeResult => {
    // After any failure (the server may have been redeployed) the next handshake, the confirming
    // retry's, is a full one: the certificate is seen afresh when it matters most.
    if (facts.resumableAs !== undefined) deps.tlsSessions?.forget(facts.resumableAs);
    return buildFailure(base, failure, facts, phases, settings, extra);
  };

  let clients: CheckedDispatchers | undefined;
  try {
    const parsed = parseEndpointUrl(request.url);
    if (!parsed.ok) return failed(parsed);
    const url = parsed.url;
    const opened = await openVetted(url, settings, deps, deadline, phases, facts);
    if (!opened.ok) return failed(opened);
    clients = opened.clients;
    const headers = requestHeaders(request);
    const partial: Omit<McpContext, 'describeAuth'> = {
      dispatcher: clients.main,
      streamDispatcher: () => clients!.stream(),
      url,
      headers,
      hasCredentials: hasCredentials(request),
      limits: probeLimits(settings),
      responses: facts.responses,
      deadline,
      phases,
      tools: { enabled: request.listTools ?? false, maxPages: settings.maxToolPages, maxBytes: settings.maxListBytes, call: request.callTool ?? null },
    };
    const ctx = withDescribeAuth(partial);
    const outcome = await handshake(ctx, request.era ?? 'auto', request.eraHint);
    if (!outcome.ok) return failed(outcome.failure, { auth: outcome.auth, era: outcome.era });

    const hs = outcome.handshake;
    const durationMs = phases.elapsed();
    const warnings = collectWarnings(hs.warnings, facts.certificate, durationMs, settings);
    const degraded = hs.followUpFailure;
    return {
      ...base,
      status: degraded ? 'degraded' : 'up',
      code: degraded ? degraded.code : null,
      detail: sanitizeDetail(degraded ? degraded.detail : upDetail(hs.era, hs.protocolVersion, hs.tools?.count)),
      warnings,
      durationMs: round(durationMs),
      era: hs.era,
      protocolVersion: serverText(hs.protocolVersion),
      supportedVersions: serverTexts(hs.supportedVersions),
      transport: hs.transport,
      server: hs.server && { name: optionalText(hs.server.name), version: optionalText(hs.server.version), title: optionalText(hs.server.title) },
      capabilities: hs.capabilities,
      tools: hs.tools && { ...hs.tools, names: hs.tools.names.map(serverText) },
      addresses: facts.addresses,
      connectedAddress: facts.connectedAddress,
      certificate: facts.certificate,
      http: facts.responses.facts,
      auth: null,
      eraSource: outcome.eraSource,
    };
  } catch (err) {
    return failed(unexpectedFailure(err, phases.interrupted));
  } finally {
    deadline.dispose();
    if (clients) await clients.destroy();
  }
}

/** The per-wait limits of one probe's requests, from its settings. */
export function probeLimits(settings: ProbeSettings): Limits {
  return {
    ttfbMs: settings.ttfbMs,
    bodyMs: settings.bodyMs,
    sseEventMs: settings.sseEventMs,
    maxBodyBytes: settings.maxBodyBytes,
    maxSseEvents: settings.maxSseEvents,
  };
}

export function hasCredentials(request: ProbeRequest): boolean {
  return request.bearerToken !== undefined || Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === 'authorization');
}

export function requestHeaders(request: ProbeRequest): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'mcpwatch/0.1 (+uptime monitor)' };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (request.bearerToken !== undefined) headers.authorization = `Bearer ${request.bearerToken}`;
  return headers;
}

function collectWarnings(fromHandshake: readonly Warning[], certificate: CertificateFacts | null, durationMs: number, settings: ProbeSettings): Warning[] {
  const warnings = [...fromHandshake];
  if (certificate) {
    const cert = certificateWarning(certificate.daysLeft, settings.certExpiringDays);
    if (cert) warnings.push(cert);
  }
  const slow = slowWarning(durationMs, settings.slowMs);
  if (slow) warnings.push(slow);
  return warnings;
}

function upDetail(era: Era, version: string, tools: number | undefined): string {
  const eraLabel = { modern: 'modern', streamable: 'Streamable HTTP (2025)', sse: 'HTTP+SSE (legacy)' }[era];
  return `MCP ${version} over ${eraLabel}${tools !== undefined ? `, ${tools} tool${tools === 1 ? '' : 's'}` : ''}`;
}

// Server-supplied strings that are stored and shown (names, versions, tool names): one printable
// line each, and a bounded number of them, whatever the server sent.
const MAX_SERVER_TEXT = 200;
const MAX_SERVER_LIST = 50;

function serverText(text: string): string {
  return sanitizeText(text, MAX_SERVER_TEXT);
}

function optionalText(text: string | null): string | null {
  return text === null ? null : serverText(text);
}

function serverTexts(list: readonly string[]): string[] {
  return list.slice(0, MAX_SERVER_LIST).map(serverText);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function boundAuth(auth: AuthFacts): AuthFacts {
  return {
    ...auth,
    authorizationServers: auth.authorizationServers.slice(0, MAX_SERVER_LIST).map((s) => sanitizeText(s, 2048)),
    scopes: serverTexts(auth.scopes),
    metadataError: auth.metadataError === null ? null : sanitizeDetail(auth.metadataError),
  };
}

function buildFailure(
  base: Pick<ProbeResult, 'url' | 'startedAt' | 'phases'>,
  failure: Failure,
  facts: Facts,
  phases: PhaseRecorder,
  settings: ProbeSettings,
  extra: { auth?: AuthFacts | null; era?: Era | null },
): ProbeResult {
  const warnings: Warning[] = [];
  if (facts.certificate) {
    const cert = certificateWarning(facts.certificate.daysLeft, settings.certExpiringDays);
    if (cert) warnings.push(cert);
  }
  return failureResult({ ...base, durationMs: round(phases.elapsed()) }, failure, {
    ...facts,
    warnings,
    era: extra.era ?? null,
    http: facts.responses.facts,
    auth: extra.auth ? boundAuth(extra.auth) : null,
  });
}
