// Endpoints in PostgreSQL, with the SQLite backend's semantics (the contract suite runs both):
// list in id order, a config sync in one transaction that archives instead of deleting, a
// version counter every node can poll, and the same StoreError codes. Deleting an endpoint
// cascades through foreign keys to everything it owns (state, history, incidents, rollups).
import type { Endpoint, EndpointDefinition } from '../../domain/endpoint.ts';
import { endpointFromColumns, sameDefinition, secretsJson } from '../endpoint-codec.ts';
import { type ConfigSyncReport, type EndpointStore, StoreError } from '../store.ts';
import { type Pool, type PoolClient, transaction } from './pool.ts';

type Queryable = Pool | PoolClient;

interface EndpointPgRow {
  id: number;
  slug: string;
  name: string;
  url: string;
  interval_s: number;
  timeout_ms: number;
  era: string;
  public: boolean;
  paused: boolean;
  paused_reason: string | null;
  /** json and jsonb columns arrive parsed. */
  tags: unknown;
  list_tools: boolean;
  allow_private: boolean;
  source: string;
  secrets_json: unknown;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

function endpointFromPg(row: EndpointPgRow): Endpoint {
  return endpointFromColumns({
    ...row,
    secrets: row.secrets_json,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    archived_at: row.archived_at === null ? null : row.archived_at.toISOString(),
  });
}

const COLUMNS = 'slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags, list_tools, allow_private, source, secrets_json';
// Explicit casts: tags and secrets travel as JSON text (node-postgres would send a JS array as a
// PostgreSQL array), timestamps as ISO text from the injected clock.
const VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14::json';
const NOW = '$15::timestamptz';

function definitionParams(d: EndpointDefinition, nowIso: string): unknown[] {
  return [d.slug, d.name, d.url, d.intervalS, d.timeoutMs, d.era, d.public, d.paused, d.pausedReason, JSON.stringify(d.tags), d.listTools, d.allowPrivate, d.source, secretsJson(d.secrets), nowIso];
}

const SQL = {
  byId: 'SELECT * FROM endpoints WHERE id = $1',
  bySlug: 'SELECT * FROM endpoints WHERE slug = $1',
  list: 'SELECT * FROM endpoints ORDER BY id',
  insert: `INSERT INTO endpoints (${COLUMNS}, created_at, updated_at) VALUES (${VALUES}, ${NOW}, ${NOW}) RETURNING *`,
  update: `UPDATE endpoints SET (${COLUMNS}, updated_at) = (${VALUES}, ${NOW}) WHERE id = $16 RETURNING *`,
  // Many at once, in the given order (ids follow it): one statement for a whole file's new entries.
  insertMany: `INSERT INTO endpoints (${COLUMNS}, created_at, updated_at)
    SELECT slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags::jsonb, list_tools, allow_private, source, secrets_json::json, $15::timestamptz, $15::timestamptz
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::bool[], $8::bool[], $9::text[], $10::text[], $11::bool[], $12::bool[], $13::text[], $14::text[])
      WITH ORDINALITY AS u(slug, name, url, interval_s, timeout_ms, era, public, paused, paused_reason, tags, list_tools, allow_private, source, secrets_json, n)
    ORDER BY n
    RETURNING *`,
  delete: 'DELETE FROM endpoints WHERE id = $1',
  setArchived: 'UPDATE endpoints SET archived_at = $1::timestamptz WHERE id = ANY($2::bigint[]) RETURNING *',
  // Every row a sync may touch: the file's slugs (whoever holds them) and every config endpoint.
  syncCandidates: "SELECT * FROM endpoints WHERE slug = ANY($1::text[]) OR source = 'config' ORDER BY id",
  archivedBefore: 'SELECT id FROM endpoints WHERE archived_at IS NOT NULL AND archived_at < $1::timestamptz ORDER BY id FOR UPDATE',
  deleteIds: 'DELETE FROM endpoints WHERE id = ANY($1::bigint[]) RETURNING *',
  version: "SELECT value FROM store_meta WHERE key = 'endpoints_version'",
} as const;

export interface PgEndpointsOptions {
  /** Milliseconds since the epoch, for createdAt, updatedAt and archivedAt. */
  readonly clock?: () => number;
  /**
   * Hears the ids of endpoints deleted (deleteEndpoint, pruneArchivedEndpoints) after the commit,
   * for whatever holds per-endpoint state in memory (the tick writer's write-behind buffers).
   */
  readonly onDeleted?: (ids: readonly number[]) => void;
}

export class PgEndpoints implements EndpointStore {
  readonly #pool: Pool;
  readonly #clock: () => number;
  readonly #onDeleted: (ids: readonly number[]) => void;

