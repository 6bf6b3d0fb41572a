// The PostgreSQL AlertSettingsStore. Every write is one statement, so its own transaction; two
// nodes writing the same channel at once leave one of the two specs whole, never a mix.
import type { AlertSettingsStore, ItemTable, Spec, StoredChannel, StoredItem } from '../alert-settings.ts';
import type { Pool } from './pool.ts';
import { jsonForPostgres, textForPostgres } from './safe-text.ts';

interface ChannelRow {
  name: string;
  type: string;
  spec: Spec;
  created_at: Date;
  updated_at: Date;
}

interface ItemRow {
  id: number;
  spec: Spec;
  created_at: Date;
  updated_at: Date;
}

const channelFromRow = (row: ChannelRow): StoredChannel => ({ name: row.name, type: row.type, spec: row.spec, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });
const itemFromRow = (row: ItemRow): StoredItem => ({ id: row.id, spec: row.spec, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });

const CHANNEL_COLUMNS = 'name, type, spec, created_at, updated_at';
const ITEM_COLUMNS = 'id, spec, created_at, updated_at';

class PgItemTable implements ItemTable {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #now: () => string;

  // `table` is one of two literals below, never input.
  constructor(pool: Pool, table: 'alert_routes' | 'maintenance_windows', now: () => string) {
    this.#pool = pool;
    this.#table = table;
    this.#now = now;
  }

  async list(): Promise<StoredItem[]> {
    const { rows } = await this.#pool.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${this.#table} ORDER BY id`);
    return rows.map(itemFromRow);
  }

  async get(id: number): Promise<StoredItem | undefined> {
    const { rows } = await this.#pool.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${this.#table} WHERE id = $1`, [id]);
    return rows[0] && itemFromRow(rows[0]);
  }

  async insert(spec: Spec): Promise<StoredItem> {
    const { rows } = await this.#pool.query<ItemRow>(`INSERT INTO ${this.#table} (spec, created_at, updated_at) VALUES ($1, $2, $2) RETURNING ${ITEM_COLUMNS}`, [
      jsonForPostgres(spec),
      this.#now(),
    ]);
    if (!rows[0]) throw new Error('INSERT … RETURNING returned no row');
    return itemFromRow(rows[0]);
  }

  async update(id: number, spec: Spec): Promise<StoredItem | undefined> {
    const { rows } = await this.#pool.query<ItemRow>(`UPDATE ${this.#table} SET spec = $1, updated_at = $2 WHERE id = $3 RETURNING ${ITEM_COLUMNS}`, [jsonForPostgres(spec), this.#now(), id]);
    return rows[0] && itemFromRow(rows[0]);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.#pool.query(`DELETE FROM ${this.#table} WHERE id = $1`, [id]);
    return (result.rowCount ?? 0) > 0;
  }
}

export interface PgAlertSettingsOptions {
  /** ms since the epoch. */
  readonly clock?: () => number;
}

export class PgAlertSettings implements AlertSettingsStore {
  readonly routes: ItemTable;
  readonly windows: ItemTable;
  readonly #pool: Pool;
  readonly #now: () => string;

  constructor(pool: Pool, options: PgAlertSettingsOptions = {}) {
    const clock = options.clock ?? Date.now;
    this.#pool = pool;
    this.#now = () => new Date(clock()).toISOString();
    this.routes = new PgItemTable(pool, 'alert_routes', this.#now);
    this.windows = new PgItemTable(pool, 'maintenance_windows', this.#now);
  }

  async channels(): Promise<StoredChannel[]> {
    // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's locale.
    const { rows } = await this.#pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM alert_channels ORDER BY name COLLATE "C"`);
    return rows.map(channelFromRow);
  }

  async channel(name: string): Promise<StoredChannel | undefined> {
    const { rows } = await this.#pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM alert_channels WHERE name = $1`, [textForPostgres(name)]);
    return rows[0] && channelFromRow(rows[0]);
  }

  async putChannel(name: string, type: string, spec: Spec): Promise<StoredChannel> {
    const { rows } = await this.#pool.query<ChannelRow>(
      `INSERT INTO alert_channels (name, type, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, spec = excluded.spec, updated_at = excluded.updated_at
       RETURNING ${CHANNEL_COLUMNS}`,
      [textForPostgres(name), textForPostgres(type), jsonForPostgres(spec), this.#now()],
    );
    if (!rows[0]) throw new Error('INSERT … RETURNING returned no row');
    return channelFromRow(rows[0]);
  }

  async deleteChannel(name: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM alert_channels WHERE name = $1', [textForPostgres(name)]);
    return (result.rowCount ?? 0) > 0;
  }
}
