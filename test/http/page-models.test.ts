// The pure page modules, table by table: formatting, status rules, uptime, chart geometry, bars,
// incidents per day, tool changes, the dashboard and status view models, badges, conditional GET,
// and an audit of the templates' raw-output tags.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY, type EndpointState, type HealthPolicy } from '../../src/domain/health.ts';
import { BUCKET_COUNT, bucketIndex } from '../../src/domain/latency.ts';
import type { Incident, Rollup, ToolSnapshot, UptimeSummary } from '../../src/store/store.ts';
import { badgeSvg, escapeXml, shieldsJson, textWidth } from '../../src/http/pages/badge.ts';
import { dailyBars, latencyChart, latencySeries, niceCeil, sparkline } from '../../src/http/pages/charts.ts';
import { buildDashboard, certView, dashboardJson, displayUrl, filterQuery, parseDashboardFilter, selectPage } from '../../src/http/pages/dashboard-model.ts';
import { formatDuration, formatMs, formatRelative, formatUtc } from '../../src/http/pages/format.ts';
import { etagFor, ifNoneMatchHits } from '../../src/http/pages/http-cache.ts';
import type { EndpointFacts } from '../../src/http/pages/load.ts';
import { liveStatus, overallStatus, publicStatus, type DisplayStatus } from '../../src/http/pages/status-display.ts';
import { buildStatusIndex, incidentsPerDay, incidentView, parseStatusPage, selectStatusPage, toolChanges } from '../../src/http/pages/status-model.ts';
import { uptimeLevel } from '../../src/http/pages/uptime.ts';
import { uptimeOf } from '../../src/domain/uptime.ts';
import { createTemplates, loadAssets, webDir } from '../../src/http/pages/web-files.ts';
import { definition, state } from '../store/helper.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-03-15T12:30:00.000Z');
const POLICY = DEFAULT_HEALTH_POLICY;

function endpoint(id: number, slug: string, overrides: Partial<Endpoint> = {}): Endpoint {
  return { ...definition(slug), id, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archivedAt: null, ...overrides };
}

function summary(up: number, down = 0, extra: Partial<UptimeSummary> = {}): UptimeSummary {
  return { rounds: up + down, up, degraded: 0, authRequired: 0, down, p50Ms: 100, p95Ms: 200, ...extra };
}

function rollup(start: number, latencies: readonly number[], extra: Partial<Rollup> = {}): Rollup {
  const buckets = new Array<number>(BUCKET_COUNT).fill(0);
  for (const ms of latencies) buckets[bucketIndex(ms)]!++;
  return {
    endpointId: 1,
    start,
    up: latencies.length,
    degraded: 0,
    authRequired: 0,
    down: 0,
    latencySumMs: latencies.reduce((a, b) => a + b, 0),
    latencyMinMs: latencies.length ? Math.min(...latencies) : null,
    latencyMaxMs: latencies.length ? Math.max(...latencies) : null,
    buckets,
    ...extra,
  };
}

describe('format', () => {
  test('formatMs, formatDuration, formatRelative, formatUtc', () => {
    assert.deepEqual([null, 0.4, 87.6, 999, 1000, 1234, 12_345].map(formatMs), ['—', '0 ms', '88 ms', '999 ms', '1.00 s', '1.23 s', '12.3 s']);
    assert.deepEqual([0, 59, 60, 3599, 3600, 3660, 86_399, 86_400, 90_000].map(formatDuration), ['0 s', '59 s', '1 min', '59 min', '1 h', '1 h 1 min', '23 h 59 min', '1 d', '1 d 1 h']);
    assert.deepEqual([NOW - 2000, NOW - 42_000, NOW - 5 * 60_000, NOW - 3 * HOUR - 60_000, NOW - 2 * DAY].map((t) => formatRelative(t, NOW)), ['just now', '42 s ago', '5 min ago', '3 h ago', '2 d ago']);
    assert.equal(formatUtc(NOW), '2026-03-15 12:30 UTC');
    assert.equal(formatUtc('not a date'), '—');
  });
});

