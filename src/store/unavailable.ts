// Telling "the database cannot be reached right now" apart from every other failure, without
// importing a backend: the HTTP layer answers the first with 503 (retry later) instead of 500, and
// the PostgreSQL backend retries it. The codes are those node-postgres and Node's sockets carry.
import { StoreError } from './store.ts';

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, restart).
const CONNECTION_SQLSTATE = /^(08|57P0[123])/;
const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** A client-side deadline on a database round trip (src/store/postgres/deadline.ts). */
const DEADLINE_CODE = 'DEADLINE_EXCEEDED';

/**
 * True when the error says the database could not be reached or the connection broke (worth
 * retrying with backoff), as opposed to a statement the database refused (not worth retrying).
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

/** StoreError UNAVAILABLE, a connection error or a missed deadline, here or in its causes. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreError && e.code === 'UNAVAILABLE') return true;
    if ((e as { code?: unknown }).code === DEADLINE_CODE || isConnectionError(e)) return true;
  }
  return false;
}
