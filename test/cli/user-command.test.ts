// `mcpwatch user …` through the real binary against a real SQLite file: create (password from
// stdin), list, reset-password, unlock, remove, the last-admin guard, --help, and the audit rows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { verifyPassword } from '../../src/accounts/password.ts';
import { UsageError } from '../../src/cli/args.ts';
import { parseCommand } from '../../src/cli/commands.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}


function mcpwatch(args: string[], cwd: string, stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...MCPWATCH, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function tempConfig(): { dir: string; config: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-user-'));
  const config = join(dir, 'mcpwatch.yaml');
  writeFileSync(config, `dataDir: ${join(dir, 'data')}\n`);
  return { dir, config, db: join(dir, 'data', 'mcpwatch.db') };
}

function rows<T>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}

describe('mcpwatch user', () => {
  test('create, list, reset-password, unlock, remove against a real SQLite file, each audited as cli', async () => {
    const { dir, config, db } = tempConfig();
    const admin = await mcpwatch(['user', 'create', '--admin', 'alice', '--password-stdin', '--config', config], dir, 'first password 1\n');
    assert.equal(admin.code, 0, admin.stderr);
    assert.equal(admin.stdout, 'created admin "alice"\n');
    // Not a terminal: the password is stdin's first line even without --password-stdin.
    const editor = await mcpwatch(['user', 'create', '--role', 'editor', 'bob', '--config', config], dir, 'bob password 11\nignored\n');
    assert.equal(editor.code, 0, editor.stderr);
    const short = await mcpwatch(['user', 'create', 'carol', '--config', config], dir, 'short\n');
    assert.equal(short.code, 1);
    assert.equal(short.stderr, 'mcpwatch: the password must be at least 10 characters\n');
    const taken = await mcpwatch(['user', 'create', 'alice', '--config', config], dir, 'another password\n');
    assert.equal(taken.stderr, 'mcpwatch: a user named "alice" already exists\n');

    const [bobRow] = rows<{ password_hash: string }>(db, "SELECT password_hash FROM users WHERE name = 'bob'");
    assert.equal(await verifyPassword('bob password 11', bobRow!.password_hash), true);

    const list = await mcpwatch(['user', 'list', '--config', config], dir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME +ROLE +2FA +STATE +CREATED\nalice +admin +off +active +\S+\nbob +editor +off +active +\S+\n$/);

    const d = new Database(db);
    d.prepare("UPDATE users SET locked_until = '2999-01-01T00:00:00.000Z' WHERE name = 'bob'").run();
    d.close();
    const unlock = await mcpwatch(['user', 'unlock', 'bob', '--config', config], dir);
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.deepEqual(rows(db, "SELECT locked_until FROM users WHERE name = 'bob'"), [{ locked_until: null }]);

    const reset = await mcpwatch(['user', 'reset-password', 'bob', '--password-stdin', '--config', config], dir, 'new bob password\n');
    assert.equal(reset.code, 0, reset.stderr);
    const [after] = rows<{ password_hash: string }>(db, "SELECT password_hash FROM users WHERE name = 'bob'");
    assert.equal(await verifyPassword('new bob password', after!.password_hash), true);

    const last = await mcpwatch(['user', 'remove', 'alice', '--config', config], dir);
    assert.equal(last.code, 1);
    assert.equal(last.stderr, 'mcpwatch: this is the last admin: make another user admin first\n');
    const removed = await mcpwatch(['user', 'remove', 'bob', '--config', config], dir);
    assert.equal(removed.code, 0, removed.stderr);
    const missing = await mcpwatch(['user', 'remove', 'bob', '--config', config], dir);
    assert.equal(missing.stderr, 'mcpwatch: no user named "bob" (see mcpwatch user list)\n');

    const audit = rows<{ actor: string; action: string; target: string }>(db, 'SELECT actor, action, target FROM audit_log ORDER BY id');
    assert.deepEqual(audit, [
      { actor: 'cli', action: 'user.create', target: 'user:alice' },
      { actor: 'cli', action: 'user.create', target: 'user:bob' },
      { actor: 'cli', action: 'user.unlock', target: 'user:bob' },
      { actor: 'cli', action: 'user.password', target: 'user:bob' },
      { actor: 'cli', action: 'user.remove', target: 'user:bob' },
    ]);
  });

  test('--help lists the subcommands and the roles; bad arguments are usage errors', async () => {
    const { dir } = tempConfig();
    const help = await mcpwatch(['user', '--help'], dir);
    assert.equal(help.code, 0);
    for (const sub of ['create', 'list', 'reset-password', 'remove', 'unlock']) assert.match(help.stdout, new RegExp(`user ${sub}`));
    const createHelp = await mcpwatch(['user', 'create', '--help'], dir);
    assert.match(createHelp.stdout, /admin \(everything, including users, API tokens and the audit log\)/);
    assert.throws(() => parseCommand(['user', 'create', '--role', 'root', 'x'], {}), (e: unknown) => e instanceof UsageError && /--role: the role must be one of admin, editor, viewer/.test(e.message));
    assert.throws(() => parseCommand(['user', 'create', '--admin', '--role', 'viewer', 'x'], {}), UsageError);
    assert.throws(() => parseCommand(['user', 'create'], {}), (e: unknown) => e instanceof UsageError && e.message === 'user create needs a user name');
    assert.deepEqual(parseCommand(['user', 'create', '--admin', 'root'], {}), { command: 'user', action: 'create', configPath: undefined, name: 'root', role: 'admin', passwordStdin: false });
  });
});
