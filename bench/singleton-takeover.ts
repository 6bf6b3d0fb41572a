// How long the cluster is without a singleton leader when the leader's backend is killed
// (pg_terminate_backend) or it releases, with the lease's default timings and a faster retry.
// Prints figures, asserts nothing.  node --import tsx bench/singleton-takeover.ts [runs]
import { SingletonLease } from '../src/store/postgres/singleton.ts';
import { terminateBackends } from '../test/fixtures/cluster.ts';
import { createTestDatabase, postgresMissing } from '../test/fixtures/postgres.ts';

const runs = Number(process.argv[2] ?? 5);

interface Pair {
  readonly leases: SingletonLease[];
  readonly names: string[];
  readonly acquiredAt: number[];
  readonly lostAt: number[];
}

function pair(url: string, retryMs: number): Pair {
  const p: Pair = { leases: [], names: ['bench-a', 'bench-b'], acquiredAt: [0, 0], lostAt: [0, 0] };
  for (const i of [0, 1]) {
    p.leases.push(
      new SingletonLease({
        url,
        retryMs,
        applicationName: p.names[i],
        onAcquire: () => {
          p.acquiredAt[i] = performance.now();
        },
        onLose: () => {
          p.lostAt[i] = performance.now();
        },
      }),
    );
  }
  return p;
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('no takeover within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function measure(retryMs: number): Promise<void> {
  const db = await createTestDatabase();
  try {
    const p = pair(db.url, retryMs);
    await p.leases[0]!.start();
    await p.leases[1]!.start();
    const kills: string[] = [];
    for (let run = 0; run < runs; run += 1) {
      const leader = p.leases[0]!.isLeader() ? 0 : 1;
      const follower = 1 - leader;
      const before = p.acquiredAt[follower]!;
      const t0 = performance.now();
      await terminateBackends(db.name, p.names[leader]);
      await waitFor(() => p.acquiredAt[follower]! > before);
      kills.push(`${(p.lostAt[leader]! - t0).toFixed(0)}/${(p.acquiredAt[follower]! - t0).toFixed(0)}`);
    }
    const leader = p.leases[0]!.isLeader() ? 0 : 1;
    const follower = 1 - leader;
    const before = p.acquiredAt[follower]!;
    const t0 = performance.now();
    await p.leases[leader]!.release();
    await waitFor(() => p.acquiredAt[follower]! > before);
    const released = (p.acquiredAt[follower]! - t0).toFixed(0);
    await p.leases[follower]!.release();
    console.log(`retryMs ${String(retryMs).padStart(5)} | kill → old onLose / new onAcquire (ms): ${kills.join('  ')} | release → new onAcquire: ${released} ms`);
  } finally {
    await db.drop();
  }
}

const missing = await postgresMissing();
if (missing) {
  console.log(missing);
} else {
  console.log(`singleton takeover, ${runs} kills per row (checkMs 2000, deadlineMs 2000):`);
  for (const retryMs of [2000, 500]) await measure(retryMs);
}
