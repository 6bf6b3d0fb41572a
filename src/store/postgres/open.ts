// The PostgreSQL backend as one Storage: a pool, the schema migrated under an advisory lock, and
// the parts (endpoints, tokens, ticks and history, outbox, alert settings, compliance reports)
// sharing the pool.
import type { Storage, Store, EndpointStore, TokenStore, TickWriter, HistoryReader, Retention } from '../store.ts';
import { StoreError } from '../store.ts';
import { PgAccounts } from './accounts.ts';
import { PgAlertSettings } from './alert-settings.ts';
import { PgCompliance } from './compliance.ts';
import { PgEndpoints } from './endpoints.ts';
import { PgRegistries } from './registries.ts';
import { PgStatusPages } from './status-pages.ts';
import { postgresWritable } from './writable.ts';
import { migratePostgres } from './migrate.ts';
import { PgAlertOutbox } from './outbox.ts';
import { isConnectionError, openPool, redactUrl, type PoolOptions } from './pool.ts';
import { PgQuorum } from './quorum.ts';
import { regionWords } from './health-writes.ts';
import { PgTicks } from './ticks.ts';
import { PgTokens } from './tokens.ts';

export interface PostgresStorageOptions extends PoolOptions {
  readonly clock?: () => number;
  readonly migrationsDir?: string;
}

// Every method of each part, listed once: `satisfies` makes a method added to the contract and
// forgotten here a compile error instead of an undefined at run time.
const ENDPOINT_METHODS = {
  listEndpoints: true, getEndpoint: true, getEndpointBySlug: true, createEndpoint: true, updateEndpoint: true, deleteEndpoint: true,
  syncConfigEndpoints: true, endpointsVersion: true, pruneArchivedEndpoints: true,
} as const satisfies Record<keyof EndpointStore, true>;
const TOKEN_METHODS = { createToken: true, findTokenByHash: true, listTokens: true, revokeToken: true, touchToken: true } as const satisfies Record<keyof TokenStore, true>;
const TICK_METHODS = {
  loadStates: true, writeTick: true, flush: true,
  results: true, rawReadsIndexed: true, incidents: true, events: true, rollups: true, uptime: true, rollupsAll: true, uptimeAll: true, gaps: true, gapsAll: true, latestCertificate: true, toolSnapshots: true,
  pruneResults: true, pruneRollups: true,
} as const satisfies Record<keyof (TickWriter & HistoryReader & Retention), true>;

function bound<T extends object>(target: T, methods: Record<string, true>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(methods)) {
    const method = (target as Record<string, unknown>)[name];
    if (typeof method !== 'function') throw new TypeError(`${target.constructor.name}.${name} is not a method`);
    out[name] = (method as (...args: unknown[]) => unknown).bind(target);
  }
  return out as Partial<T>;
}

export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<Storage> {
  const pool = openPool(url, options);
  const location = redactUrl(url);
  try {
    try {
      await migratePostgres(pool, options.migrationsDir);
    } catch (error) {
      if (isConnectionError(error)) {
        throw new StoreError('UNAVAILABLE', `cannot reach PostgreSQL at ${location}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      throw error;
    }
    const clock = options.clock ?? Date.now;
    const endpoints = new PgEndpoints(pool, { clock });
    const tokens = new PgTokens(pool, { clock });
    const ticks = await PgTicks.open(pool, { clock });
    const store = {
      ...bound(endpoints, ENDPOINT_METHODS),
      ...bound(tokens, TOKEN_METHODS),
      ...bound(ticks, TICK_METHODS),
      isWritable: () => postgresWritable(pool),
    } as Store;
    let closing: Promise<void> | undefined;
    return {
      backend: 'postgres',
      location,
      store,
      outbox: new PgAlertOutbox(pool, { clock }),
      alertSettings: new PgAlertSettings(pool, { clock }),
      regions: { ticks: (region) => ticks.forRegion(region), quorum: new PgQuorum(pool), reader: { words: () => regionWords(pool) } },
      compliance: new PgCompliance(pool),
      registries: new PgRegistries(pool),
      accounts: new PgAccounts(pool, { clock }),
      statusPages: new PgStatusPages(pool, { clock }),
      async sizeBytes() {
        const { rows } = await pool.query<{ bytes: number }>('SELECT pg_database_size(current_database()) AS bytes');
        return rows[0]?.bytes ?? 0;
      },
      close() {
        closing ??= (async () => {
          try {
            await ticks.flush();
          } finally {
            await pool.end();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