  constructor(pool: Pool, options: PgEndpointsOptions = {}) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
    this.#onDeleted = options.onDeleted ?? (() => undefined);
  }

  async listEndpoints(): Promise<Endpoint[]> {
    const { rows } = await this.#pool.query<EndpointPgRow>(SQL.list);
    return rows.map(endpointFromPg);
  }

  async getEndpoint(id: number): Promise<Endpoint | undefined> {
    // A non-integer id matches nothing (as in SQLite) instead of failing the bigint cast.
    if (!Number.isSafeInteger(id)) return undefined;
    return one(await this.#pool.query<EndpointPgRow>(SQL.byId, [id]));
  }

  async getEndpointBySlug(slug: string): Promise<Endpoint | undefined> {
    return one(await this.#pool.query<EndpointPgRow>(SQL.bySlug, [slug]));
  }

  createEndpoint(definition: EndpointDefinition): Promise<Endpoint> {
    return insert(this.#pool, definition, this.#nowIso());
  }

  async updateEndpoint(id: number, definition: EndpointDefinition): Promise<Endpoint> {
    const updated = Number.isSafeInteger(id) ? await update(this.#pool, id, definition, this.#nowIso()) : undefined;
    if (!updated) throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${id}`);
    return updated;
  }

  async deleteEndpoint(id: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    const { rowCount } = await this.#pool.query(SQL.delete, [id]);
    const deleted = (rowCount ?? 0) > 0;
    if (deleted) this.#onDeleted([id]);
    return deleted;
  }

  async syncConfigEndpoints(definitions: readonly EndpointDefinition[]): Promise<ConfigSyncReport> {
    const wanted = definitions.map((input): EndpointDefinition => ({ ...input, source: 'config' }));
    const slugs = new Set<string>();
    for (const { slug } of wanted) {
      // Before any write: the transaction would be rolled back anyway, this way it never starts.
      if (slugs.has(slug)) throw new StoreError('DUPLICATE_SLUG', `slug "${slug}" is listed twice in the configuration`);
      slugs.add(slug);
    }
    const now = this.#nowIso();
    return transaction(this.#pool, async (client) => {
      // Two nodes syncing the same file at once would both insert a new slug; this lock makes
      // the second wait and then see the first's rows. It conflicts with other endpoint writes
      // (short ones) but not with the row locks tick writes take through foreign keys.
      await client.query('LOCK TABLE endpoints IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await client.query<EndpointPgRow>(SQL.syncCandidates, [[...slugs]]);
      const bySlug = new Map(rows.map((row) => [row.slug, endpointFromPg(row)]));
      const report = { endpoints: [] as Endpoint[], added: [] as string[], updated: [] as string[], restored: [] as string[], archived: [] as string[], conflicts: [] as { slug: string; holder: Endpoint }[] };
      const added = await insertMany(client, wanted.filter((definition) => !bySlug.has(definition.slug)), now);
      for (const definition of wanted) {
        const existing = bySlug.get(definition.slug);
        const created = added.get(definition.slug);
        if (created) {
          report.endpoints.push(created);
          report.added.push(definition.slug);
        } else if (!existing) {
          throw new Error(`endpoint "${definition.slug}" was inserted but not returned`);
        } else if (existing.source !== 'config') {
          // Someone else's endpoint: skipped and reported, never taken over and never fatal.
          report.conflicts.push({ slug: definition.slug, holder: existing });
        } else {
          let current = sameDefinition(existing, definition) ? existing : await mustUpdate(client, existing.id, definition, now);
          if (current.archivedAt !== null) {
            current = (await setArchived(client, [current.id], null))[0] ?? current;
            report.restored.push(definition.slug);
          } else if (current !== existing) report.updated.push(definition.slug);
          report.endpoints.push(current);
        }
      }
      // Leaving the file archives: the history stays until retention or `endpoints purge`.
      const leaving = rows.filter((row) => row.source === 'config' && row.archived_at === null && !slugs.has(row.slug));
      if (leaving.length > 0) {
        const archived = await setArchived(client, leaving.map((row) => row.id), now);
        report.archived.push(...archived.map((endpoint) => endpoint.slug));
      }
      return report;
    });
  }

  async endpointsVersion(): Promise<number> {
    const { rows } = await this.#pool.query<{ value: number }>(SQL.version);
    return rows[0]?.value ?? 0;
  }

  async pruneArchivedEndpoints(archivedBeforeMs: number): Promise<Endpoint[]> {
    const cutoff = new Date(archivedBeforeMs).toISOString();
    const gone = await transaction(this.#pool, async (client) => {
      // Select first: a DELETE that matches nothing would still be a statement on endpoints.
      const { rows } = await client.query<{ id: number }>(SQL.archivedBefore, [cutoff]);
      if (rows.length === 0) return [];
      const deleted = await client.query<EndpointPgRow>(SQL.deleteIds, [rows.map((row) => row.id)]);
      return deleted.rows.map(endpointFromPg).sort((a, b) => a.id - b.id);
    });
    if (gone.length > 0) this.#onDeleted(gone.map((endpoint) => endpoint.id));
    return gone;
  }

  #nowIso(): string {
    return new Date(this.#clock()).toISOString();
  }
}

function one(result: { rows: EndpointPgRow[] }): Endpoint | undefined {
  const row = result.rows[0];
  return row && endpointFromPg(row);
}

async function insert(db: Queryable, definition: EndpointDefinition, nowIso: string): Promise<Endpoint> {
  const result = await guardConstraints(definition.slug, () => db.query<EndpointPgRow>(SQL.insert, definitionParams(definition, nowIso)));
  const created = one(result);
  if (!created) throw new Error('INSERT … RETURNING returned no row');
  return created;
}

/**
 * Inserts the definitions in one statement (measured, first sync of 10,000 endpoints: 7–15 s one
 * INSERT at a time, 0.47 s batched, on this loaded 2-core box); when the database refuses one, they go again one at a time inside a
 * savepoint so the error names the entry, with the same message a single insert gives.
 */
async function insertMany(db: PoolClient, definitions: readonly EndpointDefinition[], nowIso: string): Promise<Map<string, Endpoint>> {
  const out = new Map<string, Endpoint>();
  if (definitions.length === 0) return out;
  await db.query('SAVEPOINT insert_many');
  try {
    const params = definitions.map((definition) => definitionParams(definition, nowIso));
    const columns = Array.from({ length: 14 }, (_, i) => params.map((row) => row[i]));
    const { rows } = await db.query<EndpointPgRow>(SQL.insertMany, [...columns, nowIso]);
    await db.query('RELEASE SAVEPOINT insert_many');
    for (const row of rows) out.set(row.slug, endpointFromPg(row));
    return out;
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT insert_many');
    for (const definition of definitions) out.set(definition.slug, await insert(db, definition, nowIso));
    return out;
  }
}

async function update(db: Queryable, id: number, definition: EndpointDefinition, nowIso: string): Promise<Endpoint | undefined> {
  return one(await guardConstraints(definition.slug, () => db.query<EndpointPgRow>(SQL.update, [...definitionParams(definition, nowIso), id])));
}

async function mustUpdate(db: Queryable, id: number, definition: EndpointDefinition, nowIso: string): Promise<Endpoint> {
  const updated = await update(db, id, definition, nowIso);
  if (!updated) throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${id}`);
  return updated;
}

/** Sets archived_at on the ids; returns them in id order (RETURNING has no order of its own). */
async function setArchived(db: Queryable, ids: readonly number[], atIso: string | null): Promise<Endpoint[]> {
  const { rows } = await db.query<EndpointPgRow>(SQL.setArchived, [atIso, ids]);
  if (rows.length !== ids.length) throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${ids.find((id) => !rows.some((row) => row.id === id))}`);
  return rows.map(endpointFromPg).sort((a, b) => a.id - b.id);
}

// SQLSTATE: 23505 unique_violation, 23514 check_violation, 23502 not_null_violation; class 22
// (data exception) is a value the column type refuses (1.5 for an integer, a NUL in text).
const INVALID_SQLSTATE = /^(23514|23502|22)/;

async function guardConstraints<T>(slug: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === '23505') throw new StoreError('SLUG_TAKEN', `slug "${slug}" is already used by another endpoint`, { cause: error });
    if (typeof code === 'string' && INVALID_SQLSTATE.test(code)) {
      // No `cause`: PostgreSQL's error carries the whole failing row in `detail`, secrets
      // included, and a logger serializing the cause would print them.
      throw new StoreError('INVALID_ENDPOINT', `endpoint "${slug}" was rejected by the schema: ${(error as Error).message}`);
    }
    throw error;
  }
}
