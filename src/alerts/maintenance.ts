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
