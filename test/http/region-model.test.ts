// Per-region rows on the status pages (issue 14): the board (src/domain/region-board.ts) and its
// display (src/http/pages/region-model.ts), one row of the table per case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_HEALTH_POLICY, type Health } from '../../src/domain/health.ts';
import { regionBoard, type RegionWord } from '../../src/domain/region-board.ts';
import type { Status } from '../../src/domain/failure-codes.ts';
import { endpointRegionsJson, endpointRegionsView, indexRegionsJson, indexRegionsView } from '../../src/http/pages/region-model.ts';

const NOW = Date.UTC(2026, 11, 3, 4, 0, 0);
/** Three endpoints every minute: a word a second old is fresh, one an hour old is not. */
const ENDPOINTS = [1, 2, 3].map((id) => ({ id, slug: `ep-${id}`, intervalS: 60, timeoutMs: 10_000, paused: false, archivedAt: null }));
const SETTINGS = { quorum: null, isolationShare: 1, isolationMinEndpoints: 3 };
const STALE = 3_600_000;

type Word = 'up' | 'down' | 'degraded' | 'pending';

function word(endpointId: number, region: string, kind: Word, options: { ageMs?: number; latencyMs?: number } = {}): RegionWord {
  const ageMs = options.ageMs ?? 1_000;
  const health: Health = kind === 'down' ? 'down' : kind === 'pending' ? 'unknown' : 'up';
  const lastStatus: Status = kind === 'down' ? 'down' : kind === 'degraded' ? 'degraded' : 'up';
  return {
    endpointId,
    region,
    at: NOW - ageMs,
    state: {
      health,
      healthSince: health === 'unknown' ? null : new Date(NOW - 600_000).toISOString(),
      lastStatus,
      lastCheckedAt: new Date(NOW - ageMs).toISOString(),
      lastDurationMs: options.latencyMs ?? 120,
      consecutiveFailures: kind === 'down' ? 3 : 0,
    },
  };
}

/** Every endpoint as `others` in each region, then endpoint 1 as `first` says. */
function words(first: Record<string, Word | [Word, number]>, others: Record<string, Word | [Word, number]> = {}): RegionWord[] {
  const out: RegionWord[] = [];
  const all: Record<string, Word | [Word, number]> = { ...Object.fromEntries(Object.keys(first).map((r) => [r, 'up'])), ...others };
  for (const [region, spec] of Object.entries(all)) {
    const [kind, ageMs] = Array.isArray(spec) ? spec : [spec, 1_000];
    for (const id of [2, 3]) out.push(word(id, region, kind, { ageMs }));
  }
  for (const [region, spec] of Object.entries(first)) {
    const [kind, ageMs] = Array.isArray(spec) ? spec : [spec, 1_000];
    out.push(word(1, region, kind, { ageMs, latencyMs: 100 + region.length }));
  }
  return out;
}

function view(list: RegionWord[]) {
  return endpointRegionsView(regionBoard(list, ENDPOINTS, SETTINGS, NOW), ENDPOINTS[0]!, DEFAULT_HEALTH_POLICY);
}

