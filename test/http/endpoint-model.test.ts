// The endpoint page's pure model: the strip of recent checks, each check's phase waterfall, where
// raw rounds take over from rollups (an injected clock, no wall time), incident timelines and
// deliveries that never carry a channel's secrets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testMessage } from '../../src/alerts/message.ts';
import type { LatencyPoint } from '../../src/http/pages/charts.ts';
import {
  checkStrip,
  deliveryView,
  incidentTimeline,
  latencyPlan,
  pageLatency,
  rawCoverageFrom,
  rawLatencySeries,
  rawSlotMs,
  rawWindowMs,
  fleetRowsPerMs,
  RAW_SCAN_BUDGET_ROWS,
  MIN_RAW_WINDOW_MS,
  RAW_ROWS_LIMIT,
  RAW_SLOT_MS,
  RAW_SLOTS,
  STRIP_SIZE,
  waterfall,
} from '../../src/http/pages/endpoint-model.ts';
import type { OutboxEntry } from '../../src/store/outbox.ts';
import type { Incident, ResultRow, StoredEvent } from '../../src/store/store.ts';
import { result } from '../store/helper.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-03-01 12:30 UTC: half past an hour, so hour slots and the 24 h edge do not coincide. */
const NOW = Date.parse('2026-03-01T12:30:00.000Z');

/** `n` rounds a minute apart ending just before `now`, newest first (as the store returns them). */
function newestFirst(n: number, now = NOW, overrides: (i: number) => Partial<ResultRow> = () => ({})): ResultRow[] {
  return Array.from({ length: n }, (_, i) => result(1, now - 1000 - i * 60_000, overrides(i)));
}

describe('the strip of recent checks', () => {
  test('at most 100 cells, oldest first, newest at the right', () => {
    const rows = newestFirst(150);
    const strip = checkStrip(rows, true);
    assert.equal(strip.cells.length, STRIP_SIZE);
    assert.equal(strip.cells.at(-1)!.at, new Date(rows[0]!.ts).toISOString(), 'the newest round is last');
    assert.equal(strip.cells[0]!.at, new Date(rows[99]!.ts).toISOString(), 'the 100th newest is first');
    assert.equal(strip.label, 'last 100 checks, 0 not up');
  });

  test('fewer than 100 rounds: one cell each; none: an empty strip that says so', () => {
    assert.equal(checkStrip(newestFirst(7), true).cells.length, 7);
    assert.deepEqual(checkStrip([], true), { cells: [], label: 'no checks in the last 24 h' });
  });

  test('a failed round: its code, and the raw detail only for viewers allowed private data', () => {
    const rows = newestFirst(3, NOW, (i) => (i === 0 ? { status: 'down', code: 'TCP_REFUSED', detail: 'connect ECONNREFUSED 10.0.0.7:443' } : {}));
    const full = checkStrip(rows, true).cells.at(-1)!;
    assert.deepEqual([full.status, full.statusLabel, full.code, full.detail], ['down', 'Down', 'TCP_REFUSED', 'connect ECONNREFUSED 10.0.0.7:443']);
    assert.equal(full.label, '2026-03-01 12:29 UTC: Down TCP_REFUSED, 120 ms');
    const anonymous = checkStrip(rows, false).cells.at(-1)!;
    assert.ok(anonymous.detail !== null && !anonymous.detail.includes('10.0.0.7'), anonymous.detail ?? 'null');
    assert.equal(checkStrip(rows, false).label, 'last 3 checks, 1 not up');
  });

  test('retried, stalled and discounted rounds say so', () => {
    const [cell] = checkStrip([result(1, NOW - 1000, { retried: true, stalled: true, discounted: true })], true).cells;
    assert.deepEqual(cell!.notes, ['retried once', 'timed while mcpwatch stalled', 'not counted (mcpwatch overloaded)']);
  });
});

