// serve --check-config, zero-config serve, import and backup, as a user runs them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runMcpwatch } from '../fixtures/serve-process.ts';

const mcpwatch = runMcpwatch;

describe('commands around serve', () => {
  test('--check-config prints a summary without secrets and exits 0; a bad file exits 2 naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-cfg-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, `endpoints:\n  - name: Weather\n    url: https://weather.example.com/mcp\n    bearerToken: { env: WEATHER_TOKEN }\n`);
    const ok = await mcpwatch(['serve', '--config', good, '--check-config'], { env: { WEATHER_TOKEN: 'super-secret-value' } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /weather/);
    assert.match(ok.stdout, /configuration OK/);
    assert.doesNotMatch(ok.stdout + ok.stderr, /super-secret-value/);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `endpoints:\n  - name: Weather\n    url: https://weather.example.com/mcp\n    intreval: 30s\n`);
    const failed = await mcpwatch(['serve', '--config', bad, '--check-config']);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /endpoints\[0\]\.intreval: unknown key \(did you mean "interval"\?\)/);
    assert.equal(existsSync(join(dir, 'data')), false, 'nothing was created');
  });

  test('zero config: serve with no file runs with ./data and no endpoints, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-zero-'));
    const run = await mcpwatch(['serve'], { cwd: dir, env: { MCPWATCH_PORT: '0' }, stopWhenServing: { afterMs: 500 } });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.ok(existsSync(join(dir, 'data', 'mcpwatch.db')));
    const db = new Database(join(dir, 'data', 'mcpwatch.db'), { readonly: true });
    assert.equal((db.prepare('SELECT count(*) n FROM endpoints').get() as { n: number }).n, 0);
    db.close();
  });

  test('import server.json: adds remotes, pauses one that needs a secret, and is idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-import-'));
    const file = join(dir, 'server.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'io.github.example/weather',
        description: 'Weather',
        version: '1.2.0',
        remotes: [
          { type: 'streamable-http', url: 'https://weather.example.com/mcp' },
          { type: 'sse', url: 'https://weather.example.com/sse', headers: [{ name: 'X-API-Key', isRequired: true, isSecret: true }] },
        ],
      }),
    );
    const first = await mcpwatch(['import', file], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /added weather https:\/\/weather\.example\.com\/mcp \(active\)/);
    assert.match(first.stdout, /added weather-sse https:\/\/weather\.example\.com\/sse \(paused: .*X_API_KEY/);
    const again = await mcpwatch(['import', file], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /updated weather /);
    const db = new Database(join(dir, 'data', 'mcpwatch.db'), { readonly: true });
    assert.equal((db.prepare('SELECT count(*) n FROM endpoints').get() as { n: number }).n, 2);
    db.close();

    writeFileSync(join(dir, 'broken.json'), '{"name": ');
    const broken = await mcpwatch(['import', join(dir, 'broken.json')], { cwd: dir });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /not a usable server\.json/);
  });

  test('backup while serve runs gives a consistent copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-backup-'));
    writeFileSync(join(dir, 'mcpwatch.yaml'), `scheduler: { minIntervalS: 1 }\nprobe: { allowPrivate: true }\nendpoints:\n  - { name: refused, url: "http://127.0.0.1:1/mcp", interval: 1s, timeout: 500 }\n`);
    const serving = mcpwatch(['serve'], { cwd: dir, env: { MCPWATCH_PORT: '0' }, stopWhenServing: { afterMs: 5000 } });
    // Wait for the first stored round (start-up may be slow on a loaded machine), then copy.
    const dbPath = join(dir, 'data', 'mcpwatch.db');
    for (let i = 0; i < 100; i++) {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        const n = (db.prepare('SELECT count(*) n FROM probe_results').get() as { n: number }).n;
        db.close();
        if (n >= 1) break;
      } catch {
        // not created yet
      }
      await delay(200);
    }
    const backup = await mcpwatch(['backup', join(dir, 'copy', 'backup.db')], { cwd: dir });
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal((await serving).code, 0);
    const copy = new Database(join(dir, 'copy', 'backup.db'), { readonly: true });
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    assert.ok((copy.prepare('SELECT count(*) n FROM probe_results').get() as { n: number }).n >= 1);
    assert.equal((copy.prepare('SELECT count(*) n FROM incidents').get() as { n: number }).n, 1);
    copy.close();
  });
});
