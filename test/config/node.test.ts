// node: this process as a node of a cluster on one PostgreSQL. Defaults (name from the host, region
// `default`), the environment overrides, the liveness window check, and the SQLite warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConfig, parseConfig } from '../../src/config/parse.ts';
import type { ConfigResult } from '../../src/config/schema.ts';

const PG = { MCPWATCH_DATABASE_URL: 'postgres://mw@127.0.0.1/mw' };

function ok(result: ConfigResult) {
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result;
}

test('defaults: no name (host name + pid is filled in at start), region default, 2 s beats, 10 s live', () => {
  const { config, warnings } = ok(parseConfig(undefined, PG));
  assert.deepEqual(config.node, { name: null, region: 'default', heartbeatMs: 2000, liveForMs: 10_000 });
  assert.deepEqual(warnings, []);
  assert.match(describeConfig(config), /^node {8}\(host name \+ pid\) in region default, heartbeat every 2000 ms, live for 10000 ms$/m);
});

test('the file sets the node; MCPWATCH_NODE_NAME and MCPWATCH_NODE_REGION win over it', () => {
  const text = 'node:\n  name: a\n  region: eu\n  heartbeatMs: 500\n  liveForMs: 2s\n';
  assert.deepEqual(ok(parseConfig(text, PG)).config.node, { name: 'a', region: 'eu', heartbeatMs: 500, liveForMs: 2000 });
  const env = { ...PG, MCPWATCH_NODE_NAME: 'b', MCPWATCH_NODE_REGION: 'us' };
  const { config } = ok(parseConfig(text, env));
  assert.deepEqual(config.node, { name: 'b', region: 'us', heartbeatMs: 500, liveForMs: 2000 });
  assert.match(describeConfig(config), /^node {8}b in region us, heartbeat every 500 ms, live for 2000 ms$/m);
});

test('a liveness window under two heartbeats is refused (a healthy node would flap)', () => {
  const result = parseConfig('node:\n  heartbeatMs: 1000\n  liveForMs: 1500\n', PG);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.errors.join('\n'), /node\.liveForMs: must be at least twice node\.heartbeatMs \(1000 ms\), got 1500 ms/);
});

test('unknown keys and bad values under node: are named', () => {
  const result = parseConfig('node:\n  nmae: x\n  region: ""\n', PG);
  assert.equal(result.ok, false);
  const errors = result.ok ? '' : result.errors.join('\n');
  assert.match(errors, /node\.nmae/);
  assert.match(errors, /node\.region/);
});

test('with SQLite a node setting is warned about (one process, always the only node), and not described', () => {
  const { config, warnings } = ok(parseConfig('node:\n  region: eu\n', { MCPWATCH_NODE_NAME: 'n1' }));
  assert.equal(config.database.backend, 'sqlite');
  assert.deepEqual(warnings, ['MCPWATCH_NODE_NAME, node.region: nodes exist only on PostgreSQL (database.url); with SQLite this process is the only node']);
  assert.doesNotMatch(describeConfig(config), /^node /m);
});
