// The Dockerfile's contract, read without a Docker engine: stages and base image, what the runtime
// stage contains and runs as, its HEALTHCHECK, CMD, EXPOSE, ENV and VOLUME, and the build context.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEFAULT_LISTEN } from '../../src/config/schema.ts';
import { copyParts, durationMs, finalStage, imageEnv, isIgnored, only, parseDockerfile, parseDockerignore, stage, type Instruction } from './dockerfile.ts';

const dockerfile = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
const runtime = finalStage(dockerfile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; engines: { node: string }; files?: string[] };

const runs = (s: { instructions: readonly Instruction[] }): string[] => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.exec?.join(' ') ?? i.args);
const NPM_INSTALL = /\bnpm\s+(ci|install|i)\b/;

/** The stage a COPY --from names, by name or index. */
function sourceStage(ins: Instruction): ReturnType<typeof stage> {
  const from = ins.flags.from!;
  return /^\d+$/.test(from) ? dockerfile.stages[Number(from)]! : stage(dockerfile, from);
}

/** The chain of stages a stage is built FROM, itself first. */
function ancestry(s: ReturnType<typeof stage>): ReturnType<typeof stage>[] {
  const parent = dockerfile.stages.find((p) => p.name !== null && p.name === s.base && p.index < s.index);
  return parent ? [s, ...ancestry(parent)] : [s];
}

