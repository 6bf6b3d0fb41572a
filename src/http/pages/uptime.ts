// Uptime windows and colour bands for the pages; what uptime is and how it is rounded is defined
// once, in domain/uptime.ts.
import type { HealthPolicy } from '../../domain/health.ts';
import { uptimeOf, type RoundCounts, type Uptime } from '../../domain/uptime.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const UPTIME_WINDOWS = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS, '90d': 90 * DAY_MS } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;
export const UPTIME_WINDOW_KEYS = Object.keys(UPTIME_WINDOWS) as UptimeWindow[];

export function isUptimeWindow(value: unknown): value is UptimeWindow {
  return typeof value === 'string' && Object.hasOwn(UPTIME_WINDOWS, value);
}

/** Per-status round counts: the domain's RoundCounts under the name the pages use. */
export type StatusCounts = RoundCounts;

/** Fraction of good rounds (unrounded), null when nothing was measured: for the JSON twins. */
export function uptimeRatioOf(c: StatusCounts, policy: HealthPolicy): number | null {
  return uptimeOf(c, policy).ratio;
}

export type UptimeLevel = 'none' | 'ok' | 'minor' | 'major' | 'bad';

/** Colour band for an uptime figure (bars, badges, table cells), from the shown (floored) figure so colour and text agree. */
export function uptimeLevel(u: Uptime): UptimeLevel {
  if (u.basisPoints === null) return 'none';
  if (u.basisPoints >= 9990) return 'ok';
  if (u.basisPoints >= 9900) return 'minor';
  if (u.basisPoints >= 9500) return 'major';
  return 'bad';
}

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function utcHourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}
