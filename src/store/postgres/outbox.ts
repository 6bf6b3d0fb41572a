// The PostgreSQL AlertOutbox: SqliteOutbox's semantics on a shared database that several nodes
// may reach at once.
//
// - commit() is one transaction. Two nodes deriving the same alert commit the same idempotency
//   key; the unique index makes the second wait for the first and then skip it (ON CONFLICT DO
//   NOTHING), so each entry exists once and `inserted` counts it for one of them only.
// - due() claims rather than reads: the due rows are locked FOR UPDATE SKIP LOCKED and their
//   due_ms is moved forward by a lease, so a second node asking at the same moment gets other
//   entries, and no node asks again for an entry in flight until the lease runs out. Delivery is
//   meant to run on one node (a cluster singleton under an advisory lock); the claim covers the
//   hand-over, when the old holder may still be sending while the new one starts. The lease must
//   outlast one attempt (the dispatcher's attemptTimeoutMs, 15 s by default): an attempt still
//   running when it ends may be made a second time, with the same key. An attempt cut short (a
//   crash, a stop) is made again once the lease has run out, not at once as with SQLite.
import type { AlertEndpointState, AlertMessage, SuppressReason } from '../../alerts/types.ts';
import type { AlertCommit, AlertOutbox, OutboxBacklog, OutboxEntry, OutboxQuery, OutboxStatus } from '../outbox.ts';
import { OUTBOX_STATUSES } from '../outbox.ts';
import { type Pool, transaction } from './pool.ts';
import { jsonForPostgres, textForPostgres } from './safe-text.ts';

/** Longest error text kept per entry: a receiver's error page is not worth more. */
const MAX_ERROR_CHARS = 500;

/** Default claim lease: eight default attempt timeouts. */
export const DEFAULT_CLAIM_LEASE_MS = 120_000;

