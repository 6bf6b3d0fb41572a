// The SQLite AccountStore, on the SqliteStore's own connection (see outbox.ts for why not a second
// one). Each method is one statement or one transaction.
import type Database from 'better-sqlite3';
import type { Role } from '../../domain/roles.ts';
import type { AccountStore, AuditEntry, NewAuditEntry, NewUser, Session, User, UserCredentials, UserPatch } from '../accounts.ts';
import { USER_COLUMNS, patchColumns } from '../account-columns.ts';
import { StoreError } from '../store.ts';

interface UserRow {
  id: number;
  name: string;
  password_hash: string;
  role: Role;
  totp_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
}

interface SessionRow {
  id_hash: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  csrf_secret: string;
}

interface AuditRow {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    totp: row.totp_secret !== null,
    failedLogins: row.failed_logins,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function credentialsFromRow(row: UserRow): UserCredentials {
  return { ...userFromRow(row), passwordHash: row.password_hash, totpSecret: row.totp_secret, totpLastStep: row.totp_last_step };
}

function sessionFromRow(row: SessionRow): Session {
  return { idHash: row.id_hash, userId: row.user_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at, csrfSecret: row.csrf_secret };
}

function auditFromRow(row: AuditRow): AuditEntry {
  return { id: row.id, at: row.at, actorUserId: row.actor_user_id, actor: row.actor, action: row.action, target: row.target, detail: JSON.parse(row.detail) as Record<string, unknown> };
}

export class SqliteAccounts implements AccountStore {
  readonly #db: Database.Database;
  readonly #clock: () => number;

  constructor(db: Database.Database, options: { clock?: () => number } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? Date.now;
  }

  #now(): string {
    return new Date(this.#clock()).toISOString();
  }

  async countUsers(): Promise<number> {
    return (this.#db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async createUser(user: NewUser): Promise<User> {
    const now = this.#now();
    try {
      const row = this.#db
        .prepare(`INSERT INTO users (name, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING ${USER_COLUMNS}`)
        .get(user.name, user.passwordHash, user.role, now, now) as UserRow;
      return userFromRow(row);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('USER_NAME_TAKEN', `a user named "${user.name}" already exists`, { cause: error });
      throw error;
    }
  }

  async getUser(id: number): Promise<User | undefined> {
    const row = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async credentialsByName(name: string): Promise<UserCredentials | undefined> {
    const row = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) as UserRow | undefined;
    return row && credentialsFromRow(row);
  }

  async credentials(id: number): Promise<UserCredentials | undefined> {
    const row = this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
    return row && credentialsFromRow(row);
  }

  async listUsers(): Promise<User[]> {
    return (this.#db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name, id`).all() as UserRow[]).map(userFromRow);
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | undefined> {
    const columns = patchColumns(patch);
    const sets = [...columns.map(([column]) => `${column} = ?`), 'updated_at = ?'].join(', ');
    const row = this.#db.prepare(`UPDATE users SET ${sets} WHERE id = ? RETURNING ${USER_COLUMNS}`).get(...columns.map(([, value]) => value), this.#now(), id) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async recordFailedLogin(id: number, lockAfter: number, lockUntilMs: number): Promise<User | undefined> {
    const row = this.#db
      .prepare(
        `UPDATE users SET
           locked_until = CASE WHEN failed_logins + 1 >= @lockAfter THEN @until ELSE locked_until END,
           failed_logins = CASE WHEN failed_logins + 1 >= @lockAfter THEN 0 ELSE failed_logins + 1 END,
           updated_at = @now
         WHERE id = @id RETURNING ${USER_COLUMNS}`,
      )
      .get({ id, lockAfter, until: new Date(lockUntilMs).toISOString(), now: this.#now() }) as UserRow | undefined;
    return row && userFromRow(row);
  }

  async deleteUser(id: number): Promise<boolean> {
    // Sessions and owned tokens go by ON DELETE CASCADE; audit rows keep the actor's name.
    return this.#db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
  }

  async createSession(session: Session): Promise<void> {
    this.#db
      .prepare('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, csrf_secret) VALUES (?, ?, ?, ?, ?, ?)')
      .run(session.idHash, session.userId, session.createdAt, session.lastSeenAt, session.expiresAt, session.csrfSecret);
  }

  async findSession(idHash: string): Promise<{ session: Session; user: User } | undefined> {
    const row = this.#db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as SessionRow | undefined;
    if (!row) return undefined;
    const user = await this.getUser(row.user_id);
    return user && { session: sessionFromRow(row), user };
  }

  async touchSession(idHash: string, atMs: number): Promise<void> {
    this.#db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(new Date(atMs).toISOString(), idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteUserSessions(userId: number): Promise<number> {
    return this.#db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }

  async pruneSessions(beforeMs: number): Promise<number> {
    return this.#db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(new Date(beforeMs).toISOString()).changes;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = this.#db
      .prepare('INSERT INTO audit_log (at, actor_user_id, actor, action, target, detail) VALUES (?, ?, ?, ?, ?, ?) RETURNING *')
      .get(this.#now(), entry.actorUserId, entry.actor, entry.action, entry.target, JSON.stringify(entry.detail)) as AuditRow;
    return auditFromRow(row);
  }

  async listAudit(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const rows = this.#db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit) as AuditRow[];
    return rows.map(auditFromRow);
  }
}
