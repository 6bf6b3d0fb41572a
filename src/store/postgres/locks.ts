// Every PostgreSQL advisory lock mcpwatch takes, defined once: a lock is two int4 keys, the first
// naming mcpwatch (so another application's advisory locks on the same database never collide
// with ours), the second naming the job.
export const LOCK_NAMESPACE = 0x6d637720; // 'mcw '

export const ADVISORY_LOCKS = {
  /** Schema migrations: held for the migrating transaction, so two nodes starting together migrate once. */
  migrate: 1,
  /** Cluster-wide singleton work (alerts, retention, registry sync): held for a connection's life. */
  singleton: 2,
  /** migrate-data: one copy into a database at a time. */
  migrateData: 3,
  /** Creating probe_results partitions: concurrent CREATE TABLE IF NOT EXISTS can collide in the catalog. */
  partitions: 4,
  /** Inserting events, held to COMMIT so event ids become visible in increasing order (0002_history.sql). */
  events: 5,
  /** Shared by every tick, exclusive by every endpoint DELETE (its trigger in 0002_history.sql spells out 6). */
  tickWrite: 6,
  /** Retired: one serve per database before serves became nodes (issue 14). Kept so 7 is never reused for another job. */
  serve: 7,
} as const;

export type AdvisoryLock = keyof typeof ADVISORY_LOCKS;
