// The CLI as a user meets it: help on every command, did-you-mean, usage on a bare `mcpwatch`,
// expected errors as one line with the path, and commands that judge only the config they read.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { COMMANDS, parseCommand } from '../../src/cli/commands.ts';
import { UsageError } from '../../src/cli/options.ts';
import { runMcpwatch } from '../fixtures/serve-process.ts';

describe('help from the command table', () => {
  for (const spec of COMMANDS) {
    test(`${spec.name} --help lists every option and an example`, () => {
      const command = parseCommand([...spec.name.split(' '), '--help'], {});
      assert.equal(command.command, 'help');
      if (command.command !== 'help') return;
      assert.equal(command.exitCode, 0);
      assert.match(command.text, new RegExp(`^Usage: mcpwatch ${spec.name}`));
      for (const option of Object.keys(spec.options)) assert.match(command.text, new RegExp(`^  --${option}\\b`, 'm'));
      assert.ok(spec.examples.length > 0 && spec.examples.every((e) => e.includes(`mcpwatch ${spec.name}`)), 'examples use the command');
      assert.match(command.text, new RegExp(`\\nExamples:\\n {2}[^\\n]*mcpwatch ${spec.name}`));
    });
  }

  test('help <command> is the same text as <command> --help; -h anywhere among the arguments too', () => {
    assert.deepEqual(parseCommand(['help', 'token', 'create'], {}), parseCommand(['token', 'create', '--help'], {}));
    assert.deepEqual(parseCommand(['help', 'check'], {}), parseCommand(['check', 'https://x.example/mcp', '-h'], {}));
  });

  const typos: [string[], RegExp][] = [
    [['sevre'], /^unknown command "sevre" \(did you mean serve\?\)$/],
    [['check', '--alow-private', 'https://x.example/mcp'], /^unknown option --alow-private for check \(did you mean --allow-private\?\)$/],
    [['serve', '--check-confg'], /did you mean --check-config\?/],
    [['serve', '--log-format', 'xml'], /^--log-format must be one of pretty, json, got "xml"$/],
    [['token', 'lsit'], /did you mean token list\?/],
    [['help', 'imprt'], /did you mean import\?/],
  ];
  for (const [argv, message] of typos) {
    test(`${argv.join(' ')} → ${message.source}`, () => {
      assert.throws(() => parseCommand(argv, {}), (err: unknown) => err instanceof UsageError && message.test(err.message));
    });
  }
});

describe('the CLI, as a process', () => {
  test('serve --help prints usage, options and examples on stdout, exit 0', async () => {
    const run = await runMcpwatch(['serve', '--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: mcpwatch serve \[options\]/);
    assert.match(run.stdout, /--log-format <format>/);
    assert.match(run.stdout, /Examples:\n {2}mcpwatch serve/);
    assert.equal(run.stderr, '');
  });

  test('bare mcpwatch prints the usage on stderr and exits 2', async () => {
    const run = await runMcpwatch([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: mcpwatch <command> \[options\]/);
    assert.match(run.stderr, /token create/);
    assert.equal(run.stdout, '');
  });

  test('a mistyped option gets a suggestion and the command whose help to read', async () => {
    const run = await runMcpwatch(['check', '--alow-private', 'http://127.0.0.1:1/mcp']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "mcpwatch: unknown option --alow-private for check (did you mean --allow-private?)\nRun 'mcpwatch check --help' for usage.\n");
  });

  test('backup to a place that cannot be written: one line with the path, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cli-backup-'));
    writeFileSync(join(dir, 'mcpwatch.yaml'), `dataDir: ${dir}/data\n`);
    writeFileSync(join(dir, 'file'), 'in the way');
    const run = await runMcpwatch(['backup', join(dir, 'file', 'copy.db')], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, `mcpwatch: cannot write the backup to ${join(dir, 'file', 'copy.db')}: a part of the path is a file, not a directory; choose a file in a directory this user may write\n`);
  });

  test('token create reads only the storage settings: no warnings about endpoints or alert channels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cli-scope-'));
    const config = join(dir, 'mcpwatch.yaml');
    writeFileSync(
      config,
      `dataDir: ${dir}/data
endpoints:
  - { name: weather, url: "https://weather.example.com/mcp?api_key=1", bearerToken: { env: UNSET_TOKEN } }
alerts:
  channels:
    - { name: hook, type: webhook, url: { env: UNSET_HOOK_URL } }
`,
    );
    const created = await runMcpwatch(['token', 'create', '--config', config], { cwd: dir });
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stderr, /warning/);
    // serve --check-config still judges everything.
    const checked = await runMcpwatch(['serve', '--check-config', '--config', config], { cwd: dir });
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stderr, /warning: endpoints\[0\]\.bearerToken: environment variable UNSET_TOKEN is not set/);
    assert.match(checked.stderr, /warning: alerts\.channels\[0\]/);
  });

  test('a typo in a top-level key is still refused by a command that reads only storage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cli-typo-'));
    const config = join(dir, 'mcpwatch.yaml');
    writeFileSync(config, `dataDri: ${dir}/data\n`);
    const run = await runMcpwatch(['token', 'list', '--config', config], { cwd: dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /dataDri: unknown key \(did you mean "dataDir"\?\)/);
  });
});
