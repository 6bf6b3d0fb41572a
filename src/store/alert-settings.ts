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
  list(): StoredItem[];
  get(id: number): StoredItem | undefined;
  insert(spec: Spec): StoredItem;
  /** undefined when `id` does not exist. */
  update(id: number, spec: Spec): StoredItem | undefined;
  delete(id: number): boolean;
}

export interface AlertSettingsStore {
  channels(): StoredChannel[];
  channel(name: string): StoredChannel | undefined;
  /** Inserts or replaces by name; createdAt is kept on replace. */
  putChannel(name: string, type: string, spec: Spec): StoredChannel;
  deleteChannel(name: string): boolean;
  readonly routes: ItemTable;
  readonly windows: ItemTable;
}
