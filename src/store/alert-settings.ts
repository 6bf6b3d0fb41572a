// Alert settings made through the API, as stored: one JSON spec per channel, route and window, in
// the configuration file's shape. Validation is not this layer's business (src/alerts/settings.ts
// validates before writing and again on load); this layer only keeps them.

export type Spec = Readonly<Record<string, unknown>>;

export interface StoredChannel {
  readonly name: string;
  readonly type: string;
  readonly spec: Spec;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StoredItem {
  readonly id: number;
  readonly spec: Spec;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Routes and maintenance windows: numbered items with a spec. */
export interface ItemTable {
  list(): Promise<StoredItem[]>;
  get(id: number): Promise<StoredItem | undefined>;
  insert(spec: Spec): Promise<StoredItem>;
  /** undefined when `id` does not exist. */
  update(id: number, spec: Spec): Promise<StoredItem | undefined>;
  delete(id: number): Promise<boolean>;
}

export interface AlertSettingsStore {
  channels(): Promise<StoredChannel[]>;
  channel(name: string): Promise<StoredChannel | undefined>;
  /** Inserts or replaces by name; createdAt is kept on replace. */
  putChannel(name: string, type: string, spec: Spec): Promise<StoredChannel>;
  deleteChannel(name: string): Promise<boolean>;
  readonly routes: ItemTable;
  readonly windows: ItemTable;
}
