// SQLite's sealed raw rows: result_blocks (migration 0010), one compressed block per endpoint per
// UTC hour (../result-blocks.ts). probe_results is the head the recorder appends to; Sealer moves
// whole hours out of it in small steps, off the write path:
//
//   1. collect: read (id, endpoint, ts) of the head rows old enough, a slice of rowids per step;
//   2. seal: per endpoint, one transaction that reads its rows by id, writes (or merges into) its
//      blocks and deletes exactly those rows. A crash between transactions leaves each endpoint
//      either still in the head or in its blocks, never both and never neither.
//
// Only rows already folded into the rollup tables (at or below the rollup watermark) are sealed:
// the rows above it are what a restart refolds. The newest head row is never sealed, so rowids
// never restart behind the watermark (as pruneResults).
import type Database from 'better-sqlite3';
import { BLOCK_SPAN_MS, MAX_BLOCK_INT, decodeBlock, encodeBlock, isSealable } from '../result-blocks.ts';
import type { ResultColumns } from '../result-codec.ts';
import type { SealProgress } from '../store.ts';
import { alignDown } from '../rollup-math.ts';

type Db = Database.Database;

/** A head row as the store reads it: the shared columns plus its rowid. */
export type HeadRow = ResultColumns & { id: number };

/** What the sealer needs to know of the head, which the store owns. */
export interface Head {
  /** The rollup watermark as stored: rows above it are not folded yet. */
  watermark(): number;
  bounds(): { lo: number; hi: number } | null;
  /** The smallest rowid whose row has ts >= `ts` (binary search), or null on an empty head. */
  firstRowidAtOrAfter(ts: number): number | null;
  isLive(endpointId: number): boolean;
  /** Changes whenever head rows or blocks are deleted other than by the sealer (prune, endpoint deletion). */
  epoch(): number;
}


const COLLECT_SLICE = 2500;

/** One hour's block of one endpoint, packed and not yet written. */
export interface PackedBlock {
  readonly start: number;
  readonly rows: number;
  readonly data: Buffer;
}

export class SealedResults {
  readonly #db: Db;
  readonly #s: ReturnType<typeof prepare>;

  constructor(db: Db) {
    this.#db = db;
    this.#s = prepare(db);
  }

