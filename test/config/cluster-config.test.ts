// cluster: how the quorum arbiter of several regions decides (PostgreSQL only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/parse.ts';
import type { ConfigResult } from '../../src/config/schema.ts';

const PG = 'database: { url: "postgres://mw@127.0.0.1/mw" }\n';

function errorsOf(result: ConfigResult): string[] {
  return result.ok ? [] : result.errors;
}

test('cluster keys parse on PostgreSQL; absent means the defaults (and no cluster key at all)', () => {
  const parsed = parseConfig(`${PG}cluster: { quorum: 2, arbiterIntervalMs: 2s, isolationMinEndpoints: 5 }\n`, {});
  assert.ok(parsed.ok, errorsOf(parsed).join('\n'));
  assert.deepEqual(parsed.config.cluster, { quorum: 2, arbiterIntervalMs: 2000, isolationMinEndpoints: 5 });
  assert.deepEqual(parsed.warnings, []);
  const partial = parseConfig(`${PG}cluster: { quorum: 3 }\n`, {});
  assert.ok(partial.ok);
  assert.deepEqual(partial.config.cluster, { quorum: 3, arbiterIntervalMs: 5000, isolationMinEndpoints: 3 });
  const none = parseConfig(PG, {});
  assert.ok(none.ok);
  assert.equal(none.config.cluster, undefined);
});

test('cluster errors name the field; with SQLite the section is a warning', () => {
  assert.match(errorsOf(parseConfig(`${PG}cluster: { quorum: 0 }\n`, {})).join('\n'), /^cluster\.quorum: /m);
  assert.match(errorsOf(parseConfig(`${PG}cluster: { quorom: 2 }\n`, {})).join('\n'), /cluster.*quorom.*quorum/s);
  const sqlite = parseConfig('cluster: { quorum: 2 }\n', {});
  assert.ok(sqlite.ok);
  assert.deepEqual(sqlite.warnings, ['cluster: regions and their quorum exist only on PostgreSQL (database.url); with SQLite there is one region']);
});
