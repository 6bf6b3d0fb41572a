// Every storage backend the contract suite runs against, behind one handle: open a Storage on a
// fresh database, open it again (a restart, or a second process/node), crash it (connections
// dropped without the flush a clean close does), and clean everything up when the test ends.
// Adding a backend here runs every contract case on it.
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import pg from 'pg';
import { openPostgresStorage } from '../../../src/store/postgres/open.ts';
import { openSqliteStorage } from '../../../src/store/sqlite/open.ts';
import type { Storage, StorageBackend } from '../../../src/store/store.ts';
import { createTestDatabase, lacksPostgres } from '../../fixtures/postgres.ts';
import { tempDir } from '../helper.ts';

export interface OpenOptions {
  /** ms since the epoch; the store's, the outbox's and the alert settings' clock. */
  readonly clock?: () => number;
  /** How long a backend may hold writes in memory (SQLite's rollups and states); 0 writes every tick. */
  readonly flushIntervalMs?: number;
}

export interface BackendHandle {
  readonly backend: StorageBackend;
  /** A Storage on this test's database; every call opens the SAME database again. */
  open(options?: OpenOptions): Promise<Storage>;
  /** Ends `storage` as a killed process would: connections gone, nothing flushed. */
  crash(storage: Storage): Promise<void>;
}

export interface Backend {
  readonly name: StorageBackend;
  /** The describe() title when it is not the backend's name (a variant of one backend). */
  readonly label?: string;
  /** A fresh, empty database for the test, removed when it ends; undefined when the test was skipped. */
  create(t: TestContext): Promise<BackendHandle | undefined>;
}

function tracked(openStorage: (options: OpenOptions) => Promise<Storage>): { open: BackendHandle['open']; closeAll: () => Promise<void> } {
  const opened: Storage[] = [];
  return {
    async open(options = {}) {
      const storage = await openStorage(options);
      opened.push(storage);
      return storage;
    },
    // close() is idempotent, and a crashed Storage has nothing left to close.
    closeAll: async () => {
      await Promise.allSettled(opened.map((storage) => storage.close()));
    },
  };
}

type SqliteStorage = ReturnType<typeof openSqliteStorage>;

/**
 * SQLite with every sealable raw row sealed into blocks after each write (rows of hours that ended
 * maxResultDelayMs ago and were folded into the rollups): the same cases, read half from blocks.
 */
function sealingEagerly(storage: SqliteStorage): SqliteStorage {
  const store = storage.store;
  const sealAll = (): void => {
    while (store.sealStep(Number.POSITIVE_INFINITY).more);
  };
  const writeTick = store.writeTick.bind(store);
  const flush = store.flush.bind(store);
  store.writeTick = async (batch) => {
    await writeTick(batch);
    sealAll();
  };
  store.flush = async () => {
    await flush();
    sealAll();
  };
  sealAll();
  return storage;
}

function sqliteBackend(label: string | undefined, wrap: (storage: SqliteStorage) => SqliteStorage): Backend {
  return {
    name: 'sqlite',
    ...(label !== undefined ? { label } : {}),
    create: (t) => createSqlite(t, wrap),
  };
}

function createSqlite(t: TestContext, wrap: (storage: SqliteStorage) => SqliteStorage): Promise<BackendHandle> {
  const dir = tempDir('mcpwatch-contract-');
  const path = join(dir.dir, 'mcpwatch.db');
  const storages = tracked((options) => Promise.resolve(wrap(openSqliteStorage(path, options))));
  t.after(async () => {
    await storages.closeAll();
    dir.cleanup();
  });
  return Promise.resolve({
    backend: 'sqlite',
    open: storages.open,
    async crash(storage) {
      // The connection closed under the store: no flush of buffered rollups or deferred states,
      // the WAL left as it is. SqliteStore.close() then does nothing (its connection is not open).
      const store = storage.store as ReturnType<typeof openSqliteStorage>['store'];
      store.database.close();
      await storage.close();
    },
  });
}

const sqlite = sqliteBackend(undefined, (storage) => storage);
const sqliteSealed = sqliteBackend('sqlite (raw rows sealed into blocks)', sealingEagerly);

const postgres: Backend = {
  name: 'postgres',
  async create(t) {
    if (await lacksPostgres(t)) return undefined;
    const db = await createTestDatabase({ migrated: true });
    const storages = tracked((options) => openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 15_000, ...(options.clock ? { clock: options.clock } : {}) }));
    // The pools first: the drop would otherwise cut their connections from under them.
    t.after(async () => {
      await storages.closeAll();
      await db.drop();
    });
    return {
      backend: 'postgres',
      open: storages.open,
      async crash(storage) {
        // The server cuts every connection of this database, as when the process dies. PgTicks
        // holds nothing in memory (its flush is empty), so close() below only ends the client side.
        const admin = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000 });
        await admin.connect();
        try {
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        } finally {
          await admin.end();
        }
        await storage.close().catch(() => undefined);
      },
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqlite, sqliteSealed, postgres];

/**
 * One describe per backend, one test per case, each on a database of its own. `subject` builds
 * what the case takes from the backend's handle (a test skipped for want of PostgreSQL runs no case).
 */
export function runContract<S>(cases: Readonly<Record<string, (subject: S) => Promise<void>>>, subject: (handle: BackendHandle, t: TestContext) => Promise<S>): void {
  for (const backend of BACKENDS) {
    describe(backend.label ?? backend.name, () => {
      for (const [name, run] of Object.entries(cases)) {
        test(name, async (t) => {
          const handle = await backend.create(t);
          if (handle) await run(await subject(handle, t));
        });
      }
    });
  }
}
