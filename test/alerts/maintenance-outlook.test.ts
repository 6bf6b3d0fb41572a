import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maintenanceOutlook } from '../../src/alerts/maintenance.ts';
import type { MaintenanceWindowConfig } from '../../src/config/schema.ts';

const target = { slug: 'weather', tags: ['prod'] };
const DAY = 86_400_000;
const WEEK = 7 * DAY;
// 2026-11-25 is a Wednesday.
const WED_NOON = Date.UTC(2026, 10, 25, 12, 0);

test('maintenance outlook: open now, next within the horizon, or nothing', () => {
  const weekly = (day: 'sunday' | 'wednesday' | 'thursday', start: string, durationMinutes: number, extra: Partial<MaintenanceWindowConfig> = {}): MaintenanceWindowConfig =>
    ({ kind: 'weekly', day, start, durationMinutes, endpoints: null, tags: null, ...extra }) as MaintenanceWindowConfig;
  const once = (start: number, end: number, extra: Partial<MaintenanceWindowConfig> = {}): MaintenanceWindowConfig =>
    ({ kind: 'once', start: new Date(start).toISOString(), end: new Date(end).toISOString(), endpoints: null, tags: null, ...extra }) as MaintenanceWindowConfig;

  // Wednesday 11:00 for 2 h is open at noon, until 13:00.
  assert.deepEqual(maintenanceOutlook([weekly('wednesday', '11:00', 120)], target, WED_NOON, WEEK), { activeUntil: Date.UTC(2026, 10, 25, 13, 0), next: null });
  // Thursday 03:00 opens tomorrow.
  assert.deepEqual(maintenanceOutlook([weekly('thursday', '03:00', 60)], target, WED_NOON, WEEK), {
    activeUntil: null,
    next: { start: Date.UTC(2026, 10, 26, 3, 0), end: Date.UTC(2026, 10, 26, 4, 0) },
  });
  // Wednesday 10:00 for 1 h has passed this week: next week's.
  assert.deepEqual(maintenanceOutlook([weekly('wednesday', '10:00', 60)], target, WED_NOON, WEEK).next, { start: Date.UTC(2026, 11, 2, 10, 0), end: Date.UTC(2026, 11, 2, 11, 0) });
  // Sunday 23:00 for 4 days still covers Wednesday noon (wraps the week).
  assert.equal(maintenanceOutlook([weekly('sunday', '23:00', 4 * 24 * 60)], target, WED_NOON, WEEK).activeUntil, Date.UTC(2026, 10, 26, 23, 0));
  // One-off windows: past ones say nothing; one beyond the horizon says nothing.
  assert.deepEqual(maintenanceOutlook([once(WED_NOON - 2 * DAY, WED_NOON - DAY), once(WED_NOON + 10 * DAY, WED_NOON + 11 * DAY)], target, WED_NOON, WEEK), { activeUntil: null, next: null });
  // Scope: a window for another tag or endpoint does not apply.
  assert.deepEqual(maintenanceOutlook([weekly('wednesday', '11:00', 120, { tags: ['staging'] }), weekly('wednesday', '11:00', 120, { endpoints: ['search'] })], target, WED_NOON, WEEK), { activeUntil: null, next: null });
  assert.equal(maintenanceOutlook([weekly('wednesday', '11:00', 120, { tags: ['prod'] })], target, WED_NOON, WEEK).activeUntil, Date.UTC(2026, 10, 25, 13, 0));
});
