// What each failure code means, in words for the people who read a public status page. Public
// pages show these instead of a probe's detail: details quote the server and the network
// ("connection refused (10.0.3.7:8443)", a reply's first bytes, a redirect target), which an
// operator needs and the public must not see.
import type { FailureCode } from './failure-codes.ts';

export const FAILURE_SUMMARIES = {
  URL_INVALID: 'The configured address is not a valid MCP endpoint URL.',
  ADDRESS_BLOCKED: 'The server’s address is not one the monitor may connect to.',
  DNS_NXDOMAIN: 'The server’s domain name does not exist.',
  DNS_NO_RECORDS: 'The server’s domain name has no address.',
  DNS_TIMEOUT: 'The server’s domain name did not resolve in time.',
  DNS_SERVFAIL: 'Name servers failed to resolve the server’s domain name.',
  DNS_UNREACHABLE: 'The monitor could not reach a name server.',
  TCP_REFUSED: 'The server refused the connection.',
  TCP_TIMEOUT: 'The server did not accept a connection in time.',
  TCP_UNREACHABLE: 'The server could not be reached.',
  CONN_RESET: 'The connection to the server was cut.',
  TLS_TIMEOUT: 'The secure connection (TLS) did not complete in time.',
  TLS_HANDSHAKE_FAILED: 'The secure connection (TLS) failed.',
  TLS_CERT_EXPIRED: 'The server’s certificate has expired.',
  TLS_CERT_NOT_YET_VALID: 'The server’s certificate is not valid yet.',
  TLS_HOSTNAME_MISMATCH: 'The server’s certificate is for another name.',
  TLS_UNTRUSTED: 'The server’s certificate is not trusted.',
  HTTP_TTFB_TIMEOUT: 'The server did not answer in time.',
  HTTP_REDIRECT: 'The server redirects MCP requests elsewhere.',
  HTTP_RATE_LIMITED: 'The server is rate limiting requests.',
  HTTP_4XX: 'The server rejected the request.',
  HTTP_NOT_FOUND: 'No MCP endpoint was found at the address.',
  HTTP_5XX: 'The server reported an internal error.',
  AUTH_REQUIRED: 'The server requires authorization.',
  AUTH_FAILED: 'The server rejected the monitor’s credentials.',
  AUTH_FORBIDDEN: 'The server denied access.',
  BODY_TIMEOUT: 'The server’s answer did not finish in time.',
  BODY_TOO_LARGE: 'The server’s answer was larger than allowed.',
  UNEXPECTED_CONTENT_TYPE: 'The server answered with something other than MCP.',
  INVALID_JSON: 'The server’s answer was not usable JSON.',
  INVALID_JSONRPC: 'The server’s answer was not valid JSON-RPC.',
  SSE_TIMEOUT: 'The server’s event stream did not deliver an answer in time.',
  SSE_NO_RESPONSE: 'The server’s event stream ended without an answer.',
  SSE_ENDPOINT_MISSING: 'The server’s event stream did not announce where to send messages.',
  SSE_ENDPOINT_CROSS_ORIGIN: 'The server’s event stream pointed to another site.',
  NOT_MCP: 'The server does not speak MCP at this address.',
  JSONRPC_ERROR: 'The server answered the MCP request with an error.',
  INIT_RESULT_INVALID: 'The server’s MCP handshake answer was incomplete.',
  PROTOCOL_VERSION_UNSUPPORTED: 'The server speaks no MCP version the monitor supports.',
  SESSION_REJECTED: 'The server lost or rejected the MCP session.',
  PROBE_TIMEOUT: 'The check did not finish in time.',
} as const satisfies Record<FailureCode, string>;

export function failureSummary(code: FailureCode): string {
  return FAILURE_SUMMARIES[code];
}

/**
 * What a caller without a token may read in place of a stored detail: the code's sentence. A raw
 * detail names addresses, ports and whatever the server sent (`connect: connection refused
 * (10.0.0.7:8443)`); only the operator's own views (dashboard, API and /mcp with a token) show it.
 * A round without a code keeps its detail: mcpwatch wrote it ("MCP 2025-11-25 over …").
 */
export function publicDetail(code: FailureCode | null, detail: string | null): string | null {
  return code === null ? detail : failureSummary(code);
}
