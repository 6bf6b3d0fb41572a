// The write-behind policy both backends share: which state changes may wait in memory for the next
// flush and which must be written in the tick that made them.
import type { EndpointState } from '../domain/health.ts';

/** EndpointState field → endpoint_state column; `satisfies` makes a new field a compile error here. */
export const STATE_COLUMNS = {
  endpointId: 'endpoint_id',
  health: 'health',
  healthSince: 'health_since',
  consecutiveFailures: 'consecutive_failures',
  consecutiveSuccesses: 'consecutive_successes',
  lastStatus: 'last_status',
  lastCode: 'last_code',
  lastDetail: 'last_detail',
  lastCheckedAt: 'last_checked_at',
  lastDurationMs: 'last_duration_ms',
  era: 'era',
  protocolVersion: 'protocol_version',
  serverName: 'server_name',
  serverVersion: 'server_version',
  certFingerprint: 'cert_fingerprint',
  certNotAfter: 'cert_not_after',
  toolsHash: 'tools_hash',
  toolsCount: 'tools_count',
  openIncidentId: 'open_incident_id',
  incidentsOpened: 'incidents_opened',
  failingSince: 'failing_since',
  firstFailureCode: 'first_failure_code',
  firstFailureDetail: 'first_failure_detail',
} as const satisfies Record<keyof EndpointState, string>;
export const STATE_FIELDS = Object.keys(STATE_COLUMNS) as (keyof EndpointState)[];

/** What the latest raw round says again after a crash (SQLite refolds them from the head table). */
const ROUND_FIELDS: ReadonlySet<keyof EndpointState> = new Set(['lastCheckedAt', 'lastDurationMs', 'lastDetail', 'lastStatus', 'lastCode']);

/**
 * True when `next` differs from the last written state only in what the rounds themselves say or
 * in a streak that cannot change anything: the latest round's time, status, code, duration and
 * detail (a restart takes them again from the newest raw row, see the SQLite store's refold); the
 * success streak of an endpoint that stays up; the failure streak of one that stays down (its
 * incident is open; only successes can close it). Those wait for the next flush; after a crash the
 * endpoint resumes with those counters up to one flush old, which cannot open or close an
 * incident. Anything else is written at once: a health change, a failure streak of an endpoint
 * still up (it opens the incident), a success streak of one still down (it closes it), facts.
 *
 * Measured at 10,000 endpoints (bench/storage.bench.ts): writing a state row in its tick costs a
 * page of WAL and a page at the checkpoint; a single degraded round (status up → degraded → up)
 * and every round of an endpoint that stays down did so: with the incident rows rewritten to the
 * same values, 2.5 of the ticks' 6.8 GiB a day.
 */
export function isVolatileChange(prev: EndpointState, next: EndpointState): boolean {
  if (prev.health !== next.health) return false;
  for (const field of STATE_FIELDS) {
    if (prev[field] === next[field] || ROUND_FIELDS.has(field)) continue;
    if (field === 'consecutiveSuccesses' && next.health === 'up') continue;
    if (field === 'consecutiveFailures' && next.health === 'down' && next.consecutiveFailures > prev.consecutiveFailures) continue;
    return false;
  }
  return true;
}

