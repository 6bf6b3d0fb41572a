import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inMaintenance, windowCovers, windowOpenAt } from '../../src/alerts/maintenance.ts';
import type { MaintenanceWindowConfig } from '../../src/config/schema.ts';

const at = (text: string): number => Date.parse(text);
const ALL = { endpoints: null, tags: null };

describe('maintenance windows: time', () => {
  const once: MaintenanceWindowConfig = { kind: 'once', start: '2026-05-01T02:00:00.000Z', end: '2026-05-01T03:00:00.000Z', ...ALL };
  // 2026-05-03 is a Sunday.
  const sunday: MaintenanceWindowConfig = { kind: 'weekly', day: 'sunday', start: '23:00', durationMinutes: 120, ...ALL };
  const wednesday: MaintenanceWindowConfig = { kind: 'weekly', day: 'wednesday', start: '04:30', durationMinutes: 30, ...ALL };
  const saturdayLong: MaintenanceWindowConfig = { kind: 'weekly', day: 'saturday', start: '20:00', durationMinutes: 2 * 24 * 60, ...ALL };
  const cases: ReadonlyArray<{ window: MaintenanceWindowConfig; time: string; open: boolean }> = [
    { window: once, time: '2026-05-01T01:59:59.999Z', open: false },
    { window: once, time: '2026-05-01T02:00:00.000Z', open: true },
    { window: once, time: '2026-05-01T02:59:59.999Z', open: true },
    { window: once, time: '2026-05-01T03:00:00.000Z', open: false },
    { window: sunday, time: '2026-05-03T22:59:00.000Z', open: false },
    { window: sunday, time: '2026-05-03T23:00:00.000Z', open: true },
    { window: sunday, time: '2026-05-04T00:30:00.000Z', open: true },
    { window: sunday, time: '2026-05-04T01:00:00.000Z', open: false },
    { window: sunday, time: '2026-05-10T23:30:00.000Z', open: true },
    { window: wednesday, time: '2026-05-06T04:45:00.000Z', open: true },
    { window: wednesday, time: '2026-05-07T04:45:00.000Z', open: false },
    { window: saturdayLong, time: '2026-05-04T19:59:00.000Z', open: true },
    { window: saturdayLong, time: '2026-05-04T20:00:00.000Z', open: false },
    { window: saturdayLong, time: '2026-05-02T19:59:00.000Z', open: false },
  ];
  for (const c of cases) {
    const name = c.window.kind === 'once' ? `once ${c.window.start}–${c.window.end}` : `${c.window.day} ${c.window.start} +${c.window.durationMinutes} min`;
    test(`${name} at ${c.time}: ${c.open ? 'open' : 'closed'}`, () => assert.equal(windowOpenAt(c.window, at(c.time)), c.open));
  }
});

describe('maintenance windows: scope', () => {
  const api = { slug: 'api', tags: ['prod', 'eu'] };
  const cases: ReadonlyArray<{ name: string; endpoints: string[] | null; tags: string[] | null; covers: boolean }> = [
    { name: 'no scope: every endpoint', endpoints: null, tags: null, covers: true },
    { name: 'by slug', endpoints: ['api'], tags: null, covers: true },
    { name: 'another slug', endpoints: ['web'], tags: null, covers: false },
    { name: 'by tag', endpoints: null, tags: ['eu'], covers: true },
    { name: 'another tag', endpoints: null, tags: ['us'], covers: false },
    { name: 'slug or tag', endpoints: ['web'], tags: ['prod'], covers: true },
    { name: 'empty lists cover nothing', endpoints: [], tags: [], covers: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const window: MaintenanceWindowConfig = { kind: 'once', start: '2026-05-01T00:00:00.000Z', end: '2026-05-02T00:00:00.000Z', endpoints: c.endpoints, tags: c.tags };
      assert.equal(windowCovers(window, api), c.covers);
      assert.equal(inMaintenance([window], api, at('2026-05-01T12:00:00Z')), c.covers);
      assert.equal(inMaintenance([window], api, at('2026-05-03T12:00:00Z')), false);
    });
  }
});
