// What PostgreSQL cannot store (NUL anywhere, lone surrogates in jsonb) becomes U+FFFD; everything
// else, including text that merely looks like an escape, is left exactly as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonForPostgres, jsonTextForPostgres, textForPostgres } from '../../../src/store/postgres/safe-text.ts';

test('textForPostgres replaces NUL and nothing else', () => {
  assert.equal(textForPostgres('a\u0000b\u0000'), 'a\ufffdb\ufffd');
  assert.equal(textForPostgres('plain \\u0000 😀 \ud800'), 'plain \\u0000 😀 \ud800', 'a lone surrogate is valid in text (the driver encodes it)');
});

test('jsonForPostgres replaces NUL and lone surrogates, in values and keys, and keeps the rest', () => {
  const rows: Array<[unknown, unknown]> = [
    [{ a: 'x\u0000y' }, { a: 'x\ufffdy' }],
    [{ a: 'hi\ud800', b: '\udfff!' }, { a: 'hi\ufffd', b: '\ufffd!' }],
    [{ 'k\u0000': ['\u0000'] }, { 'k\ufffd': ['\ufffd'] }],
    [{ a: 'a backslash then u0000: \\u0000, and \\\\ud800' }, { a: 'a backslash then u0000: \\u0000, and \\\\ud800' }],
    [{ a: 'a pair 😀, a tab\t, a quote " and \u0001' }, { a: 'a pair 😀, a tab\t, a quote " and \u0001' }],
    [{ a: '\\\u0000' }, { a: '\\\ufffd' }],
  ];
  for (const [input, expected] of rows) assert.deepEqual(JSON.parse(jsonForPostgres(input)), expected, JSON.stringify(input));
});

test('jsonTextForPostgres cleans JSON text already written, keeping its key order', () => {
  const text = JSON.stringify({ b: 'x\u0000', '2': '\ud800', a: 'keep \\u0000 as text' });
  const cleaned = jsonTextForPostgres(text);
  assert.equal(cleaned, '{"2":"\\ufffd","b":"x\\ufffd","a":"keep \\\\u0000 as text"}');
  assert.deepEqual(JSON.parse(cleaned), { b: 'x\ufffd', '2': '\ufffd', a: 'keep \\u0000 as text' });
  assert.equal(jsonTextForPostgres('{"z":1,"a":2}'), '{"z":1,"a":2}');
});
