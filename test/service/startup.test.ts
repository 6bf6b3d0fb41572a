// `serve` that cannot start must end, at once, with one line saying what and where, and a non-zero
// status: under systemd or Docker a process that lingers after failing looks healthy. And one
// database has one serve: a second refuses and names the first; a killed holder's lock is free.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { runMcpwatch, servingPort, startServe, until, writeConfig, type Run } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * The failure contract: exited (not killed at the deadline), the status, one `mcpwatch:` line on
 * stderr matching `line`, no stack trace, and no lingering after it was written. The exit bound
 * is wide (the requirement is one second) so a loaded runner cannot miss it; a process kept alive
 * by a timer misses it by minutes.
 */
function assertFailedCleanly(run: Run, code: number, line: RegExp): void {
  const all = `${run.stderr}\n--- stdout ---\n${run.stdout}`;
  assert.equal(run.timedOut, false, `still running at the deadline:\n${all}`);
  assert.equal(run.code, code, all);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('mcpwatch: ') && !l.startsWith('mcpwatch: warning:'));
  assert.equal(lines.length, 1, all);
  assert.match(lines[0]!, line);
  assert.doesNotMatch(all, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(all, /SqliteError|TypeError/);
  assert.ok(run.lingerMs < 10_000, `exited ${Math.round(run.lingerMs)} ms after its last line`);
}

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `mcpwatch-${name}-`));
}

describe('serve start-up failures', () => {
  test('port in use: exits 1 naming the address and the setting to change', async () => {
    const dir = tempDir('port');
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { host: 127.0.0.1, port: ${port} }\n`);
      const run = await runMcpwatch(['serve', '--config', config], { deadlineMs: 30_000 });
      assertFailedCleanly(run, 1, new RegExp(`^mcpwatch: cannot listen on http://127\\.0\\.0\\.1:${port}: the port is already in use .*MCPWATCH_PORT$`));
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  test('a data directory that cannot be created: exits 1 naming it', async () => {
    const dir = tempDir('datadir');
    // A file where a directory should be fails for root too (permissions would not).
    writeFileSync(join(dir, 'file'), 'not a directory');
    const config = writeConfig(dir, `dataDir: ${dir}/file/data\nlisten: { port: 0 }\n`);
    const run = await runMcpwatch(['serve', '--config', config]);
    assertFailedCleanly(run, 1, new RegExp(`^mcpwatch: cannot create the data directory ${dir}/file/data: a part of the path is a file, not a directory; set dataDir`));
  });

  test('a data directory on a file system that refuses it (/proc) fails instead of hanging', async () => {
    // Node's recursive mkdirSync spins forever on this one; serve used to hang at 100 % CPU.
    const dir = tempDir('proc');
    const config = writeConfig(dir, `dataDir: /proc/mcpwatch-test/data\nlisten: { port: 0 }\n`);
    const run = await runMcpwatch(['serve', '--config', config]);
    assertFailedCleanly(run, 1, /^mcpwatch: cannot create the data directory \/proc\/mcpwatch-test\/data: no such file or directory; set dataDir/);
  });

  test('a file that is not an SQLite database: exits 1 naming it', async () => {
    const dir = tempDir('notadb');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'mcpwatch.db'), 'x'.repeat(4096));
    const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { port: 0 }\n`);
    const run = await runMcpwatch(['serve', '--config', config]);
    assertFailedCleanly(run, 1, new RegExp(`^mcpwatch: cannot open the database ${dir}/data/mcpwatch\\.db: the file is not an SQLite database`));
  });

  test('a database from a newer mcpwatch: exits 1 saying so', async () => {
    const dir = tempDir('newer');
    const db = join(dir, 'data', 'mcpwatch.db');
    mkdirSync(join(dir, 'data'));
    openSqliteStore(db).close();
    const raw = new Database(db);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, ?, ?)').run('from_the_future', new Date().toISOString());
    raw.close();
    const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { port: 0 }\n`);
    const run = await runMcpwatch(['serve', '--config', config]);
    assertFailedCleanly(run, 1, new RegExp(`^mcpwatch: database ${dir}/data/mcpwatch\\.db: the database is at schema version 9999 .*; run the newer mcpwatch`));
  });

  test('bad configuration: exits 2 naming the file and the field', async () => {
    const dir = tempDir('badcfg');
    const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { port: 80a }\n`);
    const run = await runMcpwatch(['serve', '--config', config]);
    assert.equal(run.timedOut, false);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^mcpwatch: invalid configuration in ${config}:\\n  - listen\\.port: `));
    assert.doesNotMatch(run.stderr, /^\s+at /m);
  });
});

describe('one serve per database', () => {
  test('a second serve refuses naming the first; after kill -9 of the first, a restart takes over', async () => {
    const dir = tempDir('lock');
    const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { port: 0 }\n`);
    const first = startServe(config);
    children.push(first.child);
    await until('the first serve to listen', () => servingPort(first), 30_000, first);

    const second = await runMcpwatch(['serve', '--config', config], { env: { MCPWATCH_PORT: '0' } });
    assertFailedCleanly(
      second,
      1,
      new RegExp(`^mcpwatch: cannot start: the database is already in use by pid ${first.child.pid} on host ${hostname()} \\(mcpwatch [^)]+\\), running since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; lock ${dir}/data/mcpwatch\\.db\\.lock; stop that serve first`),
    );
    // The loser touched nothing: the first still serves.
    assert.equal(first.child.exitCode, null, first.output());

    first.child.kill('SIGKILL');
    await first.exited;
    const restarted = startServe(config);
    children.push(restarted.child);
    await until('the restarted serve to listen', () => servingPort(restarted), 30_000, restarted);
    restarted.child.kill('SIGTERM');
    assert.equal((await restarted.exited).code, 0, restarted.output());
  });
});
