// The logo's magic-byte judgement and its safe file name (src/domain/status-pages.ts), row by row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STATUS_PAGE_LIMITS, safeLogoFileName, sniffImage } from '../../src/domain/status-pages.ts';

const bytes = (...parts: Array<string | number[]>): Uint8Array => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const SVG_REFUSED = { ok: false, message: 'SVG logos are refused: an SVG can carry scripts; upload a PNG, JPEG, WebP or GIF' };
const NOT_IMAGE = { ok: false, message: 'the logo is not a PNG, JPEG, WebP or GIF image (judged by its first bytes, not by its Content-Type)' };

test('sniffImage judges by the first bytes', () => {
  const rows: Array<[string, Uint8Array, unknown]> = [
    ['png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'rest'), { ok: true, type: 'image/png' }],
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'), { ok: true, type: 'image/jpeg' }],
    ['gif87a', bytes('GIF87a...'), { ok: true, type: 'image/gif' }],
    ['gif89a', bytes('GIF89a...'), { ok: true, type: 'image/gif' }],
    ['webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), { ok: true, type: 'image/webp' }],
    ['riff that is not webp (wav)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '), NOT_IMAGE],
    ['png signature cut short', bytes([0x89, 0x50, 0x4e, 0x47]), NOT_IMAGE],
    ['svg', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'), SVG_REFUSED],
    ['svg with xml prolog', bytes('<?xml version="1.0"?><svg/>'), SVG_REFUSED],
    ['svg with BOM and blank lines', bytes([0xef, 0xbb, 0xbf], '\n\n  <SVG onload="x">'), SVG_REFUSED],
    ['svg after a comment', bytes('<!-- hi --><svg>'), SVG_REFUSED],
    ['html', bytes('<html><script>alert(1)</script>'), NOT_IMAGE],
    ['empty', bytes(), { ok: false, message: 'the logo is empty' }],
    ['too large', new Uint8Array(STATUS_PAGE_LIMITS.logoBytes + 1).fill(0x89), { ok: false, message: 'the logo is 262145 bytes; the limit is 262144 bytes (256 KiB)' }],
  ];
  for (const [name, input, expected] of rows) assert.deepEqual(sniffImage(input), expected, name);
});

test('safeLogoFileName keeps a harmless stem and always the sniffed extension', () => {
  const rows: Array<[string | null, string]> = [
    ['acme.png', 'acme.png'],
    ['acme.svg', 'acme.png'],
    ['evil".png\r\nX: 1', 'evil_.png__X__1.png'],
    ['../../etc/passwd', 'etc_passwd.png'],
    ['логотип.png', 'logo.png'],
    ['.hidden', 'hidden.png'],
    ['.png', 'logo.png'],
    [null, 'logo.png'],
    ['x'.repeat(500), `${'x'.repeat(STATUS_PAGE_LIMITS.logoFileName - 4)}.png`],
  ];
  for (const [claimed, expected] of rows) assert.equal(safeLogoFileName(claimed, 'image/png'), expected, String(claimed));
  assert.equal(safeLogoFileName('a b.png', 'image/jpeg'), 'a_b.jpg');
});
