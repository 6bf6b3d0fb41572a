// Runs every test file under test/ with node's own runner. Node 20's --test does not expand
// globs or pick up .ts files, so the list is built here; tsx compiles TypeScript on load.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { URL } from 'node:url';
import pg from 'pg';

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return collect(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

// --checks (npm test): the lint runs beside the tests instead of before them (one after another,
// typecheck, lint and build took ~105 s of CI's 20 minutes; lint alone is ~90 CPU-s on one thread,
// and the suite leaves a third of two cores idle). Its verdict is printed at the end.
const checks = process.argv.includes('--checks');
const filter = process.argv.slice(2).filter((arg) => arg !== '--checks');
const files = collect('test')
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The official conformance suite lives apart (it needs Node 22); a fresh clone does not have it.
const CONFORMANCE_CLI = 'tools/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js';
if (files.some((f) => f.startsWith(`test${sep}conformance${sep}`)) && !existsSync(CONFORMANCE_CLI)) {
  console.error(
    [
      '',
      '*** The official MCP conformance suite is not installed: test/conformance/ will be SKIPPED',
      '*** (with CI set, it FAILS). Install it, with the Node 22 its CLI needs, kept apart from the',
      '*** Node that runs mcpwatch:',
      '***',
      '***     npm ci --prefix tools/conformance',
      '',
    ].join('\n'),
  );
}
// The PostgreSQL half (test/store/ and every file that names postgres): each such test skips
// loudly without a server (fails in CI, see fixtures/postgres.ts); this says so once, up front.
const POSTGRES_URL = process.env.MCPWATCH_TEST_POSTGRES_URL ?? 'postgres://mcpwatch:mcpwatch@127.0.0.1:5432/postgres'; // as in fixtures/postgres.ts
const needsPostgres = files.some((f) => f.startsWith(`test${sep}store${sep}`) || /postgres/i.test(readFileSync(f, 'utf8')));
if (needsPostgres) {
  const why = await postgresUnreachable(POSTGRES_URL);
  if (why !== undefined) {
    console.error(
      [
        '',
        `*** PostgreSQL is not reachable at ${redact(POSTGRES_URL)} (${why}):`,
        `*** the PostgreSQL half of the tests will NOT run (with CI set, those tests FAIL). To run it:`,
        '***',
        '***     sudo .ci/start-postgres      # starts the local cluster, creates the role mcpwatch',
        '***',
        '*** or point MCPWATCH_TEST_POSTGRES_URL at a server on loopback whose role may CREATE DATABASE',
        '*** (see README, "Running the tests").',
        '',
      ].join('\n'),
    );
  }
}
// Tests start the real command from dist/ (test/fixtures/mcpwatch-command.ts), so it is built
// first, every run. One tsc run type-checks src, test and bench and writes dist/ (the type check
// and the build were two runs of ~50 and ~40 s); incremental, so with nothing changed it takes
// a few seconds.
const lint = checks ? runQuietly('lint', 'npm', ['run', '-s', 'lint']) : Promise.resolve({ ok: true, report: () => undefined });
const build = await runQuietly('typecheck and build', 'npx', ['tsc', '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo']);
build.report();
if (!build.ok) {
  (await lint).report();
  process.exit(1);
}

// Three files at once: the suite waits on processes, browsers and timers as much as it computes
// (on this 2-core machine, 17.9 min at three against 19.4 min at two, the same tests passing).
const testsPassed = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=3', ...files], {
    stdio: 'inherit',
    env: { ...process.env, MCPWATCH_TEST_BUILT: '1' },
  });
  child.on('error', () => resolve(false));
  child.on('close', (code) => resolve(code === 0));
});
const linted = await lint;
linted.report();
process.exit(testsPassed && linted.ok ? 0 : 1);

/** Runs a step with its output held back; report() prints it whole, after its verdict. */
function runQuietly(name, command, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const ok = code === 0;
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString('utf8').trim();
      resolve({
        ok,
        report: () => console.log(`${ok ? 'ok' : 'FAILED'}: ${name} (${took} s)${text === '' ? '' : `\n${text}`}`),
      });
    });
  });
}

/** undefined when a login and `SELECT 1` work within a few seconds; otherwise why not. */
async function postgresUnreachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, query_timeout: 3000 });
  // A failure after connect (the server going away) would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
