// The status a person sees: the probe's four outcomes plus "not measured yet", "paused" and
// "archived", each with a word and an icon so colour is never the only signal.
import type { Endpoint } from '../../domain/endpoint.ts';
import { isFailure, type EndpointState, type HealthPolicy } from '../../domain/health.ts';

export type DisplayStatus = 'up' | 'degraded' | 'auth_required' | 'down' | 'unknown' | 'paused' | 'archived';

export const DISPLAY_STATUSES = ['down', 'degraded', 'auth_required', 'unknown', 'up', 'paused', 'archived'] as const satisfies readonly DisplayStatus[];

interface StatusMeta {
  readonly label: string;
  /** Lower sorts first: what needs attention leads the dashboard. */
  readonly severity: number;
}

export const STATUS_META = {
  down: { label: 'Down', severity: 0 },
  degraded: { label: 'Degraded', severity: 1 },
  auth_required: { label: 'Auth required', severity: 2 },
  unknown: { label: 'Pending', severity: 3 },
  up: { label: 'Up', severity: 4 },
  paused: { label: 'Paused', severity: 5 },
  archived: { label: 'Archived', severity: 6 },
} as const satisfies Record<DisplayStatus, StatusMeta>;

export function isDisplayStatus(value: unknown): value is DisplayStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS_META, value);
}

export interface LiveStatus {
  readonly status: DisplayStatus;
  /**
   * False while the last round failed but not yet often enough to open an incident
   * (HealthPolicy.downAfter): the operator sees it, the public page does not.
   */
  readonly confirmed: boolean;
}

/** Why an endpoint is not probed, if it is not. */
export type Hold = Pick<Endpoint, 'paused' | 'archivedAt'>;

/** The latest round as the operator sees it; a confirmed outage outranks a recovering round. */
export function liveStatus(state: Pick<EndpointState, 'health' | 'lastStatus'>, hold: Hold, policy: HealthPolicy): LiveStatus {
  if (hold.archivedAt !== null) return { status: 'archived', confirmed: true };
  if (hold.paused) return { status: 'paused', confirmed: true };
  if (state.health === 'down') return { status: 'down', confirmed: true };
  if (state.lastStatus === null) return { status: 'unknown', confirmed: true };
  return { status: state.lastStatus, confirmed: !isFailure(state.lastStatus, policy) };
}

/** What a public page shows: confirmed health only, so one failed round does not flash red. */
export function publicStatus(state: Pick<EndpointState, 'health' | 'lastStatus'>, hold: Hold, policy: HealthPolicy): DisplayStatus {
  const live = liveStatus(state, hold, policy);
  if (live.confirmed) return live.status;
  return state.health === 'up' ? 'up' : 'unknown';
}

/** One word for a group of endpoints (the status page's banner). */
export type OverallStatus = 'operational' | 'degraded' | 'outage' | 'unknown';

export function overallStatus(statuses: readonly DisplayStatus[]): OverallStatus {
  const active = statuses.filter((s) => s !== 'paused' && s !== 'archived');
  if (active.length === 0) return 'unknown';
  if (active.includes('down')) return 'outage';
  if (active.includes('degraded')) return 'degraded';
  if (active.every((s) => s === 'unknown')) return 'unknown';
  return 'operational';
}

export const OVERALL_TEXT = {
  operational: 'All systems operational',
  degraded: 'Some systems degraded',
  outage: 'Some systems are down',
  unknown: 'No measurements yet',
} as const satisfies Record<OverallStatus, string>;
