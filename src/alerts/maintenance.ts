// Maintenance windows: pure time arithmetic. Weekly windows are in UTC (a server's local zone is
// an accident of deployment; a window that moves with daylight saving surprises people twice a year).
import type { MaintenanceWindowConfig } from '../config/schema.ts';
import { WEEKDAYS } from '../config/schema.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: the offset that makes week time start on Sunday 00:00 UTC. */
const EPOCH_WEEK_OFFSET_MS = 4 * DAY_MS;

export interface MaintenanceTarget {
  readonly slug: string;
  readonly tags: readonly string[];
}

/** Whether the window applies to the endpoint: listed by slug or by a tag, or the window names neither. */
export function windowCovers(window: MaintenanceWindowConfig, target: MaintenanceTarget): boolean {
  if (window.endpoints === null && window.tags === null) return true;
  if (window.endpoints?.includes(target.slug)) return true;
  return window.tags?.some((tag) => target.tags.includes(tag)) ?? false;
}

/** Whether `atMs` falls inside the window's time (end exclusive), regardless of which endpoints it covers. */
export function windowOpenAt(window: MaintenanceWindowConfig, atMs: number): boolean {
  if (window.kind === 'once') return atMs >= Date.parse(window.start) && atMs < Date.parse(window.end);
  const [hours, minutes] = window.start.split(':').map(Number);
  const startInWeek = WEEKDAYS.indexOf(window.day) * DAY_MS + ((hours ?? 0) * 60 + (minutes ?? 0)) * MINUTE_MS;
  const nowInWeek = (((atMs + EPOCH_WEEK_OFFSET_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS;
  // Modulo the week, so Sunday 23:00 for 120 minutes covers Monday 00:30.
  const sinceStart = (((nowInWeek - startInWeek) % WEEK_MS) + WEEK_MS) % WEEK_MS;
  return sinceStart < window.durationMinutes * MINUTE_MS;
}

export function inMaintenance(windows: readonly MaintenanceWindowConfig[], target: MaintenanceTarget, atMs: number): boolean {
  return windows.some((w) => windowCovers(w, target) && windowOpenAt(w, atMs));
}

export interface MaintenanceOutlook {
  /** The end of the window covering `now`, ms; null when none is open. */
  readonly activeUntil: number | null;
  /** The next window to open within the horizon, ms; null when none. */
  readonly next: { readonly start: number; readonly end: number } | null;
}

/** Start and end of a window's occurrence that is open at, or next opens after, `atMs`. */
function occurrence(window: MaintenanceWindowConfig, atMs: number): { start: number; end: number } {
  if (window.kind === 'once') return { start: Date.parse(window.start), end: Date.parse(window.end) };
  const [hours, minutes] = window.start.split(':').map(Number);
  const startInWeek = WEEKDAYS.indexOf(window.day) * DAY_MS + ((hours ?? 0) * 60 + (minutes ?? 0)) * MINUTE_MS;
  const weekStart = atMs - ((((atMs + EPOCH_WEEK_OFFSET_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS);
  let start = weekStart + startInWeek;
  const length = window.durationMinutes * MINUTE_MS;
  if (start + length <= atMs) start += WEEK_MS;
  else if (start - WEEK_MS + length > atMs) start -= WEEK_MS;
  return { start, end: start + length };
}

/** What a status page says about maintenance: one open now, or the next within `horizonMs`. */
export function maintenanceOutlook(windows: readonly MaintenanceWindowConfig[], target: MaintenanceTarget, nowMs: number, horizonMs: number): MaintenanceOutlook {
  let activeUntil: number | null = null;
  let next: { start: number; end: number } | null = null;
  for (const window of windows) {
    if (!windowCovers(window, target)) continue;
    const o = occurrence(window, nowMs);
    if (o.start <= nowMs && nowMs < o.end) activeUntil = Math.max(activeUntil ?? 0, o.end);
    else if (o.start > nowMs && o.start - nowMs <= horizonMs && (next === null || o.start < next.start)) next = o;
  }
  return { activeUntil, next };
}