  /**
   * Rows with ts in [fromMs, upper), newest first by ts then insertion order, at most `limit`,
   * together with every row newer than the oldest returned one: blocks are read newest hour first
   * and reading stops once `limit` rows are in hand (older hours cannot beat them).
   */
  read(endpointId: number, fromMs: number, upper: number, limit: number): ResultColumns[] {
    const bounds = this.#s.startBounds.get();
    if (!bounds || bounds.lo === null || bounds.hi === null) return [];
    const first = Math.max(alignDown(fromMs, BLOCK_SPAN_MS), bounds.lo);
    const last = Math.min(alignDown(upper - 1, BLOCK_SPAN_MS), bounds.hi);
    const out: ResultColumns[] = [];
    for (const block of this.#s.blocksDesc.iterate({ endpointId, first, last, step: BLOCK_SPAN_MS })) {
      const rows = decodeBlock(endpointId, block.start, block.data);
      for (let i = rows.length - 1; i >= 0; i--) {
        const row = rows[i]!;
        if (row.ts >= fromMs && row.ts < upper) out.push(row);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Deletes whole blocks whose hour ended by `beforeMs`, until about `limit` rows went; returns the rows. */
  prune(beforeMs: number, limit: number): number {
    let rows = 0;
    const doomed: Array<{ start: number; endpoint_id: number }> = [];
    for (const block of this.#s.oldestBlocks.iterate(alignDown(beforeMs, BLOCK_SPAN_MS) - BLOCK_SPAN_MS)) {
      if (rows >= limit) break;
      doomed.push(block);
      rows += block.rows;
    }
    if (doomed.length === 0) return 0;
    this.#db.transaction(() => {
      for (const block of doomed) this.#s.deleteBlock.run(block.start, block.endpoint_id);
    })();
    return rows;
  }

  /** Inside the caller's transaction: every block of the endpoint, by point lookups over the hours that exist. */
  deleteEndpoint(endpointId: number): void {
    const bounds = this.#s.startBounds.get();
    if (!bounds || bounds.lo === null || bounds.hi === null) return;
    this.#s.deleteEndpointBlocks.run({ endpointId, first: bounds.lo, last: bounds.hi, step: BLOCK_SPAN_MS });
  }

  /**
   * One endpoint's head rows (already read, any hours) packed into its blocks, merged with blocks
   * already there: the CPU-heavy half of a seal, which needs no write transaction.
   */
  packRows(endpointId: number, rows: readonly HeadRow[]): PackedBlock[] {
    const byHour = new Map<number, HeadRow[]>();
    for (const row of rows) {
      const start = alignDown(row.ts, BLOCK_SPAN_MS);
      let list = byHour.get(start);
      if (!list) byHour.set(start, (list = []));
      list.push(row);
    }
    const out: PackedBlock[] = [];
    for (const [start, hourRows] of byHour) {
      hourRows.sort((a, b) => a.ts - b.ts || a.id - b.id);
      const existing = this.#s.block.get(start, endpointId);
      // A round that reached the store after its hour was sealed: it joins the block after the
      // rows already there (it was inserted after them), sorted by time, stably.
      const merged: ResultColumns[] = existing ? [...decodeBlock(endpointId, start, existing.data), ...hourRows] : hourRows;
      if (existing) merged.sort((a, b) => a.ts - b.ts);
      out.push({ start, rows: merged.length, data: encodeBlock(start, merged) });
    }
    return out;
  }

  /** Inside the caller's transaction: writes blocks packRows made (replacing the ones they merged). */
  writeBlocks(endpointId: number, blocks: readonly PackedBlock[]): void {
    for (const block of blocks) this.#s.upsertBlock.run(block.start, endpointId, block.rows, block.data);
  }

  /**
   * Puts every sealed row back into the head (for `migrate-data`, which copies probe_results),
   * an hour per transaction, newest hour first. They take rowids below `belowId` (the head's
   * lowest; SQLite rowids may be negative), oldest lowest, so the head stays in time order.
   * Returns the rows put back.
   */
  unsealAll(belowId: number): number {
    let next = belowId - 1;
    let total = 0;
    for (;;) {
      const hour = this.#s.newestStart.get()?.start ?? null;
      if (hour === null) return total;
      this.#db.transaction(() => {
        const rows = this.#s.blocksOfHour.all(hour).flatMap((block) => decodeBlock(block.endpoint_id, hour, block.data).map((row, i) => ({ row, i })));
        // Newest first, so ids descend with time: ts, then the endpoint and position as the seal left them.
        rows.sort((a, b) => b.row.ts - a.row.ts || b.row.endpoint_id - a.row.endpoint_id || b.i - a.i);
        for (const { row } of rows) {
          this.#s.insertHeadRow.run(next--, row.endpoint_id, row.ts, row.status, row.code, row.detail, row.duration_ms, row.dns_ms, row.connect_ms, row.tls_ms, row.era, row.flags, row.lag_ms);
        }
        this.#s.deleteHour.run(hour);
        total += rows.length;
      })();
    }
  }

  /** Blocks and the rows they hold (benchmarks and tests). */
  stats(): { blocks: number; rows: number } {
    const row = this.#s.stats.get();
    return { blocks: row?.blocks ?? 0, rows: row?.rows ?? 0 };
  }
}

