// Cluster membership on a real PostgreSQL: nodes of two regions see each other, a silent node
// drops out once its heartbeat is stale, a live name is never shared, leave() is immediate, and
// the heartbeat rides out killed connections and an unreachable database without throwing.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { type MembershipOptions, type MembershipState, NodeMembership, NodeNameInUseError, type RegionChange } from '../../../src/store/postgres/membership.ts';
import { migratePostgres } from '../../../src/store/postgres/migrate.ts';
import { type Pool, openPool } from '../../../src/store/postgres/pool.ts';
import { eventually, terminateBackends } from '../../fixtures/cluster.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { startSwitchablePort } from '../../fixtures/switchable-port.ts';

// Short beats, but liveness still many beats wide so a loaded runner does not see a healthy node
// expire, and statement deadlines wide too: the default (one heartbeat, 100 ms) failed a CI run
// whose machine was running a second full suite beside it.
const FAST = { heartbeatMs: 100, liveForMs: 1500, deadlineMs: 1000 } as const;

async function migrated(t: TestContext): Promise<{ url: string; name: string; pool: Pool } | undefined> {
  const db = await testDatabase(t);
  if (!db) return undefined;
  const pool = pooled(t, db.url);
  await migratePostgres(pool);
  return { url: db.url, name: db.name, pool };
}

function pooled(t: TestContext, url: string, connectTimeoutMs = 2000): Pool {
  const pool = openPool(url, { max: 2, connectTimeoutMs, onIdleError: () => undefined });
  t.after(() => pool.end());
  return pool;
}

function member(t: TestContext, pool: Pool, options: MembershipOptions = {}): NodeMembership {
  const membership = new NodeMembership(pool, { ...FAST, ...options });
  t.after(() => membership.stop());
  return membership;
}

const names = (nodes: readonly { name: string }[]): string[] => nodes.map((n) => n.name);

test('nodes of two regions see each other, with their stats and a heartbeat age measured on the server', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  const changes: RegionChange[] = [];
  const a = member(t, pooled(t, db.url), { onChange: (change) => changes.push(change), stats: () => ({ endpointsOwned: 12, probesPerS: 0.5 }) });
  const b = member(t, pooled(t, db.url));
  await a.register({ name: 'a', region: 'eu', version: '1.2.3', host: 'box-a', pid: 11 });
  await b.register({ name: 'b', region: 'us', version: '1.2.3' });
  assert.equal(a.ready, true);

  assert.deepEqual(names(await a.liveNodes('eu')), ['a']);
  assert.deepEqual(names(await a.liveNodes('us')), ['b']);
  assert.deepEqual(names(await b.liveNodes()), ['a', 'b']);
  const [row] = (await b.nodes()).filter((n) => n.name === 'a');
  assert.equal(row?.host, 'box-a');
  assert.equal(row?.pid, 11);
  assert.equal(row?.endpointsOwned, 12);
  assert.equal(row?.probesPerS, 0.5);
  assert.equal(row?.live, true);
  assert.ok(row.heartbeatAgeMs >= 0 && row.heartbeatAgeMs < FAST.liveForMs);

  await eventually('a hears that region us has b', () => changes.some((c) => c.region === 'us' && c.nodes.join() === 'b'));
  assert.deepEqual(changes[0], { region: 'eu', nodes: ['a'], previous: [] }, 'the first view is announced per region');
});

test('a node that stops heartbeating is no longer live once its heartbeat is stale, and its row stays', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  const changes: RegionChange[] = [];
  const a = member(t, pooled(t, db.url), { onChange: (change) => changes.push(change) });
  const b = member(t, pooled(t, db.url));
  await a.register({ name: 'a', region: 'eu', version: '1' });
  await b.register({ name: 'b', region: 'eu', version: '1' });
  await eventually('a sees b', () => changes.some((c) => c.nodes.join() === 'a,b'));

  await b.stop(); // What a crash looks like from outside: the beats just stop.
  const change = await eventually('a hears b is gone', () => changes.find((c) => c.previous.join() === 'a,b'));
  assert.deepEqual(change, { region: 'eu', nodes: ['a'], previous: ['a', 'b'] });
  assert.deepEqual(names(await a.liveNodes('eu')), ['a']);
  const dead = (await a.nodes()).find((n) => n.name === 'b');
  assert.equal(dead?.live, false, 'still listed, as dead, for the cluster page');
  assert.ok(dead.heartbeatAgeMs >= FAST.liveForMs);
});

