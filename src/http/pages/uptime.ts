// Uptime windows and what counts as "good", per the health policy (degraded and auth_required are
// good unless the operator made them outages).
import type { HealthPolicy } from '../../domain/health.ts';
import { uptimeRatio } from '../../domain/latency.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const UPTIME_WINDOWS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;
export const UPTIME_WINDOW_KEYS = Object.keys(UPTIME_WINDOWS) as UptimeWindow[];

export function isUptimeWindow(value: unknown): value is UptimeWindow {
  return typeof value === 'string' && Object.hasOwn(UPTIME_WINDOWS, value);
}

export interface StatusCounts {
  readonly up: number;
  readonly degraded: number;
  readonly authRequired: number;
  readonly down: number;
}

export function totalRounds(c: StatusCounts): number {
  return c.up + c.degraded + c.authRequired + c.down;
}

export function goodRounds(c: StatusCounts, policy: HealthPolicy): number {
  return c.up + (policy.degradedIsOutage ? 0 : c.degraded) + (policy.authRequiredIsOutage ? 0 : c.authRequired);
}

/** Fraction of good rounds, null when nothing was measured. */
export function uptimeOf(c: StatusCounts, policy: HealthPolicy): number | null {
  return uptimeRatio(goodRounds(c, policy), totalRounds(c));
}

export type UptimeLevel = 'none' | 'ok' | 'minor' | 'major' | 'bad';

/** Colour band for an uptime figure (bars, badges, table cells). */
export function uptimeLevel(ratio: number | null): UptimeLevel {
  if (ratio === null) return 'none';
  if (ratio >= 0.999) return 'ok';
  if (ratio >= 0.99) return 'minor';
  if (ratio >= 0.95) return 'major';
  return 'bad';
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function utcHourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
