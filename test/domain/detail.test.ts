import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { looksBinary, MAX_DETAIL_CHARS, sanitizeDetail, sanitizeText } from '../../src/domain/detail.ts';

describe('sanitizeText', () => {
  const cases: ReadonlyArray<{ name: string; text: string; max: number; expected: string }> = [
    { name: 'plain text unchanged', text: 'HTTP 503: server error', max: 50, expected: 'HTTP 503: server error' },
    { name: 'newlines and tabs become one space', text: 'a\r\n\tb', max: 50, expected: 'a b' },
    { name: 'ANSI escapes and NULs dropped', text: 'x\u001b[31mred\u0000y', max: 50, expected: 'x [31mred y' },
    { name: 'bidi overrides and zero-width characters dropped', text: 'a\u202eb\u200bc', max: 50, expected: 'a b c' },
    { name: 'line and paragraph separators', text: 'a\u2028b\u2029c', max: 50, expected: 'a b c' },
    { name: 'a lone surrogate is not kept', text: 'a\ud800b', max: 50, expected: 'a b' },
    { name: 'a surrogate pair (emoji) is kept', text: 'ok 🙂', max: 50, expected: 'ok 🙂' },
    { name: 'runs of replacement characters shrink to one', text: 'a\ufffd\ufffd\ufffdb', max: 50, expected: 'a\ufffdb' },
    { name: 'cut with an ellipsis', text: 'abcdefghij', max: 5, expected: 'abcd…' },
    { name: 'never cuts a surrogate pair in half', text: 'abc🙂def', max: 5, expected: 'abc…' },
  ];
  for (const c of cases) test(c.name, () => assert.equal(sanitizeText(c.text, c.max), c.expected));

  test('any string comes out printable, well formed and within the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 800 }), (text) => {
        const out = sanitizeDetail(text);
        assert.ok(out.length <= MAX_DETAIL_CHARS);
        assert.doesNotMatch(out, /[\p{C}\u2028\u2029]/u);
        // Well-formed UTF-16 survives a UTF-8 round trip unchanged.
        assert.equal(Buffer.from(out, 'utf8').toString('utf8'), out);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('looksBinary', () => {
  test('gzip bomb detail bytes: compressed bytes read as binary', () => {
    assert.equal(looksBinary(gzipSync(Buffer.alloc(1 << 20)).toString('utf8')), true);
  });
  test('counts as the \\p{Cc} definition does, code point by code point', () => {
    const reference = (text: string): boolean => {
      let odd = 0;
      let total = 0;
      for (const ch of text.slice(0, 512)) {
        total += 1;
        if (ch === '\n' || ch === '\r' || ch === '\t') continue;
        if (ch === '\uFFFD' || /\p{Cc}/u.test(ch)) odd += 1;
      }
      return odd > total / 20;
    };
    const char = fc.oneof(fc.integer({ min: 0, max: 0xa0 }).map((c) => String.fromCharCode(c)), fc.constantFrom('\uFFFD', '\uD83D', '\uDE42', '🙂'), fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 700 }), (chars) => {
        const text = chars.join('');
        assert.equal(looksBinary(text), reference(text));
      }),
      { numRuns: 2000 },
    );
  });
  test('text, JSON and an HTML page do not', () => {
    for (const text of ['{"jsonrpc":"2.0"}', '<html>\n<body>Bad gateway</body></html>', 'Grüße, 世界 🙂', '']) assert.equal(looksBinary(text), false, text);
  });
});
