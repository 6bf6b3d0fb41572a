// Which node holds the singleton lease, for the cluster view: the session holding the advisory
// lock names its node in application_name (SingletonLease's applicationName), so any node can
// answer without a table of its own, and the answer is right even when the holder just died
// (the server frees the lock with the session).
import { withDeadline } from './deadline.ts';
import { ADVISORY_LOCKS, LOCK_NAMESPACE } from './locks.ts';
import type { Pool } from './pool.ts';

/** application_name prefix of a node's singleton session; the node name follows it. */
export const SINGLETON_APPLICATION = 'mcpwatch singleton ';

export async function singletonHolder(pool: Pool, deadlineMs: number): Promise<string | null> {
  const { rows } = await withDeadline(
    pool.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_NAMESPACE, ADVISORY_LOCKS.singleton],
    ),
    deadlineMs,
    'reading the singleton holder',
  );
  const name = rows[0]?.application_name;
  return name?.startsWith(SINGLETON_APPLICATION) === true ? name.slice(SINGLETON_APPLICATION.length) : null;
}
