// mcpwatch's own overload, as evidence. When the event loop stalls, replies wait unread in socket
// buffers and the probe's deadline timers run first (timers come before I/O in a loop turn): the
// probe "times out" against a server that answered. Such a failure measured mcpwatch, so it is no
// evidence about the server. A definite answer (a refusal, a 5xx, an expired certificate) is
// evidence however busy mcpwatch was, and still counts.
import type { FailureCode } from './failure-codes.ts';
import type { ProbeResult } from './probe-result.ts';

/** Failures a client too busy to read its sockets produces by itself: waits that ran out, and peers that gave up waiting on it. */
export const LOAD_SENSITIVE_CODES = [
  'DNS_TIMEOUT',
  'TCP_TIMEOUT',
  'TLS_TIMEOUT',
  'HTTP_TTFB_TIMEOUT',
  'BODY_TIMEOUT',
  'SSE_TIMEOUT',
  'PROBE_TIMEOUT',
  'CONN_RESET',
] as const satisfies readonly FailureCode[];

const LOAD_SENSITIVE: ReadonlySet<string> = new Set(LOAD_SENSITIVE_CODES);

/** The result was timed while mcpwatch was overloaded and its failure is one overload can cause. */
export function isOverloadTainted(result: ProbeResult): boolean {
  return result.overload !== undefined && result.code !== null && LOAD_SENSITIVE.has(result.code);
}
