// The official MCP conformance suite (@modelcontextprotocol/conformance), pinned and installed
// with its own Node 22 in tools/conformance/node_modules (its CLI needs Node >= 22; mcpwatch runs
// on 20). Helpers shared by the conformance tests: locate the CLI, run it under a deadline, parse
// the checks.json it writes, print its checks as a table.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

export const PINNED_VERSION = '0.2.0-alpha.12';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TOOLS = join(ROOT, 'tools', 'conformance', 'node_modules');

export interface Suite {
  readonly node: string;
  readonly cli: string;
  readonly version: string;
}

export type Located = { readonly ok: true; readonly suite: Suite } | { readonly ok: false; readonly reason: string };

/** The pinned suite and its Node, or why they cannot be used. */
export function locateSuite(): Located {
  const node = join(TOOLS, '.bin', 'node');
  const pkg = join(TOOLS, '@modelcontextprotocol', 'conformance', 'package.json');
  const cli = join(TOOLS, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  for (const path of [node, pkg, cli]) {
    if (!existsSync(path)) return { ok: false, reason: `${path} is missing: install it with \`npm ci --prefix tools/conformance\`` };
  }
  const version = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(pkg, 'utf8'))).version;
  if (version !== PINNED_VERSION) return { ok: false, reason: `tools/conformance has @modelcontextprotocol/conformance ${version}, the tests are written for ${PINNED_VERSION}` };
  return { ok: true, suite: { node, cli, version } };
}

/**
 * What a test does when the suite is absent: in CI (CI=true) that is a broken build, so `fail`
 * carries the reason for a failing test; elsewhere `skip` does, printed loudly first.
 */
export function suiteOrSkip(located: Located, env: NodeJS.ProcessEnv = process.env): { readonly suite?: Suite; readonly skip?: string; readonly fail?: string } {
  if (located.ok) return { suite: located.suite };
  if (env.CI === 'true') return { fail: `the MCP conformance suite is required in CI (CI=true): ${located.reason}` };
  const banner = `CONFORMANCE SUITE NOT RUN: ${located.reason}`;
  console.error(`\n${'!'.repeat(banner.length)}\n${banner}\n${'!'.repeat(banner.length)}\n`);
  return { skip: banner };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const OUTPUT_CAP = 4 * 1024 * 1024;

/** Runs the suite's CLI; never rejects: a failed scenario exits 1, which callers judge by checks. */
export function runCli(suite: Suite, args: readonly string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      suite.node,
      [suite.cli, ...args],
      // No colours: the output goes into test logs; PATH only, so nothing else leaks in.
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: OUTPUT_CAP, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, stdout, stderr: error && code === null ? `${stderr}\n${error.message}` : stderr });
      },
    );
  });
}

/** `conformance list`: the server scenarios and the spec revisions each applies to. */
export async function listServerScenarios(suite: Suite): Promise<Map<string, readonly string[]>> {
  const run = await runCli(suite, ['list'], 60_000);
  if (run.code !== 0) throw new Error(`conformance list failed (exit ${run.code}): ${run.stderr}`);
  return parseServerScenarios(run.stdout);
}

/** The "Server scenarios" section of `conformance list`: `  - name [rev,rev]` lines. */
export function parseServerScenarios(listOutput: string): Map<string, readonly string[]> {
  const section = listOutput.split(/^Client scenarios/m)[0] ?? '';
  const scenarios = new Map<string, readonly string[]>();
  for (const match of section.matchAll(/^\s+- (\S+) \[([^\]]*)\]$/gm)) {
    scenarios.set(match[1] ?? '', (match[2] ?? '').split(',').map((v) => v.trim()));
  }
  return scenarios;
}

export const CHECK_STATUSES = ['SUCCESS', 'FAILURE', 'WARNING', 'SKIPPED', 'INFO'] as const;

const checkSchema = z.object({
  id: z.string().max(200),
  name: z.string().max(200).optional(),
  status: z.enum(CHECK_STATUSES),
  errorMessage: z.string().max(10_000).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Check = z.infer<typeof checkSchema>;

const CHECKS_CAP = 4 * 1024 * 1024;

/** The checks.json that `-o dir` wrote (one timestamped folder per scenario run). */
export function readChecks(outputDir: string): Check[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'checks.json') found.push(path);
      else if (depth < 3 && statSync(path).isDirectory()) walk(path, depth + 1);
    }
  };
  walk(outputDir, 0);
  if (found.length !== 1) throw new Error(`expected one checks.json under ${outputDir}, found ${found.length}`);
  const path = found[0] ?? '';
  if (statSync(path).size > CHECKS_CAP) throw new Error(`${path} is larger than ${CHECKS_CAP} bytes`);
  return z.array(checkSchema).max(1000).parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The suite's closing line, e.g. `Passed: 2/2, 0 failed, 0 warnings`. */
export function summaryLine(output: string): string | undefined {
  return /^Passed: .*$/m.exec(output)?.[0];
}

/** The checks as an aligned table, one line each; long messages cut. */
export function formatTable(checks: readonly Check[]): string[] {
  const width = Math.max(2, ...checks.map((c) => c.id.length));
  const header = `${'STATUS'.padEnd(8)} ${'CHECK'.padEnd(width)}  NOTE`;
  return [
    header,
    '-'.repeat(header.length),
    ...checks.map((c) => {
      const note = (c.errorMessage ?? '').replace(/\s+/g, ' ');
      return `${c.status.padEnd(8)} ${c.id.padEnd(width)}  ${note.length > 110 ? `${note.slice(0, 109)}…` : note}`.trimEnd();
    }),
  ];
}
