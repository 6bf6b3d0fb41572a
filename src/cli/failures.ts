// Expected failures (a port in use, a directory that cannot be written, a database from a newer
// mcpwatch) end a command with one line saying what, where and what to do, never a stack trace.
// Errors not recognised here are bugs and keep their stack.

/** An expected failure: main.ts prints `mcpwatch: <message>` and exits with `exitCode`. */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const ERRNO_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  // mkdir -p's answer when a part of the path is a file.
  EEXIST: 'a part of the path is a file, not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'that address does not belong to this machine',
};

const SQLITE_REASONS: Readonly<Record<string, string>> = {
  SQLITE_CANTOPEN: 'SQLite cannot open the file (does its directory exist, and may this user write there?)',
  SQLITE_NOTADB: 'the file is not an SQLite database',
  SQLITE_CORRUPT: 'the database file is corrupt (restore a backup)',
  SQLITE_READONLY: 'the database is read-only for this user',
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'an I/O error (disk or file system)',
  SQLITE_PERM: 'permission denied',
  SQLITE_BUSY: 'another process holds a lock on it',
};

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
}

/** A short reason for a file-system or SQLite error, or undefined when it is not one we expect. */
export function knownReason(err: unknown): string | undefined {
  const code = codeOf(err);
  // better-sqlite3's extended codes (SQLITE_IOERR_WRITE, SQLITE_CANTOPEN_ISDIR…) share a prefix.
  const sqlite = Object.keys(SQLITE_REASONS).find((prefix) => code === prefix || code.startsWith(`${prefix}_`));
  if (sqlite !== undefined) return SQLITE_REASONS[sqlite];
  return ERRNO_REASONS[code];
}

/**
 * `what` failed on `path`: a CommandFailure naming both when the cause is expected (`fix` added),
 * the error itself otherwise.
 */
export function failureAt(err: unknown, what: string, path: string, fix?: string): unknown {
  if (err instanceof CommandFailure) return err;
  const reason = knownReason(err);
  if (reason === undefined) return err;
  return new CommandFailure(`${what} ${path}: ${reason}${fix !== undefined ? `; ${fix}` : ''}`);
}

/** `app.listen` failed: the address and what to change. */
export function listenFailure(err: unknown, host: string, port: number): unknown {
  const code = codeOf(err);
  const where = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return new CommandFailure(`cannot listen on ${where}: the port is already in use by another process; stop it, or choose another port with listen.port or MCPWATCH_PORT`);
  if (code === 'EACCES' || code === 'EPERM') return new CommandFailure(`cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose a port above 1023 with listen.port or MCPWATCH_PORT`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new CommandFailure(`cannot listen on ${where}: that address does not belong to this machine; set listen.host or MCPWATCH_HOST to one of its addresses (or 0.0.0.0)`);
  return err;
}
