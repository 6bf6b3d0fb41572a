// The SQLite AlertOutbox. It shares the SqliteStore's connection on purpose: better-sqlite3 is
// synchronous, so a second connection waiting for the write lock held by a tick would block the
// event loop for the busy timeout. On one connection the statements simply take turns.
import type Database from 'better-sqlite3';
import type { AlertEndpointState, AlertMessage, SuppressReason } from '../../alerts/types.ts';
import type { AlertCommit, AlertOutbox, OutboxBacklog, OutboxEntry, OutboxQuery, OutboxStatus } from '../outbox.ts';
import { OUTBOX_STATUSES } from '../outbox.ts';

type Db = Database.Database;

/** Longest error text kept per entry: a receiver's error page is not worth more. */
const MAX_ERROR_CHARS = 500;

interface OutboxDbRow {
  id: number;
  idempotency_key: string;
  channel: string;
  kind: string;
  endpoint_id: number | null;
  status: string;
  suppressed_reason: string | null;
  message: string;
  attempts: number;
  due_ms: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

function entryFromDb(row: OutboxDbRow): OutboxEntry {
  const status = OUTBOX_STATUSES.find((s) => s === row.status);
  if (status === undefined) throw new Error(`alert_outbox.status holds unexpected value ${JSON.stringify(row.status)}`);
  // Written by this module from an AlertMessage; the CHECK keeps it valid JSON.
  const message = JSON.parse(row.message) as AlertMessage;
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    kind: message.kind,
    endpointId: row.endpoint_id,
    status,
    suppressedReason: row.suppressed_reason as SuppressReason | null,
    message,
    attempts: row.attempts,
    dueMs: row.due_ms,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at,
  };
}

export interface SqliteOutboxOptions {
  /** ms since the epoch. */
  readonly clock?: () => number;
}

export class SqliteOutbox implements AlertOutbox {
  readonly #db: Db;
  readonly #clock: () => number;
  readonly #s;

