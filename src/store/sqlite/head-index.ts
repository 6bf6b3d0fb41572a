// Which head rows (probe_results rowids) belong to which endpoint, kept in memory.
//
// The head table has no (endpoint, time) index on purpose (each index entry costs ~10 KB of
// writes per row, see store.ts), so finding one endpoint's newest rows meant scanning every
// endpoint's rows of the window: at 10,000 endpoints the head holds up to ~90 min before its
// hours are sealed (an hour, 10 min of grace, the 15-minute rollup flush), ~0.9 M rows at
// ~0.3 µs each on the event loop. The recorder is the only writer and learns each rowid as it
// inserts, so this map costs ~4–8 bytes a row in memory and nothing on disk. Rows sealed or pruned away stay listed until their endpoint is next touched
// (a lookup of a missing rowid finds nothing, so a stale entry is harmless); `raiseFloor` drops
// them lazily. With sealing off the head keeps 14 days of rows: past `maxEntries` the index gives
// up (`available` false) and reads scan as before, so memory stays bounded whatever the config.

export interface HeadIndexOptions {
  /** Entries at most (≈ 32–64 MB at the default); beyond it the index switches itself off. */
  readonly maxEntries?: number;
}

export const HEAD_INDEX_MAX_ENTRIES = 8_000_000;

export class HeadIndex {
  readonly #max: number;
  #rowids = new Map<number, number[]>();
  #entries = 0;
  /** Rowids below this are gone from the head (sealed into blocks or pruned). */
  #floor = 0;
  #available = false;

  constructor(options: HeadIndexOptions = {}) {
    this.#max = options.maxEntries ?? HEAD_INDEX_MAX_ENTRIES;
  }

  /** Whether lookups answer: built, and never past maxEntries since. */
  get available(): boolean {
    return this.#available;
  }

  get entries(): number {
    return this.#entries;
  }

  /**
   * Rebuilds from (rowid, endpoint) pairs in rowid order, or stays off when `headRows` (an upper
   * bound on what `pairs` yields) is past maxEntries, without reading them.
   */
  rebuild(headRows: number, pairs: () => Iterable<readonly [number, number]>): void {
    this.switchOff();
    // Unsealing puts rows back below the old floor.
    this.#floor = 0;
    if (headRows > this.#max) return;
    this.#available = true;
    for (const [rowid, endpointId] of pairs()) this.add(endpointId, rowid);
  }

  /** A row the recorder inserted (committed); rowids of one endpoint arrive ascending. */
  add(endpointId: number, rowid: number): void {
    if (!this.#available) return;
    let list = this.#rowids.get(endpointId);
    if (list === undefined) this.#rowids.set(endpointId, (list = []));
    else this.#trim(list);
    list.push(rowid);
    if (++this.#entries > this.#max) this.switchOff();
  }

  /** The endpoint's rowids in [lo, hi), newest first. */
  between(endpointId: number, lo: number, hi: number): number[] {
    const list = this.#rowids.get(endpointId);
    if (list === undefined) return [];
    this.#trim(list);
    const out: number[] = [];
    for (let i = lowerBound(list, hi) - 1; i >= 0 && list[i]! >= lo; i--) out.push(list[i]!);
    return out;
  }

  /** Every head row below `rowid` is gone (the head's lowest rowid now). */
  raiseFloor(rowid: number): void {
    if (rowid > this.#floor) this.#floor = rowid;
  }

  forget(endpointId: number): void {
    const list = this.#rowids.get(endpointId);
    if (list === undefined) return;
    this.#entries -= list.length;
    this.#rowids.delete(endpointId);
  }

  /** Rows were written behind the index's back (unsealed into the head): off until rebuilt. */
  switchOff(): void {
    this.#rowids = new Map();
    this.#entries = 0;
    this.#available = false;
  }

  #trim(list: number[]): void {
    if (list.length === 0 || list[0]! >= this.#floor) return;
    const drop = lowerBound(list, this.#floor);
    list.splice(0, drop);
    this.#entries -= drop;
  }
}

/** The first index whose value is >= `value` in an ascending list. */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
