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

/**
 * True when `next` differs from the last written state only in what every round changes: the
 * check time, duration and detail, and the success streak of an endpoint that stays up. Those wait
 * for the next flush; after a crash the endpoint resumes with counters up to one flush old, which
 * cannot open or close an incident. Anything else (a failure streak included) is written at once.
 */
export function isVolatileChange(prev: EndpointState, next: EndpointState): boolean {
  for (const field of STATE_FIELDS) {
    if (prev[field] === next[field]) continue;
    if (field === 'lastCheckedAt' || field === 'lastDurationMs' || field === 'lastDetail') continue;
    if (field === 'consecutiveSuccesses' && prev.health === 'up' && next.health === 'up') continue;
    return false;
  }
  return true;
}

