// Builds the image's /app the way the Dockerfile does, without a Docker engine, and runs it the
// way a container would: as an unprivileged user, as PID 1 of its own PID namespace.
//
// The build context is the repository filtered through .dockerignore. The `build` and `prod`
// stages are then interpreted instruction by instruction: WORKDIR, ENV/ARG, COPY (from the
// context or from an earlier stage, paths mapped under a per-stage root) and RUN, executed
// verbatim with /bin/sh in the mapped working directory. Two things stand in for what an engine
// would do:
//   - the `toolchain` stage (apt-get python3 make g++) is this machine, which must have them;
//   - the build stage's full `npm ci` is the repository's own node_modules, linked in: the same
//     lockfile, installed the same way, and it saves a minute of downloads per run. The production
//     install in `prod` (`npm ci --omit=dev`, compiling better-sqlite3) runs for real.
// The runtime stage's RUN (apt-get busybox, useradd) is not run either: busybox must be on this
// machine, and the user is `nobody` (65534) instead of the image's 10001.
//
// better-sqlite3's install script fetches a prebuilt binary from GitHub and compiles from source
// when it cannot (as here: no route to github.com). Compiling took 175 s of the rehearsal's
// 185 s build on a loaded 2-core machine (`npm ci --omit=dev` alone is 10–13 s). So the
// rehearsal hands prebuild-install the binary the repository's own install already built (same
// lockfile version, same Node ABI) as a local prebuild: the path an engine with network takes.
// Where the versions differ it is left to compile, as before.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { copyParts, finalStage, isIgnored, parseAssignments, parseDockerfile, parseDockerignore, stage, substitute, type Dockerfile, type Instruction, type Stage } from './dockerfile.ts';

export const NOBODY = 65534;

export interface Artifact {
  readonly dockerfile: Dockerfile;
  /** The runtime stage's WORKDIR, mapped: what /app is in the image. */
  readonly appDir: string;
  /** Files in the npm pack tarball (paths inside `package/`). */
  readonly packed: readonly string[];
  /** What each RUN printed, for failure messages. */
  readonly log: string;
}

