// Issue 11 item 11: the container rehearsal must not compile SQLite (175 s of a 185 s build on a
// loaded 2-core machine, with no route to github.com for better-sqlite3's prebuilt binary). It
// hands prebuild-install the binary the repository already built; this is that hand-over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { localPrebuildEnv } from './rehearse.ts';

const REPO = process.cwd();
const KEY = 'npm_config_better_sqlite3_local_prebuilds';

describe('the rehearsal’s local prebuild of better-sqlite3', () => {
  test('a prebuild-install tarball of the repository’s binary, named for this Node ABI and platform', () => {
    const work = mkdtempSync(join(tmpdir(), 'mcpwatch-prebuild-'));
    try {
      const env = localPrebuildEnv(REPO, work);
      const dir = env[KEY];
      assert.equal(dir, join(work, 'prebuilds'));
      const version = (JSON.parse(readFileSync(join(REPO, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
      const tarball = join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
      assert.ok(existsSync(tarball), basename(tarball));
      const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      assert.deepEqual(listing, ['build/Release/better_sqlite3.node'], 'the layout prebuild-install unpacks into the package');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('when the repository’s copy is not the locked version, nothing is handed over (it compiles, as before)', () => {
    const work = mkdtempSync(join(tmpdir(), 'mcpwatch-prebuild-'));
    try {
      const repo = join(work, 'repo');
      const pkg = join(repo, 'node_modules/better-sqlite3');
      mkdirSync(join(pkg, 'build/Release'), { recursive: true });
      cpSync(join(REPO, 'node_modules/better-sqlite3/package.json'), join(pkg, 'package.json'));
      writeFileSync(join(pkg, 'build/Release/better_sqlite3.node'), 'not really');
      writeFileSync(join(repo, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/better-sqlite3': { version: '0.0.1' } } }));
      assert.deepEqual(localPrebuildEnv(repo, join(work, 'out')), {});
      assert.ok(!existsSync(join(work, 'out', 'prebuilds')));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
