import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_CODES, type FailureCode, type Status } from '../../src/domain/failure-codes.ts';
import type { Warning } from '../../src/domain/probe-result.ts';
import { certificateWarning, isProtocolMismatch, slowWarning, statusForFailure } from '../../src/domain/status.ts';

describe('certificateWarning', () => {
  const cases: readonly { name: string; daysLeft: number; threshold: number; expected: Warning | undefined }[] = [
    { name: 'daysLeft == threshold → no warning', daysLeft: 14, threshold: 14, expected: undefined },
    { name: 'threshold - 1 → warning', daysLeft: 13, threshold: 14, expected: { code: 'TLS_CERT_EXPIRING', detail: 'certificate expires in 13 days (threshold 14)' } },
    { name: '1 day → singular', daysLeft: 1, threshold: 14, expected: { code: 'TLS_CERT_EXPIRING', detail: 'certificate expires in 1 day (threshold 14)' } },
    { name: '0 days (expires today) → warning', daysLeft: 0, threshold: 14, expected: { code: 'TLS_CERT_EXPIRING', detail: 'certificate expires in 0 days (threshold 14)' } },
    { name: 'negative (expired is a failure, not a warning) → none', daysLeft: -1, threshold: 14, expected: undefined },
    { name: 'well above threshold → none', daysLeft: 90, threshold: 14, expected: undefined },
    { name: 'threshold 0 disables the warning', daysLeft: 0, threshold: 0, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(certificateWarning(c.daysLeft, c.threshold), c.expected);
    });
  }
});

describe('slowWarning', () => {
  const cases: readonly { name: string; durationMs: number; slowMs: number; expected: Warning | undefined }[] = [
    { name: 'equal to the threshold → none', durationMs: 3000, slowMs: 3000, expected: undefined },
    { name: 'just over → warning, rounded', durationMs: 3000.4, slowMs: 3000, expected: { code: 'SLOW', detail: 'probe took 3000 ms (threshold 3000 ms)' } },
    { name: 'well over → warning', durationMs: 4567.8, slowMs: 3000, expected: { code: 'SLOW', detail: 'probe took 4568 ms (threshold 3000 ms)' } },
    { name: 'under → none', durationMs: 12, slowMs: 3000, expected: undefined },
    { name: 'slowMs 0 disables', durationMs: 99_999, slowMs: 0, expected: undefined },
    { name: 'negative slowMs disables', durationMs: 99_999, slowMs: -1, expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(slowWarning(c.durationMs, c.slowMs), c.expected);
    });
  }
});

describe('statusForFailure', () => {
  for (const code of FAILURE_CODES) {
    const expected: Status = code === 'AUTH_REQUIRED' ? 'auth_required' : 'down';
    test(`${code} → ${expected}`, () => {
      assert.equal(statusForFailure(code), expected);
    });
  }
});

describe('isProtocolMismatch', () => {
  const mismatches: readonly FailureCode[] = [
    'HTTP_4XX',
    'HTTP_NOT_FOUND',
    'NOT_MCP',
    'UNEXPECTED_CONTENT_TYPE',
    'INVALID_JSON',
    'INVALID_JSONRPC',
    'INIT_RESULT_INVALID',
    'JSONRPC_ERROR',
    'PROTOCOL_VERSION_UNSUPPORTED',
    'SSE_ENDPOINT_MISSING',
    'SSE_NO_RESPONSE',
  ];
  // Every code is a row: a network, TLS, auth or time failure must not trigger re-detection.
  for (const code of FAILURE_CODES) {
    const expected = mismatches.includes(code);
    test(`${code} → ${expected}`, () => {
      assert.equal(isProtocolMismatch(code), expected);
    });
  }
});