describe('Dockerfile', () => {
  test('is multi-stage on a Debian bookworm slim Node LTS image, one Node version throughout', () => {
    assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
    assert.equal(runtime.name, 'runtime');
    const external = dockerfile.stages.filter((s) => !dockerfile.stages.some((p) => p.name === s.base));
    const bases = new Set(external.map((s) => s.base));
    assert.equal(bases.size, 1, `one base image for every stage, got ${[...bases].join(', ')}`);
    const m = /^node:(\d+)-bookworm-slim$/.exec([...bases][0]!);
    assert.ok(m, `base ${[...bases][0]} should be node:<major>-bookworm-slim (glibc: better-sqlite3's prebuilt binaries)`);
    const major = Number(m[1]);
    assert.equal(major % 2, 0, 'an even Node major: odd ones never become LTS');
    const minMajor = Number(/(\d+)/.exec(pkg.engines.node)![1]);
    assert.ok(major >= minMajor, `node ${major} satisfies engines ${pkg.engines.node}`);
    assert.equal(runtime.base, [...bases][0], 'the runtime stage starts from the plain Node image, not from a build stage');
  });

  test('native build tools live in the build stages, never in the runtime stage', () => {
    const toolchain = runs(stage(dockerfile, 'toolchain')).join('\n');
    for (const tool of ['python3', 'make', 'g++']) assert.match(toolchain, new RegExp(`install[^\\n]*\\s${tool.replace('+', '\\+')}(\\s|$)`), `${tool} installed for node-gyp`);
    for (const name of ['build', 'prod']) assert.ok(ancestry(stage(dockerfile, name)).some((s) => s.name === 'toolchain'), `${name} builds FROM toolchain`);
    assert.doesNotMatch(runs(runtime).join('\n'), /\b(g\+\+|gcc|make|python3|build-essential)\b/, 'no compiler in the runtime image');
  });

  test('build: full npm ci from the lockfile, tsc, npm pack; the build context holds what it copies', () => {
    const build = stage(dockerfile, 'build');
    const steps = runs(build).join('\n');
    const ci = steps.search(/\bnpm ci\b/);
    const compile = steps.search(/\bnpm run build\b/);
    const pack = steps.search(/\bnpm pack\b/);
    assert.ok(ci >= 0 && compile > ci && pack > compile, `npm ci, then npm run build, then npm pack:\n${steps}`);
    const fullInstall = runs(build).find((r) => /\bnpm ci\b/.test(r))!;
    assert.doesNotMatch(fullInstall, /--omit=dev/, 'the build stage needs devDependencies (typescript)');
    const copied = only(build, 'COPY').filter((c) => c.flags.from === undefined).flatMap((c) => copyParts(c).sources.map((s) => s.replace(/\/+$/, '')));
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'migrations', 'web']) {
      assert.ok(copied.includes(needed), `build stage copies ${needed}`);
    }
    const rules = parseDockerignore(readFileSync('.dockerignore', 'utf8'));
    for (const source of copied) {
      assert.ok(existsSync(source), `${source} exists`);
      assert.equal(isIgnored(rules, source), false, `.dockerignore must let ${source} into the context`);
    }
  });

  test('.dockerignore keeps local state, secrets and host builds out of the context', () => {
    const rules = parseDockerignore(readFileSync('.dockerignore', 'utf8'));
    for (const path of ['node_modules/fastify/package.json', 'dist/src/main.js', 'data/mcpwatch.db', 'mcpwatch.db-wal', 'mcpwatch.yaml', '.env', '.git/config', 'test/service/serve.test.ts', 'scratch/notes', 'test-output/x']) {
      assert.equal(isIgnored(rules, path), true, `${path} stays out of the build context`);
    }
    for (const path of ['src/main.ts', 'migrations/0001_init.sql', 'package-lock.json']) assert.equal(isIgnored(rules, path), false, path);
  });

  test('prod: production dependencies only, and the runtime image takes nothing else', () => {
    const prod = stage(dockerfile, 'prod');
    assert.ok(!ancestry(prod).some((s) => s.name === 'build'), 'prod is not FROM build, so the full install cannot leak in');
    const installs = runs(prod).flatMap((r) => r.split(/&&|;|\n/)).filter((cmd) => NPM_INSTALL.test(cmd));
    assert.ok(installs.length > 0, 'prod installs dependencies');
    for (const cmd of installs) assert.match(cmd, /\bnpm ci\b.*--omit=dev/, `only "npm ci --omit=dev" in prod, got: ${cmd.trim()}`);
    assert.ok(
      only(prod, 'COPY').some((c) => c.flags.from === 'build' && copyParts(c).sources.some((s) => s.endsWith('.tgz'))),
      'prod starts from the npm pack tarball (package.json `files` decides what ships)',
    );
    assert.doesNotMatch(runs(runtime).join('\n'), NPM_INSTALL, 'the runtime stage installs no npm packages');
    const fromStages = only(runtime, 'COPY').filter((c) => c.flags.from !== undefined);
    assert.ok(fromStages.length > 0);
    for (const c of fromStages) assert.equal(sourceStage(c).name, 'prod', `runtime copies only from prod (line ${c.line})`);
  });

  test('package.json `files` ships the compiled code, the migrations and the web assets', (t) => {
    if (pkg.files === undefined) {
      t.diagnostic('package.json has no "files": npm pack ships every file of the build context (src/ and tsconfig too); add ["dist/src/", "migrations/", "web/"]');
      return;
    }
    for (const needed of ['dist/src', 'migrations', 'web']) {
      assert.ok(pkg.files.some((f) => f.replace(/\/+$/, '') === needed || needed.startsWith(`${f.replace(/\/+$/, '')}/`)), `files includes ${needed}/`);
    }
    assert.ok(!pkg.files.some((f) => /^(src|test)\b/.test(f)), 'no TypeScript sources or tests in the package');
  });

  test('runtime: a non-root USER, set before CMD, and created in the image', () => {
    const users = only(runtime, 'USER');
    assert.ok(users.length > 0, 'USER in the runtime stage');
    const user = users[users.length - 1]!.args;
    const [uid, gid] = user.split(':');
    assert.ok(!['root', '0'].includes(uid!) && gid !== '0', `non-root user, got ${user}`);
    assert.match(uid!, /^\d+$/, 'a numeric uid, so runAsNonRoot-style checks can verify it without /etc/passwd');
    const cmd = only(runtime, 'CMD')[0]!;
    assert.ok(users[users.length - 1]!.line < cmd.line);
    assert.match(runs(runtime).join('\n'), new RegExp(`useradd[^\\n]*--uid ${uid}\\b`), `uid ${uid} exists in /etc/passwd (logs and tools show a name)`);
  });

  test('runtime: exec-form CMD running the package bin, so node is PID 1 and gets SIGTERM', () => {
    for (const s of dockerfile.stages) {
      for (const ins of [...only(s, 'CMD'), ...only(s, 'ENTRYPOINT')]) assert.ok(ins.exec, `${ins.keyword} on line ${ins.line} must be exec form (JSON array)`);
    }
    assert.equal(only(runtime, 'ENTRYPOINT').length, 0, 'no ENTRYPOINT wrapper (a shell would be PID 1 and swallow SIGTERM)');
    const cmds = only(runtime, 'CMD');
    assert.equal(cmds.length, 1);
    assert.deepEqual(cmds[0]!.exec, ['node', pkg.bin.mcpwatch!, 'serve']);
    const stop = only(runtime, 'STOPSIGNAL');
    assert.ok(stop.length === 0 || stop[0]!.args === 'SIGTERM', 'docker stop sends SIGTERM, which serve drains on');
  });

  test('runtime: listens on every interface at the default port, data in the /data volume', () => {
    const env = imageEnv(dockerfile, runtime);
    assert.equal(env.MCPWATCH_HOST, '0.0.0.0');
    assert.equal(env.MCPWATCH_PORT, String(DEFAULT_LISTEN.port));
    assert.equal(env.MCPWATCH_DATA_DIR, '/data');
    assert.equal(env.NODE_ENV, 'production');
    const exposed = only(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    assert.deepEqual(exposed, [String(DEFAULT_LISTEN.port)]);
    const volumes = only(runtime, 'VOLUME').flatMap((v) => v.exec ?? v.args.split(/\s+/));
    assert.deepEqual(volumes, ['/data']);
    // A RUN touching a volume path after VOLUME is discarded; the ownership must be set before it.
    const volumeLine = only(runtime, 'VOLUME')[0]!.line;
    const prepares = only(runtime, 'RUN').find((r) => /chown\s+\S+\s+\/data\b/.test(r.args));
    assert.ok(prepares && prepares.line < volumeLine, '/data is chowned to the service user before VOLUME');
    const user = only(runtime, 'USER').at(-1)!.args;
    assert.match(prepares.args, new RegExp(`chown ${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} /data`));
  });

  test('runtime: HEALTHCHECK posts an MCP initialize with a start period, using a tool the image installs', () => {
    const checks = only(runtime, 'HEALTHCHECK');
    assert.equal(checks.length, 1);
    const hc = checks[0]!;
    for (const flag of ['interval', 'timeout', 'start-period', 'retries']) assert.ok(hc.flags[flag] !== undefined, `--${flag}`);
    assert.ok(durationMs(hc.flags['start-period']!) >= 10_000, 'a start period covering start-up and migrations');
    assert.ok(durationMs(hc.flags.timeout!) < durationMs(hc.flags.interval!));
    const m = /^CMD\s+([\s\S]+)$/.exec(hc.args);
    assert.ok(m, 'HEALTHCHECK CMD …');
    const command = m[1]!;
    assert.match(command, /"method":"initialize"/);
    assert.match(command, /protocolVersion/);
    assert.match(command, /\/mcp\b/);
    assert.match(command, /Accept: application\/json, text\/event-stream/, 'Streamable HTTP requires both in Accept');
    assert.ok(command.includes(`\${MCPWATCH_PORT:-${DEFAULT_LISTEN.port}}`), 'the port follows MCPWATCH_PORT, default 8080');
    assert.match(command, /^busybox wget /);
    assert.doesNotMatch(command, /\s-T\s/, "bookworm's busybox 1.35 wget segfaults on -T; --timeout bounds the check");
    assert.match(runs(runtime).join('\n'), /apt-get install[^\n]*\bbusybox\b/, 'the runtime stage installs busybox');
    // The JSON body must be valid JSON-RPC, or the check tests the quoting instead of the server.
    const body = /--post-data '([^']+)'/.exec(command);
    assert.ok(body);
    const request = JSON.parse(body[1]!) as { jsonrpc: string; method: string; params: { protocolVersion: string } };
    assert.equal(request.jsonrpc, '2.0');
    assert.match(request.params.protocolVersion, /^\d{4}-\d{2}-\d{2}$/);
  });
});