  constructor(db: Db, options: SqliteOutboxOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? Date.now;
    const select = 'SELECT * FROM alert_outbox';
    this.#s = {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM alert_meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>('INSERT INTO alert_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      states: db.prepare<[], { data: string }>('SELECT data FROM alert_state ORDER BY endpoint_id'),
      // Only for endpoints that still exist: a state for an endpoint deleted mid-pass is dropped.
      upsertState: db.prepare<[number, string, string, number]>(
        `INSERT INTO alert_state (endpoint_id, data, updated_at) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM endpoints WHERE id = ?)
         ON CONFLICT (endpoint_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ),
      insert: db.prepare<[Record<string, unknown>]>(
        `INSERT INTO alert_outbox (idempotency_key, channel, kind, endpoint_id, status, suppressed_reason, message, due_ms, created_at, updated_at)
         VALUES (@key, @channel, @kind, @endpointId, @status, @reason, @message, @dueMs, @now, @now) ON CONFLICT (idempotency_key) DO NOTHING`,
      ),
      due: db.prepare<[number, number], OutboxDbRow>(`${select} WHERE status = 'pending' AND due_ms <= ? ORDER BY due_ms, id LIMIT ?`),
      nextDue: db.prepare<[], { due: number | null }>("SELECT min(due_ms) AS due FROM alert_outbox WHERE status = 'pending'"),
      delivered: db.prepare<[{ now: string; id: number }]>(
        "UPDATE alert_outbox SET status = 'delivered', attempts = attempts + 1, due_ms = NULL, last_error = NULL, delivered_at = @now, updated_at = @now WHERE id = @id AND status = 'pending'",
      ),
      retryLater: db.prepare<[string, number, string, number]>("UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, due_ms = ?, updated_at = ? WHERE id = ? AND status = 'pending'"),
      dead: db.prepare<[string, string, number]>("UPDATE alert_outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, due_ms = NULL, updated_at = ? WHERE id = ? AND status = 'pending'"),
      retry: db.prepare<[number, string, number]>("UPDATE alert_outbox SET status = 'pending', due_ms = ?, updated_at = ? WHERE id = ? AND status = 'dead'"),
      get: db.prepare<[number], OutboxDbRow>(`${select} WHERE id = ?`),
      page: db.prepare<[{ status: string | null; beforeId: number; limit: number; endpointId: number | null }], OutboxDbRow>(
        `${select} WHERE (@status IS NULL OR status = @status) AND (@endpointId IS NULL OR endpoint_id = @endpointId) AND id < @beforeId ORDER BY id DESC LIMIT @limit`,
      ),
      counts: db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM alert_outbox GROUP BY status'),
      // Each on its partial index, so a scrape does not count 30 days of delivered messages.
      pendingBacklog: db.prepare<[], { n: number; oldest: string | null }>("SELECT count(*) AS n, min(created_at) AS oldest FROM alert_outbox INDEXED BY alert_outbox_due WHERE status = 'pending'"),
      deadCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM alert_outbox INDEXED BY alert_outbox_dead WHERE status = 'dead'"),
      prune: db.prepare<[string, number]>(
        "DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox WHERE status IN ('delivered', 'suppressed') AND created_at < ? ORDER BY id LIMIT ?)",
      ),
    };
  }

  async instanceId(): Promise<string> {
    const row = this.#s.meta.get('instance_id');
    if (!row) throw new Error('alert_meta has no instance_id: migration 0003 did not run');
    return row.value;
  }

  async cursor(): Promise<number | null> {
    const row = this.#s.meta.get('events_cursor');
    return row ? Number(row.value) : null;
  }

  async loadStates(): Promise<AlertEndpointState[]> {
    // Written by commit() from AlertEndpointState; the CHECK keeps it valid JSON.
    return this.#s.states.all().map((row) => JSON.parse(row.data) as AlertEndpointState);
  }

  async commit(batch: AlertCommit): Promise<{ readonly inserted: number }> {
    const nowMs = this.#clock();
    const now = new Date(nowMs).toISOString();
    return this.#db.transaction(() => {
      let inserted = 0;
      for (const entry of batch.entries) {
        const result = this.#s.insert.run({
          key: entry.idempotencyKey,
          channel: entry.channel,
          kind: entry.message.kind,
          endpointId: entry.endpointId,
          status: entry.suppressed === null ? 'pending' : 'suppressed',
          reason: entry.suppressed,
          message: JSON.stringify(entry.message),
          dueMs: entry.suppressed === null ? nowMs : null,
          now,
        });
        inserted += result.changes;
      }
      for (const state of batch.states) this.#s.upsertState.run(state.endpointId, JSON.stringify(state), now, state.endpointId);
      if (batch.cursor !== undefined) this.#s.setMeta.run('events_cursor', String(batch.cursor));
      return { inserted };
    })();
  }

  async due(nowMs: number, limit: number, skip: ReadonlySet<number> = new Set()): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    return this.#s.due
      .all(nowMs, limit + skip.size)
      .filter((row) => !skip.has(row.id))
      .slice(0, limit)
      .map(entryFromDb);
  }

  async nextDueMs(): Promise<number | null> {
    return this.#s.nextDue.get()?.due ?? null;
  }

  async markDelivered(id: number): Promise<void> {
    this.#s.delivered.run({ now: this.#nowIso(), id });
  }

  async markFailed(id: number, error: string, retryAtMs: number | null): Promise<void> {
    const text = error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS - 1)}…` : error;
    if (retryAtMs === null) this.#s.dead.run(text, this.#nowIso(), id);
    else this.#s.retryLater.run(text, Math.round(retryAtMs), this.#nowIso(), id);
  }

  async retry(id: number): Promise<boolean> {
    return this.#s.retry.run(this.#clock(), this.#nowIso(), id).changes > 0;
  }

  async get(id: number): Promise<OutboxEntry | undefined> {
    const row = this.#s.get.get(id);
    return row && entryFromDb(row);
  }

  async entries(options: OutboxQuery): Promise<OutboxEntry[]> {
    return this.#s.page.all({ status: options.status ?? null, beforeId: options.beforeId ?? Number.MAX_SAFE_INTEGER, limit: options.limit, endpointId: options.endpointId ?? null }).map(entryFromDb);
  }

  async deadLetters(options: { readonly limit: number; readonly beforeId?: number }): Promise<OutboxEntry[]> {
    return this.entries({ ...options, status: 'dead' });
  }

  async counts(): Promise<Readonly<Record<OutboxStatus, number>>> {
    const out: Record<OutboxStatus, number> = { pending: 0, delivered: 0, dead: 0, suppressed: 0 };
    for (const row of this.#s.counts.all()) {
      const status = OUTBOX_STATUSES.find((s) => s === row.status);
      if (status !== undefined) out[status] = row.n;
    }
    return out;
  }

  async backlog(): Promise<OutboxBacklog> {
    const pending = this.#s.pendingBacklog.get();
    return { pending: pending?.n ?? 0, dead: this.#s.deadCount.get()?.n ?? 0, oldestPendingAt: pending?.oldest ?? null };
  }

  async prune(beforeMs: number, limit: number): Promise<number> {
    return this.#s.prune.run(new Date(beforeMs).toISOString(), Math.max(0, Math.floor(limit))).changes;
  }

  #nowIso(): string {
    return new Date(this.#clock()).toISOString();
  }
}
