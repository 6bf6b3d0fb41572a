// The closed set of reasons a probe is not `up`. These strings are stable: they are stored,
// exported as metric labels and matched by users' alert rules, so never rename one.
export const FAILURE_CODES = [
  'URL_INVALID',
  'ADDRESS_BLOCKED',
  'DNS_NXDOMAIN',
  'DNS_NO_RECORDS',
  'DNS_TIMEOUT',
  'DNS_SERVFAIL',
  'DNS_UNREACHABLE',
  'TCP_REFUSED',
  'TCP_TIMEOUT',
  'TCP_UNREACHABLE',
  'CONN_RESET',
  'TLS_TIMEOUT',
  'TLS_HANDSHAKE_FAILED',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_NOT_YET_VALID',
  'TLS_HOSTNAME_MISMATCH',
  'TLS_UNTRUSTED',
  'HTTP_TTFB_TIMEOUT',
  'HTTP_REDIRECT',
  'HTTP_RATE_LIMITED',
  'HTTP_4XX',
  'HTTP_NOT_FOUND',
  'HTTP_5XX',
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'AUTH_FORBIDDEN',
  'BODY_TIMEOUT',
  'BODY_TOO_LARGE',
  'UNEXPECTED_CONTENT_TYPE',
  'INVALID_JSON',
  'INVALID_JSONRPC',
  'SSE_TIMEOUT',
  'SSE_NO_RESPONSE',
  'SSE_ENDPOINT_MISSING',
  'SSE_ENDPOINT_CROSS_ORIGIN',
  'NOT_MCP',
  'JSONRPC_ERROR',
  'INIT_RESULT_INVALID',
  'PROTOCOL_VERSION_UNSUPPORTED',
  'SESSION_REJECTED',
  'PROBE_TIMEOUT',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

export const WARNING_CODES = ['TLS_CERT_EXPIRING', 'SLOW', 'PING_UNSUPPORTED'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export const STATUSES = ['up', 'degraded', 'auth_required', 'down'] as const;
export type Status = (typeof STATUSES)[number];

export function isFailureCode(value: string): value is FailureCode {
  return (FAILURE_CODES as readonly string[]).includes(value);
}

/** An expected failure of one step: the code and a line a person can act on. */
export interface Failure {
  readonly code: FailureCode;
  readonly detail: string;
}

export type Outcome<T> = ({ readonly ok: true } & T) | ({ readonly ok: false } & Failure);

export function fail(code: FailureCode, detail: string): { ok: false; code: FailureCode; detail: string } {
  return { ok: false, code, detail };
}
