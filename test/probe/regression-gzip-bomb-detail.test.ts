// Regression (issue 10): after a gzip-bomb reply (Content-Encoding: gzip, which the probe never
// asks for) the stored INVALID_JSON detail held raw compressed bytes. The probe does not inflate
// what it did not ask for; the detail now says what the body was instead of echoing it.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { toRow } from '../../src/service/recorder.ts';
import { startHostileServer, type HostileServer } from '../fixtures/hostile-server.ts';

const settings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 10_000 };
// 64 MiB of zeros compress to ~64 KB: under the 1 MiB body cap, lethal if inflated unbounded.
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024));

function printable(text: string): boolean {
  return !/[\p{C}\u2028\u2029]/u.test(text) && Buffer.from(text, 'utf8').toString('utf8') === text;
}

describe('regression: gzip bomb detail bytes', () => {
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer();
  });
  after(() => server.close());

  test('a gzip bomb answering initialize is INVALID_JSON with a description, not bytes', async () => {
    server.set({ method: 'initialize', status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: BOMB });
    const result = await runProbe({ url: server.url, era: 'streamable' }, settings);
    assert.equal(result.code, 'INVALID_JSON');
    assert.equal(result.detail, `the reply to initialize is not valid JSON: ${BOMB.length} bytes of binary data (Content-Encoding: gzip, which mcpwatch does not ask for)`);
    const row = toRow(1, { result, retried: false, firstAttempt: null }, { plannedAt: 0, startedAt: 0, stalled: false });
    assert.equal(row.detail, result.detail);
  });

  test('binary bytes without an encoding are described too, in tools/list', async () => {
    // Not random: a random first or last byte is whitespace about 3 % of the time, and the JSON
    // reader trims it, which made this test count 4095 bytes now and then. High bytes only.
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 | ((i * 151 + 7) & 0x7f)));
    server.set({ method: 'tools/list', status: 200, headers: { 'content-type': 'application/json' }, body: noise });
    const result = await runProbe({ url: server.url, era: 'streamable', listTools: true }, settings);
    assert.deepEqual([result.status, result.code], ['degraded', 'INVALID_JSON']);
    assert.equal(result.detail, 'tools/list: the reply to tools/list is not valid JSON: 4096 bytes of binary data');
  });

  test('invalid UTF-8 inside an otherwise textual reply leaves a printable, well-formed detail', async () => {
    // A mostly textual body with a few stray bytes: quoted, the bytes made printable.
    const body = Buffer.concat([Buffer.from('{"oops": "'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from(`" ${'not json, '.repeat(20)}`)]);
    server.set({ method: 'initialize', status: 200, headers: { 'content-type': 'application/json' }, body });
    const result = await runProbe({ url: server.url, era: 'streamable' }, settings);
    assert.equal(result.code, 'INVALID_JSON');
    assert.ok(printable(result.detail), JSON.stringify(result.detail));
    assert.match(result.detail, /^the reply to initialize is not valid JSON: \{"oops": "/);
  });
});
