// `mcpwatch migrate-data` arguments and its progress line: pure parts, no database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/cli/args.ts';
import { parseCommand } from '../../src/cli/commands.ts';
import { copyProgressLine } from '../../src/cli/copy-progress.ts';

const URL_ = 'postgres://mcpwatch:secret@127.0.0.1:5432/mcpwatch';

describe('migrate-data arguments', () => {
  test('--from and --to, or MCPWATCH_DATABASE_URL when --to is absent', () => {
    assert.deepEqual(parseCommand(['migrate-data', '--from', 'a.db', '--to', URL_], {}), { command: 'migrate-data', from: 'a.db', to: URL_, quiet: false, verifyOnly: false, region: 'default' });
    assert.deepEqual(parseCommand(['migrate-data', '--from', 'a.db', '--quiet', '--verify-only'], { MCPWATCH_DATABASE_URL: URL_ }), {
      command: 'migrate-data',
      from: 'a.db',
      to: URL_,
      quiet: true,
      verifyOnly: true,
      region: 'default',
    });
    assert.equal((parseCommand(['migrate-data', '--from', 'a.db', '--to', URL_], { MCPWATCH_DATABASE_URL: 'postgres://other/db' }) as { to: string }).to, URL_, '--to wins');
  });

  test('--region, else MCPWATCH_NODE_REGION, names the region that continues from the copied states', () => {
    const region = (argv: string[], env: Record<string, string> = {}): string => (parseCommand(['migrate-data', '--from', 'a.db', '--to', URL_, ...argv], env) as { region: string }).region;
    assert.equal(region([]), 'default');
    assert.equal(region([], { MCPWATCH_NODE_REGION: 'us-east' }), 'us-east');
    assert.equal(region(['--region', ' eu-west '], { MCPWATCH_NODE_REGION: 'us-east' }), 'eu-west', '--region wins, trimmed as node.region is');
  });

  const refusals: ReadonlyArray<[string[], Record<string, string>, RegExp]> = [
    [['migrate-data', '--from', 'a.db', '--to', URL_, '--region', ' '], {}, /--region must be a region name of 1 to 100 characters/],
    [['migrate-data', '--from', 'a.db', '--to', URL_], { MCPWATCH_NODE_REGION: 'eu\u0007' }, /MCPWATCH_NODE_REGION must be a region name/],
    [['migrate-data', '--from', 'a.db', '--to', URL_, '--region', 'x'.repeat(101)], {}, /--region must be a region name/],
    [['migrate-data', '--to', URL_], {}, /needs --from/],
    [['migrate-data', '--from', 'a.db'], {}, /needs --to <postgres url> \(or MCPWATCH_DATABASE_URL\)/],
    [['migrate-data', '--from', 'a.db', '--to', 'mysql://root:secret@h/db'], {}, /--to must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [['migrate-data', 'a.db', URL_], {}, /takes no arguments \(use --from and --to\)/],
    [['migrate-data', '--form', 'a.db'], {}, /did you mean --from\?/],
  ];
  for (const [argv, env, expected] of refusals) {
    test(`${argv.join(' ')} → usage error`, () => {
      assert.throws(
        () => parseCommand(argv, env),
        (err: unknown) => err instanceof UsageError && expected.test(err.message) && !err.message.includes('secret') && err.command === 'migrate-data',
      );
    });
  }

  test('help lists it with examples, and migrate stays its own command', () => {
    const help = parseCommand(['migrate-data', '--help'], {});
    assert.equal(help.command, 'help');
    assert.match((help as { text: string }).text, /Usage: mcpwatch migrate-data \[options\][\s\S]*--verify-only[\s\S]*Examples:\n {2}mcpwatch migrate-data --from/);
    assert.equal(parseCommand(['migrate'], {}).command, 'migrate');
    assert.match((parseCommand(['help'], {}) as { text: string }).text, /migrate-data +Copy a SQLite database into PostgreSQL/);
  });
});

describe('migrate-data progress line', () => {
  test('off a terminal: one line a second at most, plus one when a table starts and one when it is finished', () => {
    let now = 0;
    const lines: string[] = [];
    const line = copyProgressLine({ write: (text) => lines.push(text) }, () => now);
    line.update({ table: 'probe_results', done: 5000, total: 20_000, rate: 40_000 });
    now = 400;
    line.update({ table: 'probe_results', done: 10_000, total: 20_000, rate: 40_000 });
    now = 1000;
    line.update({ table: 'probe_results', done: 15_000, total: 20_000, rate: 41_234.6 });
    now = 1100;
    line.update({ table: 'probe_results', done: 20_000, total: 20_000, rate: 41_000 });
    line.update({ table: 'rollups_hourly', done: 500, total: 1000, rate: 9000 });
    line.update({ table: 'rollups_hourly', done: 600, total: 1000, rate: 9000 });
    assert.deepEqual(lines, [
      'copying probe_results: 5,000 of 20,000 rows (25%), 40,000 rows/s\n',
      'copying probe_results: 15,000 of 20,000 rows (75%), 41,235 rows/s\n',
      'copying probe_results: 20,000 of 20,000 rows (100%), 41,000 rows/s\n',
      'copying rollups_hourly: 500 of 1,000 rows (50%), 9,000 rows/s\n',
    ]);
  });

  test('on a terminal: redrawn in place at most 4 times a second and erased at the end', () => {
    let now = 0;
    const out: string[] = [];
    const line = copyProgressLine({ write: (text) => out.push(text), isTTY: true }, () => now);
    line.update({ table: 'events', done: 1, total: 2, rate: 10 });
    now = 100;
    line.update({ table: 'events', done: 2, total: 2, rate: 10 });
    line.finish();
    assert.deepEqual(out, ['\r\u001b[Kcopying events: 1 of 2 rows (50%), 10 rows/s', '\r\u001b[K']);
  });
});