interface OutboxDbRow {
  id: number;
  idempotency_key: string;
  channel: string;
  kind: string;
  endpoint_id: number | null;
  status: string;
  suppressed_reason: string | null;
  message: AlertMessage;
  attempts: number;
  due_ms: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

const COLUMNS = 'id, idempotency_key, channel, kind, endpoint_id, status, suppressed_reason, message, attempts, due_ms, last_error, created_at, updated_at, delivered_at';

function entryFromDb(row: OutboxDbRow): OutboxEntry {
  const status = OUTBOX_STATUSES.find((s) => s === row.status);
  if (status === undefined) throw new Error(`alert_outbox.status holds unexpected value ${JSON.stringify(row.status)}`);
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    channel: row.channel,
    kind: row.message.kind,
    endpointId: row.endpoint_id,
    status,
    // Written by commit() from a SuppressReason.
    suppressedReason: row.suppressed_reason as SuppressReason | null,
    message: row.message,
    attempts: row.attempts,
    dueMs: row.due_ms,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

export interface PgAlertOutboxOptions {
  /** ms since the epoch. */
  readonly clock?: () => number;
  /** How long an entry returned by due() is withheld from every later due() call; default 2 min. */
  readonly claimLeaseMs?: number;
}

export class PgAlertOutbox implements AlertOutbox {
  readonly #pool: Pool;
  readonly #clock: () => number;
  readonly #leaseMs: number;

  constructor(pool: Pool, options: PgAlertOutboxOptions = {}) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
    this.#leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  }

  async instanceId(): Promise<string> {
    const value = await this.#meta('instance_id');
    if (value === undefined) throw new Error('alert_meta has no instance_id: PostgreSQL migration 0003 did not run');
    return value;
  }

  async cursor(): Promise<number | null> {
    const value = await this.#meta('events_cursor');
    return value === undefined ? null : Number(value);
  }

  async loadStates(): Promise<AlertEndpointState[]> {
    // Written by commit() from AlertEndpointState.
    const { rows } = await this.#pool.query<{ data: AlertEndpointState }>('SELECT data FROM alert_state ORDER BY endpoint_id');
    return rows.map((row) => row.data);
  }

  async commit(batch: AlertCommit): Promise<{ readonly inserted: number }> {
    const nowMs = this.#clock();
    const now = new Date(nowMs).toISOString();
    // One state per endpoint, the last one given winning (as statement after statement would).
    const states = [...new Map(batch.states.map((s) => [s.endpointId, s])).values()].sort((a, b) => a.endpointId - b.endpointId);
    return transaction(this.#pool, async (client) => {
      let inserted = 0;
      if (batch.entries.length > 0) {
        const e = batch.entries;
        // One statement for the batch; WITH ORDINALITY keeps the ids in the order the entries were derived.
        const result = await client.query(
          `INSERT INTO alert_outbox (idempotency_key, channel, kind, endpoint_id, status, suppressed_reason, message, due_ms, created_at, updated_at)
           SELECT key, channel, kind, endpoint_id, CASE WHEN reason IS NULL THEN 'pending' ELSE 'suppressed' END, reason, message,
                  CASE WHEN reason IS NULL THEN $7::bigint END, $8, $8
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[]) WITH ORDINALITY
                AS n (key, channel, kind, endpoint_id, reason, message, ord)
           ORDER BY ord
           ON CONFLICT (idempotency_key) DO NOTHING`,
          [
            e.map((x) => x.idempotencyKey),
            e.map((x) => x.channel),
            e.map((x) => x.message.kind),
            e.map((x) => x.endpointId),
            e.map((x) => x.suppressed),
            e.map((x) => jsonForPostgres(x.message)),
            nowMs,
            now,
          ],
        );
        inserted = result.rowCount ?? 0;
      }
      if (states.length > 0) {
        // Only for endpoints that still exist: a state for an endpoint deleted mid-pass is dropped.
        // KEY SHARE waits for a delete in progress and then sees the row gone, instead of failing
        // the whole commit on the foreign key.
        await client.query(
          `INSERT INTO alert_state (endpoint_id, data, updated_at)
           SELECT e.id, s.data, $3 FROM unnest($1::bigint[], $2::jsonb[]) AS s (endpoint_id, data)
           JOIN endpoints e ON e.id = s.endpoint_id
           ORDER BY e.id FOR KEY SHARE OF e
           ON CONFLICT (endpoint_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
          [states.map((s) => s.endpointId), states.map((s) => jsonForPostgres(s)), now],
        );
      }
      if (batch.cursor !== undefined) {
        await client.query("INSERT INTO alert_meta (key, value) VALUES ('events_cursor', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(batch.cursor)]);
      }
      return { inserted };
    });
  }

  async due(nowMs: number, limit: number, skip: ReadonlySet<number> = new Set()): Promise<OutboxEntry[]> {
    if (limit <= 0) return [];
    const { rows } = await this.#pool.query<OutboxDbRow & { claimed_due_ms: number }>(
      `WITH claimed AS (
         SELECT id, due_ms FROM alert_outbox
         WHERE status = 'pending' AND due_ms <= $1 AND id <> ALL ($2::bigint[])
         ORDER BY due_ms, id LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE alert_outbox o SET due_ms = $4 FROM claimed c WHERE o.id = c.id
       RETURNING o.*, c.due_ms AS claimed_due_ms`,
      [Math.floor(nowMs), [...skip], Math.floor(limit), Math.round(nowMs + this.#leaseMs)],
    );
    // RETURNING has no order of its own. An entry shows the due time it was found with, as on SQLite.
    return rows
      .sort((a, b) => a.claimed_due_ms - b.claimed_due_ms || a.id - b.id)
      .map((row) => entryFromDb({ ...row, due_ms: row.claimed_due_ms }));
  }

  async nextDueMs(): Promise<number | null> {
    const { rows } = await this.#pool.query<{ due: number | null }>("SELECT min(due_ms) AS due FROM alert_outbox WHERE status = 'pending'");
    return rows[0]?.due ?? null;
  }

  async markDelivered(id: number): Promise<void> {
    await this.#pool.query(
      "UPDATE alert_outbox SET status = 'delivered', attempts = attempts + 1, due_ms = NULL, last_error = NULL, delivered_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending'",
      [this.#nowIso(), id],
    );
  }

  async markFailed(id: number, error: string, retryAtMs: number | null): Promise<void> {
    const text = textForPostgres(error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS - 1)}…` : error);
    if (retryAtMs === null) {
      await this.#pool.query("UPDATE alert_outbox SET status = 'dead', attempts = attempts + 1, last_error = $1, due_ms = NULL, updated_at = $2 WHERE id = $3 AND status = 'pending'", [
        text,
        this.#nowIso(),
        id,
      ]);
    } else {
      await this.#pool.query("UPDATE alert_outbox SET attempts = attempts + 1, last_error = $1, due_ms = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'", [
        text,
        Math.round(retryAtMs),
        this.#nowIso(),
        id,
      ]);
    }
  }

  async retry(id: number): Promise<boolean> {
    const result = await this.#pool.query("UPDATE alert_outbox SET status = 'pending', due_ms = $1, updated_at = $2 WHERE id = $3 AND status = 'dead'", [this.#clock(), this.#nowIso(), id]);
    return (result.rowCount ?? 0) > 0;
  }

  async get(id: number): Promise<OutboxEntry | undefined> {
    const { rows } = await this.#pool.query<OutboxDbRow>(`SELECT ${COLUMNS} FROM alert_outbox WHERE id = $1`, [id]);
    return rows[0] && entryFromDb(rows[0]);
  }

  async entries(options: OutboxQuery): Promise<OutboxEntry[]> {
    const { rows } = await this.#pool.query<OutboxDbRow>(
      `SELECT ${COLUMNS} FROM alert_outbox WHERE ($1::text IS NULL OR status = $1) AND ($4::bigint IS NULL OR endpoint_id = $4) AND id < $2 ORDER BY id DESC LIMIT $3`,
      [options.status ?? null, options.beforeId ?? Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(options.limit)), options.endpointId ?? null],
    );
    return rows.map(entryFromDb);
  }

  deadLetters(options: { readonly limit: number; readonly beforeId?: number }): Promise<OutboxEntry[]> {
    return this.entries({ ...options, status: 'dead' });
  }

  async counts(): Promise<Readonly<Record<OutboxStatus, number>>> {
    const out: Record<OutboxStatus, number> = { pending: 0, delivered: 0, dead: 0, suppressed: 0 };
    const { rows } = await this.#pool.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM alert_outbox GROUP BY status');
    for (const row of rows) {
      const status = OUTBOX_STATUSES.find((s) => s === row.status);
      if (status !== undefined) out[status] = row.n;
    }
    return out;
  }

  async backlog(): Promise<OutboxBacklog> {
    // Each count on its partial index, so a scrape does not count 30 days of delivered messages.
    const { rows } = await this.#pool.query<{ pending: number; oldest: Date | null; dead: number }>(
      `SELECT p.n AS pending, p.oldest, d.n AS dead
       FROM (SELECT count(*) AS n, min(created_at) AS oldest FROM alert_outbox WHERE status = 'pending') p,
            (SELECT count(*) AS n FROM alert_outbox WHERE status = 'dead') d`,
    );
    const row = rows[0];
    return { pending: row?.pending ?? 0, dead: row?.dead ?? 0, oldestPendingAt: row?.oldest?.toISOString() ?? null };
  }

  async prune(beforeMs: number, limit: number): Promise<number> {
    const result = await this.#pool.query(
      "DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox WHERE status IN ('delivered', 'suppressed') AND created_at < $1 ORDER BY id LIMIT $2)",
      [new Date(beforeMs).toISOString(), Math.max(0, Math.floor(limit))],
    );
    return result.rowCount ?? 0;
  }

  async #meta(key: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ value: string }>('SELECT value FROM alert_meta WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  #nowIso(): string {
    return new Date(this.#clock()).toISOString();
  }
}
