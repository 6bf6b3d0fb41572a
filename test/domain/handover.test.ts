import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  boundaryAt,
  firstProbedSlot,
  planHandover,
  slotOwner,
  type EndpointHandover,
  type MembershipChange,
  type SlottedEndpoint,
} from '../../src/domain/handover.ts';
import { assign, ownerOf } from '../../src/domain/rendezvous.ts';
import { phaseMs } from '../../src/domain/phase.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';

const MINUTE = 60_000;
// 2026-12-02T14:00:00Z: a whole minute, so slot k of an endpoint starts at T0 + k·interval + phase.
const T0 = Date.UTC(2026, 11, 2, 14, 0, 0);
const NODES = ['mcpwatch-0', 'mcpwatch-1', 'mcpwatch-2'];
const FLEET: readonly SlottedEndpoint[] = Array.from({ length: 3_000 }, (_, i) => ({ id: i + 1, intervalMs: MINUTE }));

/** A scheduler as a node runs it, driven by a clock the test sets; nothing is ever dispatched. */
function nodeScheduler(now: () => number): Scheduler {
  return new Scheduler({ clock: now, concurrency: 4, perHostConcurrency: 1, run: () => Promise.resolve() });
}

describe('an endpoint keeps its phase wherever it moves', () => {
  test('the phase is a function of the endpoint id and interval alone', () => {
    // phaseMs takes no node input; what remains to show is that a node's scheduler adds nothing
    // of its own (start time, fleet, load): two nodes with different fleets, told about the same
    // endpoint at the same moment, plan the same slot, and that slot sits on the endpoint's phase.
    let now = T0 + 12_345;
    const nodeA = nodeScheduler(() => now);
    const nodeB = nodeScheduler(() => now);
    const shares = assign(
      FLEET.map((e) => e.id),
      NODES.slice(0, 2),
    );
    for (const id of shares.get('mcpwatch-0')!) nodeA.upsert({ id, host: `h${id % 7}`, intervalMs: MINUTE, paused: false });
    now += 7_777;
    for (const id of shares.get('mcpwatch-1')!) nodeB.upsert({ id, host: `h${id % 5}`, intervalMs: MINUTE, paused: false });
    const moving = shares.get('mcpwatch-0')!.slice(0, 50);
    for (const id of moving) {
      nodeB.upsert({ id, host: 'x', intervalMs: MINUTE, paused: false });
      const dueOnB = nodeB.nextDueAt(id)!;
      const dueOnA = nodeA.nextDueAt(id)!;
      assert.equal((dueOnB - T0) % MINUTE, phaseMs(id, MINUTE), `endpoint ${id} left its phase on the new node`);
      assert.equal((dueOnA - T0) % MINUTE, phaseMs(id, MINUTE));
      assert.equal((dueOnB - dueOnA) % MINUTE, 0);
    }
  });

  test('a scheduler that takes an endpoint over between the change and the boundary first runs it at the boundary', () => {
    for (const endpoint of FLEET.slice(0, 200)) {
      const changedAt = T0 + 31_500;
      const boundary = boundaryAt(endpoint, changedAt);
      for (const appliedAt of [changedAt, changedAt + 1, boundary - 1]) {
        const scheduler = nodeScheduler(() => appliedAt);
        scheduler.upsert({ id: endpoint.id, host: 'h', intervalMs: endpoint.intervalMs, paused: false });
        const handover = { ...endpoint, boundaryAt: boundary };
        assert.equal(scheduler.nextDueAt(endpoint.id), firstProbedSlot(handover, appliedAt));
        assert.equal(firstProbedSlot(handover, appliedAt), boundary);
      }
      // Too late for the boundary: the scheduler, like firstProbedSlot, waits for the next slot.
      const late = nodeScheduler(() => boundary);
      late.upsert({ id: endpoint.id, host: 'h', intervalMs: endpoint.intervalMs, paused: false });
      assert.equal(late.nextDueAt(endpoint.id), boundary + MINUTE);
      assert.equal(firstProbedSlot({ ...endpoint, boundaryAt: boundary }, boundary), boundary + MINUTE);
    }
  });
});

describe('boundaryAt', () => {
  const endpoint = { id: 42, intervalMs: MINUTE };
  const phase = phaseMs(42, MINUTE);
  const slot = (k: number): number => T0 + k * MINUTE + phase;
  const cases: readonly { name: string; changedAt: number; expected: number }[] = [
    { name: 'change just before a slot → that slot', changedAt: slot(3) - 1, expected: slot(3) },
    { name: 'change exactly at a slot → the old owner keeps it, the next one moves', changedAt: slot(3), expected: slot(4) },
    { name: 'change inside a slot → the next slot', changedAt: slot(3) + 1, expected: slot(4) },
    { name: 'change at the last ms of a slot → the next slot', changedAt: slot(4) - 1, expected: slot(4) },
    { name: 'fractional clock → the same slots', changedAt: slot(3) + 0.75, expected: slot(4) },
  ];
  for (const c of cases) test(c.name, () => assert.equal(boundaryAt(endpoint, c.changedAt), c.expected));
});

