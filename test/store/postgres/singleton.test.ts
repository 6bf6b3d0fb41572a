// The singleton lease on a real PostgreSQL: never two leaders, and a new one within seconds when
// the holder's backend is killed, its connection is cut, or it releases; a holder whose network
// falls silent steps down on its own deadline while the stalled session keeps the lock.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DeadlineError } from '../../../src/store/postgres/deadline.ts';
import { type LeaseLoss, SingletonLease, type SingletonLeaseOptions } from '../../../src/store/postgres/singleton.ts';
import { eventually, startFreezableProxy, terminateBackends } from '../../fixtures/cluster.ts';
import { testDatabase } from '../../fixtures/postgres.ts';
import { startSwitchablePort } from '../../fixtures/switchable-port.ts';

interface Observed {
  readonly lease: SingletonLease;
  readonly name: string;
  acquired: number;
  readonly losses: LeaseLoss[];
}

function lease(t: TestContext, name: string, url: string, options: Partial<SingletonLeaseOptions> = {}): Observed {
  const observed: Observed = { lease: undefined as unknown as SingletonLease, name, acquired: 0, losses: [] };
  const created = new SingletonLease({
    url,
    retryMs: 50,
    checkMs: 100,
    deadlineMs: 2000,
    applicationName: name,
    onAcquire: () => {
      observed.acquired += 1;
    },
    onLose: (loss) => {
      observed.losses.push(loss);
    },
    ...options,
  });
  (observed as { lease: SingletonLease }).lease = created;
  t.after(() => created.release());
  return observed;
}

/** Two leases on one database, started in order: the first leads. */
async function startedPair(t: TestContext, url: string): Promise<[Observed, Observed]> {
  const one = lease(t, 'lease-one', url);
  const two = lease(t, 'lease-two', url);
  await one.lease.start();
  await two.lease.start();
  return [one, two];
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

test('exactly one leader while leaders are killed and released, and the follower takes over each time', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [one, two] = await startedPair(t, db.url);
  assert.equal(one.lease.isLeader(), true, 'the first to ask holds it');
  assert.equal(two.lease.isLeader(), false);

  // Sample the leader set all through the churn: it may be empty during a handover, never two.
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push([one, two].filter((o) => o.lease.isLeader()).length), 2);
  t.after(() => clearInterval(sampler));

  for (let round = 0; round < 4; round += 1) {
    const leader = one.lease.isLeader() ? one : two;
    const follower = leader === one ? two : one;
    const lossesBefore = leader.losses.length;
    const { killed } = await terminateBackends(db.name, leader.name);
    assert.equal(killed, 1, 'one dedicated connection per lease');
    await eventually(`round ${round}: the follower takes over`, () => follower.lease.isLeader());
    const loss = leader.losses[lossesBefore];
    assert.equal(loss?.reason, 'connection-lost', 'the killed leader was told');
    assert.equal(leader.lease.isLeader(), false);
  }

  const leader = one.lease.isLeader() ? one : two;
  const follower = leader === one ? two : one;
  await leader.lease.release();
  assert.deepEqual(leader.losses.at(-1), { reason: 'released' });
  await eventually('the follower takes over after a release', () => follower.lease.isLeader());
  clearInterval(sampler);

  assert.ok(samples.length > 50, `the sampler ran (${samples.length} samples)`);
  assert.equal(Math.max(...samples), 1, 'never two leaders at once');
  assert.equal(one.acquired + two.acquired, 6, 'one acquisition to start, one per kill, one after the release');
  assert.equal(one.losses.length + two.losses.length, 5);
});

test('a cut connection ends leadership at once and the server frees the lock for another node', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const port = await startSwitchablePort(Number(new URL(db.url).port || 5432));
  t.after(() => port.close());
  const errors: Error[] = [];
  const cut = lease(t, 'lease-cut', withPort(db.url, port.port), { onError: (error) => errors.push(error) });
  const other = lease(t, 'lease-other', db.url);
  await cut.lease.start();
  await other.lease.start();
  assert.equal(cut.lease.isLeader(), true);

  await port.down();
  await eventually('the cut lease is told', () => cut.losses.length === 1);
  assert.equal(cut.losses[0]?.reason, 'connection-lost');
  assert.equal(cut.lease.isLeader(), false);
  await eventually('the other node takes over', () => other.lease.isLeader());
  await eventually('reconnect attempts fail and are reported, not thrown', () => errors.length >= 3);
  assert.equal(cut.lease.isLeader(), false);

  await port.up();
  await other.lease.release();
  await eventually('the cut lease leads again once the database is back and free', () => cut.lease.isLeader());
});

test('a connection gone silent: the holder steps down on its check deadline, and nobody else leads until the session ends', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const proxy = await startFreezableProxy(Number(new URL(db.url).port || 5432));
  t.after(() => proxy.close());
  const silent = lease(t, 'lease-silent', withPort(db.url, proxy.port), { checkMs: 100, deadlineMs: 1000 });
  const other = lease(t, 'lease-other', db.url);
  await silent.lease.start();
  await other.lease.start();
  assert.equal(silent.lease.isLeader(), true);

  proxy.freeze();
  await eventually('the silent holder steps down', () => silent.losses.length === 1);
  const loss = silent.losses[0];
  assert.ok(loss?.reason === 'connection-lost' && loss.error instanceof DeadlineError, `stepped down on the deadline: ${JSON.stringify(loss)}`);
  assert.equal(silent.lease.isLeader(), false);
  // The server still has that session and its lock: the other node must NOT lead yet (this is
  // what makes it safe). Let it try many times.
  const attemptsWindow = performance.now() + 1000;
  await eventually('a second of attempts', () => performance.now() > attemptsWindow);
  assert.equal(other.lease.isLeader(), false, 'the lock stays with the stalled session');

  await proxy.close(); // The stalled session's socket closes: the server ends it and frees the lock.
  await eventually('the other node takes over', () => other.lease.isLeader());
});

test('release() without leadership, or twice, is harmless', async (t) => {
  const db = await testDatabase(t);
  if (!db) return;
  const [one, two] = await startedPair(t, db.url);
  await two.lease.release();
  await two.lease.release();
  assert.deepEqual(two.losses, [], 'a follower has nothing to lose');
  assert.equal(one.lease.isLeader(), true);
  await one.lease.release();
  await one.lease.release();
  assert.deepEqual(one.losses, [{ reason: 'released' }]);
});

test('a URL that is not PostgreSQL is refused with the password hidden', () => {
  assert.throws(() => new SingletonLease({ url: 'mysql://app:s3cret@127.0.0.1/x' }), (error: Error) => /not a PostgreSQL URL/.test(error.message) && !error.message.includes('s3cret'));
});
