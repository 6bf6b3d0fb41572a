import type { FailureCode, Status } from './failure-codes.ts';
import type { Warning } from './probe-result.ts';

export interface WarningThresholds {
  readonly certExpiringDays: number;
  readonly slowMs: number;
}

export function certificateWarning(daysLeft: number, thresholdDays: number): Warning | undefined {
  if (daysLeft < 0 || daysLeft >= thresholdDays) return undefined;
  return {
    code: 'TLS_CERT_EXPIRING',
    detail: `certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (threshold ${thresholdDays})`,
  };
}

export function slowWarning(durationMs: number, slowMs: number): Warning | undefined {
  if (slowMs <= 0 || durationMs <= slowMs) return undefined;
  return { code: 'SLOW', detail: `probe took ${Math.round(durationMs)} ms (threshold ${slowMs} ms)` };
}

/**
 * AUTH_REQUIRED is the one code that is not an outage: the server answered 401 with a challenge
 * and no credentials were configured, i.e. it is reachable and correctly protected.
 */
export function statusForFailure(code: FailureCode): Status {
  return code === 'AUTH_REQUIRED' ? 'auth_required' : 'down';
}

/** Failures that mean "this era is not spoken here" rather than "the server is unwell"; a cached era hint that fails this way is re-detected. */
const PROTOCOL_MISMATCH: ReadonlySet<FailureCode> = new Set<FailureCode>([
  'HTTP_4XX',
  'HTTP_NOT_FOUND',
  'NOT_MCP',
  'UNEXPECTED_CONTENT_TYPE',
  'INVALID_JSON',
  'INVALID_JSONRPC',
  'INIT_RESULT_INVALID',
  'JSONRPC_ERROR',
  'PROTOCOL_VERSION_UNSUPPORTED',
  'SSE_ENDPOINT_MISSING',
  'SSE_NO_RESPONSE',
]);

export function isProtocolMismatch(code: FailureCode): boolean {
  return PROTOCOL_MISMATCH.has(code);
}