function planFor(self: string, change: MembershipChange, endpoints: readonly SlottedEndpoint[] = FLEET) {
  return planHandover(self, change, endpoints);
}

describe('planHandover', () => {
  const changedAt = T0 + 20_000;

  test('a node dies: the survivors start exactly its endpoints, from the boundary', () => {
    const change = { previous: NODES, next: NODES.slice(0, 2), changedAt };
    const orphaned = FLEET.filter((e) => ownerOf(e.id, NODES) === 'mcpwatch-2');
    const started = [...planFor('mcpwatch-0', change).start, ...planFor('mcpwatch-1', change).start];
    assert.deepEqual(started.map((h) => h.id).sort((a, b) => a - b), orphaned.map((e) => e.id));
    for (const h of started) assert.equal(h.boundaryAt, boundaryAt(h, changedAt));
    assert.deepEqual(planFor('mcpwatch-0', change).stop, []);
    assert.deepEqual(planFor('mcpwatch-1', change).stop, []);
    // Were it alive (a partition), the leaver's own plan stops all it had, at the same boundaries.
    assert.deepEqual(planFor('mcpwatch-2', change).stop.map((h) => h.id), orphaned.map((e) => e.id));
  });

  test('it returns: the others stop exactly what it starts, at the same boundaries', () => {
    const change = { previous: NODES.slice(0, 2), next: NODES, changedAt };
    const returning = planFor('mcpwatch-2', change);
    const stopped = [...planFor('mcpwatch-0', change).stop, ...planFor('mcpwatch-1', change).stop];
    const byId = (a: EndpointHandover, b: EndpointHandover): number => a.id - b.id;
    assert.deepEqual([...stopped].sort(byId), [...returning.start].sort(byId));
    assert.deepEqual(returning.stop, []);
    // Rendezvous gives it back exactly the endpoints it had before it died.
    assert.deepEqual(
      returning.start.map((h) => h.id),
      FLEET.filter((e) => ownerOf(e.id, NODES) === 'mcpwatch-2').map((e) => e.id),
    );
  });

  test('the first node of a region starts everything; the last one to leave stops everything', () => {
    assert.equal(planFor('solo', { previous: [], next: ['solo'], changedAt }).start.length, FLEET.length);
    assert.equal(planFor('solo', { previous: ['solo'], next: [], changedAt }).stop.length, FLEET.length);
  });

  test('no change, or a change elsewhere in the ring that moves nothing of ours → empty plan', () => {
    assert.deepEqual(planFor('mcpwatch-0', { previous: NODES, next: NODES, changedAt }), { start: [], stop: [] });
    assert.deepEqual(planFor('stranger', { previous: NODES, next: NODES.slice(0, 2), changedAt }), { start: [], stop: [] });
  });

  test('slotOwner: before the boundary the previous owner, from it the new one', () => {
    const change = { previous: NODES.slice(0, 2), next: NODES, changedAt };
    const moved = planFor('mcpwatch-2', change).start[0]!;
    assert.equal(slotOwner(moved, moved.boundaryAt - MINUTE, change), ownerOf(moved.id, NODES.slice(0, 2)));
    assert.equal(slotOwner(moved, moved.boundaryAt, change), 'mcpwatch-2');
  });
});

// ---------------------------------------------------------------------------------------------
// Simulation: every node applies its plan when it learns of the change and probes the slots it
// then believes are its own; nodes that left are dead from the change on.

interface Scenario {
  readonly previous: readonly string[];
  readonly next: readonly string[];
  readonly changedAt: number;
  readonly endpoints: readonly SlottedEndpoint[];
  /** How long after the change each node learns of it. */
  readonly delays: ReadonlyMap<string, number>;
}

/** Per endpoint, how many nodes probe each of `slots` slots from the boundary on (before it nothing moves). */
function probesPerSlot(s: Scenario, slots: number): Map<number, number[]> {
  const change = { previous: s.previous, next: s.next, changedAt: s.changedAt };
  const survivors = s.next;
  const starts = new Map<string, Map<number, EndpointHandover>>();
  const stops = new Map<string, Map<number, EndpointHandover>>();
  for (const node of survivors) {
    const plan = planHandover(node, change, s.endpoints);
    starts.set(node, new Map(plan.start.map((h) => [h.id, h])));
    stops.set(node, new Map(plan.stop.map((h) => [h.id, h])));
  }
  const counts = new Map<number, number[]>();
  for (const endpoint of s.endpoints) {
    const first = boundaryAt(endpoint, s.changedAt);
    const perSlot: number[] = [];
    for (let k = 0; k < slots; k++) {
      const slotAt = first + k * endpoint.intervalMs;
      let probes = 0;
      for (const node of survivors) {
        const appliedAt = s.changedAt + s.delays.get(node)!;
        const start = starts.get(node)!.get(endpoint.id);
        const stop = stops.get(node)!.get(endpoint.id);
        const ownedBefore = ownerOf(endpoint.id, s.previous) === node;
        if (start !== undefined) probes += slotAt >= firstProbedSlot(start, appliedAt) ? 1 : 0;
        else if (stop !== undefined) probes += slotAt < appliedAt ? 1 : 0; // still probing what it has not yet heard it lost
        else if (ownedBefore) probes += 1;
      }
      perSlot.push(probes);
    }
    counts.set(endpoint.id, perSlot);
  }
  return counts;
}