describe('status-display', () => {
  const policy: HealthPolicy = POLICY;
  const table: Array<[string, Partial<EndpointState>, boolean, DisplayStatus, boolean, DisplayStatus]> = [
    // name, state, paused, live status, confirmed, public status
    ['never checked', {}, false, 'unknown', true, 'unknown'],
    ['paused wins', { health: 'down', lastStatus: 'down' }, true, 'paused', true, 'paused'],
    ['up', { health: 'up', lastStatus: 'up' }, false, 'up', true, 'up'],
    ['one failed round while up', { health: 'up', lastStatus: 'down', consecutiveFailures: 1 }, false, 'down', false, 'up'],
    ['first round failed', { health: 'unknown', lastStatus: 'down', consecutiveFailures: 1 }, false, 'down', false, 'unknown'],
    ['confirmed down', { health: 'down', lastStatus: 'down' }, false, 'down', true, 'down'],
    ['recovering round while down', { health: 'down', lastStatus: 'up' }, false, 'down', true, 'down'],
    ['auth required is reachable', { health: 'up', lastStatus: 'auth_required' }, false, 'auth_required', true, 'auth_required'],
    ['degraded', { health: 'up', lastStatus: 'degraded' }, false, 'degraded', true, 'degraded'],
  ];
  for (const [name, s, paused, live, confirmed, shown] of table) {
    test(name, () => {
      assert.deepEqual(liveStatus(state(1, s), { paused, archivedAt: null }, policy), { status: live, confirmed });
      assert.equal(publicStatus(state(1, s), { paused, archivedAt: null }, policy), shown);
    });
  }
  test('auth_required as an outage is unconfirmed until the health says down', () => {
    const strict = { ...policy, authRequiredIsOutage: true };
    assert.deepEqual(liveStatus(state(1, { health: 'up', lastStatus: 'auth_required' }), { paused: false, archivedAt: null }, strict), { status: 'auth_required', confirmed: false });
  });
  test('archived wins over paused and over the last round, and is left out of the overall status', () => {
    const hold = { paused: true, archivedAt: '2026-03-01T00:00:00.000Z' };
    assert.deepEqual(liveStatus(state(1, { health: 'down', lastStatus: 'down' }), hold, policy), { status: 'archived', confirmed: true });
    assert.equal(publicStatus(state(1, { health: 'up', lastStatus: 'up' }), hold, policy), 'archived');
    assert.equal(overallStatus(['archived', 'up']), 'operational');
    assert.equal(overallStatus(['archived']), 'unknown');
  });
  test('overallStatus', () => {
    assert.equal(overallStatus([]), 'unknown');
    assert.equal(overallStatus(['paused']), 'unknown');
    assert.equal(overallStatus(['up', 'auth_required', 'paused']), 'operational');
    assert.equal(overallStatus(['up', 'unknown']), 'operational');
    assert.equal(overallStatus(['unknown', 'unknown']), 'unknown');
    assert.equal(overallStatus(['up', 'degraded']), 'degraded');
    assert.equal(overallStatus(['degraded', 'down']), 'outage');
  });
});

describe('uptime', () => {
  test('uptimeLevel bands, from the shown (floored) figure', () => {
    const of = (up: number, total: number) => uptimeOf({ up, degraded: 0, authRequired: 0, down: total - up }, POLICY);
    assert.deepEqual(
      [of(0, 0), of(1, 1), of(999, 1000), of(9989, 10_000), of(99, 100), of(95, 100), of(9499, 10_000), of(99_899, 100_000)].map(uptimeLevel),
      ['none', 'ok', 'ok', 'minor', 'minor', 'major', 'bad', 'minor'],
    );
  });
});