describe('the waterfall of one check', () => {
  test('DNS, TCP, TLS, then the MCP exchange as what remains; widths add up to the whole', () => {
    const w = waterfall({ dnsMs: 2, connectMs: 5, tlsMs: 12, durationMs: 120 });
    assert.deepEqual(w.phases.map((p) => p.text), ['DNS 2 ms', 'TCP 5 ms', 'TLS 12 ms', 'MCP 101 ms']);
    assert.equal(w.text, 'DNS 2 ms · TCP 5 ms · TLS 12 ms · MCP 101 ms · total 120 ms');
    assert.deepEqual(w.phases.map((p) => p.x), [0, 3.3, 11.6, 31.6]);
    assert.ok(Math.abs(w.phases.reduce((sum, p) => sum + p.width, 0) - w.width) <= 0.5);
  });

  test('a plain-HTTP round has no TLS; a round that never connected has no MCP phase', () => {
    assert.deepEqual(waterfall({ dnsMs: 1, connectMs: 3, tlsMs: null, durationMs: 50 }).phases.map((p) => p.text), ['DNS 1 ms', 'TCP 3 ms', 'TLS not reached', 'MCP 46 ms']);
    const refused = waterfall({ dnsMs: 4, connectMs: null, tlsMs: null, durationMs: 6 });
    assert.deepEqual(refused.phases.map((p) => [p.text, p.width]), [
      ['DNS 4 ms', 133.3],
      ['TCP not reached', 0],
      ['TLS not reached', 0],
      ['MCP not reached', 0],
    ]);
  });

  test('a phase of a few ms in a slow round still shows (one unit wide); zero-length ones do not', () => {
    const w = waterfall({ dnsMs: 0, connectMs: 1, tlsMs: 2, durationMs: 20_000 });
    assert.deepEqual(w.phases.map((p) => p.width), [0, 1, 1, 198]);
  });
});

