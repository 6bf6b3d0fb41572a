// TOTP against RFC 6238's own test vectors (Appendix B, SHA-1, truncated to 6 digits), the ±1 step
// window, the replay guard, and base32 round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, base32Encode, generateTotpSecret, otpauthUri, totpCode, verifyTotp } from '../../src/accounts/totp.ts';

// RFC 6238's SHA-1 seed is the ASCII "12345678901234567890".
const SEED = base32Encode(Buffer.from('12345678901234567890'));

test('RFC 6238 Appendix B vectors (SHA-1), last 6 digits', () => {
  const vectors: Array<[number, string]> = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, eight] of vectors) assert.equal(totpCode(SEED, seconds * 1000), eight.slice(-6), `T = ${seconds}`);
});

test('a code is accepted one step either side, not two; a used step is refused', () => {
  const now = 1_700_000_000_000;
  const code = totpCode(SEED, now);
  const step = Math.floor(now / 30_000);
  assert.equal(verifyTotp(SEED, code, now), step);
  assert.equal(verifyTotp(SEED, code, now + 30_000), step);
  assert.equal(verifyTotp(SEED, code, now - 30_000), step);
  assert.equal(verifyTotp(SEED, code, now + 60_000), undefined);
  assert.equal(verifyTotp(SEED, code, now, step), undefined, 'replay of the step last used');
  assert.equal(verifyTotp(SEED, 'abcdef', now), undefined);
  assert.equal(verifyTotp(SEED, '', now), undefined);
  assert.equal(verifyTotp('not base32!', code, now), undefined);
  assert.equal(verifyTotp(SEED, `${code.slice(0, 3)} ${code.slice(3)}`, now), step, 'spaces as apps show them');
});

test('base32 round-trips; secrets are 160 bits; the otpauth URI escapes the account', () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from([0]), Buffer.from('foobar'), Buffer.from([255, 1, 2, 3, 4, 5, 6])]) assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
  const secret = generateTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(otpauthUri('mcpwatch', 'a b/<c>', 'ABC'), 'otpauth://totp/mcpwatch:a%20b%2F%3Cc%3E?secret=ABC&issuer=mcpwatch&algorithm=SHA1&digits=6&period=30');
});