const UNIVERSE = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const INTERVALS = [10_000, 30_000, MINUTE, 300_000];
const nodeSubset = fc.subarray(UNIVERSE);
const endpoints = fc.uniqueArray(
  fc.record({ id: fc.integer({ min: 1, max: 10_000_000 }), intervalMs: fc.constantFrom(...INTERVALS) }),
  { minLength: 1, maxLength: 40, selector: (e) => e.id },
);
const changedAt = fc.integer({ min: T0, max: T0 + 3_600_000 });
const PROPERTY_RUNS = { numRuns: 300, seed: 1414 } as const;

function delaysFor(nodes: readonly string[], pick: (node: string, i: number) => number): Map<string, number> {
  return new Map(nodes.map((n, i) => [n, pick(n, i)]));
}

describe('handover simulation', () => {
  test('nodes that learn of the change before the boundary: every slot probed exactly once, or never when no node is left', () => {
    fc.assert(
      fc.property(nodeSubset, nodeSubset, endpoints, changedAt, (previous, next, eps, at) => {
        // Learning at the change itself is before every boundary (boundaries lie strictly after it).
        const counts = probesPerSlot({ previous, next, changedAt: at, endpoints: eps, delays: delaysFor(next, () => 0) }, 5);
        for (const [id, perSlot] of counts) assert.ok(perSlot.every((n) => n === (next.length > 0 ? 1 : 0)), `endpoint ${id}: ${perSlot.join(' ')}`);
      }),
      PROPERTY_RUNS,
    );
  });

  test('nodes that learn late, by less than one interval: at most one slot doubled or skipped, and only the boundary slot', () => {
    fc.assert(
      fc.property(
        nodeSubset.filter((n) => n.length > 0),
        nodeSubset.filter((n) => n.length > 0),
        endpoints,
        changedAt,
        fc.array(fc.integer({ min: 0, max: Math.min(...INTERVALS) - 1 }), { minLength: UNIVERSE.length, maxLength: UNIVERSE.length }),
        (previous, next, eps, at, lateness) => {
          const counts = probesPerSlot({ previous, next, changedAt: at, endpoints: eps, delays: delaysFor(next, (_, i) => lateness[i]!) }, 5);
          for (const [id, perSlot] of counts) {
            // perSlot[0] is the boundary slot: the first one starting after the change.
            assert.ok(perSlot[0]! <= 2, `endpoint ${id}: ${perSlot.join(' ')}`);
            assert.ok(perSlot.slice(1).every((n) => n === 1), `endpoint ${id} beyond the transition slot: ${perSlot.join(' ')}`);
          }
        },
      ),
      PROPERTY_RUNS,
    );
  });

  test('a return learned late by the old owner doubles the boundary slot, never more', () => {
    const eps = FLEET.slice(0, 500);
    const change = { previous: NODES.slice(0, 2), next: NODES };
    const delays = new Map([
      ['mcpwatch-0', 45_000],
      ['mcpwatch-1', 45_000],
      ['mcpwatch-2', 0],
    ]);
    const counts = probesPerSlot({ ...change, changedAt: T0 + 20_000, endpoints: eps, delays }, 4);
    const doubled = [...counts.values()].filter((perSlot) => perSlot[0] === 2).length;
    const moved = planHandover('mcpwatch-2', { ...change, changedAt: T0 + 20_000 }, eps).start;
    // Doubled exactly for the moved endpoints whose boundary fell inside the old owners' 45 s delay.
    assert.equal(doubled, moved.filter((h) => h.boundaryAt < T0 + 20_000 + 45_000).length);
    assert.ok(doubled > 0);
    for (const perSlot of counts.values()) assert.deepEqual(perSlot.slice(1), [1, 1, 1]);
  });

  test('a death learned late by the survivors skips the boundary slot, never more', () => {
    const eps = FLEET.slice(0, 500);
    const change = { previous: NODES, next: NODES.slice(0, 2), changedAt: T0 + 20_000 };
    const delays = new Map([
      ['mcpwatch-0', 45_000],
      ['mcpwatch-1', 45_000],
    ]);
    const counts = probesPerSlot({ ...change, endpoints: eps, delays }, 4);
    const skipped = [...counts.values()].filter((perSlot) => perSlot[0] === 0).length;
    const orphaned = eps.filter((e) => ownerOf(e.id, NODES) === 'mcpwatch-2');
    assert.equal(skipped, orphaned.filter((e) => boundaryAt(e, change.changedAt) <= change.changedAt + 45_000).length);
    assert.ok(skipped > 0);
    for (const perSlot of counts.values()) assert.deepEqual(perSlot.slice(1), [1, 1, 1]);
  });
});
