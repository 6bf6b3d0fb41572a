// The SQLite RegistryStore, on the SqliteStore's own connection (see outbox.ts for why not a
// second one). Each write is one statement, so its own transaction.
import type Database from 'better-sqlite3';
import { FACTS_COLUMNS, factsFromColumns, factsParams, syncStateFromColumns, syncStateParams, type FactsColumns, type RegistryFacts, type RegistryStore, type RegistrySyncState, type SyncColumns } from '../registries.ts';
import { StoreError } from '../store.ts';

export class SqliteRegistries implements RegistryStore {
  readonly #facts: Database.Statement<[], FactsColumns>;
  readonly #setFacts: Database.Statement<(string | number | null)[]>;
  readonly #exists: Database.Statement<[number], { id: number }>;
  readonly #setArchived: Database.Statement<[{ at: string | null; id: number }]>;
  readonly #states: Database.Statement<[], SyncColumns>;
  readonly #saveState: Database.Statement<(string | number | null)[]>;

  constructor(db: Database.Database) {
    this.#facts = db.prepare(`SELECT ${FACTS_COLUMNS} FROM registry_facts ORDER BY endpoint_id`);
    this.#setFacts = db.prepare<(string | number | null)[]>(`INSERT OR REPLACE INTO registry_facts (${FACTS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#exists = db.prepare('SELECT id FROM endpoints WHERE id = ?');
    // Only when it changes: the endpoints_version trigger wakes every reader on any update.
    this.#setArchived = db.prepare('UPDATE endpoints SET archived_at = @at WHERE id = @id AND (archived_at IS NULL) <> (@at IS NULL)');
    this.#states = db.prepare('SELECT name, updated_since, last_attempt_ms, last_success_ms, last_error, servers FROM registry_sync ORDER BY name');
    this.#saveState = db.prepare<(string | number | null)[]>('INSERT OR REPLACE INTO registry_sync (name, updated_since, last_attempt_ms, last_success_ms, last_error, servers) VALUES (?, ?, ?, ?, ?, ?)');
  }

  listFacts(): Promise<Map<number, RegistryFacts>> {
    return Promise.resolve(new Map(this.#facts.all().map((row) => [row.endpoint_id, factsFromColumns(row)])));
  }

  setFacts(endpointId: number, facts: RegistryFacts): Promise<void> {
    if (this.#exists.get(endpointId) === undefined) return Promise.reject(new StoreError('ENDPOINT_NOT_FOUND', `no endpoint with id ${endpointId}`));
    this.#setFacts.run(endpointId, ...factsParams(facts));
    return Promise.resolve();
  }

  setArchived(endpointId: number, atIso: string | null): Promise<boolean> {
    if (this.#exists.get(endpointId) === undefined) return Promise.resolve(false);
    this.#setArchived.run({ at: atIso, id: endpointId });
    return Promise.resolve(true);
  }

  listSyncStates(): Promise<RegistrySyncState[]> {
    return Promise.resolve(this.#states.all().map(syncStateFromColumns));
  }

  saveSyncState(state: RegistrySyncState): Promise<void> {
    this.#saveState.run(...syncStateParams(state));
    return Promise.resolve();
  }
}