describe('charts', () => {
  test('niceCeil', () => {
    assert.deepEqual([0, 0.3, 1, 1.1, 2.1, 3, 7, 99, 101, 240, 260, 4100].map(niceCeil), [1, 0.5, 1, 2, 2.5, 5, 10, 100, 200, 250, 500, 5000]);
  });
  test('latencySeries puts rollups into fixed slots and leaves gaps null', () => {
    const from = NOW - (NOW % HOUR) - 3 * HOUR;
    const series = latencySeries([rollup(from, [100, 100]), rollup(from + 2 * HOUR, [40])], from, HOUR, 4);
    assert.deepEqual(
      series.map((p) => [p.start - from, p.p50 === null ? null : Math.round(p.p50)]),
      [
        [0, 75],
        [HOUR, null],
        [2 * HOUR, 38], // one 40 ms round: halfway through the 25–50 ms bucket
        [3 * HOUR, null],
      ],
    );
  });
  test('sparkline breaks at gaps and draws lonely points as dots', () => {
    const s = sparkline([100, 120, null, 80, null, null, 100, 90], 72, 20);
    assert.equal(s.empty, false);
    assert.equal(s.segments.length, 2);
    assert.equal(s.dots.length, 1);
    assert.equal(s.segments[0]!.split(' ').length, 2);
    for (const seg of s.segments) for (const pt of seg.split(' ')) {
      const [x, y] = pt.split(',').map(Number);
      assert.ok(x! >= 0 && x! <= 72 && y! >= 0 && y! <= 20, pt);
    }
    assert.match(s.label, /80 ms to 120 ms/);
    const ys = s.segments.flatMap((seg) => seg.split(' ').map((pt) => Number(pt.split(',')[1])));
    assert.ok(Math.max(...ys) - Math.min(...ys) > 8, 'the shape uses the height');
    const flat = sparkline([100, 101, 100, 101], 72, 20);
    const flatYs = flat.segments[0]!.split(' ').map((pt) => Number(pt.split(',')[1]));
    assert.ok(Math.max(...flatYs) - Math.min(...flatYs) < 2, 'noise stays flat');
    const empty = sparkline([null, null]);
    assert.deepEqual([empty.empty, empty.segments, empty.dots], [true, [], []]);
  });
  test('latencyChart: y axis from 0 to a round maximum, p95 above p50, ticks on round UTC times', () => {
    const hour0 = Math.floor(NOW / HOUR) * HOUR - 23 * HOUR; // 13:00 yesterday
    const points = Array.from({ length: 24 }, (_, i) => ({ start: hour0 + i * HOUR, p50: 100 + i, p95: 300 + i }));
    const chart = latencyChart(points, HOUR);
    assert.deepEqual(chart.yTicks.map((t) => t.label), ['0 ms', '250 ms', '500 ms']);
    assert.deepEqual(chart.xTicks.map((t) => t.label), ['16:00', '20:00', '00:00', '04:00', '08:00', '12:00']);
    assert.equal(chart.xTicks.at(-1)!.anchor, 'end', 'the last label stays inside the chart');
    assert.ok(chart.xTicks.every((t) => t.at >= chart.plot.left && t.at <= chart.plot.right));
    const firstY = (line: string): number => Number(line.split(' ')[0]!.split(',')[1]);
    assert.ok(firstY(chart.p95.segments[0]!) < firstY(chart.p50.segments[0]!), 'p95 is drawn higher');
    assert.equal(chart.empty, false);
    const week = latencyChart(Array.from({ length: 168 }, (_, i) => ({ start: Date.UTC(2026, 2, 8) + i * HOUR, p50: 1, p95: 2 })), HOUR);
    assert.deepEqual(week.xTicks.map((t) => t.label), ['03-08', '03-09', '03-10', '03-11', '03-12', '03-13', '03-14']);
    const month = latencyChart(Array.from({ length: 30 }, (_, i) => ({ start: Date.UTC(2026, 1, 14 + i), p50: null, p95: null })), DAY);
    assert.equal(month.empty, true);
    assert.deepEqual(month.yTicks.map((t) => t.label), [''], 'an empty chart labels no made-up scale');
    const fast = latencyChart(Array.from({ length: 24 }, (_, i) => ({ start: hour0 + i * HOUR, p50: 0.4, p95: 0.9 })), HOUR);
    assert.deepEqual(fast.yTicks.map((t) => t.label), ['0 ms', '0.5 ms', '1 ms'], 'sub-millisecond steps keep their decimal');
    assert.ok(month.xTicks.length >= 5 && month.xTicks.length <= 7);
    assert.match(month.xTicks[0]!.label, /^0[23]-\d\d$/);
  });
  test('dailyBars: levels, titles, grey without data, never green on an incident day', () => {
    const day = (counts: { up: number; down: number } | null, incidents = 0) => ({ dayStart: Date.UTC(2026, 2, 1), counts: counts && { ...counts, degraded: 0, authRequired: 0 }, incidents });
    const bars = dailyBars([day(null), day({ up: 24, down: 0 }), day({ up: 1440, down: 0 }, 1), day({ up: 18, down: 6 }, 2)], POLICY);
    assert.deepEqual(bars.bars.map((b) => b.level), ['none', 'ok', 'minor', 'bad']);
    assert.deepEqual(bars.bars.map((b) => b.title), [
      '2026-03-01 · no data',
      '2026-03-01 · 100% uptime · no incidents',
      '2026-03-01 · 100% uptime · 1 incident',
      '2026-03-01 · 75.00% uptime · 2 incidents',
    ]);
    assert.deepEqual(bars.bars.map((b) => b.x), [0, 8, 16, 24]);
    assert.equal(bars.width, 30);
  });
});

