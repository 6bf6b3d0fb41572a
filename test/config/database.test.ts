// database: SQLite by default; PostgreSQL from database.url or MCPWATCH_DATABASE_URL. The URL may
// hold a password: no message, warning or summary ever shows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfig, parseConfig } from '../../src/config/parse.ts';
import type { ConfigResult } from '../../src/config/schema.ts';

const SECRET = 'pa55-w0rd';

function ok(result: ConfigResult) {
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result;
}

function errorsOf(result: ConfigResult): string[] {
  assert.equal(result.ok, false, 'expected the configuration to be refused');
  return result.ok ? [] : result.errors;
}

test('without a URL the SQLite file is used, at databasePath', () => {
  const result = ok(parseConfig('dataDir: /srv/mw\n', {}));
  assert.deepEqual(result.config.database, { backend: 'sqlite', path: '/srv/mw/mcpwatch.db' });
});

test('database.url selects PostgreSQL with the pool defaults', () => {
  const result = ok(parseConfig('database:\n  url: { env: PG_URL }\n', { PG_URL: `postgres://mw:${SECRET}@127.0.0.1:5432/mw` }));
  assert.deepEqual(result.config.database, { backend: 'postgres', url: `postgres://mw:${SECRET}@127.0.0.1:5432/mw`, poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
  assert.deepEqual(result.warnings, []);
});

test('MCPWATCH_DATABASE_URL wins over the file and needs no file at all', () => {
  const env = { MCPWATCH_DATABASE_URL: 'postgresql://mw@db.internal/mw?sslmode=require' };
  const fromEnv = ok(parseConfig(undefined, env));
  assert.equal(fromEnv.config.database.backend, 'postgres');
  const both = ok(parseConfig('database:\n  url: postgres://other@127.0.0.1/x\n  poolSize: 4\n', env));
  assert.deepEqual(both.config.database, { backend: 'postgres', url: 'postgresql://mw@db.internal/mw?sslmode=require', poolSize: 4, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
});

test('a password written in the file works but is warned about, and never shown', () => {
  const result = ok(parseConfig(`database:\n  url: postgres://mw:${SECRET}@127.0.0.1/mw\n`, {}));
  assert.match(result.warnings.join('\n'), /database\.url: a password written in the config file/);
  const summary = describeConfig(result.config);
  assert.match(summary, /PostgreSQL postgres:\/\/mw:\*\*\*@127\.0\.0\.1\/mw/);
  assert.ok(!summary.includes(SECRET), summary);
  assert.ok(!result.warnings.join('\n').includes(SECRET));
});

test('query parameters of the URL are named, not shown', () => {
  const result = ok(parseConfig(undefined, { MCPWATCH_DATABASE_URL: `postgres://127.0.0.1/mw?password=${SECRET}` }));
  const summary = describeConfig(result.config);
  assert.match(summary, /\?password=…/);
  assert.ok(!summary.includes(SECRET));
});

test('a URL that is not PostgreSQL is refused with a clear message that does not echo it', () => {
  const errors = errorsOf(parseConfig(`database:\n  url: mysql://mw:${SECRET}@127.0.0.1/mw\n`, {}));
  assert.match(errors.join('\n'), /database\.url: expected a postgres:\/\/ or postgresql:\/\/ URL, got a mysql: URL/);
  assert.ok(!errors.join('\n').includes(SECRET));
  const envErrors = errorsOf(parseConfig(undefined, { MCPWATCH_DATABASE_URL: `not a url ${SECRET}` }));
  assert.match(envErrors.join('\n'), /MCPWATCH_DATABASE_URL: expected a PostgreSQL URL/);
  assert.ok(!envErrors.join('\n').includes(SECRET));
});

test('an unset variable behind database.url is an error, not a silent fall back to SQLite', () => {
  assert.match(errorsOf(parseConfig('database:\n  url: { env: PG_URL }\n', {})).join('\n'), /database\.url: environment variable PG_URL is not set/);
});

test('pool settings without a URL are warned about; unknown keys are refused with a suggestion', () => {
  const result = ok(parseConfig('database:\n  poolSize: 5\n', {}));
  assert.match(result.warnings.join('\n'), /poolSize apply to PostgreSQL only/);
  assert.match(errorsOf(parseConfig('database:\n  urll: postgres://x/y\n', {})).join('\n'), /did you mean "url"/);
});
