// API tokens in PostgreSQL, with the SQLite backend's semantics: only the SHA-256 is stored,
// revoking deletes the row, lists are in id order.
import type { Role } from '../../domain/roles.ts';
import { StoreError, type ApiToken, type StoredApiToken, type TokenGrant, type TokenStore } from '../store.ts';
import { grantOf } from '../tokens.ts';
import type { Pool } from './pool.ts';

interface TokenPgRow {
  id: number;
  name: string;
  hash: string;
  read_only: boolean;
  role: Role;
  owner_user_id: number | null;
  created_at: Date;
  last_used_at: Date | null;
}

function tokenFromPg(row: TokenPgRow): ApiToken {
  return { id: row.id, name: row.name, readOnly: row.read_only, role: row.role, ownerUserId: row.owner_user_id, createdAt: row.created_at.toISOString(), lastUsedAt: row.last_used_at === null ? null : row.last_used_at.toISOString() };
}

const SQL = {
  insert: 'INSERT INTO api_tokens (name, hash, read_only, created_at, role, owner_user_id) VALUES ($1, $2, $3, $4::timestamptz, $5, $6) RETURNING *',
  byHash: 'SELECT * FROM api_tokens WHERE hash = $1',
  list: 'SELECT * FROM api_tokens ORDER BY id',
  delete: 'DELETE FROM api_tokens WHERE id = $1',
  // The HTTP layer already touches a token at most once a minute (auth.ts TOUCH_INTERVAL_MS);
  // the IS DISTINCT FROM spares the dead row version when two nodes record the same instant.
  touch: 'UPDATE api_tokens SET last_used_at = $1::timestamptz WHERE id = $2 AND last_used_at IS DISTINCT FROM $1::timestamptz',
} as const;

export interface PgTokensOptions {
  /** Milliseconds since the epoch, for createdAt. */
  readonly clock?: () => number;
}

export class PgTokens implements TokenStore {
  readonly #pool: Pool;
  readonly #clock: () => number;

  constructor(pool: Pool, options: PgTokensOptions = {}) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
  }

  async createToken(name: string, hash: string, readOnly: boolean, grant?: TokenGrant): Promise<ApiToken> {
    const { role, ownerUserId } = grantOf(readOnly, grant);
    let rows: TokenPgRow[];
    try {
      ({ rows } = await this.#pool.query<TokenPgRow>(SQL.insert, [name, hash, role === 'viewer', new Date(this.#clock()).toISOString(), role, ownerUserId]));
    } catch (error) {
      // 23503: foreign_key_violation (the owner does not exist).
      if ((error as { code?: unknown }).code === '23503') throw new StoreError('USER_NOT_FOUND', `no user with id ${ownerUserId}`, { cause: error });
      throw error;
    }
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return tokenFromPg(row);
  }

  async findTokenByHash(hash: string): Promise<StoredApiToken | undefined> {
    const row = (await this.#pool.query<TokenPgRow>(SQL.byHash, [hash])).rows[0];
    return row && { ...tokenFromPg(row), hash: row.hash };
  }

  async listTokens(): Promise<ApiToken[]> {
    return (await this.#pool.query<TokenPgRow>(SQL.list)).rows.map(tokenFromPg);
  }

  async revokeToken(id: number): Promise<boolean> {
    // A non-integer id matches nothing (as in SQLite) instead of failing the bigint cast.
    if (!Number.isSafeInteger(id)) return false;
    return ((await this.#pool.query(SQL.delete, [id])).rowCount ?? 0) > 0;
  }

  async touchToken(id: number, atMs: number): Promise<void> {
    if (!Number.isSafeInteger(id)) return;
    await this.#pool.query(SQL.touch, [new Date(atMs).toISOString(), id]);
  }
}
