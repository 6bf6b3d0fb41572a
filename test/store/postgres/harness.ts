// A migrated PostgreSQL database per test (a copy of the migrated template, fixtures/postgres.ts)
// and the pools opened on it, ended with the test.
import type { TestContext } from 'node:test';
import { openPool, type Pool, type PoolOptions } from '../../../src/store/postgres/pool.ts';
import { testDatabase, type TestDatabase } from '../../fixtures/postgres.ts';

export interface MigratedDatabase {
  readonly db: TestDatabase;
  readonly pool: Pool;
  /** Another pool on the same database: another node. Ended with the test. */
  openPool(options?: PoolOptions): Pool;
}

/** undefined when PostgreSQL is missing outside CI (the test is then skipped loudly). */
export async function migratedDatabase(t: TestContext): Promise<MigratedDatabase | undefined> {
  const db = await testDatabase(t, { migrated: true });
  if (!db) return undefined;
  const pools: Pool[] = [];
  // Runs after the fixture's DROP … WITH (FORCE) (hooks run in the order registered), which has
  // closed the connections server-side; this frees the client side.
  t.after(() => Promise.all(pools.map((pool) => pool.end())));
  const open = (options?: PoolOptions): Pool => {
    const pool = openPool(db.url, { max: 4, ...options });
    pools.push(pool);
    return pool;
  };
  const pool = open();
  return { db, pool, openPool: open };
}
