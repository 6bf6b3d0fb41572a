// A fresh, fully migrated test database with pools on it, closed and dropped when the test ends,
// and the plain-SQL endpoint rows other tables refer to (the endpoint store is tested on its own).
import type { TestContext } from 'node:test';
import { openPool, type Pool } from '../../../src/store/postgres/pool.ts';
import { createTestDatabase, lacksPostgres } from '../../fixtures/postgres.ts';

export interface MigratedDatabase {
  readonly pool: Pool;
  /** Another pool on the same database, as a second node would have. */
  another(): Pool;
}

/** undefined when the test was skipped for want of PostgreSQL. */
export async function migratedDatabase(t: TestContext): Promise<MigratedDatabase | undefined> {
  if (await lacksPostgres(t)) return undefined;
  const db = await createTestDatabase({ migrated: true });
  const pools: Pool[] = [];
  const open = (): Pool => {
    const pool = openPool(db.url, { max: 4, statementTimeoutMs: 10_000 });
    pools.push(pool);
    return pool;
  };
  // The pools first: the drop would otherwise cut their connections from under them.
  t.after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });
  const pool = open();
  return { pool, another: open };
}

export async function insertEndpoint(pool: Pool, slug: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO endpoints (slug, name, url, interval_s, timeout_ms, source, created_at, updated_at)
     VALUES ($1, $1, 'https://' || $1 || '.example.com/mcp', 60, 15000, 'api', now(), now()) RETURNING id`,
    [slug],
  );
  return rows[0]!.id;
}

export async function deleteEndpoint(pool: Pool, id: number): Promise<void> {
  await pool.query('DELETE FROM endpoints WHERE id = $1', [id]);
}

/** A clock the test sets by hand, ms since the epoch. */
export function manualClock(start: number): { readonly clock: () => number; readonly setNow: (ms: number) => void } {
  let now = start;
  return {
    clock: () => now,
    setNow: (ms) => {
      now = ms;
    },
  };
}