describe('latency: raw rounds for the last 24 h, rollups beyond', () => {
  test('the raw slot holds a few rounds of the endpoint\'s interval', () => {
    assert.deepEqual([30, 60, 100, 101, 300, 600, 1200, 3600].map((s) => rawSlotMs(s * 1000) / 60_000), [5, 5, 5, 10, 15, 30, 60, 60]);
    assert.deepEqual(latencyPlan('24h', NOW, 900_000), { stepMs: HOUR, fromMs: Date.parse('2026-02-28T13:00:00.000Z'), count: 24, source: 'raw' });
  });

  test('raw slots: exact p50/p95 of the successful, trusted rounds in each 5-minute slot', () => {
    const from = Math.floor(NOW / RAW_SLOT_MS) * RAW_SLOT_MS - RAW_SLOT_MS;
    const rows = [
      ...[100, 200, 300, 400].map((d, i) => result(1, from + i * 1000, { durationMs: d })),
      result(1, from + 5000, { status: 'down', code: 'HTTP_5XX', durationMs: 9000 }),
      result(1, from + 6000, { stalled: true, durationMs: 9000 }),
      result(1, from + 7000, { discounted: true, durationMs: 9000 }),
    ];
    const points = rawLatencySeries(rows, from, RAW_SLOT_MS, 2);
    assert.deepEqual(points, [
      { start: from, p50: 200, p95: 400 },
      { start: from + RAW_SLOT_MS, p50: null, p95: null },
    ]);
  });

  test('the 24 h range: 288 five-minute slots, the current one last, all from raw rounds', () => {
    const plan = latencyPlan('24h', NOW);
    assert.deepEqual(plan, { stepMs: RAW_SLOT_MS, fromMs: NOW - (RAW_SLOTS - 1) * RAW_SLOT_MS, count: RAW_SLOTS, source: 'raw' });
    const points = pageLatency('24h', NOW, [], newestFirst(10));
    assert.equal(points.length, RAW_SLOTS);
    assert.deepEqual(points.filter((p) => p.p50 !== null).map((p) => p.start), [Date.parse('2026-03-01T12:20:00.000Z'), Date.parse('2026-03-01T12:25:00.000Z')], 'ten rounds a minute apart fill the last two slots');
  });

  test('the 7 d range switches from rollups to raw rounds at exactly 24 h before now', () => {
    const plan = latencyPlan('7d', NOW);
    assert.equal(plan.source, 'mixed');
    const rollups: LatencyPoint[] = Array.from({ length: plan.count }, (_, i) => ({ start: plan.fromMs + i * plan.stepMs, p50: 999, p95: 999 }));
    // One raw round in every hour of the last two days (older ones are never read, but prove the rule).
    const rows = Array.from({ length: 48 }, (_, i) => result(1, NOW - 1000 - i * HOUR, { durationMs: 50 }));
    const points = pageLatency('7d', NOW, rollups, rows);
    const edge = NOW - DAY;
    for (const p of points) assert.equal(p.p50, p.start >= edge ? 50 : 999, new Date(p.start).toISOString());
    assert.equal(points.filter((p) => p.p50 === 50).length, 24, 'yesterday 13:00 to today 12:00; the slot straddling the edge (yesterday 12:00) stays a rollup');
    assert.equal(points.find((p) => p.start === Date.parse('2026-02-28T12:00:00.000Z'))?.p50, 999);
    // With the clock on the hour, the slot starting exactly 24 h back is the first raw one.
    const onHour = Date.parse('2026-03-01T13:00:00.000Z');
    const hourly = latencyPlan('7d', onHour);
    const shifted = Array.from({ length: hourly.count }, (_, i) => ({ start: hourly.fromMs + i * hourly.stepMs, p50: 999, p95: 999 }));
    const raw = Array.from({ length: 48 }, (_, i) => result(1, onHour + 1000 - i * HOUR, { durationMs: 50 }));
    const edgeSlot = pageLatency('7d', onHour, shifted, raw).find((p) => p.start === onHour - DAY);
    assert.equal(edgeSlot?.p50, 50);
    assert.equal(pageLatency('7d', onHour, shifted, raw).find((p) => p.start === onHour - DAY - HOUR)?.p50, 999);
  });

  test('a large fleet reads a shorter raw window: the scan stays within its budget of fleet rows', () => {
    const fleet = (n: number, intervalS = 60) => Array.from({ length: n }, () => ({ intervalS, paused: false, archivedAt: null }));
    assert.equal(rawWindowMs(fleetRowsPerMs(fleet(100))), DAY, '100 endpoints at 60 s: 144,000 rows a day fit');
    assert.equal(rawWindowMs(fleetRowsPerMs(fleet(1000))), 150 * 60_000, '1,000 endpoints: 150 minutes');
    assert.equal(rawWindowMs(fleetRowsPerMs(fleet(100_000))), MIN_RAW_WINDOW_MS, 'never less than the floor');
    assert.equal(rawWindowMs(fleetRowsPerMs([...fleet(1000), ...fleet(5000).map((e) => ({ ...e, paused: true }))])), 150 * 60_000, 'paused endpoints write nothing');
    assert.equal(rawWindowMs(0), DAY);
    assert.ok(rawWindowMs(fleetRowsPerMs(fleet(700))) * fleetRowsPerMs(fleet(700)) <= RAW_SCAN_BUDGET_ROWS);
  });

  test('with less than a day of raw rounds the 24 h range is hourly rollups, the raw-covered hours recomputed', () => {
    const plan = latencyPlan('24h', NOW, 60_000, 2 * HOUR);
    assert.deepEqual(plan, { stepMs: HOUR, fromMs: Date.parse('2026-02-28T13:00:00.000Z'), count: 24, source: 'mixed' });
    const rollups: LatencyPoint[] = Array.from({ length: 24 }, (_, i) => ({ start: plan.fromMs + i * HOUR, p50: 999, p95: 999 }));
    const points = pageLatency('24h', NOW, rollups, newestFirst(120), 60_000, 2 * HOUR);
    assert.deepEqual(points.slice(-3).map((p) => p.p50), [999, 120, 120], 'the hours starting inside the last two hours come from raw rounds');
  });

  test('a read cut at the row limit: raw rounds take over only from its oldest round', () => {
    assert.equal(rawCoverageFrom(newestFirst(10), NOW), NOW - DAY);
    const tenSecondly = Array.from({ length: RAW_ROWS_LIMIT }, (_, i) => result(1, NOW - 1000 - i * 10_000));
    assert.equal(rawCoverageFrom(tenSecondly, NOW), tenSecondly.at(-1)!.ts, 'eight hours of rounds fill the limit');
    assert.equal(rawCoverageFrom(newestFirst(RAW_ROWS_LIMIT), NOW), NOW - DAY, 'a full read reaching past the window covers all of it');
  });
});

