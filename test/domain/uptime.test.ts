import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { formatUptime, goodRounds, notMonitoredMs, uptimeOf } from '../../src/domain/uptime.ts';

const POLICY = DEFAULT_HEALTH_POLICY;
const counts = (up: number, down: number) => ({ up, degraded: 0, authRequired: 0, down });

describe('uptime: one definition, floored to two decimals (issue 11 item 9)', () => {
  test('what counts as good follows the health policy', () => {
    const c = { up: 90, degraded: 4, authRequired: 3, down: 3 };
    assert.equal(goodRounds(c, POLICY), 97);
    assert.equal(goodRounds(c, { ...POLICY, degradedIsOutage: true }), 93);
    assert.equal(goodRounds(c, { ...POLICY, authRequiredIsOutage: true, degradedIsOutage: true }), 90);
    assert.equal(uptimeOf(c, POLICY).ratio, 0.97);
    assert.deepEqual(uptimeOf(counts(0, 0), POLICY), { good: 0, total: 0, ratio: null, basisPoints: null, percent: null });
  });

  const cases: ReadonlyArray<readonly [number, number, string, number | null]> = [
    [0, 0, '—', null],
    [10, 0, '100%', 100],
    [5, 4, '55.55%', 55.55],
    // Flooring the float ratio read 56.99 % (0.57 × 10000 = 5699.999…); the counts say 57.
    [57, 43, '57.00%', 57],
    [29, 71, '29.00%', 29],
    [1, 2, '33.33%', 33.33],
    [99_996, 4, '99.99%', 99.99],
    [99_999, 1, '99.99%', 99.99],
    [9995, 5, '99.95%', 99.95],
    [3, 1, '75.00%', 75],
    [0, 7, '0.00%', 0],
  ];
  for (const [up, down, text, percent] of cases) {
    test(`${up} good of ${up + down}: ${text}`, () => {
      const u = uptimeOf(counts(up, down), POLICY);
      assert.equal(formatUptime(u), text);
      assert.equal(u.percent, percent);
    });
  }

  test('never 100 % while a round failed, for every total up to 20,000 with one failure', () => {
    for (let total = 2; total <= 20_000; total++) assert.notEqual(formatUptime(uptimeOf(counts(total - 1, 1), POLICY)), '100%', String(total));
  });

  test('the floor is exact for every count up to 2,000 rounds', () => {
    for (let total = 1; total <= 2000; total++) {
      for (let good = 0; good <= total; good++) {
        const bp = uptimeOf(counts(good, total - good), POLICY).basisPoints!;
        // bp is the largest integer with bp * total <= good * 10000.
        assert.ok(bp * total <= good * 10_000 && (bp + 1) * total > good * 10_000, `${good}/${total} → ${bp}`);
      }
    }
  });
});

describe('notMonitoredMs', () => {
  test('clips to the window and counts overlaps once', () => {
    assert.equal(notMonitoredMs([], 0, 100), 0);
    assert.equal(notMonitoredMs([{ fromMs: 10, toMs: 20 }], 0, 100), 10);
    assert.equal(notMonitoredMs([{ fromMs: -50, toMs: 20 }, { fromMs: 90, toMs: 200 }], 0, 100), 30);
    assert.equal(notMonitoredMs([{ fromMs: 10, toMs: 40 }, { fromMs: 30, toMs: 50 }, { fromMs: 35, toMs: 45 }], 0, 100), 40);
    assert.equal(notMonitoredMs([{ fromMs: 200, toMs: 300 }], 0, 100), 0);
  });
});
