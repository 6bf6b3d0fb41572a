// Sealed raw rows: one endpoint's rounds of one UTC hour packed into a block, column by column,
// then packed with brotli (node:zlib, no dependency). Pure and shared, so it is table-tested on its own.
//
// Why this shape: an endpoint's rounds a minute apart are nearly alike, so each column on its own
// is a run of small numbers: planned start times (start minus lag, on the endpoint's fixed grid)
// as deltas of deltas, mostly zero; status/era/flags as one small integer each; latencies and lag
// as varints; codes and details as indexes into the block's own dictionary. Brotli then squeezes
// the runs. A round as SQLite's head table stores it (~37 B with its share of the b-tree) becomes
// ~6–8 B on disk, most of it the latencies' own randomness.
import { brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';
import type { ResultColumns } from './result-codec.ts';

/** One block holds one UTC hour of one endpoint. */
export const BLOCK_SPAN_MS = 3_600_000;

/**
 * First byte of every block: the layout below and how it is packed (1 raw deflate, 2 brotli; 3
 * brotli with tls_ms stored as its difference to connect_ms). A reader refuses a version it does
 * not know.
 */
const FORMAT_DEFLATE = 1;
const FORMAT_BROTLI = 2;
/**
 * A TLS handshake and a TCP connect each take about a round trip to the server, so tls_ms minus
 * connect_ms varies less than tls_ms: measured on the benchmark fleet's hour blocks, 6.28 → 6.04 B
 * a round (14 days at 10,000 endpoints: ~47 MiB less).
 */
const FORMAT_BROTLI_TLS_DELTA = 3;

/**
 * Brotli at quality 10, measured on the benchmark fleet's hour blocks: 6.3 B a round against 7.2
 * with deflate (level 6 or 9 alike) or brotli up to quality 9; ~1.3 ms to pack a block on a
 * loaded 2-core machine (10,000 endpoints: ~13 s of CPU an hour), ~0.03 ms to unpack.
 */
const BROTLI_OPTIONS = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 10, [constants.BROTLI_PARAM_LGWIN]: 16 },
} as const;

/**
 * Every integer a block holds (times and timings, ms) lies within ±2^48 (ms since 1970: year ~10,900), so
 * deltas of deltas stay exact in a double; rows outside stay unsealed (isSealable).
 */
export const MAX_BLOCK_INT = 2 ** 48;

const NUMERIC_COLUMNS = ['ts', 'status', 'duration_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'era', 'flags', 'lag_ms'] as const satisfies ReadonlyArray<keyof ResultColumns>;

/** Whether encodeBlock can hold the row exactly. */
export function isSealable(row: ResultColumns): boolean {
  return NUMERIC_COLUMNS.every((column) => {
    const value = row[column];
    return value === null || (Number.isSafeInteger(value) && Math.abs(value) <= MAX_BLOCK_INT);
  });
}

export class BlockFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockFormatError';
  }
}

