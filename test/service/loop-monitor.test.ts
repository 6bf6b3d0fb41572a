// The loop monitor on node:test's mocked setInterval and an injected clock: a "late" sample is the
// clock having moved further than the interval when the timer fires.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { overloadMark, startLoopMonitor, type LoopMonitor } from '../../src/service/loop-monitor.ts';

let now = 0;
let monitor: LoopMonitor | undefined;
const samples: Array<[number, number]> = [];

beforeEach(() => {
  mock.timers.enable({ apis: ['setInterval'] });
  now = 1_000_000;
  samples.length = 0;
  monitor = startLoopMonitor({ clock: () => now, onSample: (delay, at) => samples.push([delay, at]) });
});

afterEach(() => {
  monitor?.stop();
  mock.timers.reset();
});

/** One sampler turn that ran `lateMs` after it was due. */
function turn(lateMs = 0): void {
  now += 50 + lateMs;
  mock.timers.tick(50);
}

describe('loop monitor', () => {
  test('prompt turns: no stall, no lateness', () => {
    const from = now;
    for (let i = 0; i < 20; i++) turn();
    assert.equal(monitor!.stallMsBetween(from, now), 0);
    assert.equal(monitor!.lateMsBetween(from, now), 0);
    assert.equal(samples.length, 20);
  });

  test('a 2 s stall is seen in its window and only there; lateness adds up', () => {
    const start = now;
    for (let i = 0; i < 10; i++) turn(10); // 100 ms late over 10 turns
    const beforeStall = now;
    turn(2000);
    const afterStall = now;
    for (let i = 0; i < 10; i++) turn();
    assert.equal(monitor!.stallMsBetween(afterStall - 1000, afterStall), 2000);
    assert.equal(monitor!.stallMsBetween(now - 100, now), 0, 'long after the stall');
    assert.equal(monitor!.stallMsBetween(start, beforeStall - 100), 0, 'before it');
    assert.equal(monitor!.lateMsBetween(start, beforeStall), 100);
    assert.equal(monitor!.lateMsBetween(start, now), 2100);
    assert.equal(monitor!.lateMsBetween(beforeStall, now), 2000);
    assert.deepEqual(samples.at(10), [2000, afterStall]);
  });

  test('a stall still going on counts before the sampler has run', () => {
    turn();
    now += 1500; // the loop is blocked: the sampler is overdue and has not fired
    assert.equal(monitor!.stallMsBetween(now - 1000, now), 1450);
    assert.equal(monitor!.lateMsBetween(now - 1000, now), 1450);
    assert.equal(monitor!.stalledBetween(now - 1000, now), true);
  });

  test('each sample says how long the loop worked since the one before', () => {
    let worked = 0;
    const seen: number[] = [];
    const m = startLoopMonitor({ clock: () => now, workedMs: () => worked, onSample: (_delay, _at, workedMs) => seen.push(workedMs) });
    try {
      worked += 12;
      turn();
      worked += 30;
      turn(400); // late 400 ms, 30 of them working: the rest waited for a CPU
      turn();
      assert.deepEqual(seen, [12, 30, 0]);
    } finally {
      m.stop();
    }
  });

  test('lateness older than the kept window is forgotten, not miscounted', () => {
    const m = startLoopMonitor({ clock: () => now, keepMs: 1000 });
    try {
      turn(500);
      for (let i = 0; i < 40; i++) turn();
      assert.equal(m.lateMsBetween(now - 500, now), 0);
      assert.equal(m.lateMsBetween(0, now), 0, 'the late sample has left the ring');
    } finally {
      m.stop();
    }
  });

  describe('overloadMark: when a round measured mcpwatch rather than the server', () => {
    // [case, lateness of each 50 ms turn over a 10 s round, where the round ends, marked]
    const rows: Array<[string, (i: number) => number, 'now' | 'after 2 s', boolean]> = [
      ['a prompt loop', () => 1, 'now', false],
      ['a 1.5 s stall just before the end', (i) => (i === 165 ? 1500 : 0), 'now', true],
      ['a 1.5 s stall in the middle, 2 s of prompt turns after', (i) => (i === 60 ? 1500 : 0), 'now', false],
      ['late as long as it ran, every turn', (i) => (i % 2 === 0 ? 60 : 40), 'now', true],
      ['late by a quarter of every turn', () => 17, 'now', true],
      ['late by a tenth of every turn', () => 5, 'now', false],
      ['a stall at the end of a round that ended before it', (i) => (i === 140 ? 1500 : 0), 'after 2 s', false],
    ];
    for (const [name, lateness, end, marked] of rows) {
      test(name, () => {
        const startedAt = now;
        const ends: number[] = [];
        for (let i = 0; now - startedAt < 10_000; i++) {
          turn(lateness(i));
          ends.push(now);
        }
        const endedAt = end === 'now' ? now : ends.find((t) => t >= startedAt + 5_000)!;
        const mark = overloadMark(monitor!, startedAt, endedAt);
        assert.equal(mark !== null, marked, JSON.stringify(mark));
        if (mark) assert.ok(mark.loopDelayMs > 0);
      });
    }
  });
});
