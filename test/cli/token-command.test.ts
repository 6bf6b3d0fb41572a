// `mcpwatch token create|list|revoke` through the real binary, over a temporary data directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { UsageError } from '../../src/cli/args.ts';
import { parseCommand } from '../../src/cli/commands.ts';
import { hashToken } from '../../src/http/api/tokens.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}


function mcpwatch(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MCPWATCH, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function tempConfig(): { dir: string; config: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-token-'));
  const config = join(dir, 'mcpwatch.yaml');
  writeFileSync(config, `dataDir: ${join(dir, 'data')}\n`);
  return { dir, config, db: join(dir, 'data', 'mcpwatch.db') };
}

describe('mcpwatch token', () => {
  test('create prints the token once, stores only its hash; list shows it without the token; revoke removes it', async () => {
    const { dir, config, db } = tempConfig();

    const created = await mcpwatch(['token', 'create', '--read-only', '--name', 'CI bot', '--config', config], dir);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^mcpw_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.stdout, `${token}\n`, 'stdout holds the token alone');
    assert.match(created.stderr, /created read-only token 1 "CI bot"; it is shown only this once/);

    const second = await mcpwatch(['token', 'create', '--config', config], dir);
    assert.equal(second.code, 0, second.stderr);
    const other = second.stdout.trim();
    assert.notEqual(other, token);
    assert.match(second.stderr, /read-write token 2 "unnamed"/);

    const raw = new Database(db, { readonly: true });
    const rows = raw.prepare('SELECT id, name, hash, read_only FROM api_tokens ORDER BY id').all();
    raw.close();
    assert.deepEqual(rows, [
      { id: 1, name: 'CI bot', hash: hashToken(token), read_only: 1 },
      { id: 2, name: 'unnamed', hash: hashToken(other), read_only: 0 },
    ]);

    // The printed token is the one the API will accept.
    const store = openSqliteStore(db);
    assert.equal((await store.findTokenByHash(hashToken(token)))?.readOnly, true);
    store.close();

    const list = await mcpwatch(['token', 'list', '--config', config], dir);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+NAME\s+ACCESS\s+CREATED\s+LAST USED$/);
    assert.match(lines[1] ?? '', /^1\s+CI bot\s+read-only\s+\d{4}-\d{2}-\d{2}T\S+\s+never$/);
    assert.match(lines[2] ?? '', /^2\s+unnamed\s+read-write\s+/);
    for (const secret of [token, other, hashToken(token), hashToken(other)]) assert.ok(!list.stdout.includes(secret) && !list.stderr.includes(secret));

    const revoked = await mcpwatch(['token', 'revoke', '1', '--config', config], dir);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, 'revoked token 1\n');
    const again = await mcpwatch(['token', 'revoke', '1', '--config', config], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no API token with id 1/);

    const after = await mcpwatch(['token', 'list', '--config', config], dir);
    assert.doesNotMatch(after.stdout, /CI bot/);
    assert.match(after.stdout, /^2\s+unnamed/m);

    // Each change is in the audit log, made by "cli"; the token itself is not.
    const audit = new Database(db, { readonly: true });
    const entries = audit.prepare('SELECT actor, action, target, detail FROM audit_log ORDER BY id').all() as Array<{ actor: string; action: string; target: string; detail: string }>;
    audit.close();
    assert.deepEqual(
      entries.map((e) => [e.actor, e.action, e.target, JSON.parse(e.detail) as unknown]),
      [
        ['cli', 'token.create', 'token:1', { name: 'CI bot', role: 'viewer', ownerUserId: null }],
        ['cli', 'token.create', 'token:2', { name: 'unnamed', role: 'admin', ownerUserId: null }],
        ['cli', 'token.revoke', 'token:1', { name: 'CI bot', role: 'viewer' }],
      ],
    );
    assert.ok(!JSON.stringify(entries).includes(token) && !JSON.stringify(entries).includes(hashToken(token)));
  });

  test('a token pasted where an id belongs is refused without being echoed', async () => {
    const { dir, config } = tempConfig();
    const pasted = 'mcpw_' + 'Z'.repeat(43);
    const run = await mcpwatch(['token', 'revoke', pasted, '--config', config], dir);
    assert.equal(run.code, 2);
    assert.ok(!run.stderr.includes(pasted), run.stderr);
    assert.match(run.stderr, /numeric id/);
  });
});

describe('token argument parsing', () => {
  const env = {};
  test('create, list and revoke', () => {
    assert.deepEqual(parseCommand(['token', 'create'], env), { command: 'token', action: 'create', configPath: undefined, name: 'unnamed', readOnly: false });
    assert.deepEqual(parseCommand(['token', 'create', '--read-only', '--name', ' ci ', '--config', 'x.yaml'], env), {
      command: 'token',
      action: 'create',
      configPath: 'x.yaml',
      name: 'ci',
      readOnly: true,
    });
    assert.deepEqual(parseCommand(['token', 'list'], env), { command: 'token', action: 'list', configPath: undefined });
    assert.deepEqual(parseCommand(['token', 'revoke', '7'], env), { command: 'token', action: 'revoke', configPath: undefined, id: 7 });
  });

  const bad: [string[], RegExp][] = [
    [['token'], /^token needs a subcommand: create, list, revoke$/],
    [['token', 'rotate'], /^unknown token subcommand "rotate" \(expected create, list, revoke\)$/],
    [['token', 'craete'], /did you mean token create\?/],
    [['token', 'create', 'extra'], /takes no arguments/],
    [['token', 'create', '--name', ''], /must not be empty/],
    [['token', 'create', '--bogus'], /^unknown option --bogus for token create/],
    [['token', 'create', '--read-olny'], /did you mean --read-only\?/],
    [['token', 'revoke'], /needs the id/],
    [['token', 'revoke', '0'], /numeric id/],
    [['token', 'revoke', 'abc'], /numeric id/],
    [['token', 'list', 'x'], /takes no arguments/],
  ];
  for (const [argv, message] of bad) {
    test(`${argv.join(' ')} → usage error`, () => {
      assert.throws(() => parseCommand(argv, env), (error: unknown) => error instanceof UsageError && message.test(error.message));
    });
  }
});