describe('status model', () => {
  const incident = (id: number, startedAt: number, resolvedAt: number | null): Incident => ({
    id,
    endpointId: 1,
    startedAt: new Date(startedAt).toISOString(),
    resolvedAt: resolvedAt === null ? null : new Date(resolvedAt).toISOString(),
    durationS: resolvedAt === null ? null : (resolvedAt - startedAt) / 1000,
    firstCode: 'TCP_REFUSED',
    firstDetail: 'connection refused',
    lastCode: 'HTTP_5XX',
    lastDetail: 'HTTP 502',
  });
  const from = Date.UTC(2026, 2, 10);
  test('incidentsPerDay counts each day an incident touches; an open one runs until now', () => {
    assert.deepEqual(
      incidentsPerDay(
        [
          incident(1, from + 23 * HOUR, from + 25 * HOUR), // across midnight: two days
          incident(2, from + 2 * DAY, from + 2 * DAY + HOUR),
          incident(3, from + 3 * DAY + HOUR, null), // open: every day until now
          incident(4, from - 3 * DAY, from - 2 * DAY), // before the window
          incident(5, from + DAY - HOUR, from + DAY), // ends exactly at midnight: one day
        ],
        from,
        6,
        from + 4 * DAY + HOUR,
      ),
      [2, 1, 1, 1, 1, 0],
    );
  });
  test('incidentView: durations, ongoing, last cause only when it changed', () => {
    const done = incidentView(incident(1, NOW - 2 * HOUR, NOW - HOUR - 30_000), NOW);
    assert.deepEqual([done.durationS, done.durationText, done.ongoing, done.lastCode], [3570, '59 min', false, 'HTTP_5XX']);
    const open = incidentView(incident(2, NOW - 90 * 60_000, null), NOW);
    assert.deepEqual([open.durationS, open.durationText, open.ongoing, open.resolvedText], [5400, '1 h 30 min so far', true, 'ongoing']);
    const same = incidentView({ ...incident(3, NOW - HOUR, NOW), lastCode: 'TCP_REFUSED', lastDetail: 'connection refused' }, NOW);
    assert.equal(same.lastCode, null);
  });
  test('toolChanges: added and removed against the previous snapshot; the oldest is a baseline', () => {
    const snap = (ts: number, names: string[]): ToolSnapshot => ({ endpointId: 1, ts, hash: names.join(), count: names.length, names });
    const changes = toolChanges([snap(3, ['a', 'c', 'd']), snap(2, ['a', 'b']), snap(1, ['a', 'b'])]);
    assert.deepEqual(
      changes.map((c) => [c.count, c.added, c.removed, c.baseline]),
      [
        [3, ['c', 'd'], ['b'], false],
        [2, [], [], false],
        [2, [], [], true],
      ],
    );
  });
  test('buildStatusIndex: an endpoint under each of its tags, untagged last under Other', () => {
    const card = (id: number, slug: string, tags: string[], s: Partial<EndpointState>) => ({
      endpoint: endpoint(id, slug, { name: slug.toUpperCase(), tags, public: true }),
      state: state(id, s),
      uptime90d: summary(99, 1),
      daily: { fromDay: from, days: 3, rollups: [], incidents: [] },
    });
    const cards = [card(1, 'b', ['x', 'y'], { health: 'up', lastStatus: 'up', lastCheckedAt: '2026-03-15T12:00:00.000Z' }), card(2, 'a', [], { health: 'down', lastStatus: 'down', lastCheckedAt: '2026-03-15T12:01:00.000Z' }), card(3, 'c', ['x'], {})];
    const all = cards.map((c) => ({ endpoint: c.endpoint, state: c.state }));
    const ctx = { now: NOW, policy: POLICY, certWarnDays: 14 };
    const view = buildStatusIndex({ all, selection: selectStatusPage(all.map((e) => e.endpoint), 1), facts: cards }, ctx);
    assert.deepEqual(view.groups.map((g) => [g.name, g.endpoints.map((c) => c.slug)]), [
      ['x', ['b', 'c']],
      ['y', ['b']],
      ['Other', ['a']],
    ]);
    assert.equal(view.overall, 'outage');
    assert.equal(view.updatedAt, '2026-03-15T12:01:00.000Z');
    assert.equal(view.groups[0]!.endpoints[0]!.uptime90dText, '99.00%');
    assert.equal(view.groups[0]!.endpoints[0]!.bars.bars.length, 3);
    assert.deepEqual(view.page, { number: 1, pages: 1, cards: 4, from: 1, to: 4, prev: null, next: null });

    // Two cards a page: groups continue across pages; the overall status still covers everyone.
    const second = selectStatusPage(all.map((e) => e.endpoint), 2, 2);
    assert.deepEqual(second.placements.map((p) => [p.group, p.endpoint.slug]), [['y', 'b'], ['Other', 'a']]);
    const page2 = buildStatusIndex({ all, selection: second, facts: cards.filter((c) => second.endpoints.includes(c.endpoint)) }, ctx);
    assert.deepEqual(page2.groups.map((g) => [g.name, g.endpoints.map((c) => c.slug)]), [['y', ['b']], ['Other', ['a']]]);
    assert.equal(page2.overall, 'outage');
    assert.deepEqual([page2.page.prev, page2.page.next], ['/status', null]);
    assert.equal(selectStatusPage(all.map((e) => e.endpoint), 99, 2).number, 2, 'past the last page: the last page');
  });
  test('parseStatusPage', () => {
    assert.deepEqual([parseStatusPage({ page: '3' }), parseStatusPage({ page: '0' }), parseStatusPage({ page: 'x' }), parseStatusPage(null), parseStatusPage({ page: ['2'] })], [3, 1, 1, 1, 1]);
  });
});

