// NodeShare: the share a node probes, slot by slot, across membership changes, and what
// it does when its own heartbeat stops reaching the database. Injected clock, no I/O.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryAt } from '../../src/domain/handover.ts';
import { ownerOf } from '../../src/domain/rendezvous.ts';
import { changedAt, type NodeRow } from '../../src/service/cluster-node.ts';
import { NodeShare } from '../../src/service/node-share.ts';

const INTERVAL = 1000;
const IDS = Array.from({ length: 200 }, (_, i) => i + 1);
const ENDPOINTS = IDS.map((id) => ({ id, intervalMs: INTERVAL }));

function node(self: string, clock: () => number): NodeShare {
  const o = new NodeShare({ self, liveForMs: 2000, failureLagMs: 1000, clock });
  o.heartbeat(true, true);
  return o;
}

test('two nodes that applied the same change probe every slot exactly once, before, at and after the boundary', () => {
  let now = 1_000_000;
  const clock = () => now;
  const a = node('a', clock);
  const b = node('b', clock);
  a.apply({ previous: [], next: ['a'], changedAt: now }, ENDPOINTS);
  now += 5000;
  const change = { previous: ['a'], next: ['a', 'b'], changedAt: now + 300 };
  a.apply(change, ENDPOINTS);
  b.apply(change, ENDPOINTS);
  for (const { id } of ENDPOINTS) {
    const boundary = boundaryAt({ id, intervalMs: INTERVAL }, change.changedAt);
    for (const slot of [boundary - 2 * INTERVAL, boundary - INTERVAL, boundary, boundary + INTERVAL]) {
      const owners = [a.owns(id, slot), b.owns(id, slot)].filter(Boolean).length;
      assert.equal(owners, 1, `endpoint ${id} slot ${slot - boundary}`);
    }
    assert.equal(a.owns(id, boundary - INTERVAL), true, 'before the boundary the old owner keeps it');
    assert.equal(b.owns(id, boundary), ownerOf(id, ['a', 'b']) === 'b');
  }
});

test('a dead node’s endpoints move to the survivor from the boundary on; nothing else moves', () => {
  let now = 2_000_000;
  const a = node('a', () => now);
  a.apply({ previous: ['a', 'b'], next: ['a', 'b'], changedAt: now }, ENDPOINTS);
  const mineBefore = IDS.filter((id) => a.owns(id, now + 10_000));
  now += 3000;
  a.apply({ previous: ['a', 'b'], next: ['a'], changedAt: now }, ENDPOINTS);
  const later = now + 5000;
  assert.deepEqual(IDS.filter((id) => a.owns(id, later)), IDS);
  assert.ok(mineBefore.length > 50 && mineBefore.length < 150, `rendezvous split ${mineBefore.length} of 200`);
  assert.equal(a.ownedCount(IDS), mineBefore.length, 'not before the boundary');
});

test('cut off from the database, a node keeps its share for the liveness window (minus the failure lag), then stops', () => {
  let now = 3_000_000;
  const a = node('a', () => now);
  a.apply({ previous: [], next: ['a', 'b'], changedAt: now - 10_000 }, ENDPOINTS);
  const share = a.ownedCount(IDS);
  assert.ok(share > 0 && share < IDS.length);
  a.heartbeat(false, true);
  now += 900; // liveForMs 2000 − failureLagMs 1000 = 1000 left
  assert.equal(a.ownedCount(IDS), share);
  now += 200;
  assert.equal(a.ownedCount(IDS), 0, 'b has taken the share over by now');
  a.heartbeat(true, true);
  assert.equal(a.ownedCount(IDS), share, 'back when the heartbeat is');
  a.heartbeat(true, false);
  assert.equal(a.ownedCount(IDS), 0, 'a node whose name another took probes nothing');
});

test('a node alone in its region keeps probing everything while cut off: nobody would take over', () => {
  let now = 3_000_000;
  const a = node('a', () => now);
  a.apply({ previous: [], next: ['a'], changedAt: now - 10_000 }, ENDPOINTS);
  a.heartbeat(false, true);
  now += 60_000;
  assert.equal(a.ownedCount(IDS), IDS.length, 'rounds go on and wait in memory for the database');
});

test('probes per second are counted over windows of at least 5 s', () => {
  let now = 4_000_000;
  const a = node('a', () => now);
  a.apply({ previous: [], next: ['a'], changedAt: now - 10_000 }, ENDPOINTS);
  for (let i = 0; i < 50; i++) a.owns(1, now);
  now += 1000;
  assert.equal(a.takeProbesPerS(), 0, 'a window too short keeps the last rate');
  now += 4000;
  assert.equal(a.takeProbesPerS(), 10);
});

function row(name: string, fields: Partial<NodeRow>): NodeRow {
  return {
    name,
    region: 'default',
    host: 'h',
    pid: 1,
    version: 'v',
    endpointsOwned: 0,
    probesPerS: 0,
    registeredAt: new Date(0),
    heartbeatAt: new Date(100_000),
    heartbeatAgeMs: 0,
    stopping: false,
    live: true,
    ...fields,
  };
}

test('changedAt comes from database times: a join at registration + one heartbeat, a death at last heartbeat + liveness, a drain at the database now', () => {
  const timing = { heartbeatMs: 500, liveForMs: 2000 };
  const rows = [row('a', { heartbeatAt: new Date(100_000), heartbeatAgeMs: 200 }), row('b', { registeredAt: new Date(99_000) })];
  assert.equal(changedAt(['a'], ['a', 'b'], rows, timing), 99_500);
  const dead = [row('a', { heartbeatAt: new Date(100_000), heartbeatAgeMs: 100 }), row('b', { heartbeatAt: new Date(97_000), heartbeatAgeMs: 3100, live: false })];
  assert.equal(changedAt(['a', 'b'], ['a'], dead, timing), 99_000);
  const drained = [row('a', { heartbeatAt: new Date(100_000), heartbeatAgeMs: 100 }), row('b', { heartbeatAt: new Date(99_900), heartbeatAgeMs: 200, stopping: true, live: false })];
  assert.equal(changedAt(['a', 'b'], ['a'], drained, timing), 100_100);
  assert.equal(changedAt(['a', 'b'], ['a'], [rows[0]!], timing), 100_200, 'a node that left has no row: the database now');
});
