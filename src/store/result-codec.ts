// How a raw round is stored, shared by every backend: the small-integer codes for status and era,
// the flag bits, and the normalisation (whole ms, detail only when not up) that rollups fold too.
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import type { Era } from '../domain/probe-result.ts';
import type { GapRow, ResultRow } from './store.ts';

export const STATUS_CODES = { up: 0, degraded: 1, auth_required: 2, down: 3 } as const satisfies Record<Status, number>;
export const STATUS_BY_CODE: readonly Status[] = ['up', 'degraded', 'auth_required', 'down'];
export const ERA_CODES = { modern: 1, streamable: 2, sse: 3 } as const satisfies Record<Era, number>;
export const ERA_BY_CODE: readonly (Era | null)[] = [null, 'modern', 'streamable', 'sse'];
export const FLAG_RETRIED = 1;
export const FLAG_STALLED = 2;
export const FLAG_DISCOUNTED = 4;

/** A stored raw row's columns (without any backend-specific id). */
export interface ResultColumns {
  endpoint_id: number;
  ts: number;
  status: number;
  code: string | null;
  detail: string | null;
  duration_ms: number;
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  era: number | null;
  flags: number;
  lag_ms: number;
}

/** The row as stored: whole milliseconds, detail only when not up. Rollups fold this same shape. */
export function normalizeResult(row: ResultRow): ResultRow {
  return {
    endpointId: row.endpointId,
    ts: Math.round(row.ts),
    status: row.status,
    code: row.code,
    detail: row.status === 'up' ? null : row.detail,
    durationMs: Math.round(row.durationMs),
    dnsMs: roundOrNull(row.dnsMs),
    connectMs: roundOrNull(row.connectMs),
    tlsMs: roundOrNull(row.tlsMs),
    era: row.era,
    retried: row.retried,
    stalled: row.stalled,
    ...(row.discounted === true ? { discounted: true } : {}),
    lagMs: Math.round(row.lagMs),
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

/** A normalized row's columns. */
export function encodeResult(row: ResultRow): ResultColumns {
  return {
    endpoint_id: row.endpointId,
    ts: row.ts,
    status: STATUS_CODES[row.status],
    code: row.code,
    detail: row.detail,
    duration_ms: row.durationMs,
    dns_ms: row.dnsMs,
    connect_ms: row.connectMs,
    tls_ms: row.tlsMs,
    era: row.era === null ? null : ERA_CODES[row.era],
    flags: (row.retried ? FLAG_RETRIED : 0) | (row.stalled ? FLAG_STALLED : 0) | (row.discounted === true ? FLAG_DISCOUNTED : 0),
    lag_ms: row.lagMs,
  };
}

export function decodeResult(row: ResultColumns): ResultRow {
  return {
    endpointId: row.endpoint_id,
    ts: row.ts,
    status: STATUS_BY_CODE[row.status] ?? 'down',
    code: row.code as FailureCode | null,
    detail: row.detail,
    durationMs: row.duration_ms,
    dnsMs: row.dns_ms,
    connectMs: row.connect_ms,
    tlsMs: row.tls_ms,
    era: ERA_BY_CODE[row.era ?? 0] ?? null,
    retried: (row.flags & FLAG_RETRIED) !== 0,
    stalled: (row.flags & FLAG_STALLED) !== 0,
    ...((row.flags & FLAG_DISCOUNTED) !== 0 ? { discounted: true } : {}),
    lagMs: row.lag_ms,
  };
}

/** A monitoring gap as both schemas store it (monitoring_gaps). */
export interface GapDbRow {
  endpoint_id: number;
  from_ts: number;
  to_ts: number;
}

export function gapFromDb(row: GapDbRow): GapRow {
  return { endpointId: row.endpoint_id, fromMs: row.from_ts, toMs: row.to_ts };
}
