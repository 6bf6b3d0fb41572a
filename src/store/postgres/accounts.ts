// The PostgreSQL AccountStore, with the SQLite backend's semantics (test/store/contract/accounts-cases.ts).
import type { Role } from '../../domain/roles.ts';
import type { AccountStore, AuditEntry, NewAuditEntry, NewUser, Session, User, UserCredentials, UserPatch } from '../accounts.ts';
import { USER_COLUMNS, patchColumns } from '../account-columns.ts';
import { StoreError } from '../store.ts';
import type { Pool } from './pool.ts';

interface UserRow {
  id: number;
  name: string;
  password_hash: string;
  role: Role;
  totp_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface SessionRow {
  id_hash: string;
  user_id: number;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  csrf_secret: string;
}

interface AuditRow {
  id: number;
  at: Date;
  actor_user_id: number | null;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    totp: row.totp_secret !== null,
    failedLogins: row.failed_logins,
    lockedUntil: row.locked_until === null ? null : row.locked_until.toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function credentialsFromRow(row: UserRow): UserCredentials {
  return { ...userFromRow(row), passwordHash: row.password_hash, totpSecret: row.totp_secret, totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step) };
}

function sessionFromRow(row: SessionRow): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    csrfSecret: row.csrf_secret,
  };
}

function auditFromRow(row: AuditRow): AuditEntry {
  return { id: row.id, at: row.at.toISOString(), actorUserId: row.actor_user_id, actor: row.actor, action: row.action, target: row.target, detail: row.detail };
}

/** A non-integer id matches nothing (as in SQLite) instead of failing the bigint cast. */
const validId = (id: number): boolean => Number.isSafeInteger(id);

export class PgAccounts implements AccountStore {
  readonly #pool: Pool;
  readonly #clock: () => number;

  constructor(pool: Pool, options: { clock?: () => number } = {}) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
  }

  #now(): string {
    return new Date(this.#clock()).toISOString();
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>('SELECT count(*) AS n FROM users');
    return Number(rows[0]?.n ?? 0);
  }

  async createUser(user: NewUser): Promise<User> {
    const now = this.#now();
    try {
      const { rows } = await this.#pool.query<UserRow>(
        `INSERT INTO users (name, password_hash, role, created_at, updated_at) VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz) RETURNING ${USER_COLUMNS}`,
        [user.name, user.passwordHash, user.role, now],
      );
      return userFromRow(rows[0]!);
    } catch (error) {
      // 23505: unique_violation.
      if ((error as { code?: unknown }).code === '23505') throw new StoreError('USER_NAME_TAKEN', `a user named "${user.name}" already exists`, { cause: error });
      throw error;
    }
  }

  async #userRow(where: string, value: unknown): Promise<UserRow | undefined> {
    return (await this.#pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE ${where}`, [value])).rows[0];
  }

  async getUser(id: number): Promise<User | undefined> {
    if (!validId(id)) return undefined;
    const row = await this.#userRow('id = $1', id);
    return row && userFromRow(row);
  }

  async credentialsByName(name: string): Promise<UserCredentials | undefined> {
    const row = await this.#userRow('name = $1', name);
    return row && credentialsFromRow(row);
  }

  async credentials(id: number): Promise<UserCredentials | undefined> {
    if (!validId(id)) return undefined;
    const row = await this.#userRow('id = $1', id);
    return row && credentialsFromRow(row);
  }

  async listUsers(): Promise<User[]> {
    // COLLATE "C": the byte order SQLite's default BINARY collation uses, so both list alike.
    return (await this.#pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name COLLATE "C", id`)).rows.map(userFromRow);
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | undefined> {
    if (!validId(id)) return undefined;
    const columns = patchColumns(patch);
    const sets = [...columns.map(([column], i) => `${column} = $${i + 1}`), `updated_at = $${columns.length + 1}::timestamptz`].join(', ');
    const { rows } = await this.#pool.query<UserRow>(`UPDATE users SET ${sets} WHERE id = $${columns.length + 2} RETURNING ${USER_COLUMNS}`, [
      ...columns.map(([, value]) => value),
      this.#now(),
      id,
    ]);
    return rows[0] && userFromRow(rows[0]);
  }

  async recordFailedLogin(id: number, lockAfter: number, lockUntilMs: number): Promise<User | undefined> {
    if (!validId(id)) return undefined;
    // One statement: two failures arriving together on two nodes both count.
    const { rows } = await this.#pool.query<UserRow>(
      `UPDATE users SET
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END,
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         updated_at = $4::timestamptz
       WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, lockAfter, new Date(lockUntilMs).toISOString(), this.#now()],
    );
    return rows[0] && userFromRow(rows[0]);
  }

  async deleteUser(id: number): Promise<boolean> {
    if (!validId(id)) return false;
    return ((await this.#pool.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async createSession(session: Session): Promise<void> {
    await this.#pool.query(
      'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, csrf_secret) VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5::timestamptz, $6)',
      [session.idHash, session.userId, session.createdAt, session.lastSeenAt, session.expiresAt, session.csrfSecret],
    );
  }

  async findSession(idHash: string): Promise<{ session: Session; user: User } | undefined> {
    const row = (await this.#pool.query<SessionRow>('SELECT * FROM sessions WHERE id_hash = $1', [idHash])).rows[0];
    if (!row) return undefined;
    const user = await this.getUser(Number(row.user_id));
    return user && { session: sessionFromRow(row), user };
  }

  async touchSession(idHash: string, atMs: number): Promise<void> {
    await this.#pool.query('UPDATE sessions SET last_seen_at = $1::timestamptz WHERE id_hash = $2', [new Date(atMs).toISOString(), idHash]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteUserSessions(userId: number): Promise<number> {
    if (!validId(userId)) return 0;
    return (await this.#pool.query('DELETE FROM sessions WHERE user_id = $1', [userId])).rowCount ?? 0;
  }

  async pruneSessions(beforeMs: number): Promise<number> {
    return (await this.#pool.query('DELETE FROM sessions WHERE expires_at < $1::timestamptz', [new Date(beforeMs).toISOString()])).rowCount ?? 0;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const { rows } = await this.#pool.query<AuditRow>(
      'INSERT INTO audit_log (at, actor_user_id, actor, action, target, detail) VALUES ($1::timestamptz, $2, $3, $4, $5, $6::jsonb) RETURNING *',
      [this.#now(), entry.actorUserId, entry.actor, entry.action, entry.target, JSON.stringify(entry.detail)],
    );
    return auditFromRow(rows[0]!);
  }

  async listAudit(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]> {
    const { rows } = await this.#pool.query<AuditRow>('SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2', [options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit]);
    return rows.map(auditFromRow);
  }
}
