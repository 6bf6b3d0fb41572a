// The connection pool every PostgreSQL module shares, and the few rules that go with it: every
// statement has a deadline, bigint columns (ids, ms timestamps) come back as numbers, a broken
// idle connection is reported instead of crashing the process, and a URL is never logged with
// its password.
import pg from 'pg';
import { StoreError } from '../store.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  /** Connections at most; default 10 (a node's writer, its pages and its singleton jobs share them). */
  readonly max?: number;
  /** Server-side statement_timeout per statement; default 30 s. */
  readonly statementTimeoutMs?: number;
  /** Deadline for opening a connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * The server ends a session that sits inside a transaction waiting on its client longer than
   * this; default the statement deadline, at least 5 s.
   */
  readonly idleInTransactionMs?: number;
  /** Idle connections are closed after this; default 30 s. */
  readonly idleTimeoutMs?: number;
  readonly applicationName?: string;
  /** Hears errors of idle connections (the server restarted, the network broke). */
  readonly onIdleError?: (error: Error) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** int8 as a JS number: every id and ms timestamp we store is below 2^53; a larger one is a bug, said loudly. */
function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`PostgreSQL returned ${text}, beyond the safe integer range`);
  return value;
}

// Per pool rather than pg.types.setTypeParser: the global would change every other pg user in the process.
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return parseSafeInteger;
    if (oid === NUMERIC_OID) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** True for the URL forms `pg` understands as PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function openPool(url: string, options: PoolOptions = {}): Pool {
  if (!isPostgresUrl(url)) throw new StoreError('UNAVAILABLE', `not a PostgreSQL URL: ${redactUrl(url)} (expected postgres://user:password@host:port/database)`);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A lock wait is a statement too, but name it: a migration behind another node's must not hang.
    lock_timeout: options.statementTimeoutMs ?? 30_000,
    // A node cut off from the database in the middle of a transaction (a partition, a frozen VM)
    // keeps its row and advisory locks on the server until TCP gives up, two hours by default;
    // every other node's tick write then waits on them and fails its lock_timeout, so the whole
    // cluster stops recording. Our transactions never wait on their client between statements
    // for more than a moment, so the server ends such a session instead.
    idle_in_transaction_session_timeout: options.idleInTransactionMs ?? Math.max(options.statementTimeoutMs ?? 30_000, 5000),
    application_name: options.applicationName ?? 'mcpwatch',
    types: TYPES,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/**
 * Runs `fn` inside BEGIN … COMMIT on one connection. A failure rolls back; a connection whose
 * rollback also failed is destroyed rather than returned to the pool in an unknown state.
 */
export async function transaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    release(broken);
  }
}

export interface Checkout {
  readonly client: PoolClient;
  /** Back to the pool; with an error (or after the connection broke) the connection is destroyed. Idempotent. */
  readonly release: (error?: Error) => void;
}

/**
 * A connection from the pool for several statements. pg reports a connection that breaks
 * (PostgreSQL restarting, the network gone) both by rejecting the query and by an 'error' event on
 * the client, and a checked-out client has no pool listener: without this one, losing the database
 * in the middle of a tick write crashed the process with an uncaught exception.
 */
export async function checkout(pool: Pool): Promise<Checkout> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', onError);
  let released = false;
  return {
    client,
    release: (error) => {
      if (released) return;
      released = true;
      client.removeListener('error', onError);
      client.release(error ?? broken);
    },
  };
}

/** The URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parseable: show the scheme at most, never the rest (it may hold the password).
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//…` : '(unparseable database URL)';
  }
}

// Neutral (the HTTP layer maps it to 503 without importing a backend); re-exported for this backend's modules.
export { isConnectionError } from '../unavailable.ts';