describe('incident timelines', () => {
  const incident: Incident = {
    id: 7,
    endpointId: 1,
    startedAt: '2026-03-01T10:00:00.000Z',
    resolvedAt: '2026-03-01T11:00:00.000Z',
    durationS: 3600,
    firstCode: 'TCP_TIMEOUT',
    firstDetail: 'connect to 10.0.0.7:443 timed out',
    lastCode: 'HTTP_5XX',
    lastDetail: 'HTTP 503 <b>upstream</b>',
    regions: { 'us-east': { health: 'down', at: null, since: '2026-03-01T10:00:00.000Z', code: 'TCP_TIMEOUT', counted: true }, 'eu-west': { health: 'up', at: null, since: null, code: null, counted: false, excluded: 'stale' } },
  };
  const event = (id: number, at: string, data: StoredEvent['data']): StoredEvent => ({ id, endpointId: 1, at, kind: data.kind, data });
  const events: StoredEvent[] = [
    event(1, '2026-03-01T09:00:00.000Z', { kind: 'tools_changed', at: '2026-03-01T09:00:00.000Z', fromHash: null, toHash: 'h', count: 2 }),
    event(2, '2026-03-01T10:20:00.000Z', { kind: 'cert_changed', at: '2026-03-01T10:20:00.000Z', from: 'a', to: 'b', notAfter: '2026-06-01T00:00:00.000Z' }),
    event(3, '2026-03-01T10:00:00.000Z', { kind: 'incident_opened', at: '2026-03-01T10:00:00.000Z', incidentId: 7, startedAt: '2026-03-01T10:00:00.000Z', code: 'TCP_TIMEOUT', detail: 'x' }),
  ];

  test('opened, what changed inside it, and the end with the last failure; regions in name order', () => {
    const view = incidentTimeline(incident, events, NOW, true);
    assert.deepEqual(
      view.entries.map((e) => [e.kind, e.atText, e.text]),
      [
        ['opened', '2026-03-01 10:00 UTC', 'Opened: TCP_TIMEOUT connect to 10.0.0.7:443 timed out'],
        ['event', '2026-03-01 10:20 UTC', 'Certificate changed (now expires 2026-06-01 00:00 UTC)'],
        ['resolved', '2026-03-01 11:00 UTC', 'Resolved after 1 h; last failure HTTP_5XX HTTP 503 <b>upstream</b>'],
      ],
    );
    assert.deepEqual(view.regions.map((r) => [r.name, r.counted, r.excluded]), [
      ['eu-west', false, 'stale'],
      ['us-east', true, null],
    ]);
  });

  test('for anonymous viewers the codes\' sentences replace raw details', () => {
    const text = incidentTimeline(incident, events, NOW, false).entries.map((e) => e.text).join('\n');
    assert.doesNotMatch(text, /10\.0\.0\.7|upstream/);
    assert.match(text, /TCP_TIMEOUT/);
  });

  test('an open incident ends in "still open"', () => {
    const open = incidentTimeline({ ...incident, resolvedAt: null, durationS: null, lastCode: 'TCP_TIMEOUT', lastDetail: incident.firstDetail }, [], NOW, true);
    assert.deepEqual(open.entries.map((e) => e.kind), ['opened', 'ongoing']);
    assert.equal(open.entries[1]!.text, 'Still open (2 h 30 min so far)');
  });
});

test('a delivery shows the channel by name, never its last error (a receiver URL can carry a secret)', () => {
  const entry: OutboxEntry = {
    id: 3,
    idempotencyKey: 'k',
    channel: 'ops-hook',
    kind: 'incident_opened',
    endpointId: 1,
    status: 'dead',
    suppressedReason: null,
    message: testMessage('ops-hook', 'k', NOW, null),
    attempts: 5,
    dueMs: null,
    lastError: 'POST https://hooks.example.com/T000/SECRET failed: HTTP 410',
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:05:00.000Z',
    deliveredAt: null,
  };
  const view = deliveryView(entry);
  assert.deepEqual(view, { id: 3, channel: 'ops-hook', kind: 'incident opened', status: 'dead', statusText: 'gave up (dead letter)', attempts: 5, createdAt: '2026-03-01T10:00:00.000Z', createdText: '2026-03-01 10:00 UTC', deliveredText: null });
  assert.doesNotMatch(JSON.stringify(view), /SECRET|hooks\.example/);
  assert.equal(deliveryView({ ...entry, status: 'suppressed', suppressedReason: 'no_change' }).statusText, 'not sent (no change)');
});
