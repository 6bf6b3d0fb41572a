// The container, rehearsed without a Docker engine (see rehearse.ts): /app built the way the
// Dockerfile builds it, then the image's CMD started with the image's environment as PID 1 of a
// new PID namespace, as uid 65534, on loopback; its HEALTHCHECK command run verbatim; and
// `docker stop` played by SIGTERM to PID 1 while a slow probe is in flight.
import assert from 'node:assert/strict';
import { mkdirSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { startSlowServer, type SlowServer } from '../fixtures/slow-server.ts';
import { durationMs, finalStage, imageEnv, only } from './dockerfile.ts';
import { buildArtifact, namespacePids, NOBODY, runHealthcheck, startContainer, type Artifact, type Container } from './rehearse.ts';

const REPO = process.cwd();
/** How long each probe request is held: long enough to be caught in flight, well inside the drain. */
const HOLD_MS = 3000;
const graceMs = durationMs((parseDocument(readFileSync('compose.yml', 'utf8')).toJS() as { services: { mcpwatch: { stop_grace_period: string } } }).services.mcpwatch.stop_grace_period);

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('container rehearsal (no Docker engine)', () => {
  let work: string;
  let artifact: Artifact;
  let upstream: RunningServer;
  let slow: SlowServer;
  let container: Container;
  let env: Record<string, string>;
  let dataDir: string;
  let failed = false;

  before(
    async () => {
      const base = tmpdir();
      assert.ok((statSync(base).mode & 0o001) !== 0, `${base} must be traversable by uid ${NOBODY}`);
      work = mkdtempSync(join(base, 'mcpwatch-rehearsal-'));
      try {
        artifact = buildArtifact(REPO, work);
      } catch (err) {
        failed = true;
        throw err;
      }
      upstream = await startV2Server({ era: 'modern' });
      slow = await startSlowServer(upstream, HOLD_MS);

      // Compliance checks are off: their first run would reach the slow server before the probe does.
      // compose mounts the configuration at /app/mcpwatch.yaml (read-only); here it is root-owned in /app.
      writeFileSync(
        join(artifact.appDir, 'mcpwatch.yaml'),
        `probe: { allowPrivate: true }\ncompliance: { enabled: false }\nendpoints:\n  - { name: slow, url: "${slow.url}", interval: 10s, timeout: 8s, tools: false }\n`,
        { mode: 0o644 },
      );
      // The named volume: an empty directory owned by the service user (the image chowns /data).
      dataDir = join(work, 'volumes', 'data');
      mkdirSync(dataDir, { recursive: true, mode: 0o755 });
      chownSync(dataDir, NOBODY, NOBODY);

      const runtime = finalStage(artifact.dockerfile);
      const port = await freePort();
      env = {
        ...imageEnv(artifact.dockerfile, runtime),
        // Loopback only in tests; the image's 0.0.0.0 is asserted statically in dockerfile.test.ts.
        MCPWATCH_HOST: '127.0.0.1',
        MCPWATCH_PORT: String(port),
        MCPWATCH_DATA_DIR: dataDir,
        PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      };
      const cmd = only(runtime, 'CMD')[0]!.exec!;
      container = await startContainer(cmd, { cwd: artifact.appDir, env });
    },
    { timeout: 600_000 },
  );

  after(async () => {
    if (container && container.outer.exitCode === null) {
      try {
        process.kill(container.hostPid, 'SIGKILL');
      } catch {
        // already gone
      }
      await container.exited;
    }
    await slow?.close();
    await upstream?.close();
    if (work && !failed) rmSync(work, { recursive: true, force: true });
    else if (work) process.stderr.write(`rehearsal files kept in ${work}\n`);
  });

  test('the artifact holds the compiled service, its migrations and production dependencies only', () => {
    const app = artifact.appDir;
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { bin: Record<string, string>; files?: string[] };
    assert.ok(existsSync(join(app, pkg.bin.mcpwatch!)), `${pkg.bin.mcpwatch} is in the image`);
    for (const sql of readdirSync(join(REPO, 'migrations'))) assert.ok(existsSync(join(app, 'migrations', sql)), `migrations/${sql} ships`);
    for (const file of listFiles(join(REPO, 'web'))) assert.ok(existsSync(join(app, 'web', file)), `web/${file} ships`);
    assert.ok(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 is built');
    assert.ok(!existsSync(join(app, 'node_modules/better-sqlite3/deps')), 'its sources are dropped');
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && p.dev === true);
    assert.ok(devOnly.length > 0);
    for (const [path] of devOnly) assert.ok(!existsSync(join(app, path)), `${path} is a devDependency and must not be in the image`);
    if (pkg.files !== undefined) {
      assert.ok(!artifact.packed.some((p) => p.startsWith('src/') || p.startsWith('test/')), `no sources or tests packed:\n${artifact.packed.join('\n')}`);
    }
  });

  test('runs as PID 1 of its own PID namespace, as an unprivileged user', async () => {
    const pids = namespacePids(container.hostPid);
    assert.equal(pids.at(-1), 1, `NSpid ${pids.join(' ')}`);
    const status = readFileSync(`/proc/${container.hostPid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}\\s+${NOBODY}$`, 'm'));
    assert.match(status, /^CapEff:\s+0+$/m);
    // It wrote its database into the volume, as that user.
    const db = join(dataDir, 'mcpwatch.db');
    const deadline = performance.now() + 10_000;
    while (!existsSync(db) && performance.now() < deadline) await delay(100);
    assert.ok(existsSync(db), container.output());
    assert.equal(statSync(db).uid, NOBODY);
  });

  test(
    'the HEALTHCHECK command, run verbatim as the container user, reports healthy within the start period',
    { timeout: 120_000 },
    async () => {
      const hc = only(finalStage(artifact.dockerfile), 'HEALTHCHECK')[0]!;
      const command = /^CMD\s+([\s\S]+)$/.exec(hc.args)![1]!;
      const startPeriod = durationMs(hc.flags['start-period']!);
      const every = durationMs(hc.flags['start-interval'] ?? '1s');
      const timeout = durationMs(hc.flags.timeout!);
      const deadline = performance.now() + startPeriod;
      const attempts: string[] = [];
      for (;;) {
        const result = await runHealthcheck(command, env, timeout);
        attempts.push(`exit ${result.code}: ${result.output.trim()}`);
        if (result.ok) break;
        if (performance.now() > deadline) {
          assert.fail(`unhealthy after the ${startPeriod} ms start period; last attempts:\n${attempts.slice(-3).join('\n')}\nservice output:\n${container.output()}`);
        }
        await delay(every);
      }
    },
  );

  test('SIGTERM to PID 1 during a slow probe: the probe finishes, its result is stored, exit 0 within the grace period', { timeout: 120_000 }, async (t) => {
    // Wait for a probe to be under way (a request arriving and being held), then `docker stop`.
    const seen = slow.arrivals.length;
    const deadline = performance.now() + 30_000;
    while (slow.arrivals.length === seen) {
      if (performance.now() > deadline || container.outer.exitCode !== null) assert.fail(`no probe reached the slow server\n${container.output()}`);
      await delay(20);
    }
    const signalledAt = Date.now();
    const signalledPerf = performance.now();
    process.kill(container.hostPid, 'SIGTERM');
    const exit = await Promise.race([container.exited, delay(graceMs).then(() => undefined)]);
    try {
      assert.ok(exit, `still running ${graceMs} ms after SIGTERM: docker would SIGKILL it now\n${container.output()}`);
      const waited = exit.at - signalledPerf;
      t.diagnostic(`exit ${exit.code} ${Math.round(waited)} ms after SIGTERM (grace ${graceMs} ms)`);
      assert.equal(exit.code, 0, container.output());
      assert.ok(waited >= HOLD_MS - 1000, `exited ${Math.round(waited)} ms after SIGTERM: it did not wait for the probe in flight`);
      assert.ok(waited < graceMs, `exited ${Math.round(waited)} ms after SIGTERM, grace is ${graceMs} ms`);

      const db = new Database(join(dataDir, 'mcpwatch.db'), { readonly: true, fileMustExist: true });
      let rows: { ts: number; status: number; duration_ms: number; code: string | null }[];
      try {
        rows = db.prepare('SELECT ts, status, duration_ms, code FROM probe_results ORDER BY id').all() as typeof rows;
      } finally {
        db.close();
      }
      const inFlight = rows.find((r) => r.ts <= signalledAt && r.ts + r.duration_ms >= signalledAt);
      assert.ok(inFlight, `no stored result for the probe in flight at SIGTERM; rows: ${JSON.stringify(rows)}\n${container.output()}`);
      assert.equal(inFlight.status, 0, `the in-flight probe is stored as up (status 0), got ${JSON.stringify(inFlight)}`);
      assert.ok(inFlight.duration_ms >= HOLD_MS - 100, `duration ${inFlight.duration_ms} ms covers the held request`);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}
