// workerFor: which probe worker of a process owns an endpoint. Deterministic (a restarted worker,
// or the process after a restart, gets the same share back), balanced, and independent of the
// node share and the phase, which hash the same ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phaseMs } from '../../src/domain/phase.ts';
import { ownerOf } from '../../src/domain/rendezvous.ts';
import { workerFor } from '../../src/domain/worker-share.ts';

const IDS = Array.from({ length: 20_000 }, (_, i) => i + 1);

test('the same id always goes to the same worker, pinned by a table', () => {
  // Written out: a change of the hash would silently move every endpoint's caches to another thread.
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 2 ** 40].map((id) => workerFor(id, 4)), [0, 2, 2, 2, 2, 3, 2, 2, 3]);
  for (const id of IDS.slice(0, 500)) for (const n of [1, 2, 3, 8]) assert.ok(workerFor(id, n) >= 0 && workerFor(id, n) < n);
  assert.ok(IDS.slice(0, 500).every((id) => workerFor(id, 1) === 0));
});

for (const workers of [2, 3, 4, 8]) {
  test(`${workers} workers share 20,000 sequential ids within 3 % of even`, () => {
    const counts = new Array<number>(workers).fill(0);
    for (const id of IDS) counts[workerFor(id, workers)]!++;
    const even = IDS.length / workers;
    for (const c of counts) assert.ok(Math.abs(c - even) / even < 0.03, `counts ${counts.join(', ')}`);
  });
}

test("a cluster node's share splits evenly over its workers, and a worker's share spreads over the interval", () => {
  const mine = IDS.filter((id) => ownerOf(id, ['node-a', 'node-b', 'node-c']) === 'node-a');
  const counts = [0, 0];
  for (const id of mine) counts[workerFor(id, 2)]!++;
  assert.ok(Math.abs(counts[0]! - counts[1]!) / mine.length < 0.05, `counts ${counts.join(', ')} of ${mine.length}`);
  // Worker 0's endpoints, by the 10-second part of a 60-second interval they run in: no part empty or crowded.
  const parts = new Array<number>(6).fill(0);
  const share = IDS.filter((id) => workerFor(id, 2) === 0);
  for (const id of share) parts[Math.floor(phaseMs(id, 60_000) / 10_000)]!++;
  for (const p of parts) assert.ok(Math.abs(p - share.length / 6) / (share.length / 6) < 0.06, `parts ${parts.join(', ')}`);
});

test('ids and worker counts that are not safe positive integers are refused', () => {
  assert.throws(() => workerFor(1.5, 2), RangeError);
  assert.throws(() => workerFor(1, 0), RangeError);
  assert.throws(() => workerFor(Number.MAX_SAFE_INTEGER + 1, 2), RangeError);
});
