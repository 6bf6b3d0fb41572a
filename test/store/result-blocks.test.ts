// The sealed-block codec on its own: every field round-trips exactly, whatever the rows hold.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, deflateRawSync } from 'node:zlib';
import { BlockFormatError, MAX_BLOCK_INT, decodeBlock, encodeBlock, isSealable } from '../../src/store/result-blocks.ts';
import type { ResultColumns } from '../../src/store/result-codec.ts';
import { seededRandom } from './helper.ts';

const START = Date.parse('2026-03-01T22:00:00.000Z');

function row(ts: number, overrides: Partial<ResultColumns> = {}): ResultColumns {
  return { endpoint_id: 7, ts, status: 0, code: null, detail: null, duration_ms: 120, dns_ms: 2, connect_ms: 5, tls_ms: 12, era: 2, flags: 0, lag_ms: 3, ...overrides };
}

const random = seededRandom(5);
const minuteRows = Array.from({ length: 60 }, (_, i) =>
  row(START + i * 60_000 + Math.floor(random() * 40), { duration_ms: 40 + Math.floor(random() * 900), dns_ms: 1 + Math.floor(random() * 8), lag_ms: Math.floor(random() * 40) }),
);

const CASES: Readonly<Record<string, readonly ResultColumns[]>> = {
  'an empty block': [],
  'one row': [row(START)],
  'an hour at a 60 s cadence with jitter': minuteRows,
  'every null a column allows': [row(START, { code: null, detail: null, dns_ms: null, connect_ms: null, tls_ms: null, era: null })],
  'every status, era and flag combination': [0, 1, 2, 3].flatMap((status, s) =>
    [null, 1, 2, 3].flatMap((era, e) => [0, 1, 2, 3, 4, 7].map((flags, f) => row(START + s * 1000 + e * 100 + f, { status, era, flags, code: status === 0 ? null : 'HTTP_5XX', detail: status === 0 ? null : 'HTTP 503' }))),
  ),
  'an empty detail is not a null one': [row(START, { status: 3, code: 'HTTP_5XX', detail: '' }), row(START + 1, { status: 3, code: 'HTTP_5XX', detail: null })],
  'hostile and long strings': [
    row(START, { status: 3, code: 'NOT_MCP', detail: '<script>alert(1)</script>\u0000\n\r"\'' }),
    row(START + 1, { status: 3, code: 'NOT_MCP', detail: 'emoji 🚨 and combining é and RTL \u202e' }),
    row(START + 2, { status: 3, code: 'x'.repeat(70_000), detail: 'ÿ€'.repeat(100_000) }),
    row(START + 3, { status: 3, code: 'NOT_MCP', detail: '<script>alert(1)</script>\u0000\n\r"\'' }),
  ],
  'times out of order, equal, before the block and far after': [row(START + 50_000), row(START + 10), row(START + 10), row(START - 5_000), row(START + 10 * 86_400_000)],
  'negative numbers and the largest ones a block holds': [
    row(START, { duration_ms: -1, dns_ms: -300, connect_ms: 0, tls_ms: MAX_BLOCK_INT, lag_ms: -MAX_BLOCK_INT }),
    row(MAX_BLOCK_INT, { duration_ms: MAX_BLOCK_INT, lag_ms: 2 ** 40 }),
    row(-MAX_BLOCK_INT, { duration_ms: -MAX_BLOCK_INT, dns_ms: -MAX_BLOCK_INT }),
    row(MAX_BLOCK_INT - 1),
  ],
};