test('a name held by a live node is refused; once that node is dead the name can be claimed, and the old holder learns it lost it', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  const states: MembershipState[] = [];
  const first = member(t, pooled(t, db.url), { onStateChange: (s) => states.push(s) });
  const second = member(t, pooled(t, db.url));
  await first.register({ name: 'n1', region: 'eu', version: '1', host: 'box-1', pid: 4242 });

  await assert.rejects(second.register({ name: 'n1', region: 'eu', version: '1' }), (error: unknown) => {
    assert.ok(error instanceof NodeNameInUseError);
    assert.equal(error.code, 'NODE_NAME_IN_USE');
    assert.match(error.message, /node name "n1" is held by another live node \(host box-1, pid 4242, started .*\): give each node its own name/);
    return true;
  });
  assert.equal(second.ready, false);

  await first.stop();
  await eventually('n1 is dead', async () => (await second.liveNodes()).length === 0);
  await second.register({ name: 'n1', region: 'eu', version: '1' });
  assert.equal(second.ready, true);

  await first.heartbeat(); // The old incarnation comes back: it must not take the name back.
  assert.equal(first.state.connected, true);
  assert.equal(first.state.member, false);
  assert.ok(first.state.lastError instanceof NodeNameInUseError);
  assert.equal(first.ready, false);
  assert.deepEqual(states.at(-1), first.state, 'the loss of the name was announced');
  assert.equal((await second.liveNodes()).length, 1);
});

test('leave() removes the node at once; drain() keeps it listed but no longer live', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  // Long liveness: only leave()/drain() can explain the node disappearing within this test.
  const slow = { liveForMs: 600_000 };
  const a = member(t, pooled(t, db.url), slow);
  const b = member(t, pooled(t, db.url), slow);
  const c = member(t, pooled(t, db.url), slow);
  await a.register({ name: 'a', region: 'eu', version: '1' });
  await b.register({ name: 'b', region: 'eu', version: '1' });
  await c.register({ name: 'c', region: 'eu', version: '1' });
  assert.deepEqual(names(await a.liveNodes('eu')), ['a', 'b', 'c']);

  await b.leave();
  assert.deepEqual(names(await a.liveNodes('eu')), ['a', 'c']);
  assert.deepEqual(names(await a.nodes()), ['a', 'c'], 'the row is gone');
  assert.equal(b.ready, false);

  await c.drain();
  assert.deepEqual(names(await a.liveNodes('eu')), ['a']);
  const draining = (await a.nodes()).find((n) => n.name === 'c');
  assert.equal(draining?.stopping, true);
  assert.equal(draining?.live, false);
});

test('the heartbeat survives killed connections: the pool reconnects and the next beat lands', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  const a = member(t, pooled(t, db.url));
  await a.register({ name: 'a', region: 'eu', version: '1' });
  const observer = pooled(t, db.url);
  for (let round = 0; round < 3; round += 1) {
    const { killed, at } = await terminateBackends(db.name);
    assert.ok(killed > 0, 'there were connections to kill');
    await eventually('a heartbeat after the kill', async () => {
      // The observer's own pooled connection may have been killed too: a failed read is "not yet".
      const read = observer.query<{ heartbeat_at: Date }>("SELECT heartbeat_at FROM cluster_nodes WHERE name = 'a'");
      const row = await read.then((result) => result.rows[0], () => undefined);
      return row !== undefined && row.heartbeat_at > at;
    });
    await eventually('connected again', () => a.state.connected);
  }
  assert.equal(a.ready, true);
});

test('an unreachable database is reported as disconnected, the timer keeps going, and it recovers', async (t) => {
  const db = await migrated(t);
  if (!db) return;
  const port = await startSwitchablePort(Number(new URL(db.url).port || 5432));
  t.after(() => port.close());
  const viaProxy = new URL(db.url);
  viaProxy.port = String(port.port);
  const states: MembershipState[] = [];
  let beats = 0;
  const stats = () => {
    beats += 1;
    return { endpointsOwned: 0, probesPerS: 0 };
  };
  const a = member(t, pooled(t, viaProxy.toString(), 500), { onStateChange: (s) => states.push(s), stats });
  await a.register({ name: 'a', region: 'eu', version: '1' });
  assert.equal(a.ready, true);

  await port.down();
  await eventually('disconnected', () => !a.state.connected);
  assert.equal(a.ready, false, '/readyz would say not ready');
  assert.ok(a.state.lastError, 'the cause is kept for the log');
  const beatsBefore = beats;
  await eventually('three more (failing) beats: the timer survived', () => beats >= beatsBefore + 3);
  assert.equal(a.state.connected, false);

  await port.up();
  await eventually('connected again', () => a.state.connected);
  assert.equal(a.ready, true);
  assert.deepEqual(states.map((s) => s.connected), [true, false, true]);
  assert.deepEqual(names(await a.liveNodes()), ['a']);
});
