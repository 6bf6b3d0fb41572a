import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { daysLeft, isUntrustedChainError, validityAt, type Validity } from '../../src/domain/certificate.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T21:09:31.000Z');
const at = (offsetMs: number): Date => new Date(NOW.getTime() + offsetMs);

describe('daysLeft', () => {
  const cases: readonly { name: string; notAfter: Date; expected: number }[] = [
    { name: 'exactly 1 day → 1', notAfter: at(DAY), expected: 1 },
    { name: '1 day minus 1 ms → 0', notAfter: at(DAY - 1), expected: 0 },
    { name: 'expires now → 0', notAfter: NOW, expected: 0 },
    { name: 'expired 1 ms ago → -1', notAfter: at(-1), expected: -1 },
    { name: 'expired exactly yesterday → -1', notAfter: at(-DAY), expected: -1 },
    { name: 'expired 1 day and 1 ms ago → -2', notAfter: at(-DAY - 1), expected: -2 },
    { name: '90 days → 90', notAfter: at(90 * DAY), expected: 90 },
    { name: '14 days minus 1 ms → 13', notAfter: at(14 * DAY - 1), expected: 13 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(daysLeft(c.notAfter, NOW), c.expected);
    });
  }
});

describe('validityAt', () => {
  const cases: readonly { name: string; notBefore: Date; notAfter: Date; expected: Validity }[] = [
    { name: 'inside the window', notBefore: at(-DAY), notAfter: at(DAY), expected: 'valid' },
    { name: 'at notAfter exactly → valid', notBefore: at(-DAY), notAfter: NOW, expected: 'valid' },
    { name: '1 ms past notAfter → expired', notBefore: at(-DAY), notAfter: at(-1), expected: 'expired' },
    { name: 'at notBefore exactly → valid', notBefore: NOW, notAfter: at(DAY), expected: 'valid' },
    { name: '1 ms before notBefore → not_yet_valid', notBefore: at(1), notAfter: at(DAY), expected: 'not_yet_valid' },
    { name: 'inverted window, now past both → expired', notBefore: at(DAY), notAfter: at(-DAY), expected: 'expired' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(validityAt(c.notBefore, c.notAfter, NOW), c.expected);
    });
  }
});

describe('isUntrustedChainError', () => {
  const cases: readonly [code: string, untrusted: boolean][] = [
    ['DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['SELF_SIGNED_CERT_IN_CHAIN', true],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', true],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', true],
    ['CERT_UNTRUSTED', true],
    ['CERT_REVOKED', true],
    ['INVALID_CA', true],
    // Expiry and host name have their own codes.
    ['CERT_HAS_EXPIRED', false],
    ['CERT_NOT_YET_VALID', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', false],
    ['ECONNRESET', false],
    ['depth_zero_self_signed_cert', false],
    ['', false],
  ];
  for (const [code, untrusted] of cases) {
    test(`${code || '(empty)'} → ${untrusted}`, () => {
      assert.equal(isUntrustedChainError(code), untrusted);
    });
  }
});
