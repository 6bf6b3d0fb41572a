import type { FailureCode, Status, WarningCode } from './failure-codes.ts';

/** Which generation of the MCP HTTP transport answered. */
export type Era = 'modern' | 'streamable' | 'sse';
/** What the operator asks for; `auto` follows the specification's backward-compatibility rules. */
export type EraOverride = 'auto' | Era;

export const ERAS: readonly Era[] = ['modern', 'streamable', 'sse'];

export type PhaseName =
  | 'dns'
  | 'connect'
  | 'tls'
  | 'discover'
  | 'initialize'
  | 'initialized'
  | 'ping'
  /** A response stream closed before the response, reopened by GET + Last-Event-ID (SEP-1699): the `retry` wait and the GET, inside the step it resumes. */
  | 'reconnect'
  | 'sse_open'
  | 'tools_list'
  /** `check --call-tool`: one operator-named tool called with no arguments (never in the service). */
  | 'tool_call'
  | 'auth_metadata'
  | 'session_close';

/** One bar of the waterfall: when a step started (ms since probe start) and how long it took. */
export interface PhaseTiming {
  readonly phase: PhaseName;
  readonly startMs: number;
  readonly ms: number;
  readonly ok: boolean;
}

export interface Warning {
  readonly code: WarningCode;
  readonly detail: string;
}

export interface CertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly sans: readonly string[];
  readonly notBefore: string; // ISO 8601
  readonly notAfter: string; // ISO 8601
  readonly daysLeft: number; // may be negative once expired
  /** The soonest notAfter in the presented chain (blackbox's probe_ssl_earliest_cert_expiry). */
  readonly earliestNotAfter: string;
  readonly fingerprint256: string;
  readonly serialNumber: string;
  readonly protocol: string | null;
  readonly cipher: string | null;
  /** Whether the chain validated against the trust store (system roots + extra CA). */
  readonly chainValid: boolean;
  readonly chainError: string | null;
  readonly hostnameValid: boolean;
  /** When the certificate was last seen, ISO 8601: the full handshake these facts come from. */
  readonly observedAt: string;
  /**
   * True when this probe resumed a TLS session and showed no certificate: the facts are those of
   * the full handshake at observedAt (daysLeft, protocol and cipher are this probe's own).
   */
  readonly resumed: boolean;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
  readonly ttl: number | null;
}

export interface ServerFacts {
  readonly name: string | null;
  readonly version: string | null;
  readonly title: string | null;
}

export interface AuthFacts {
  /** The raw WWW-Authenticate challenge, as the server sent it. */
  readonly challenge: string | null;
  readonly resourceMetadataUrl: string | null;
  /** RFC 9728 protected-resource metadata, when it could be fetched. */
  readonly resourceMetadata: Readonly<Record<string, unknown>> | null;
  readonly authorizationServers: readonly string[];
  readonly scopes: readonly string[];
  readonly metadataError: string | null;
}

export interface ToolsFacts {
  readonly count: number;
  readonly hash: string;
  readonly names: readonly string[];
  readonly pages: number;
  /** True when the page limit stopped the listing before the server's last page. */
  readonly truncated: boolean;
}

/**
 * What the HTTP layer saw of the MCP exchanges: every request that speaks MCP (POSTs, the HTTP+SSE
 * GET), not the session-closing DELETE nor the RFC 9728 metadata fetch, which are courtesies and
 * look-ups after the outcome (a 405 to DELETE or a 404 for metadata says nothing about the server).
 */
export interface HttpFacts {
  /** Status of the last such response (blackbox's probe_http_status_code). */
  readonly lastStatus: number;
  /** HTTP version of that response, as "1.1" or "2" (blackbox's probe_http_version). */
  readonly version: string;
  readonly responses: number;
  /** Request sent to status line and headers received, summed over the responses, ms. */
  readonly headWaitMs: number;
}

export interface ProbeResult {
  readonly url: string;
  /** Wall-clock start, ISO 8601. */
  readonly startedAt: string;
  readonly status: Status;
  /** Exactly one code when status is not `up`; null when up. */
  readonly code: FailureCode | null;
  readonly detail: string;
  readonly warnings: readonly Warning[];
  readonly durationMs: number;
  readonly phases: readonly PhaseTiming[];
  readonly era: Era | null;
  readonly protocolVersion: string | null;
  readonly supportedVersions: readonly string[];
  readonly transport: 'streamable-http' | 'sse' | null;
  readonly server: ServerFacts | null;
  readonly capabilities: Readonly<Record<string, unknown>> | null;
  readonly tools: ToolsFacts | null;
  readonly addresses: readonly ResolvedAddress[];
  readonly connectedAddress: string | null;
  readonly certificate: CertificateFacts | null;
  /** Null when no MCP request got a response (refused, timed out, TLS failed). */
  readonly http: HttpFacts | null;
  readonly auth: AuthFacts | null;
  /** How the era was found: from the caller's hint, by detection, or forced by the override. */
  readonly eraSource: 'hint' | 'detected' | 'override' | null;
  /** Set by the service, never by the probe: mcpwatch was overloaded while timing this (see domain/overload.ts). */
  readonly overload?: OverloadMark;
}

export interface OverloadMark {
  /** How late mcpwatch's event loop was, in total, while the round ran, ms. */
  readonly loopDelayMs: number;
}
