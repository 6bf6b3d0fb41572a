// An exception the probe did not expect is still an observation: it becomes a result with a code
// from the closed set, so state, pages, badges and metrics keep moving (issue 10: a thrown probe
// recorded nothing and an endpoint kept showing `up` while its checks went stale). The code is
// the one the running step would have reported had it failed in an expected way; the detail says
// plainly that mcpwatch itself broke, so nobody mistakes it for the server's words.
import type { Failure, FailureCode } from './failure-codes.ts';
import { failureResult } from './failure-result.ts';
import type { PhaseName, ProbeResult } from './probe-result.ts';

/**
 * MCP steps map to INVALID_JSONRPC: by the time an HTTP exchange is under way, the probe's
 * expected failures are all bounded and classified, so what is left is a reply of a shape it
 * could not handle — "not a JSON-RPC answer we can use" is the honest outside view.
 */
const CODE_FOR_PHASE = {
  dns: 'DNS_SERVFAIL',
  connect: 'TCP_UNREACHABLE',
  tls: 'TLS_HANDSHAKE_FAILED',
  discover: 'INVALID_JSONRPC',
  initialize: 'INVALID_JSONRPC',
  initialized: 'INVALID_JSONRPC',
  ping: 'INVALID_JSONRPC',
  sse_open: 'INVALID_JSONRPC',
  tools_list: 'INVALID_JSONRPC',
  tool_call: 'INVALID_JSONRPC',
  reconnect: 'INVALID_JSONRPC',
  auth_metadata: 'INVALID_JSONRPC',
  session_close: 'INVALID_JSONRPC',
} as const satisfies Record<PhaseName, FailureCode>;

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return typeof err === 'string' ? err : 'a non-error value was thrown';
}

/** The failure to record for an exception thrown during `phase` (null: outside any timed step). */
export function unexpectedFailure(err: unknown, phase: PhaseName | null): Failure {
  const step = phase === null ? '' : ` during ${phase.replace('_', ' ')}`;
  return {
    code: phase === null ? 'INVALID_JSONRPC' : CODE_FOR_PHASE[phase],
    detail: `mcpwatch failed with an unexpected error${step} (${describe(err)}); this is a bug in mcpwatch, please report it with this line`,
  };
}

/** A whole result for a probe that threw before it could build its own (the round's last guard). */
export function unexpectedResult(url: string, startedAt: Date, err: unknown): ProbeResult {
  return failureResult({ url, startedAt: startedAt.toISOString(), phases: [], durationMs: 0 }, unexpectedFailure(err, null));
}
