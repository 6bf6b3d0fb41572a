import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unexpectedFailure, unexpectedResult } from '../../src/domain/unexpected.ts';

describe('unexpectedFailure', () => {
  const cases = [
    { phase: 'tools_list', code: 'INVALID_JSONRPC', during: ' during tools list' },
    { phase: 'initialize', code: 'INVALID_JSONRPC', during: ' during initialize' },
    { phase: 'tls', code: 'TLS_HANDSHAKE_FAILED', during: ' during tls' },
    { phase: 'dns', code: 'DNS_SERVFAIL', during: ' during dns' },
    { phase: null, code: 'INVALID_JSONRPC', during: '' },
  ] as const;
  for (const c of cases) {
    test(`${c.phase ?? 'no step'} → ${c.code}`, () => {
      assert.deepEqual(unexpectedFailure(new RangeError('Maximum call stack size exceeded'), c.phase), {
        code: c.code,
        detail: `mcpwatch failed with an unexpected error${c.during} (RangeError: Maximum call stack size exceeded); this is a bug in mcpwatch, please report it with this line`,
      });
    });
  }
  test('a thrown non-error is described, not stringified', () => {
    assert.match(unexpectedFailure({ toString: () => { throw new Error('x'); } }, null).detail, /a non-error value was thrown/);
  });
});

describe('unexpectedResult', () => {
  test('is a down result with a code, for the given URL and start', () => {
    const r = unexpectedResult('https://mcp.example/mcp', new Date('2026-01-01T00:00:00Z'), new TypeError('x is not a function\n  at y'));
    assert.equal(r.status, 'down');
    assert.equal(r.code, 'INVALID_JSONRPC');
    assert.equal(r.startedAt, '2026-01-01T00:00:00.000Z');
    assert.match(r.detail, /^mcpwatch failed with an unexpected error \(TypeError: x is not a function at y\)/);
  });
});
