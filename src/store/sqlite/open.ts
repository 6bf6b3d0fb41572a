// The SQLite Storage bundle: one connection shared by the store, the alert outbox, the alert
// settings and the compliance reports (better-sqlite3 is synchronous, so a second connection waiting for this one's write
// lock would block the event loop), plus the file operations only SQLite has.
import type { Storage, StorageMaintenance } from '../store.ts';
import { SqliteAccounts } from './accounts.ts';
import { SqliteAlertSettings } from './alert-settings.ts';
import { SqliteCompliance } from './compliance.ts';
import { SqliteOutbox } from './outbox.ts';
import { SqliteRegistries } from './registries.ts';
import { SqliteStatusPages } from './status-pages.ts';
import { type SqliteStore, type SqliteStoreOptions, openSqliteStore } from './store.ts';

/** Opens (and migrates) the database file, or `:memory:`. */
export function openSqliteStorage(path: string, options: SqliteStoreOptions = {}): Storage & { readonly store: SqliteStore; readonly maintenance: StorageMaintenance } {
  const store = openSqliteStore(path, options);
  const clock = options.clock !== undefined ? { clock: options.clock } : {};
  const maintenance: StorageMaintenance = {
    checkpoint: async () => store.checkpoint(),
    backup: (target, onProgress) => store.backup(target, onProgress),
    integrityCheck: async () => store.integrityCheck(),
    sealStep: async (budgetMs) => store.sealStep(budgetMs),
  };
  return {
    backend: 'sqlite',
    location: path,
    store,
    outbox: new SqliteOutbox(store.database, clock),
    alertSettings: new SqliteAlertSettings(store.database, clock),
    compliance: new SqliteCompliance(store.database),
    registries: new SqliteRegistries(store.database),
    accounts: new SqliteAccounts(store.database, clock),
    statusPages: new SqliteStatusPages(store.database, clock),
    maintenance,
    sizeBytes: async () => store.databaseSizeBytes(),
    // SqliteStore.close flushes first and does nothing once closed.
    close: async () => store.close(),
  };
}