describe('the endpoint page’s region table', () => {
  const cases: Array<{ name: string; words: RegionWord[]; verdict: string; text: string; rows: Array<[string, string, string | null]> }> = [
    {
      name: 'all up',
      words: words({ ap: 'up', eu: 'up', us: 'up' }),
      verdict: 'up',
      text: 'Up in all 3 regions',
      rows: [['ap', 'Up', null], ['eu', 'Up', null], ['us', 'Up', null]],
    },
    {
      name: 'one region down: a partial outage',
      words: words({ ap: 'up', eu: 'down', us: 'up' }),
      verdict: 'partial_outage',
      text: 'Down in 1 of 3 regions: partial outage',
      rows: [['ap', 'Up', null], ['eu', 'Down', null], ['us', 'Up', null]],
    },
    {
      name: 'two of three down: the quorum says down',
      words: words({ ap: 'up', eu: 'down', us: 'down' }),
      verdict: 'down',
      text: 'Down in 2 of 3 regions: outage',
      rows: [['ap', 'Up', null], ['eu', 'Down', null], ['us', 'Down', null]],
    },
    {
      name: 'a region not reporting is shown and not counted',
      words: words({ ap: ['up', STALE], eu: 'down', us: 'up' }, { ap: ['up', STALE] }),
      verdict: 'partial_outage',
      text: 'Down in 1 of 2 regions: partial outage (1 region not counted)',
      rows: [['ap', 'Not reporting', 'not_reporting'], ['eu', 'Down', null], ['us', 'Up', null]],
    },
    {
      name: 'an isolated region is excluded from the quorum',
      words: words({ cut: 'down', eu: 'up', us: 'up' }, { cut: 'down' }),
      verdict: 'up',
      text: 'Up in both regions (1 region not counted)',
      rows: [['cut', 'Isolated', 'isolated'], ['eu', 'Up', null], ['us', 'Up', null]],
    },
    {
      name: 'a region without a fresh word on this endpoint',
      words: words({ ap: ['down', STALE], eu: 'up', us: 'up' }),
      verdict: 'up',
      text: 'Up in both regions (1 region not counted)',
      rows: [['ap', 'Not reporting', 'stale'], ['eu', 'Up', null], ['us', 'Up', null]],
    },
    {
      name: 'a region not confirmed yet',
      words: words({ ap: 'pending', eu: 'degraded', us: 'up' }),
      verdict: 'up',
      text: 'Up in both regions (1 region not counted)',
      rows: [['ap', 'Pending', 'no_verdict'], ['eu', 'Degraded', null], ['us', 'Up', null]],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const v = view(c.words);
      assert.ok(v, 'a table is shown');
      assert.equal(v.verdict, c.verdict);
      assert.equal(v.verdictText, c.text);
      assert.deepEqual(
        v.rows.map((r) => [r.name, r.statusLabel, r.excluded]),
        c.rows,
      );
    });
  }

  test('latency and last check come from each region’s latest round; a failed round has no latency', () => {
    const v = view(words({ eu: 'down', us: 'up' }))!;
    const [eu, us] = v.rows;
    assert.deepEqual([eu!.latencyMs, eu!.latencyText], [null, '—']);
    assert.deepEqual([us!.latencyMs, us!.latencyText], [102, '102 ms']);
    assert.equal(us!.checkedAt, new Date(NOW - 1_000).toISOString());
    assert.equal(us!.checkedText, '2026-12-03 03:59 UTC');
    assert.deepEqual(endpointRegionsJson(v), {
      verdict: 'partial_outage',
      description: 'Down in 1 of 2 regions: partial outage',
      needed: 2,
      counted: 2,
      down: 1,
      regions: [
        { region: 'eu', status: 'down', counted: true, excluded: null, latencyMs: null, lastCheckedAt: new Date(NOW - 1_000).toISOString() },
        { region: 'us', status: 'up', counted: true, excluded: null, latencyMs: 102, lastCheckedAt: new Date(NOW - 1_000).toISOString() },
      ],
    });
  });

  test('a configured quorum: one region of three down is down when the quorum is 1', () => {
    const board = regionBoard(words({ ap: 'up', eu: 'down', us: 'up' }), ENDPOINTS, { ...SETTINGS, quorum: 1 }, NOW);
    assert.equal(endpointRegionsView(board, ENDPOINTS[0]!, DEFAULT_HEALTH_POLICY)?.verdictText, 'Down in 1 of 3 regions: outage');
  });

  const none: Array<[string, RegionWord[]]> = [
    ['one region', words({ default: 'down' })],
    ['two regions, one not reporting', words({ eu: 'up', us: ['up', STALE] }, { us: ['up', STALE] })],
    ['no region at all', []],
  ];
  for (const [name, list] of none) test(`no table: ${name}`, () => assert.equal(view(list), null));
});

describe('the overview’s region table', () => {
  test('each region’s worst public status, counts, median latency; endpoints down somewhere get a note', () => {
    const list = words({ eu: 'down', us: 'up', cut: 'down' }, { cut: 'down' });
    const v = indexRegionsView(regionBoard(list, ENDPOINTS, SETTINGS, NOW), ENDPOINTS, DEFAULT_HEALTH_POLICY);
    assert.ok(v);
    assert.deepEqual(
      v.rows.map((r) => [r.name, r.statusLabel, r.countsText, r.latencyText, r.excluded]),
      [
        ['cut', 'Isolated', '3 down', '—', 'isolated'],
        ['eu', 'Down', '1 down, 2 up', '120 ms', null],
        ['us', 'Up', '3 up', '120 ms', null],
      ],
    );
    assert.equal(v.summaryText, '1 endpoint down in some regions (partial outage)');
    assert.deepEqual([...v.notes], [['ep-1', { verdict: 'partial_outage', text: 'Down in 1 of 2 regions: partial outage (1 region not counted)' }]]);
    assert.deepEqual((indexRegionsJson(v) as { endpoints: unknown }).endpoints, [{ slug: 'ep-1', verdict: 'partial_outage', description: 'Down in 1 of 2 regions: partial outage (1 region not counted)' }]);
  });

  test('only the published endpoints are counted', () => {
    const list = words({ eu: 'down', us: 'up' });
    const v = indexRegionsView(regionBoard(list, ENDPOINTS, SETTINGS, NOW), ENDPOINTS.slice(1), DEFAULT_HEALTH_POLICY)!;
    assert.deepEqual(v.rows.map((r) => r.countsText), ['2 up', '2 up']);
    assert.equal(v.summaryText, 'No endpoint is down in any region that counts');
    assert.equal(v.notes.size, 0);
  });

  test('one region: no table', () => {
    assert.equal(indexRegionsView(regionBoard(words({ default: 'down' }), ENDPOINTS, SETTINGS, NOW), ENDPOINTS, DEFAULT_HEALTH_POLICY), null);
    assert.equal(indexRegionsView(undefined, ENDPOINTS, DEFAULT_HEALTH_POLICY), null);
  });
});
