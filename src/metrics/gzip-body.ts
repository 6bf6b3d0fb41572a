// gzip for /metrics (Prometheus always asks for it) without compressing per scrape what has not
// changed. The per-endpoint block is made of pieces (family headers, segments' chunks) that live
// across scrapes; each piece is deflated once, on its own, and ended with a sync flush — no final
// block, byte-aligned — so deflated pieces can follow one another in one deflate stream. A body is
// then: gzip header, the pieces' deflate data, the tail (mcpwatch's own metrics, new every scrape)
// deflated and finished, and a trailer whose CRC-32 is combined from the pieces' CRCs. One
// ordinary gzip member: every client reads it, not only those that accept concatenated members.
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One piece's deflate data (sync-flushed) and CRC-32. */
export interface PackedPiece {
  readonly level: number;
  readonly deflated: Buffer;
  readonly crc: number;
  /**
   * x^(8·length) mod p(x): what a running CRC is multiplied by to append this piece's. Kept with
   * the piece, a body's CRC is one multiplication per piece; computed per scrape it was ~30 per
   * piece, ~10 ms for the ~5,300 pieces of 50,000 endpoints.
   */
  readonly shift: number;
}

/** Anything holding bytes and, once packed, their gzip form. */
export interface Packable {
  readonly data: Buffer;
  packed?: PackedPiece;
}

// Header of a gzip member (RFC 1952): magic, deflate, no flags, no mtime, no extra flags, OS unknown.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/** Deflates a piece at `level` unless it already is; returns the CPU-bound work done (bytes deflated). */
export function pack(piece: Packable, level: number): number {
  if (piece.packed?.level === level) return 0;
  const out = deflateRawSync(piece.data, { level, finishFlush: constants.Z_SYNC_FLUSH });
  // zlib answers a short output as a view of its 16 KiB work buffer: kept for as long as the piece
  // lives, that held 16 KiB per piece (~35 MiB at 10,000 endpoints) for ~600 bytes of data. A copy
  // of its own size holds what it says.
  const deflated = out.byteLength < out.buffer.byteLength / 2 ? ownCopy(out) : out;
  piece.packed = { level, deflated, crc: crc32(piece.data), shift: x2nModP(piece.data.length, 3) };
  return piece.data.length;
}

function ownCopy(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(view.byteLength);
  view.copy(copy);
  return copy;
}

/** One gzip member holding the (packed) pieces and then `tail`. */
export function gzipBody(pieces: readonly Packable[], tail: Buffer, level: number): Buffer {
  const parts: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    pack(piece, level);
    const packed = piece.packed;
    if (packed === undefined) continue;
    parts.push(packed.deflated);
    crc = (multModP(packed.shift, crc) ^ packed.crc) >>> 0;
    length += piece.data.length;
  }
  parts.push(deflateRawSync(tail, { level }));
  const trailer = Buffer.alloc(8);
  // Node 20's crc32 answers 0 for some empty buffers (Buffer.from('')) instead of the running value.
  trailer.writeUInt32LE(tail.length === 0 ? crc : crc32(tail, crc), 0);
  // ISIZE is the length modulo 2^32.
  trailer.writeUInt32LE((length + tail.length) % 0x1_0000_0000, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

// CRC-32 of a concatenation from the parts' CRCs: zlib's crc32_combine (crc32.c, multmodp and
// x2nmodp), which Node does not expose. Polynomials over GF(2), reflected, as zlib keeps them.
const POLY = 0xedb88320;

function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let bb = b;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = (bb & 1) !== 0 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod p(x). */
const X2N: readonly number[] = (() => {
  const table = [0x40000000];
  for (let k = 1; k < 32; k++) table.push(multModP(table[k - 1] ?? 0, table[k - 1] ?? 0));
  return table;
})();

/** x^(n·2^k) mod p(x). */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  let rest = n;
  let i = k;
  while (rest > 0) {
    if (rest % 2 === 1) p = multModP(X2N[i & 31] ?? 0, p);
    rest = Math.floor(rest / 2);
    i++;
  }
  return p;
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}

/** Whether an Accept-Encoding header accepts gzip (a `q=0` refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim());
    if (coding !== 'gzip' && coding !== 'x-gzip') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
