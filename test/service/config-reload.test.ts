// The file watcher and the reload decision on a real file system: editors' save patterns, a file
// that goes missing, a broken or empty file, sections that need a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { reloadConfig, sectionsNeedingRestart, type ConfigReloadDeps } from '../../src/service/config-reload.ts';
import { watchFile } from '../../src/service/file-watch.ts';
import type { ConfigSyncReport } from '../../src/store/store.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-reload-'));
  dirs.push(dir);
  return dir;
}

async function until(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!fn()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** A watched file in a fresh directory, and how many changes were reported so far. */
function watched(content: string, debounceMs: number): { dir: string; path: string; changes: () => number; check: () => void; stop: () => void } {
  const dir = tempDir();
  const path = join(dir, 'mcpwatch.yaml');
  writeFileSync(path, content);
  let changes = 0;
  const watch = watchFile(path, { debounceMs, pollMs: 0, onChange: () => changes++ });
  return { dir, path, changes: () => changes, check: () => watch.check(), stop: () => watch.stop() };
}

describe('watchFile', () => {
  test('a save by rename (write elsewhere, rename over, a neighbour touched) is one change; the same content again is none', async () => {
    const { dir, path, changes, stop } = watched('endpoints: []\n', 100);
    try {
      writeFileSync(`${path}.swp`, 'endpoints: []\n# edited\n');
      renameSync(`${path}.swp`, path);
      writeFileSync(join(dir, 'unrelated.txt'), 'x');
      await until('the change', () => changes() > 0);
      await delay(400);
      assert.equal(changes(), 1);
      writeFileSync(path, 'endpoints: []\n# edited\n');
      await delay(400);
      assert.equal(changes(), 1, 'identical content is not a change');
    } finally {
      stop();
    }
  });

  test('a file that goes missing and comes back is seen both times, and the watch survives', async () => {
    const { path, changes, stop } = watched('endpoints: []\n', 100);
    try {
      unlinkSync(path);
      await until('the removal', () => changes() === 1);
      writeFileSync(path, 'endpoints: []\n# back\n');
      await until('the return', () => changes() === 2);
    } finally {
      stop();
    }
  });

  test('check() compares at once (what the fallback poll does); nothing fires after stop()', async () => {
    const { path, changes, check, stop } = watched('a: 1\n', 60_000);
    writeFileSync(path, 'a: 2\n');
    check();
    assert.equal(changes(), 1);
    stop();
    writeFileSync(path, 'a: 3\n');
    check();
    await delay(200);
    assert.equal(changes(), 1);
  });
});

const EMPTY_REPORT: ConfigSyncReport = { endpoints: [], added: [], updated: [], restored: [], archived: [], conflicts: [] };

function setup(text: string): { deps: ConfigReloadDeps; applied: Config[]; logs: string[]; path: string } {
  const dir = tempDir();
  const path = join(dir, 'mcpwatch.yaml');
  writeFileSync(path, 'endpoints:\n  - { name: a, url: "https://a.example.com/mcp" }\n');
  const running = loadConfig(path, {});
  if (!running.ok) throw new Error(running.errors.join('\n'));
  writeFileSync(path, text);
  const applied: Config[] = [];
  const logs: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const deps: ConfigReloadDeps = {
    path,
    running: running.config,
    load: (p) => loadConfig(p, {}),
    apply: async (config) => {
      applied.push(config);
      return Promise.resolve(EMPTY_REPORT);
    },
    log,
  };
  return { deps, applied, logs, path };
}

describe('reloadConfig', () => {
  test('a valid file applies its endpoints and names the sections that need a restart', async () => {
    const { deps, applied, logs } = setup('probe: { timeoutMs: 5000 }\nendpoints:\n  - { name: b, url: "https://b.example.com/mcp" }\n');
    const outcome = await reloadConfig(deps, 'SIGHUP');
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.needRestart, ['probe']);
    assert.deepEqual(applied.map((c) => c.endpoints.map((e) => e.slug)), [['b']]);
    assert.ok(logs.some((l) => l.includes('changes to probe need a restart')));
    assert.ok(logs.some((l) => l.includes('"trigger":"SIGHUP"') && l.includes('configuration reloaded')));
  });

  const refusals: Array<[string, string | null, RegExp]> = [
    ['an invalid file', 'endpoints:\n  - { name: b, url: "ftp://b.example.com" }\n', /is invalid:\n {2}- endpoints\[0\]\.url/],
    ['an empty file (an editor mid-save)', ' \n', /is empty \(write "endpoints: \[\]" to remove every endpoint\)/],
    ['a missing file', null, /is missing \(waiting for it to come back\)/],
  ];
  for (const [name, text, reason] of refusals) {
    test(`${name} keeps the running configuration and says why`, async () => {
      const { deps, applied, logs, path } = setup(text ?? '');
      if (text === null) unlinkSync(path);
      const outcome = await reloadConfig(deps, 'file changed');
      assert.equal(outcome.ok, false);
      if (!outcome.ok) assert.match(outcome.reason, reason);
      assert.equal(applied.length, 0);
      assert.ok(logs.some((l) => l.includes('configuration not reloaded, the running one stays in force')));
    });
  }

  test('sectionsNeedingRestart ignores endpoints', () => {
    const { deps } = setup('');
    const next = { ...deps.running, endpoints: [] };
    assert.deepEqual(sectionsNeedingRestart(deps.running, next), []);
    assert.deepEqual(sectionsNeedingRestart(deps.running, { ...next, listen: { ...deps.running.listen, port: 1 } }), ['listen']);
  });
});