function prepare(db: Db) {
  const hours = 'WITH RECURSIVE s(start) AS (SELECT @last UNION ALL SELECT start - @step FROM s WHERE start - @step >= @first)';
  return {
    // Two subqueries: SQLite's min/max shortcut applies only to a lone aggregate.
    startBounds: db.prepare<[], { lo: number | null; hi: number | null }>('SELECT (SELECT min(start) FROM result_blocks) AS lo, (SELECT max(start) FROM result_blocks) AS hi'),
    blocksDesc: db.prepare<[{ endpointId: number; first: number; last: number; step: number }], { start: number; data: Buffer }>(
      `${hours} SELECT b.start, b.data FROM s JOIN result_blocks b ON b.start = s.start AND b.endpoint_id = @endpointId ORDER BY b.start DESC`,
    ),
    block: db.prepare<[number, number], { data: Buffer }>('SELECT data FROM result_blocks WHERE start = ? AND endpoint_id = ?'),
    upsertBlock: db.prepare<[number, number, number, Buffer]>(
      'INSERT INTO result_blocks (start, endpoint_id, rows, data) VALUES (?, ?, ?, ?) ON CONFLICT (start, endpoint_id) DO UPDATE SET rows = excluded.rows, data = excluded.data',
    ),
    oldestBlocks: db.prepare<[number], { start: number; endpoint_id: number; rows: number }>('SELECT start, endpoint_id, rows FROM result_blocks WHERE start <= ? ORDER BY start, endpoint_id'),
    deleteBlock: db.prepare<[number, number]>('DELETE FROM result_blocks WHERE start = ? AND endpoint_id = ?'),
    deleteEndpointBlocks: db.prepare<[{ endpointId: number; first: number; last: number; step: number }]>(
      `${hours} DELETE FROM result_blocks WHERE endpoint_id = @endpointId AND start IN (SELECT start FROM s)`,
    ),
    newestStart: db.prepare<[], { start: number }>('SELECT start FROM result_blocks ORDER BY start DESC LIMIT 1'),
    blocksOfHour: db.prepare<[number], { endpoint_id: number; data: Buffer }>('SELECT endpoint_id, data FROM result_blocks WHERE start = ?'),
    deleteHour: db.prepare<[number]>('DELETE FROM result_blocks WHERE start = ?'),
    insertHeadRow: db.prepare<[number, number, number, number, string | null, string | null, number, number | null, number | null, number | null, number | null, number, number]>(
      'INSERT INTO probe_results (id, endpoint_id, ts, status, code, detail, duration_ms, dns_ms, connect_ms, tls_ms, era, flags, lag_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    stats: db.prepare<[], { blocks: number; rows: number }>('SELECT count(*) AS blocks, coalesce(sum(rows), 0) AS rows FROM result_blocks'),
  };
}

/**
 * The seal pass in progress, persisted in store_meta so reads (in any process) and a restart know
 * it: head rows with rowid in [lo, end), ts before `before` and endpoint id at most `through` are
 * already in blocks and are only waiting to be deleted from the head.
 */
export interface SealPlan {
  readonly lo: number;
  readonly end: number;
  readonly before: number;
  readonly through: number;
}

/** Whether a head row is already in a block (a read skips it). */
export function sealedByPlan(plan: SealPlan | null, row: HeadRow): boolean {
  return plan !== null && row.id >= plan.lo && row.id < plan.end && row.ts < plan.before && row.endpoint_id <= plan.through && isSealable(row);
}

const PLAN_KEYS = { lo: 'seal_lo', end: 'seal_end', before: 'seal_before', through: 'seal_through' } as const satisfies Record<keyof SealPlan, string>;

/** isSealable in SQL (every numeric column within ±MAX_BLOCK_INT), for the head deletes. */
const SEALABLE_SQL = (['ts', 'status', 'duration_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'era', 'flags', 'lag_ms'] as const)
  .map((column) => `coalesce(${column}, 0) BETWEEN -${MAX_BLOCK_INT} AND ${MAX_BLOCK_INT}`)
  .join(' AND ');

/** Head rows deleted per transaction in the last phase: a contiguous rowid range, a few ms. */
const DELETE_SLICE = 5000;

const planStatements = new WeakMap<Db, Database.Statement<[], { key: string; value: number }>>();

/** The seal pass in progress as store_meta holds it (any process may have written it), or null. */
export function readPlan(db: Db): SealPlan | null {
  let statement = planStatements.get(db);
  if (!statement) {
    statement = db.prepare<[], { key: string; value: number }>(`SELECT key, value FROM store_meta WHERE key IN (${Object.values(PLAN_KEYS).map((k) => `'${k}'`).join(', ')})`);
    planStatements.set(db, statement);
  }
  const values = new Map(statement.all().map((r) => [r.key, r.value]));
  const end = values.get(PLAN_KEYS.end) ?? 0;
  if (end === 0) return null;
  return { lo: values.get(PLAN_KEYS.lo) ?? 0, end, before: values.get(PLAN_KEYS.before) ?? 0, through: values.get(PLAN_KEYS.through) ?? Number.NEGATIVE_INFINITY };
}

/** The pass in memory: the plan, and the endpoints' head rowids collected a slice at a time. */
interface Pass {
  plan: SealPlan;
  /** The plan stops short of what is due (one hour a pass): another pass follows if this one moved rows. */
  readonly capped: boolean;
  moved: number;
  /** Next rowid to collect from. */
  cursor: number;
  readonly ids: Map<number, number[]>;
  /** Endpoints left to pack, once collection is over. */
  queue: number[] | null;
  /** Endpoints packed and not written yet, in id order; the head's epoch when the first was packed. */
  packed: Packed[];
  packedBytes: number;
  packedEpoch: number;
}

interface Packed {
  readonly endpointId: number;
  /** Its head rowids, to pack again if the head changed meanwhile. */
  readonly ids: number[];
  readonly rows: number;
  readonly blocks: PackedBlock[];
}

/**
 * Block bytes packed before they are written in one transaction: ~30 pages, a few ms of upserts
 * (about 350 endpoint-hours of the benchmark fleet).
 */
export const SEAL_COMMIT_BYTES = 128 * 1024;

/**
 * Moves head rows of whole hours that ended at least `slackMs` ago into blocks, a bounded step at
 * a time (`step(budgetMs)`), so no step holds the event loop for long. Three phases:
 *
 *   1. plan and collect: the rowid range to seal goes to store_meta; (id, endpoint, ts) of its
 *      rows are read a slice per step;
 *   2. blocks: endpoints in id order are packed, as many per step as the budget allows, outside
 *      any transaction; every commitBytes of blocks (SEAL_COMMIT_BYTES; or at the end) one
 *      transaction writes them and moves `through` past them, so reads skip their head rows from then on (a row is never
 *      seen twice, nor missed);
 *   3. delete: the head rows of the range go by contiguous rowid slices, newest first.
 *
 * Deleting per endpoint instead rewrote one page per row (an hour's rows of all endpoints share
 * pages): measured 7 MiB written per endpoint-day. A crash anywhere leaves the plan in store_meta;
 * the next step resumes it; packed blocks not written yet are packed again. A prune or an
 * endpoint deletion between packing and writing (the head's epoch moved) sends the packed
 * endpoints back to be packed again, and an endpoint deleted meanwhile has its rows dropped, so
 * they can only make a pass seal less.
 */
export class Sealer {
  readonly #db: Db;
  readonly #blocks: SealedResults;
  readonly #head: Head;
  readonly #slackMs: number;
  readonly #commitBytes: number;
  readonly #s: {
    collect: Database.Statement<[number, number, number], [number, number, number]>;
    row: Database.Statement<[number], HeadRow>;
    firstSealable: Database.Statement<[number], { ts: number }>;
    deleteSlice: Database.Statement<[{ lo: number; hi: number; before: number }]>;
    setMeta: Database.Statement<[string, number]>;
  };
  #pass: Pass | null = null;

  constructor(db: Db, blocks: SealedResults, head: Head, slackMs: number, commitBytes = SEAL_COMMIT_BYTES) {
    this.#db = db;
    this.#commitBytes = commitBytes;
    this.#blocks = blocks;
    this.#head = head;
    this.#slackMs = slackMs;
    this.#s = {
      collect: db.prepare<[number, number, number], [number, number, number]>('SELECT id, endpoint_id, ts FROM probe_results WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').raw(true),
      row: db.prepare<[number], HeadRow>('SELECT * FROM probe_results WHERE id = ?'),
      firstSealable: db.prepare<[number], { ts: number }>(`SELECT ts FROM probe_results WHERE id >= ? AND ${SEALABLE_SQL} ORDER BY id LIMIT 1`),
      deleteSlice: db.prepare(`DELETE FROM probe_results WHERE id >= @lo AND id < @hi AND ts < @before AND ${SEALABLE_SQL}`),
      setMeta: db.prepare<[string, number]>('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Does about `budgetMs` of work (at least one unit, so every step progresses); `now` decides which hours are old enough. */
  step(now: number, budgetMs: number): SealProgress {
    const started = performance.now();
    const spent = (): boolean => performance.now() - started >= budgetMs;
    this.#pass ??= this.#resumeOrPlan(now);
    const pass = this.#pass;
    if (pass === null) return { sealed: 0, dropped: 0, more: false };
    let sealed = 0;
    let dropped = 0;
    while (pass.queue === null) {
      const slice = this.#s.collect.all(pass.cursor, pass.plan.end, COLLECT_SLICE);
      for (const [id, endpointId, ts] of slice) {
        if (ts >= pass.plan.before || endpointId <= pass.plan.through) continue;
        let list = pass.ids.get(endpointId);
        if (!list) pass.ids.set(endpointId, (list = []));
        list.push(id);
      }
      const lastId = slice.at(-1)?.[0];
      if (slice.length < COLLECT_SLICE || lastId === undefined) pass.queue = [...pass.ids.keys()].sort((a, b) => a - b);
      else pass.cursor = lastId + 1;
      if (spent()) return { sealed, dropped, more: true };
    }
    if (pass.queue.length > 0 || pass.packed.length > 0) {
      // Pack outside any transaction (brotli is most of a seal's CPU), then write what is packed in
      // one transaction once it fills commitBytes of blocks or the queue is empty. A transaction
      // per step instead rewrote the same pages (the blocks' tail leaf, store_meta) every 10 ms:
      // ~15 KiB each, more steps on a loaded machine, 2.79 GiB/day at 10,000 endpoints.
      const epoch = this.#head.epoch();
      if (pass.packed.length > 0 && pass.packedEpoch !== epoch) {
        // Rows were pruned or an endpoint deleted since packing: pack those endpoints again.
        pass.queue.unshift(...pass.packed.map((p) => p.endpointId));
        for (const p of pass.packed) pass.ids.set(p.endpointId, p.ids);
        pass.packed = [];
        pass.packedBytes = 0;
      }
      while (pass.queue.length > 0 && pass.packedBytes < this.#commitBytes) {
        if (pass.packed.length === 0) pass.packedEpoch = epoch;
        const endpointId = pass.queue.shift()!;
        const ids = pass.ids.get(endpointId) ?? [];
        pass.ids.delete(endpointId);
        const rows: HeadRow[] = [];
        for (const id of ids) {
          const row = this.#s.row.get(id);
          // A row a block cannot hold exactly (a time or timing beyond ±2^48 ms) stays in the head, readable there.
          if (row && isSealable(row)) rows.push(row);
        }
        const blocks = rows.length > 0 ? this.#blocks.packRows(endpointId, rows) : [];
        pass.packed.push({ endpointId, ids, rows: rows.length, blocks });
        pass.packedBytes += blocks.reduce((a, b) => a + b.data.length, 0);
        if (spent()) break;
      }
      if (pass.queue.length > 0 && pass.packedBytes < this.#commitBytes) return { sealed, dropped, more: true };
      const packed = pass.packed;
      const done = this.#db.transaction(() => {
        let moved = 0;
        let gone = 0;
        let through = pass.plan.through;
        for (const p of packed) {
          if (this.#head.isLive(p.endpointId)) {
            this.#blocks.writeBlocks(p.endpointId, p.blocks);
            moved += p.rows;
          } else gone += p.rows;
          through = p.endpointId;
        }
        this.#s.setMeta.run(PLAN_KEYS.through, through);
        return { moved, gone, through };
      })();
      pass.packed = [];
      pass.packedBytes = 0;
      pass.plan = { ...pass.plan, through: done.through };
      pass.moved += done.moved + done.gone;
      sealed += done.moved;
      dropped += done.gone;
      return { sealed, dropped, more: true };
    }
    // Every endpoint of the range is in blocks: the head rows go, a contiguous slice per
    // transaction, the newest slice first. Deleting oldest first, SQLite rebalanced each emptied
    // leaf into its right-hand sibling, which the next slice deletes again: measured 76 B written
    // per deleted row (WAL and checkpoint) against 42 B newest first (600,000 rows, 4 KiB pages).
    // `end` moves down as slices go; head rows left in [end, old end) are those never sealed.
    for (let first = true; pass.plan.lo < pass.plan.end && (first || !spent()); first = false) {
      const lo = Math.max(pass.plan.end - DELETE_SLICE, pass.plan.lo);
      const finished = lo <= pass.plan.lo;
      this.#db.transaction(() => {
        this.#s.deleteSlice.run({ lo, hi: pass.plan.end, before: pass.plan.before });
        this.#s.setMeta.run(PLAN_KEYS.end, finished ? 0 : lo);
      })();
      pass.plan = { ...pass.plan, end: lo };
    }
    if (pass.plan.lo < pass.plan.end) return { sealed, dropped, more: true };
    this.#pass = null;
    return { sealed, dropped, more: pass.capped && pass.moved > 0 };
  }

  #resumeOrPlan(now: number): Pass | null {
    const stored = readPlan(this.#db);
    // A resumed pass may stop short too: the next step plans again either way.
    if (stored) return { plan: stored, capped: true, moved: 0, cursor: stored.lo, ids: new Map(), queue: null, packed: [], packedBytes: 0, packedEpoch: 0 };
    const due = alignDown(now - this.#slackMs, BLOCK_SPAN_MS);
    const bounds = this.#head.bounds();
    if (!bounds) return null;
    // One hour a pass, the oldest first: a head holding days (a database from before sealing) is
    // worked through an hour of rowids at a time, never collected whole into memory.
    const oldest = this.#s.firstSealable.get(bounds.lo)?.ts;
    if (oldest === undefined) return null;
    const before = Math.min(due, alignDown(oldest, BLOCK_SPAN_MS) + BLOCK_SPAN_MS);
    // Rows are in (nearly) time order: past the first row at or after `before + slack`, none is older than `before`.
    const boundary = this.#head.firstRowidAtOrAfter(before + this.#slackMs) ?? bounds.hi + 1;
    // Never a row not yet folded into the rollups (a restart refolds those), nor the newest row.
    const end = Math.min(boundary, this.#head.watermark() + 1, bounds.hi);
    if (end <= bounds.lo) return null;
    const plan: SealPlan = { lo: bounds.lo, end, before, through: -1 };
    this.#db.transaction(() => {
      for (const key of ['lo', 'before', 'through', 'end'] as const) this.#s.setMeta.run(PLAN_KEYS[key], plan[key]);
    })();
    return { plan, capped: before < due, moved: 0, cursor: plan.lo, ids: new Map(), queue: null, packed: [], packedBytes: 0, packedEpoch: 0 };
  }
}