/** A COPY source: a path, or `*` in its last segment (fs.globSync is Node 22+). */
function expand(pattern: string): string[] {
  if (!pattern.includes('*')) return existsSync(pattern) ? [pattern] : [];
  if (dirname(pattern).includes('*')) throw new Error(`only the last path segment may hold a wildcard: ${pattern}`);
  const dir = dirname(pattern);
  const re = new RegExp(`^${posix.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return existsSync(dir) ? readdirSync(dir).filter((n) => re.test(n)).map((n) => join(dir, n)) : [];
}

/** Copies the repository into `dest`, leaving out what .dockerignore leaves out of a build context. */
export function buildContext(repo: string, dest: string): string[] {
  const rules = parseDockerignore(readFileSync(join(repo, '.dockerignore'), 'utf8'));
  const reincluded = rules.filter((r) => r.negate).map((r) => r.pattern);
  const copied: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(repo, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(repo, path);
      const isDir = statSync(full).isDirectory();
      if (isIgnored(rules, path)) {
        // An ignored directory is still entered when an exception could re-include something in it.
        if (isDir && reincluded.some((p) => p.startsWith(`${path}/`))) walk(path);
        continue;
      }
      if (isDir) {
        mkdirSync(join(dest, path), { recursive: true });
        walk(path);
      } else {
        mkdirSync(join(dest, rel), { recursive: true });
        cpSync(full, join(dest, path));
        copied.push(path);
      }
    }
  };
  walk('');
  return copied;
}

interface StageState {
  readonly root: string;
  cwd: string;
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync('/bin/sh', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `$ ${command}\n${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`RUN failed (exit ${result.status ?? result.signal}) in ${cwd}:\n${output}`);
  return output;
}

/** A COPY source or destination inside a stage: absolute paths from the stage root, relative ones from its WORKDIR. */
function mapPath(state: StageState, path: string): string {
  return isAbsolute(path) ? join(state.root, path) : join(state.cwd, path);
}

function copyInto(sources: string[], destPath: string, destIsDir: boolean): void {
  if (destIsDir) mkdirSync(destPath, { recursive: true });
  for (const source of sources) {
    // verbatimSymlinks: node_modules/.bin links stay relative, as COPY keeps them.
    if (statSync(source).isDirectory()) cpSync(source, destPath, { recursive: true, verbatimSymlinks: true });
    else cpSync(source, destIsDir ? join(destPath, posix.basename(source)) : destPath);
  }
}

/** The full `npm ci` of the build stage: replaced by the repository's node_modules (see above). */
function isFullInstall(ins: Instruction): boolean {
  return /^npm ci\b/.test(ins.args) && !ins.args.includes('--omit=dev') && !ins.args.includes('&&');
}

/**
 * A prebuild-install tarball of the repository's compiled better-sqlite3, named as on its release
 * page, in `<work>/prebuilds`; returns the environment that points the install script at it, or
 * nothing when the repository's copy is not the locked version.
 */
export function localPrebuildEnv(repo: string, work: string): Record<string, string> {
  const name = 'better-sqlite3';
  const installed = join(repo, 'node_modules', name);
  const binary = join(installed, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binary)) return {};
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const locked = lock.packages[`node_modules/${name}`]?.version;
  const version = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version;
  if (locked === undefined || locked !== version) return {};
  const dir = join(work, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `${name}-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  const tar = spawnSync('tar', ['-czf', tarball, '-C', installed, 'build/Release/better_sqlite3.node'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`packing the local prebuild failed: ${tar.stderr}`);
  // npm warns that it does not know this config key, and passes it to the install script anyway.
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

function interpret(file: Dockerfile, stageOf: Stage, states: Map<string, StageState>, context: string, repo: string, work: string, runEnv: Record<string, string>): string {
  const state: StageState = { root: join(work, 'stages', stageOf.name ?? String(stageOf.index)), cwd: '' };
  state.cwd = state.root;
  mkdirSync(state.root, { recursive: true });
  states.set(stageOf.name ?? String(stageOf.index), state);
  const vars: Record<string, string> = { ...file.globalArgs };
  const env: Record<string, string> = {};
  let log = '';
  for (const ins of stageOf.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        state.cwd = join(state.root, substitute(ins.args, vars));
        mkdirSync(state.cwd, { recursive: true });
        break;
      case 'ENV':
      case 'ARG':
        for (const [k, v] of Object.entries(parseAssignments(ins.args, ins.line, ins.keyword === 'ARG'))) {
          vars[k] = substitute(v, vars);
          if (ins.keyword === 'ENV') env[k] = vars[k];
        }
        break;
      case 'COPY': {
        const { sources, dest } = copyParts(ins);
        const from = ins.flags.from;
        const origin = from === undefined ? undefined : states.get(from);
        if (from !== undefined && !origin) throw new Error(`line ${ins.line}: COPY --from=${from}: that stage was not rehearsed`);
        const resolved = sources.flatMap((s) => {
          const path = origin ? mapPath({ root: origin.root, cwd: origin.root }, s) : join(context, s);
          const found = expand(path);
          if (found.length === 0) throw new Error(`line ${ins.line}: COPY source ${s} not found${origin ? ` in stage ${from}` : ' in the build context (.dockerignore?)'}`);
          return found;
        });
        const destPath = mapPath(state, substitute(dest, vars));
        copyInto(resolved, destPath, dest.endsWith('/') || dest === '.' || resolved.length > 1 || resolved.some((r) => statSync(r).isDirectory()));
        break;
      }
      case 'RUN': {
        const command = ins.exec ? ins.exec.join(' ') : ins.args;
        if (isFullInstall(ins)) {
          symlinkSync(join(repo, 'node_modules'), join(state.cwd, 'node_modules'), 'dir');
          log += `$ ${command}\n(rehearsal: linked ${join(repo, 'node_modules')} instead)\n`;
          break;
        }
        log += run(command, state.cwd, { ...process.env, ...runEnv, ...env });
        break;
      }
      case 'LABEL':
        break;
      default:
        throw new Error(`line ${ins.line}: the rehearsal does not interpret ${ins.keyword} in stage ${stageOf.name}`);
    }
  }
  return log;
}

/**
 * Builds the artifact under `work` (a fresh directory): context, build, prod, then the runtime
 * stage's COPY --from into `<work>/stages/runtime/<WORKDIR>`. Everything is made readable by
 * unprivileged users; nothing in it is writable by them.
 */
export function buildArtifact(repo: string, work: string): Artifact {
  const dockerfile = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  for (const tool of ['python3', 'make', 'g++', 'tar']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`the toolchain stage needs ${tool} on this machine`);
  }
  const context = join(work, 'context');
  mkdirSync(context, { recursive: true });
  buildContext(repo, context);
  const states = new Map<string, StageState>();
  let log = '';
  const runEnv = localPrebuildEnv(repo, work);
  for (const name of ['build', 'prod']) log += interpret(dockerfile, stage(dockerfile, name), states, context, repo, work, runEnv);
  // The linked node_modules served `npm run build` only; nothing after the build stage may see it.
  rmSync(join(states.get('build')!.cwd, 'node_modules'), { force: true });

  const runtime = finalStage(dockerfile);
  const runtimeState: StageState = { root: join(work, 'stages', 'runtime'), cwd: '' };
  runtimeState.cwd = runtimeState.root;
  for (const ins of runtime.instructions) {
    if (ins.keyword === 'WORKDIR') runtimeState.cwd = join(runtimeState.root, ins.args);
    if (ins.keyword === 'COPY') {
      const { sources, dest } = copyParts(ins);
      const origin = states.get(ins.flags.from ?? '');
      if (!origin) throw new Error(`line ${ins.line}: the runtime stage copies from ${ins.flags.from ?? 'the build context'}; only stage copies are rehearsed`);
      copyInto(sources.flatMap((s) => expand(join(origin.root, s))), mapPath(runtimeState, dest), true);
    }
  }
  const appDir = runtimeState.cwd;
  if (!existsSync(appDir)) throw new Error(`the runtime WORKDIR ${appDir} was never filled`);
  // Like the image: root-owned, readable and traversable by everyone, writable by no one else.
  for (const dir of [work, join(work, 'stages')]) chmodSync(dir, 0o755);
  const chmod = spawnSync('chmod', ['-R', 'go-w,a+rX', runtimeState.root], { encoding: 'utf8' });
  if (chmod.status !== 0) throw new Error(chmod.stderr);

  const tarball = expand(join(states.get('build')!.cwd, 'mcpwatch-*.tgz'))[0];
  const listing = tarball ? spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout : '';
  const packed = listing.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
  return { dockerfile, appDir, packed, log };
}

// ---------------------------------------------------------------------------------------------

export interface Container {
  /** The `unshare` process on this side of the namespace. */
  readonly outer: ChildProcess;
  /** node's pid as this side sees it (PID 1 inside). */
  readonly hostPid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output(): string;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `NSpid:` from /proc/<pid>/status: the pid in each namespace, outermost first. */
export function namespacePids(pid: number): number[] {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return (/^NSpid:\s*(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Runs `argv` as `docker run` would run CMD: a new PID namespace (and /proc) where it is PID 1,
 * uid/gid 65534 with no supplementary groups, no capabilities, no new privileges, only `env`.
 */
export async function startContainer(argv: readonly string[], opts: { cwd: string; env: Record<string, string> }): Promise<Container> {
  const outer = spawn(
    'unshare',
    ['--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL', 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--', ...argv],
    { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  outer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  outer.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    outer.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  // unshare --fork: its child is PID 1 inside, and setpriv execs node in that same process.
  const deadline = performance.now() + 10_000;
  for (;;) {
    const child = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .find((pid) => parentOf(pid) === outer.pid);
    if (child !== undefined) {
      let comm = '';
      try {
        comm = readFileSync(`/proc/${child}/comm`, 'utf8').trim();
      } catch {
        comm = '';
      }
      if (comm === 'node') return { outer, hostPid: child, exited, output: () => out };
    }
    if (outer.exitCode !== null || performance.now() > deadline) throw new Error(`the container process did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs a HEALTHCHECK CMD string the way Docker does (`/bin/sh -c`, as the container's user, with
 * the container's environment), bounded by --timeout.
 */
export function runHealthcheck(command: string, env: Record<string, string>, timeoutMs: number): Promise<{ ok: boolean; code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', '/bin/sh', '-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, code, output });
    });
  });
}