class Writer {
  #buf = Buffer.allocUnsafe(256);
  #len = 0;

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  /** Unsigned LEB128 up to 2^53, by arithmetic (bitwise operators stop at 2^31). */
  uint(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 53) throw new BlockFormatError(`not an unsigned integer up to 2^53: ${value}`);
    this.#room(8);
    let v = value;
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#len++] = v;
  }

  /** Zigzag: small magnitudes of either sign stay small. Up to ±2^52 (a delta of deltas of planned starts within ±2^49). */
  int(value: number): void {
    if (!Number.isInteger(value) || Math.abs(value) > 2 ** 52) throw new BlockFormatError(`not an integer within ±2^52: ${value}`);
    this.uint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** 0 for null, else the zigzag value plus one. */
  nullableInt(value: number | null): void {
    if (value === null) this.uint(0);
    else {
      if (!Number.isInteger(value) || Math.abs(value) > MAX_BLOCK_INT) throw new BlockFormatError(`not an integer within ±2^48: ${value}`);
      this.uint((value >= 0 ? value * 2 : -value * 2 - 1) + 1);
    }
  }

  text(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.uint(bytes.length);
    this.#room(bytes.length);
    bytes.copy(this.#buf, this.#len);
    this.#len += bytes.length;
  }

  bytes(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}

class Reader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.#pos >= this.#buf.length) throw new BlockFormatError('block ends inside a number');
      const byte = this.#buf[this.#pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new BlockFormatError('number too long');
    }
    return value;
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  nullableInt(): number | null {
    const z = this.uint();
    if (z === 0) return null;
    const v = z - 1;
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  text(): string {
    const length = this.uint();
    if (this.#pos + length > this.#buf.length) throw new BlockFormatError('block ends inside a string');
    const value = this.#buf.toString('utf8', this.#pos, this.#pos + length);
    this.#pos += length;
    return value;
  }

  get done(): boolean {
    return this.#pos === this.#buf.length;
  }
}

/** Index 0 is null; i + 1 is the i-th distinct string, in first-seen order. */
function dictionary(values: ReadonlyArray<string | null>): { entries: string[]; indexes: number[] } {
  const entries: string[] = [];
  const seen = new Map<string, number>();
  const indexes = values.map((value) => {
    if (value === null) return 0;
    let index = seen.get(value);
    if (index === undefined) {
      index = entries.push(value);
      seen.set(value, index);
    }
    return index;
  });
  return { entries, indexes };
}

/**
 * Packs rows of one endpoint (their endpoint_id is the block's, not stored) in the order given,
 * which decodeBlock returns unchanged: callers pass them oldest first, ties in insertion order.
 * Times are stored relative to `start`; any order and any sign round-trips. Every row must be
 * isSealable (BlockFormatError otherwise), and so must `start`.
 */
export function encodeBlock(start: number, rows: readonly ResultColumns[]): Buffer {
  const bad = rows.find((row) => !isSealable(row));
  if (bad !== undefined) throw new BlockFormatError(`a value beyond ±2^48 in the row at ${bad.ts}`);
  if (!Number.isSafeInteger(start) || Math.abs(start) > MAX_BLOCK_INT) throw new BlockFormatError(`block start beyond ±2^48: ${start}`);
  const w = new Writer();
  w.uint(rows.length);
  // The planned start (ts - lag) of a round is on the endpoint's fixed grid: its deltas of deltas
  // are zeros, where ts itself carries the start jitter twice over. ts comes back as planned + lag.
  let previous = start;
  let previousDelta = 0;
  for (const row of rows) {
    const planned = row.ts - row.lag_ms;
    const delta = planned - previous;
    w.int(delta - previousDelta);
    previous = planned;
    previousDelta = delta;
  }
  for (const row of rows) w.uint(row.status);
  for (const row of rows) w.uint(row.era ?? 0);
  for (const row of rows) w.uint(row.flags);
  for (const row of rows) w.int(row.duration_ms);
  for (const row of rows) w.nullableInt(row.dns_ms);
  for (const row of rows) w.nullableInt(row.connect_ms);
  for (const row of rows) w.nullableInt(tlsStored(row.tls_ms, row.connect_ms));
  for (const row of rows) w.int(row.lag_ms);
  for (const column of [rows.map((r) => r.code), rows.map((r) => r.detail)]) {
    const { entries, indexes } = dictionary(column);
    w.uint(entries.length);
    for (const entry of entries) w.text(entry);
    for (const index of indexes) w.uint(index);
  }
  const raw = w.bytes();
  const packed = brotliCompressSync(raw, { params: { ...BROTLI_OPTIONS.params, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  return Buffer.concat([Buffer.of(FORMAT_BROTLI_TLS_DELTA), packed]);
}

/** tls_ms as format 3 stores it: the difference to connect_ms when both are known. */
function tlsStored(tls: number | null, connect: number | null): number | null {
  return tls === null || connect === null ? tls : tls - connect;
}

function tlsRead(stored: number | null, connect: number | null): number | null {
  return stored === null || connect === null ? stored : stored + connect;
}

/** The rows encodeBlock packed, with `endpointId` put back. Throws BlockFormatError on a damaged block. */
export function decodeBlock(endpointId: number, start: number, data: Uint8Array): ResultColumns[] {
  const format = data[0];
  if (format !== FORMAT_DEFLATE && format !== FORMAT_BROTLI && format !== FORMAT_BROTLI_TLS_DELTA) throw new BlockFormatError(`unknown block format ${format ?? 'none'}`);
  let raw: Buffer;
  try {
    raw = format === FORMAT_DEFLATE ? inflateRawSync(data.subarray(1)) : brotliDecompressSync(data.subarray(1));
  } catch (error) {
    throw new BlockFormatError(`block does not unpack: ${(error as Error).message}`);
  }
  const r = new Reader(raw);
  const n = r.uint();
  if (n > raw.length) throw new BlockFormatError(`block claims ${n} rows in ${raw.length} bytes`);
  const column = <T>(read: () => T): T[] => Array.from({ length: n }, read);
  let previous = start;
  let previousDelta = 0;
  const planned = column(() => {
    previousDelta += r.int();
    previous += previousDelta;
    return previous;
  });
  const status = column(() => r.uint());
  const era = column(() => r.uint());
  const flags = column(() => r.uint());
  const duration = column(() => r.int());
  const dns = column(() => r.nullableInt());
  const connect = column(() => r.nullableInt());
  const tls = column(() => r.nullableInt());
  const lag = column(() => r.int());
  const [code, detail] = [0, 1].map(() => {
    const entries = Array.from({ length: r.uint() }, () => r.text());
    return column(() => {
      const index = r.uint();
      if (index > entries.length) throw new BlockFormatError(`dictionary index ${index} of ${entries.length}`);
      return index === 0 ? null : entries[index - 1]!;
    });
  }) as [(string | null)[], (string | null)[]];
  if (!r.done) throw new BlockFormatError('bytes left after the last column');
  return planned.map((p, i) => ({
    endpoint_id: endpointId,
    ts: p + lag[i]!,
    status: status[i]!,
    code: code[i]!,
    detail: detail[i]!,
    duration_ms: duration[i]!,
    dns_ms: dns[i]!,
    connect_ms: connect[i]!,
    tls_ms: format === FORMAT_BROTLI_TLS_DELTA ? tlsRead(tls[i]!, connect[i]!) : tls[i]!,
    era: era[i] === 0 ? null : era[i]!,
    flags: flags[i]!,
    lag_ms: lag[i]!,
  }));
}
