// The SQLite AlertSettingsStore, on the SqliteStore's own connection (see outbox.ts for why
// not a second one). Writes are single statements: each is its own transaction.
import type Database from 'better-sqlite3';
import type { AlertSettingsStore, ItemTable, Spec, StoredChannel, StoredItem } from '../alert-settings.ts';

type Db = Database.Database;

interface ChannelRow {
  name: string;
  type: string;
  spec: string;
  created_at: string;
  updated_at: string;
}

interface ItemRow {
  id: number;
  spec: string;
  created_at: string;
  updated_at: string;
}

// Written by this module from a Spec; the CHECK keeps it valid JSON.
const parseSpec = (text: string): Spec => JSON.parse(text) as Spec;

const channelFromRow = (row: ChannelRow): StoredChannel => ({ name: row.name, type: row.type, spec: parseSpec(row.spec), createdAt: row.created_at, updatedAt: row.updated_at });
const itemFromRow = (row: ItemRow): StoredItem => ({ id: row.id, spec: parseSpec(row.spec), createdAt: row.created_at, updatedAt: row.updated_at });

class SqliteItemTable implements ItemTable {
  readonly #list: Database.Statement<[], ItemRow>;
  readonly #get: Database.Statement<[number], ItemRow>;
  readonly #insert: Database.Statement<[string, string, string], ItemRow>;
  readonly #update: Database.Statement<[string, string, number], ItemRow>;
  readonly #delete: Database.Statement<[number]>;
  readonly #now: () => string;

  // `table` is one of two literals below, never input.
  constructor(db: Db, table: 'alert_routes' | 'maintenance_windows', now: () => string) {
    this.#now = now;
    this.#list = db.prepare(`SELECT id, spec, created_at, updated_at FROM ${table} ORDER BY id`);
    this.#get = db.prepare(`SELECT id, spec, created_at, updated_at FROM ${table} WHERE id = ?`);
    this.#insert = db.prepare(`INSERT INTO ${table} (spec, created_at, updated_at) VALUES (?, ?, ?) RETURNING id, spec, created_at, updated_at`);
    this.#update = db.prepare(`UPDATE ${table} SET spec = ?, updated_at = ? WHERE id = ? RETURNING id, spec, created_at, updated_at`);
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
  }

  async list(): Promise<StoredItem[]> {
    return this.#list.all().map(itemFromRow);
  }

  async get(id: number): Promise<StoredItem | undefined> {
    const row = this.#get.get(id);
    return row && itemFromRow(row);
  }

  async insert(spec: Spec): Promise<StoredItem> {
    const now = this.#now();
    const row = this.#insert.get(JSON.stringify(spec), now, now);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return itemFromRow(row);
  }

  async update(id: number, spec: Spec): Promise<StoredItem | undefined> {
    const row = this.#update.get(JSON.stringify(spec), this.#now(), id);
    return row && itemFromRow(row);
  }

  async delete(id: number): Promise<boolean> {
    return this.#delete.run(id).changes > 0;
  }
}

export interface SqliteAlertSettingsOptions {
  /** ms since the epoch. */
  readonly clock?: () => number;
}

export class SqliteAlertSettings implements AlertSettingsStore {
  readonly routes: ItemTable;
  readonly windows: ItemTable;
  readonly #channels: Database.Statement<[], ChannelRow>;
  readonly #channel: Database.Statement<[string], ChannelRow>;
  readonly #put: Database.Statement<[string, string, string, string, string], ChannelRow>;
  readonly #delete: Database.Statement<[string]>;
  readonly #now: () => string;

  constructor(db: Db, options: SqliteAlertSettingsOptions = {}) {
    const clock = options.clock ?? Date.now;
    this.#now = () => new Date(clock()).toISOString();
    this.routes = new SqliteItemTable(db, 'alert_routes', this.#now);
    this.windows = new SqliteItemTable(db, 'maintenance_windows', this.#now);
    this.#channels = db.prepare('SELECT name, type, spec, created_at, updated_at FROM alert_channels ORDER BY name');
    this.#channel = db.prepare('SELECT name, type, spec, created_at, updated_at FROM alert_channels WHERE name = ?');
    this.#put = db.prepare(
      `INSERT INTO alert_channels (name, type, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, spec = excluded.spec, updated_at = excluded.updated_at
       RETURNING name, type, spec, created_at, updated_at`,
    );
    this.#delete = db.prepare('DELETE FROM alert_channels WHERE name = ?');
  }

  async channels(): Promise<StoredChannel[]> {
    return this.#channels.all().map(channelFromRow);
  }

  async channel(name: string): Promise<StoredChannel | undefined> {
    const row = this.#channel.get(name);
    return row && channelFromRow(row);
  }

  async putChannel(name: string, type: string, spec: Spec): Promise<StoredChannel> {
    const now = this.#now();
    const row = this.#put.get(name, type, JSON.stringify(spec), now, now);
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return channelFromRow(row);
  }

  async deleteChannel(name: string): Promise<boolean> {
    return this.#delete.run(name).changes > 0;
  }
}