describe('dashboard model', () => {
  const facts = (id: number, slug: string, s: Partial<EndpointState>, overrides: Partial<Endpoint> = {}): EndpointFacts => ({
    endpoint: endpoint(id, slug, overrides),
    state: state(id, s),
    uptime: { '24h': summary(24), '7d': summary(167, 1), '30d': summary(700, 20), '90d': summary(0) },
    hourly: Array.from({ length: 24 }, (_, i) => ({ start: NOW - (24 - i) * HOUR, p50: i % 5 === 0 ? null : 100 + i, p95: 200 })),
    gaps: [],
  });
  const all = [
    facts(1, 'up-one', { health: 'up', lastStatus: 'up', lastCheckedAt: new Date(NOW - 42_000).toISOString(), certNotAfter: new Date(NOW + 5 * DAY).toISOString() }, { tags: ['prod'] }),
    facts(2, 'down-one', { health: 'down', lastStatus: 'down', lastCode: 'TCP_REFUSED', lastDetail: 'refused' }, { tags: ['prod', 'eu'] }),
    facts(3, 'blip', { health: 'up', lastStatus: 'down', consecutiveFailures: 1, lastCode: 'HTTP_5XX', lastDetail: '503' }),
    facts(4, 'sleepy', { health: 'up', lastStatus: 'up' }, { paused: true, pausedReason: 'needs env MCP_TOKEN' }),
  ];
  const entries = all.map((f) => ({ endpoint: f.endpoint, state: f.state }));
  const build = (query: unknown, size?: number) => {
    const filter = parseDashboardFilter(query);
    const { endpoints, page } = selectPage(entries, filter, POLICY, size);
    const facts = endpoints.map((e) => all.find((f) => f.endpoint.id === e.id)!);
    return buildDashboard({ now: NOW, policy: POLICY, certWarnDays: 14, filter, all: entries, facts, page });
  };

  test('rows sorted by attention; notes explain unconfirmed and paused rows', () => {
    const view = build({});
    assert.deepEqual(view.rows.map((r) => [r.slug, r.status, r.confirmed]), [
      ['blip', 'down', false],
      ['down-one', 'down', true],
      ['up-one', 'up', true],
      ['sleepy', 'paused', true],
    ]);
    const [blip, down, up, sleepy] = view.rows;
    assert.equal(blip!.note, 'not confirmed yet (1 failed round of 2)');
    assert.deepEqual([down!.code, down!.detail, down!.note], ['TCP_REFUSED', 'refused', null]);
    assert.equal(sleepy!.note, 'needs env MCP_TOKEN');
    assert.deepEqual(up!.uptime.map((u) => u.text), ['100%', '99.40%', '97.22%', '—']);
    assert.deepEqual([up!.cert.text, up!.cert.level], ['5 days', 'warn']);
    assert.equal(up!.lastCheckedText, '42 s ago');
    assert.equal(up!.sparkline.segments.length, 5);
  });
  test('filters: counts follow the tag filter, not the status filter', () => {
    const view = build({ tag: 'prod', status: 'down' });
    assert.deepEqual(view.rows.map((r) => r.slug), ['down-one']);
    assert.deepEqual(Object.fromEntries(view.counts.map((c) => [c.status, c.count])), { down: 1, degraded: 0, auth_required: 0, unknown: 0, up: 1, paused: 0, archived: 0 });
    assert.equal(view.counts.find((c) => c.status === 'down')!.href, '/?tag=prod', 'clicking the active status clears it');
    assert.equal(view.counts.find((c) => c.status === 'up')!.href, '/?status=up&tag=prod');
    assert.deepEqual(view.tags.map((t) => [t.name, t.selected]), [
      ['eu', false],
      ['prod', true],
    ]);
    assert.equal(view.jsonUrl, '/dashboard.json?status=down&tag=prod');
    const json = dashboardJson(view);
    assert.equal(json.endpoints.length, 1);
  });
  test('parseDashboardFilter and filterQuery', () => {
    assert.deepEqual(parseDashboardFilter({ status: 'down', tag: 'a b', page: '3' }), { status: 'down', tag: 'a b', page: 3 });
    assert.deepEqual(parseDashboardFilter({ status: 'nope', tag: ['x'], page: '-1' }), { status: null, tag: null, page: 1 });
    assert.deepEqual(parseDashboardFilter(null), { status: null, tag: null, page: 1 });
    assert.deepEqual(parseDashboardFilter({ tag: 'x'.repeat(101), page: '1e9' }), { status: null, tag: null, page: 1 });
    assert.equal(parseDashboardFilter({ page: '999999' }).page, 100_000);
    assert.equal(filterQuery({ status: null, tag: '<&>', page: 1 }), '?tag=%3C%26%3E');
    assert.equal(filterQuery({ status: 'down', tag: null, page: 2 }), '?status=down&page=2');
  });
  test('pages: rows in attention order across pages; links keep the filter; a page past the last shows the last', () => {
    const first = build({}, 3);
    assert.deepEqual(first.rows.map((r) => r.slug), ['blip', 'down-one', 'up-one']);
    assert.deepEqual([first.page.number, first.page.pages, first.page.matched, first.page.from, first.page.to, first.page.prev, first.page.next], [1, 2, 4, 1, 3, null, '/?page=2']);
    const second = build({ page: '2' }, 3);
    assert.deepEqual(second.rows.map((r) => r.slug), ['sleepy']);
    assert.deepEqual([second.page.from, second.page.to, second.page.prev, second.page.next], [4, 4, '/', null]);
    assert.equal(second.jsonUrl, '/dashboard.json?page=2');
    assert.deepEqual(dashboardJson(second).page, { number: 2, pages: 2, size: 3, matched: 4 });
    assert.deepEqual(build({ page: '9' }, 3).rows.map((r) => r.slug), ['sleepy']);
    const filtered = build({ tag: 'prod', page: '1' }, 1);
    assert.deepEqual([filtered.rows.map((r) => r.slug), filtered.page.next], [['down-one'], '/?tag=prod&page=2']);
    assert.equal(filtered.counts.find((c) => c.status === 'up')!.href, '/?status=up&tag=prod', 'a status link starts at page 1');
  });
  test('displayUrl drops userinfo, query and fragment', () => {
    assert.equal(displayUrl('https://u:p@h.example:8443/mcp?key=s#x'), 'https://h.example:8443/mcp?…');
    assert.equal(displayUrl('http://h.example/sse'), 'http://h.example/sse');
    assert.equal(displayUrl('not a url?key=1'), 'not a url');
  });
  test('certView', () => {
    assert.deepEqual(
      [null, NOW + 40 * DAY, NOW + 13 * DAY + 1, NOW - 1].map((t) => {
        const c = certView(t === null ? null : new Date(t).toISOString(), NOW, 14);
        return [c.text, c.level];
      }),
      [
        ['—', 'none'],
        ['40 days', 'ok'],
        ['13 days', 'warn'],
        ['expired', 'bad'],
      ],
    );
  });
});

