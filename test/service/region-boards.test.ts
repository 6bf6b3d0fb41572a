// The status pages' region board as serve builds it (src/service/region-boards.ts): in slices, the
// same board as the pure one-go function, and one read for a burst of page loads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regionBoard, type RegionWord } from '../../src/domain/region-board.ts';
import { regionBoards } from '../../src/service/region-boards.ts';

const NOW = Date.UTC(2026, 11, 3, 4, 30);
const SETTINGS = { quorum: null, isolationShare: 1, isolationMinEndpoints: 3 };

test('sliced over 2,500 endpoints it equals the one-go board, and a burst of loads reads once', async () => {
  const endpoints = Array.from({ length: 2_500 }, (_, i) => ({ id: i + 1, intervalS: 60, timeoutMs: 10_000 }));
  const words: RegionWord[] = endpoints.flatMap((e) =>
    ['eu', 'us', 'ap'].map((region) => {
      const down = region === 'eu' && e.id % 7 === 0;
      return {
        endpointId: e.id,
        region,
        at: NOW - 1_000,
        state: { health: down ? ('down' as const) : ('up' as const), healthSince: null, lastStatus: down ? ('down' as const) : ('up' as const), lastCheckedAt: new Date(NOW - 1_000).toISOString(), lastDurationMs: 50, consecutiveFailures: down ? 2 : 0 },
      };
    }),
  );
  let reads = 0;
  const board = regionBoards(
    {
      words: () => {
        reads++;
        return Promise.resolve({ now: NOW, words });
      },
    },
    () => endpoints,
    SETTINGS,
    60_000,
  );
  const [first, second] = await Promise.all([board(), board()]);
  assert.equal(first, second, 'concurrent loads share one build');
  assert.equal(await board(), first, 'a later load within the TTL reuses it');
  assert.equal(reads, 1);
  assert.deepEqual(first, regionBoard(words, endpoints, SETTINGS, NOW));
  assert.equal([...first.endpoints.values()].filter((e) => e.verdict.status === 'partial_outage').length, Math.floor(2_500 / 7));
});
