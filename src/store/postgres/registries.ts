// The PostgreSQL RegistryStore: the SQLite one's semantics, one statement per call.
import { FACTS_COLUMNS, factsFromColumns, factsParams, syncStateFromColumns, syncStateParams, type FactsColumns, type RegistryFacts, type RegistryStore, type RegistrySyncState, type SyncColumns } from '../registries.ts';
import { StoreError } from '../store.ts';
import type { Pool } from './pool.ts';

const SQL = {
  facts: `SELECT ${FACTS_COLUMNS} FROM registry_facts ORDER BY endpoint_id`,
  setFacts: `INSERT INTO registry_facts (${FACTS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (endpoint_id) DO UPDATE SET registry = EXCLUDED.registry, server_name = EXCLUDED.server_name, title = EXCLUDED.title,
      description = EXCLUDED.description, version = EXCLUDED.version, repository_url = EXCLUDED.repository_url,
      website_url = EXCLUDED.website_url, status = EXCLUDED.status`,
  exists: 'SELECT id FROM endpoints WHERE id = $1',
  // Only when it changes: the endpoints_version trigger wakes every node on any updated row.
  setArchived: 'UPDATE endpoints SET archived_at = $1::timestamptz WHERE id = $2 AND (archived_at IS NULL) <> ($1::timestamptz IS NULL)',
  states: 'SELECT name, updated_since, last_attempt_ms, last_success_ms, last_error, servers FROM registry_sync ORDER BY name',
  saveState: `INSERT INTO registry_sync (name, updated_since, last_attempt_ms, last_success_ms, last_error, servers) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (name) DO UPDATE SET updated_since = EXCLUDED.updated_since, last_attempt_ms = EXCLUDED.last_attempt_ms,
      last_success_ms = EXCLUDED.last_success_ms, last_error = EXCLUDED.last_error, servers = EXCLUDED.servers`,
} as const;

export class PgRegistries implements RegistryStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async listFacts(): Promise<Map<number, RegistryFacts>> {
    const { rows } = await this.#pool.query<FactsColumns>(SQL.facts);
    return new Map(rows.map((row) => [Number(row.endpoint_id), factsFromColumns(row)]));
  }

  async setFacts(endpointId: number, facts: RegistryFacts): Promise<void> {
    try {
      await this.#pool.query(SQL.setFacts, [endpointId, ...factsParams(facts)]);
    } catch (error) {
      // 23503 foreign_key_violation: no such endpoint.
      if ((error as { code?: unknown } | null)?.code === '23503') throw new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${endpointId}`);
      throw error;
    }
  }

  async setArchived(endpointId: number, atIso: string | null): Promise<boolean> {
    if (!Number.isSafeInteger(endpointId)) return false;
    const { rowCount } = await this.#pool.query(SQL.exists, [endpointId]);
    if ((rowCount ?? 0) === 0) return false;
    await this.#pool.query(SQL.setArchived, [atIso, endpointId]);
    return true;
  }

  async listSyncStates(): Promise<RegistrySyncState[]> {
    const { rows } = await this.#pool.query<SyncColumns>(SQL.states);
    return rows.map(syncStateFromColumns);
  }

  async saveSyncState(state: RegistrySyncState): Promise<void> {
    await this.#pool.query(SQL.saveState, syncStateParams(state));
  }
}