describe('badges', () => {
  test('escapeXml escapes markup and drops characters XML forbids', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>\u0000\u0007ok`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;ok');
  });
  test('badgeSvg: escaped text, widths that grow with the text, a colour from the palette', () => {
    const svg = badgeSvg({ label: '<x>', message: 'up', color: 'brightgreen' });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20"/);
    assert.ok(svg.includes('&lt;x&gt;') && !svg.includes('<x>'));
    assert.match(svg, /fill="#4c1"/);
    assert.match(badgeSvg({ label: 'a', message: 'b', color: '"><script>' }), /fill="#9f9f9f"/);
    assert.ok(textWidth('mmmm') > textWidth('iiii'));
    const long = badgeSvg({ label: 'x'.repeat(200), message: 'up', color: 'red' });
    assert.ok(long.includes(`${'x'.repeat(63)}…`) && !long.includes('x'.repeat(64)));
  });
  test('shieldsJson', () => {
    assert.deepEqual(shieldsJson({ label: 'uptime 30d', message: '99.95%', color: 'brightgreen' }), { schemaVersion: 1, label: 'uptime 30d', message: '99.95%', color: 'brightgreen' });
  });
});

describe('conditional GET', () => {
  test('etagFor is strong and stable; ifNoneMatchHits compares weakly, lists and *', () => {
    const tag = etagFor('body');
    assert.equal(tag, etagFor(Buffer.from('body')));
    assert.notEqual(tag, etagFor('body!'));
    for (const [header, hit] of [
      [undefined, false],
      [tag, true],
      [`W/${tag}`, true],
      [`"a", ${tag}`, true],
      ['*', true],
      ['"a"', false],
      ['', false],
    ] as const) assert.equal(ifNoneMatchHits(header, tag), hit, String(header));
  });
});

describe('templates and assets', () => {
  test('the raw tag <%~ %> is used only for include() and a layout body, never on data', () => {
    const dir = join(webDir(), 'templates');
    const files = readdirSync(dir).filter((f) => f.endsWith('.eta'));
    assert.ok(files.length >= 6);
    for (const file of files) {
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/<%~\s*([\s\S]*?)%>/g)) {
        assert.match(m[1]!.trim(), /^(?:include\('[\w-]+'(?:, [^()]*(?:\([^()]*\))?[^()]*)?\)|it\.body)$/, `${file}: ${m[0]}`);
      }
    }
  });
  test('templates escape what they interpolate', () => {
    const html = createTemplates().render('status-pill', { status: '"><x', label: '<img src=x onerror=alert(1)>' });
    assert.ok(!html.includes('<img') && !html.includes('"><x'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });
  test('every linked asset exists and none is inline', () => {
    const assets = loadAssets();
    for (const name of ['app.css', 'app.js', 'favicon.svg']) assert.match(assets.url(name), /^\/assets\/[\w-]+\.[0-9a-f]{12}\.\w+$/);
    const dir = join(webDir(), 'templates');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)/, `${file}: inline script`);
      assert.doesNotMatch(text, /<style|\sstyle=|\son[a-z]+=/i, `${file}: inline style or handler`);
    }
  });
});
