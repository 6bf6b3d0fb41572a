// One `serve` per database. Two processes on one file probe everything twice, open every incident
// twice and send every alert twice, and neither notices.
//
// Design: the lock is an OS lock, not a pid. Beside the database sits `<db>.lock`, a tiny SQLite
// file (rollback journal). The holder commits a row saying who it is (pid, host, since, version)
// and then keeps a write transaction open (BEGIN IMMEDIATE) for as long as it runs: SQLite holds
// a RESERVED fcntl lock on the file, which
//   * refuses a second writer at once (busy timeout 0), so a second serve fails at start-up;
//   * still lets readers in, so the loser can read the row and name the holder;
//   * is dropped by the kernel when the process dies, however it dies (kill -9, OOM, power loss of
//     a container), so a restart after a crash takes the lock over with nothing to clean up.
// Liveness never rests on the pid: a pid can be reused after a reboot or inside another container,
// and a pid from another host means nothing here. The row is only for the message.
// Alternatives weighed: an O_EXCL lock file plus `kill(pid, 0)` needs a stale-lock heuristic
// (pid reuse, other hosts) and a window where two processes both judge it stale; a row in the main
// database needs a heartbeat and a timeout before a crashed holder's lock can be taken over.
// Over NFS the fcntl lock is only as good as the NFS lock manager (see README); SQLite itself is
// not safe there either.
import { hostname } from 'node:os';
import Database from 'better-sqlite3';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601. */
  readonly since: string;
  readonly version: string;
}

export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
  readonly code = 'INSTANCE_LOCKED';
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder === null ? 'another process (it is still starting)' : `pid ${holder.pid} on host ${holder.host} (mcpwatch ${holder.version}), running since ${holder.since}`;
    super(`the database is already in use by ${who}; lock ${lockPath}`);
  }
}

export interface InstanceLock {
  readonly path: string;
  release(): void;
}

export interface LockIdentity {
  readonly version: string;
  readonly pid?: number;
  readonly host?: string;
  readonly clock?: () => number;
}

/** The lock file for a database file. */
export function lockPathFor(databasePath: string): string {
  return `${databasePath}.lock`;
}

function isBusy(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

function readHolder(db: Database.Database): LockHolder | null {
  try {
    // The holder may be committing its row at this moment: wait briefly for that, not for it to end.
    db.pragma('busy_timeout = 1000');
    const row = db.prepare<[], { pid: number; host: string; since: string; version: string }>('SELECT pid, host, since, version FROM holder LIMIT 1').get();
    return row === undefined ? null : { pid: row.pid, host: row.host, since: row.since, version: row.version };
  } catch {
    return null; // the file is new and the holder has not written its row yet
  }
}

/** Takes the lock or throws InstanceLockedError naming the holder. File errors are thrown as they are. */
export function acquireInstanceLock(databasePath: string, identity: LockIdentity): InstanceLock {
  const path = lockPathFor(databasePath);
  const db = new Database(path, { timeout: 0 });
  const refuse = (): never => {
    const holder = readHolder(db);
    db.close();
    throw new InstanceLockedError(path, holder);
  };
  /** Runs a step that needs the file lock: busy means held, anything else is a real error. */
  const locked = (step: () => void): void => {
    try {
      step();
    } catch (err) {
      if (isBusy(err)) refuse();
      db.close();
      throw err;
    }
  };
  const begin = (): void => locked(() => db.exec('BEGIN IMMEDIATE'));
  // WAL would let a second writer queue on the -shm instead of failing on the file lock.
  locked(() => db.pragma('journal_mode = DELETE'));
  begin();
  try {
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL, version TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, host, since, version) VALUES (?, ?, ?, ?)').run(
      identity.pid ?? process.pid,
      identity.host ?? hostname(),
      new Date((identity.clock ?? Date.now)()).toISOString(),
      identity.version,
    );
    // Committing needs the readers (a loser reading the row) out of the way for a moment.
    db.pragma('busy_timeout = 2000');
    db.exec('COMMIT');
    db.pragma('busy_timeout = 0');
  } catch (err) {
    db.close();
    throw err;
  }
  // The row is visible; now hold the file. A process that slipped in between wins, and this one
  // reports it: never both.
  begin();
  return {
    path,
    release(): void {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
