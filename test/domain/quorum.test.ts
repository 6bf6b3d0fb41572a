import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Health } from '../../src/domain/health.ts';
import {
  majority,
  overallStatus,
  regionHealth,
  REGION_HEALTHS,
  type OverallStatus,
  type QuorumFlag,
  type QuorumOptions,
  type RegionHealth,
  type RegionReport,
  type RegionResults,
  type RegionVote,
} from '../../src/domain/quorum.ts';

const NOW = Date.UTC(2026, 11, 2, 14, 0, 0);
const FRESH = 180_000;
const OPTIONS: QuorumOptions = { freshnessMs: FRESH };

function report(region: string, health: Health, ageMs: number | null = 10_000): RegionReport {
  return { region, health, at: ageMs === null ? null : NOW - ageMs };
}

describe('majority', () => {
  test('strict majority of the counted regions: two of two, two of three', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(majority), [1, 2, 2, 3, 3]);
  });
});

describe('overallStatus', () => {
  const cases: readonly {
    name: string;
    reports: readonly RegionReport[];
    regions?: Readonly<Record<string, RegionHealth>>;
    options?: Partial<QuorumOptions>;
    status: OverallStatus;
    needed: number;
    counted: number;
    flags?: readonly QuorumFlag[];
  }[] = [
    { name: 'one region up → up (today’s behaviour)', reports: [report('eu', 'up')], status: 'up', needed: 1, counted: 1 },
    { name: 'one region down → down (quorum 1 of 1)', reports: [report('eu', 'down')], status: 'down', needed: 1, counted: 1 },
    { name: 'one region without a verdict yet → unknown', reports: [report('eu', 'unknown')], status: 'unknown', needed: 1, counted: 0, flags: ['no_eligible_region'] },
    { name: 'no region at all → unknown', reports: [], status: 'unknown', needed: 1, counted: 0, flags: ['no_eligible_region'] },
    { name: 'two regions, one down → partial outage: majority of two is two', reports: [report('eu', 'down'), report('us', 'up')], status: 'partial_outage', needed: 2, counted: 2 },
    { name: 'two regions, both down → down', reports: [report('eu', 'down'), report('us', 'down')], status: 'down', needed: 2, counted: 2 },
    { name: 'three regions, two down → down', reports: [report('eu', 'down'), report('us', 'down'), report('ap', 'up')], status: 'down', needed: 2, counted: 3 },
    { name: 'three regions, one down → partial outage', reports: [report('eu', 'down'), report('us', 'up'), report('ap', 'up')], status: 'partial_outage', needed: 2, counted: 3 },
    {
      name: 'four regions, two down → partial outage (three needed)',
      reports: [report('eu', 'down'), report('us', 'down'), report('ap', 'up'), report('sa', 'up')],
      status: 'partial_outage',
      needed: 3,
      counted: 4,
    },
    {
      name: 'an isolated region saying down is not counted → up',
      reports: [report('eu', 'down'), report('us', 'up'), report('ap', 'up')],
      regions: { eu: 'isolated', us: 'reporting', ap: 'reporting' },
      status: 'up',
      needed: 2,
      counted: 2,
      flags: ['regions_excluded'],
    },
    {
      name: 'three regions, two down, one of them isolated → partial outage among the two left',
      reports: [report('eu', 'down'), report('us', 'down'), report('ap', 'up')],
      regions: { eu: 'isolated' },
      status: 'partial_outage',
      needed: 2,
      counted: 2,
      flags: ['regions_excluded'],
    },
    {
      name: 'two regions, one isolated, the other sees it down → down on the healthy region’s word',
      reports: [report('eu', 'down'), report('us', 'down')],
      regions: { eu: 'isolated', us: 'reporting' },
      status: 'down',
      needed: 1,
      counted: 1,
      flags: ['regions_excluded'],
    },
    {
      name: 'every region isolated → unknown, flagged, nothing to page on',
      reports: [report('eu', 'down'), report('us', 'down')],
      regions: { eu: 'isolated', us: 'isolated' },
      status: 'unknown',
      needed: 1,
      counted: 0,
      flags: ['no_eligible_region', 'regions_excluded'],
    },
    {
      name: 'a region that is not reporting is left out',
      reports: [report('eu', 'down', 10 * FRESH), report('us', 'up')],
      regions: { eu: 'not_reporting' },
      status: 'up',
      needed: 1,
      counted: 1,
      flags: ['regions_excluded'],
    },
    { name: 'a stale region is ignored: its old down does not count', reports: [report('eu', 'down', FRESH + 1), report('us', 'up')], status: 'up', needed: 1, counted: 1 },
    { name: 'a stale up does not outvote a fresh down', reports: [report('eu', 'down'), report('us', 'up', FRESH + 1)], status: 'down', needed: 1, counted: 1 },
    { name: 'exactly as old as the freshness window → still fresh', reports: [report('eu', 'down', FRESH), report('us', 'up')], status: 'partial_outage', needed: 2, counted: 2 },
    { name: 'a region that never had a result → stale', reports: [report('eu', 'unknown', null), report('us', 'down')], status: 'down', needed: 1, counted: 1 },
    { name: 'all regions stale → unknown', reports: [report('eu', 'down', FRESH + 1), report('us', 'down', FRESH + 1)], status: 'unknown', needed: 1, counted: 0, flags: ['no_eligible_region'] },
    {
      name: 'a region missing from the region map counts as reporting',
      reports: [report('eu', 'down'), report('us', 'down')],
      regions: { us: 'reporting' },
      status: 'down',
      needed: 2,
      counted: 2,
    },
    {
      name: 'absolute quorum 2 of 3: two down → down',
      reports: [report('eu', 'down'), report('us', 'down'), report('ap', 'up')],
      options: { quorum: 2 },
      status: 'down',
      needed: 2,
      counted: 3,
    },
    {
      name: 'absolute quorum 3 of 3: two down → partial outage',
      reports: [report('eu', 'down'), report('us', 'down'), report('ap', 'up')],
      options: { quorum: 3 },
      status: 'partial_outage',
      needed: 3,
      counted: 3,
    },
    {
      name: 'absolute quorum 1 of 3: any region down → down',
      reports: [report('eu', 'down'), report('us', 'up'), report('ap', 'up')],
      options: { quorum: 1 },
      status: 'down',
      needed: 1,
      counted: 3,
    },
    {
      name: 'absolute quorum 2 with one region left counted → cannot be down, flagged',
      reports: [report('eu', 'down'), report('us', 'down')],
      regions: { us: 'isolated' },
      options: { quorum: 2 },
      status: 'partial_outage',
      needed: 2,
      counted: 1,
      flags: ['regions_excluded', 'quorum_unreachable'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const verdict = overallStatus(c.reports, new Map(Object.entries(c.regions ?? {})), { ...OPTIONS, ...c.options }, NOW);
      assert.equal(verdict.status, c.status);
      assert.equal(verdict.needed, c.needed);
      assert.equal(verdict.counted, c.counted);
      assert.deepEqual(verdict.flags, c.flags ?? []);
      assert.equal(verdict.regions.length, c.reports.length);
    });
  }

  test('records which regions saw what and when, and why a region was not counted', () => {
    const verdict = overallStatus(
      [report('us', 'up'), report('eu', 'down', 5_000), report('ap', 'down', FRESH + 1), report('sa', 'unknown'), report('af', 'down')],
      new Map([['af', 'isolated' as const]]),
      OPTIONS,
      NOW,
    );
    const expected: RegionVote[] = [
      { region: 'af', health: 'down', at: NOW - 10_000, counted: false, excluded: 'isolated' },
      { region: 'ap', health: 'down', at: NOW - FRESH - 1, counted: false, excluded: 'stale' },
      { region: 'eu', health: 'down', at: NOW - 5_000, counted: true },
      { region: 'sa', health: 'unknown', at: NOW - 10_000, counted: false, excluded: 'no_verdict' },
      { region: 'us', health: 'up', at: NOW - 10_000, counted: true },
    ];
    assert.deepEqual(verdict.regions, expected);
    assert.equal(verdict.down, 1);
    assert.equal(verdict.status, 'partial_outage');
  });

  test('rejects a quorum or freshness window that makes no sense', () => {
    for (const quorum of [0, -1, 1.5, Number.NaN]) assert.throws(() => overallStatus([], new Map(), { freshnessMs: FRESH, quorum }, NOW), RangeError);
    for (const freshnessMs of [0, -1, Number.NaN]) assert.throws(() => overallStatus([], new Map(), { freshnessMs }, NOW), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

const SEVERITY: Readonly<Record<OverallStatus, number>> = { unknown: -1, up: 0, partial_outage: 1, down: 2 };
const REGION_NAMES = ['af', 'ap', 'eu', 'sa', 'us'];
const arbitraryReports = fc.uniqueArray(
  fc.record({
    region: fc.constantFrom(...REGION_NAMES),
    health: fc.constantFrom<Health>('up', 'down', 'unknown'),
    at: fc.option(fc.integer({ min: NOW - 2 * FRESH, max: NOW }), { nil: null }),
  }),
  { selector: (r) => r.region, maxLength: REGION_NAMES.length },
);
const arbitraryRegions = fc.dictionary(fc.constantFrom(...REGION_NAMES), fc.constantFrom(...REGION_HEALTHS)).map((d) => new Map(Object.entries(d)));
const arbitraryQuorum = fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined });
const PROPERTY_RUNS = { numRuns: 500, seed: 1414 } as const;

describe('overallStatus properties', () => {
  test('down exactly when at least `needed` counted regions say down; partial when some but fewer do', () => {
    fc.assert(
      fc.property(arbitraryReports, arbitraryRegions, arbitraryQuorum, (reports, regions, quorum) => {
        const v = overallStatus(reports, regions, { freshnessMs: FRESH, quorum }, NOW);
        const countedDown = v.regions.filter((r) => r.counted && r.health === 'down').length;
        assert.equal(v.down, countedDown);
        assert.equal(v.status === 'down', v.counted > 0 && countedDown >= v.needed);
        assert.equal(v.status === 'partial_outage', countedDown > 0 && countedDown < v.needed);
        assert.equal(v.status === 'unknown', v.counted === 0);
        if (quorum === undefined) assert.equal(v.needed, majority(v.counted));
      }),
      PROPERTY_RUNS,
    );
  });

  test('independent of the order of the reports', () => {
    fc.assert(
      fc.property(arbitraryReports, arbitraryRegions, arbitraryQuorum, (reports, regions, quorum) => {
        const options = { freshnessMs: FRESH, quorum };
        assert.deepEqual(overallStatus([...reports].reverse(), regions, options, NOW), overallStatus(reports, regions, options, NOW));
      }),
      PROPERTY_RUNS,
    );
  });

  test('what an excluded region says changes nothing', () => {
    fc.assert(
      fc.property(arbitraryReports, arbitraryRegions, fc.constantFrom<Health>('up', 'down', 'unknown'), (reports, regions, flipped) => {
        const before = overallStatus(reports, regions, OPTIONS, NOW);
        const excluded = new Set(before.regions.filter((r) => !r.counted).map((r) => r.region));
        const after = overallStatus(
          reports.map((r) => (excluded.has(r.region) && regions.get(r.region) !== undefined && regions.get(r.region) !== 'reporting' ? { ...r, health: flipped } : r)),
          regions,
          OPTIONS,
          NOW,
        );
        assert.equal(after.status, before.status);
      }),
      PROPERTY_RUNS,
    );
  });

  test('one more counted region saying down never makes the status better', () => {
    fc.assert(
      fc.property(arbitraryReports, arbitraryRegions, arbitraryQuorum, fc.nat(), (reports, regions, quorum, pick) => {
        const options = { freshnessMs: FRESH, quorum };
        const before = overallStatus(reports, regions, options, NOW);
        const counted = before.regions.filter((r) => r.counted && r.health === 'up');
        fc.pre(counted.length > 0);
        const turned = counted[pick % counted.length]!.region;
        const after = overallStatus(reports.map((r) => (r.region === turned ? { ...r, health: 'down' as const } : r)), regions, options, NOW);
        assert.ok(SEVERITY[after.status] >= SEVERITY[before.status], `${before.status} → ${after.status}`);
      }),
      PROPERTY_RUNS,
    );
  });

  test('a single fresh, reporting region decides alone, as one node did before regions', () => {
    fc.assert(
      fc.property(fc.constantFrom<Health>('up', 'down'), fc.integer({ min: 0, max: FRESH }), (health, age) => {
        assert.equal(overallStatus([report('eu', health, age)], new Map([['eu', 'reporting' as const]]), OPTIONS, NOW).status, health);
      }),
      PROPERTY_RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** A region's latest rounds: endpoint ids mapped to failed or not, all `ageMs` old unless listed in `ages`. */
function results(region: string, outcomes: Readonly<Record<number, 'ok' | 'fail'>>, ageMs = 10_000, ages: Readonly<Record<number, number>> = {}): RegionResults {
  return {
    region,
    latest: new Map(Object.entries(outcomes).map(([id, outcome]) => [Number(id), { failed: outcome === 'fail', at: NOW - (ages[Number(id)] ?? ageMs) }])),
  };
}

const ALL_FAIL = { 1: 'fail', 2: 'fail', 3: 'fail', 4: 'fail', 5: 'fail' } as const;
const ALL_OK = { 1: 'ok', 2: 'ok', 3: 'ok', 4: 'ok', 5: 'ok' } as const;

describe('regionHealth', () => {
  const cases: readonly {
    name: string;
    regions: readonly RegionResults[];
    options?: { isolationShare?: number; isolationMinEndpoints?: number };
    expected: Readonly<Record<string, RegionHealth>>;
  }[] = [
    { name: 'one region, every endpoint failing → still reporting: no second opinion', regions: [results('eu', ALL_FAIL)], expected: { eu: 'reporting' } },
    { name: 'every endpoint fails in one region while another sees them up → isolated', regions: [results('eu', ALL_FAIL), results('us', ALL_OK)], expected: { eu: 'isolated', us: 'reporting' } },
    {
      name: 'another region sees most of them down too → a real broad outage, not isolation',
      regions: [results('eu', ALL_FAIL), results('us', { 1: 'fail', 2: 'fail', 3: 'fail', 4: 'fail', 5: 'ok' })],
      expected: { eu: 'reporting', us: 'reporting' },
    },
    {
      name: 'half seen up elsewhere is not "most" → reporting',
      regions: [results('eu', { 1: 'fail', 2: 'fail', 3: 'fail', 4: 'fail' }), results('us', { 1: 'fail', 2: 'fail', 3: 'ok', 4: 'ok' })],
      expected: { eu: 'reporting', us: 'reporting' },
    },
    {
      name: 'a server stops while a region is cut off: the cut-off region stays isolated',
      regions: [results('eu', ALL_FAIL), results('us', { 1: 'fail', 2: 'ok', 3: 'ok', 4: 'ok', 5: 'ok' })],
      expected: { eu: 'isolated', us: 'reporting' },
    },
    {
      name: 'two of three regions cut off, the third sees everything up → both isolated',
      regions: [results('eu', ALL_FAIL), results('us', ALL_FAIL), results('ap', ALL_OK)],
      expected: { eu: 'isolated', us: 'isolated', ap: 'reporting' },
    },
    {
      name: 'every region sees every endpoint fail → all isolated (one monitor-side alarm, not one page per endpoint)',
      regions: [results('eu', ALL_FAIL), results('us', ALL_FAIL)],
      expected: { eu: 'isolated', us: 'isolated' },
    },
    {
      name: 'fewer endpoints than the minimum never isolate a region',
      regions: [results('eu', { 1: 'fail', 2: 'fail' }), results('us', { 1: 'ok', 2: 'ok' })],
      expected: { eu: 'reporting', us: 'reporting' },
    },
    {
      name: 'minimum lowered to 1 → a one-endpoint region can be isolated',
      regions: [results('eu', { 1: 'fail' }), results('us', { 1: 'ok' })],
      options: { isolationMinEndpoints: 1 },
      expected: { eu: 'isolated', us: 'reporting' },
    },
    {
      name: 'default share 100 %: four of five failing is not isolation',
      regions: [results('eu', { 1: 'fail', 2: 'fail', 3: 'fail', 4: 'fail', 5: 'ok' }), results('us', ALL_OK)],
      expected: { eu: 'reporting', us: 'reporting' },
    },
    {
      name: 'share 80 %: four of five failing while another region sees them up → isolated',
      regions: [results('eu', { 1: 'fail', 2: 'fail', 3: 'fail', 4: 'fail', 5: 'ok' }), results('us', ALL_OK)],
      options: { isolationShare: 0.8 },
      expected: { eu: 'isolated', us: 'reporting' },
    },
    {
      name: 'no fresh result for any endpoint → not reporting',
      regions: [results('eu', ALL_OK, FRESH + 1), results('us', ALL_OK)],
      expected: { eu: 'not_reporting', us: 'reporting' },
    },
    { name: 'no result at all → not reporting', regions: [results('eu', {}), results('us', ALL_OK)], expected: { eu: 'not_reporting', us: 'reporting' } },
    {
      name: 'stale failures do not count: two fresh failures are under the minimum',
      regions: [results('eu', ALL_FAIL, 10_000, { 3: FRESH + 1, 4: FRESH + 1, 5: FRESH + 1 }), results('us', ALL_OK)],
      expected: { eu: 'reporting', us: 'reporting' },
    },
    {
      name: 'a region that is not reporting is no witness, and no second all-failing region either',
      regions: [results('eu', ALL_FAIL), results('us', ALL_OK, FRESH + 1)],
      expected: { eu: 'reporting', us: 'not_reporting' },
    },
    {
      name: 'a witness must have probed the same endpoints',
      regions: [results('eu', ALL_FAIL), results('us', { 6: 'ok', 7: 'ok', 8: 'ok' })],
      expected: { eu: 'reporting', us: 'reporting' },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const verdicts = regionHealth(c.regions, { freshnessMs: FRESH, ...c.options }, NOW);
      assert.deepEqual(Object.fromEntries([...verdicts].map(([region, v]) => [region, v.health])), c.expected);
    });
  }

  test('the verdict carries the counts and the newest result, stale ones included', () => {
    const verdicts = regionHealth([results('eu', { 1: 'fail', 2: 'ok', 3: 'fail' }, 10_000, { 2: 5_000, 3: FRESH + 1 })], { freshnessMs: FRESH }, NOW);
    assert.deepEqual(verdicts.get('eu'), { region: 'eu', health: 'reporting', lastResultAt: NOW - 5_000, fresh: 2, failed: 1 });
    assert.deepEqual(regionHealth([results('eu', {})], { freshnessMs: FRESH }, NOW).get('eu'), {
      region: 'eu',
      health: 'not_reporting',
      lastResultAt: null,
      fresh: 0,
      failed: 0,
    });
  });

  test('rejects thresholds that make no sense', () => {
    for (const isolationShare of [0, -0.5, 1.01, Number.NaN]) assert.throws(() => regionHealth([], { freshnessMs: FRESH, isolationShare }, NOW), RangeError);
    for (const isolationMinEndpoints of [0, 2.5, -1]) assert.throws(() => regionHealth([], { freshnessMs: FRESH, isolationMinEndpoints }, NOW), RangeError);
    assert.throws(() => regionHealth([], { freshnessMs: 0 }, NOW), RangeError);
  });
});

describe('a region cut off from the servers but not from the database (the issue’s scenario)', () => {
  function statuses(regions: readonly RegionResults[]): Record<number, OverallStatus> {
    const health = new Map([...regionHealth(regions, { freshnessMs: FRESH }, NOW)].map(([r, v]) => [r, v.health]));
    const out: Record<number, OverallStatus> = {};
    for (const id of [1, 2, 3, 4, 5]) {
      const reports = regions.map((r) => {
        const latest = r.latest.get(id)!;
        return { region: r.region, health: latest.failed ? ('down' as const) : ('up' as const), at: latest.at };
      });
      out[id] = overallStatus(reports, health, OPTIONS, NOW).status;
    }
    return out;
  }

  test('while cut off everything stays up; a server then stopping is down once, on the healthy region’s word', () => {
    assert.deepEqual(statuses([results('eu', ALL_FAIL), results('us', ALL_OK)]), { 1: 'up', 2: 'up', 3: 'up', 4: 'up', 5: 'up' });
    assert.deepEqual(statuses([results('eu', ALL_FAIL), results('us', { ...ALL_OK, 1: 'fail' })]), { 1: 'down', 2: 'up', 3: 'up', 4: 'up', 5: 'up' });
  });

  test('without isolation detection the same cut would be a partial outage everywhere', () => {
    // What counting the cut-off region would do: the flag is what keeps five endpoints quiet.
    const reports = (id: number): RegionReport[] => [report('eu', 'down'), report('us', id === 1 ? 'down' : 'up')];
    assert.equal(overallStatus(reports(2), new Map(), OPTIONS, NOW).status, 'partial_outage');
    assert.equal(overallStatus(reports(2), new Map([['eu', 'isolated' as const]]), OPTIONS, NOW).status, 'up');
  });
});
