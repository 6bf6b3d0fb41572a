// The accounts: section: durations with units, defaults, and the exact errors for bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parse.ts';
import { DEFAULT_ACCOUNTS } from '../../src/config/schema.ts';

function errorsOf(yaml: string): string[] {
  const parsed = parseConfig(yaml, {});
  return parsed.ok ? [] : parsed.errors;
}

test('accounts: absent means the defaults; written values with units are read', () => {
  const none = parseConfig('', {});
  assert.ok(none.ok);
  assert.equal(none.config.accounts, undefined);
  const some = parseConfig('accounts:\n  sessionIdleS: 30m\n  lockAfterFailures: 3\n', {});
  assert.ok(some.ok);
  assert.deepEqual(some.config.accounts, { ...DEFAULT_ACCOUNTS, sessionIdleS: 1800, lockAfterFailures: 3 });
});

test('accounts: bad values are named with the field', () => {
  assert.deepEqual(errorsOf('accounts:\n  sessionIdleS: 2d\n  sessionMaxS: 1d\n'), ['accounts.sessionMaxS: must be at least accounts.sessionIdleS (172800 s), got 86400 s']);
  assert.deepEqual(errorsOf('accounts:\n  lockAfterFailures: 0\n'), ['accounts.lockAfterFailures: must be at least 1, got 0']);
  assert.deepEqual(errorsOf('accounts:\n  sesionIdleS: 1h\n'), ['accounts.sesionIdleS: unknown key (did you mean "sessionIdleS"?)']);
});