describe('encodeBlock / decodeBlock', () => {
  for (const [name, rows] of Object.entries(CASES)) {
    test(`round-trips exactly: ${name}`, () => {
      const block = encodeBlock(START, rows);
      assert.deepEqual(decodeBlock(7, START, block), rows);
    });
  }

  test('refuses a value it could not hold exactly, and isSealable says so first', () => {
    for (const bad of [row(START, { lag_ms: MAX_BLOCK_INT + 1 }), row(2 ** 53), row(START, { duration_ms: 0.5 }), row(START, { dns_ms: Number.NaN })]) {
      assert.equal(isSealable(bad), false);
      assert.throws(() => encodeBlock(START, [bad]), BlockFormatError);
    }
    assert.equal(isSealable(row(START, { dns_ms: null })), true);
  });

  test('reads blocks packed with deflate (format 1) and brotli (format 2), tls_ms stored as it is, as well', () => {
    const layout1 = decodeRawPayload(encodeBlock(START, withTlsAsLayout1(minuteRows)));
    assert.deepEqual(decodeBlock(7, START, Buffer.concat([Buffer.of(1), deflateRawSync(layout1)])), minuteRows);
    assert.deepEqual(decodeBlock(7, START, Buffer.concat([Buffer.of(2), brotliCompressSync(layout1)])), minuteRows);
  });

  test('tls_ms round-trips with or without connect_ms (format 3 stores the difference when both are known)', () => {
    const rows = [row(START, { connect_ms: null, tls_ms: 30 }), row(START + 60_000, { connect_ms: 20, tls_ms: null }), row(START + 120_000, { connect_ms: 50, tls_ms: 12 })];
    assert.deepEqual(decodeBlock(7, START, encodeBlock(START, rows)), rows);
  });

  test('puts back the endpoint id the block is filed under (it is not stored)', () => {
    assert.deepEqual(
      decodeBlock(99, START, encodeBlock(START, [row(START)])).map((r) => r.endpoint_id),
      [99],
    );
  });

  test('an hour of rounds a minute apart takes a few bytes a row', () => {
    const bytes = encodeBlock(START, minuteRows).length;
    // ~37 B a row in probe_results; the random latencies here leave ~5 B of entropy a row.
    assert.ok(bytes < 60 * 10, `${bytes} bytes for 60 rows`);
  });

  const damaged: Readonly<Record<string, Uint8Array>> = {
    'no bytes': new Uint8Array(0),
    'an unknown format version': Buffer.concat([Buffer.of(9), encodeBlock(START, minuteRows).subarray(1)]),
    'bytes that do not inflate': Buffer.of(1, 0xff, 0xff, 0xff, 0xff),
    'bytes that do not unpack as brotli': Buffer.of(2, 0xff, 0xff, 0xff, 0xff),
    'a truncated block': (() => {
      const packed = Buffer.from(deflateRawSync(Buffer.of(3, 0, 0)));
      return Buffer.concat([Buffer.of(1), packed]);
    })(),
    'a row count larger than the block': Buffer.concat([Buffer.of(1), deflateRawSync(Buffer.of(0xff, 0xff, 0x03))]),
    'bytes left after the last column': (() => {
      const good = decodeRawPayload(encodeBlock(START, [row(START)]));
      return Buffer.concat([Buffer.of(1), deflateRawSync(Buffer.concat([good, Buffer.of(0)]))]);
    })(),
  };
  for (const [name, data] of Object.entries(damaged)) {
    test(`refuses a damaged block: ${name}`, () => {
      assert.throws(() => decodeBlock(7, START, data), BlockFormatError);
    });
  }
});

/** The layout's own framing: a format byte (3: brotli, tls_ms as its difference to connect_ms), then the packed columns. */
function decodeRawPayload(block: Buffer): Buffer {
  assert.equal(block[0], 3);
  return brotliDecompressSync(block.subarray(1));
}

/** Rows whose format-3 payload is the given rows' payload as formats 1 and 2 laid it out (tls_ms as it is). */
function withTlsAsLayout1(rows: readonly ResultColumns[]): ResultColumns[] {
  return rows.map((r) => ({ ...r, tls_ms: r.tls_ms === null || r.connect_ms === null ? r.tls_ms : r.tls_ms + r.connect_ms }));
}
