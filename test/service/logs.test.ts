// serve's logs as an operator reads them: a "listening on http://…" line, pretty lines on request
// (a terminal gets them by default), JSON otherwise, and health and metrics polling only at debug.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formatLogLine } from '../../src/cli/pretty-log.ts';
import { until, writeConfig } from '../fixtures/serve-process.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

function serve(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-logs-'));
  const config = writeConfig(dir, `dataDir: ${dir}/data\nlisten: { host: 127.0.0.1, port: 0 }\n`);
  const child = spawn(process.execPath, [...MCPWATCH, 'serve', '--config', config, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, stdout: () => out, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function get(port: number, path: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
}

describe('serve logs', () => {
  test('JSON when not on a terminal: a listening line; /healthz, /readyz and /metrics only at debug', async () => {
    const s = serve([]);
    const port = await until(
      'the listening line',
      () => {
        const match = /"msg":"listening on http:\/\/127\.0\.0\.1:(\d+)"/.exec(s.stdout());
        return match ? Number(match[1]) : undefined;
      },
      30_000,
    );
    for (const path of ['/healthz', '/readyz', '/metrics', '/status']) await get(port, path);
    await until('the /status request line', () => (s.stdout().includes('"url":"/status"') ? true : undefined), 10_000);
    assert.doesNotMatch(s.stdout(), /"url":"\/(healthz|readyz|metrics)"/, 'polling is not logged at info');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stdout());
    for (const line of s.stdout().split('\n').filter((l) => l.startsWith('{'))) JSON.parse(line);
  });

  test('--log-format pretty --log-level debug (or the environment): human lines, polling included', async () => {
    const s = serve(['--log-format', 'pretty'], { MCPWATCH_LOG_LEVEL: 'debug' });
    const port = await until(
      'the listening line',
      () => {
        const match = /^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening on http:\/\/127\.0\.0\.1:(\d+) {2}database=/m.exec(s.stdout());
        return match ? Number(match[1]) : undefined;
      },
      30_000,
    );
    await get(port, '/healthz');
    await until('the /healthz request at debug', () => (/^\d\d:\d\d:\d\d\.\d{3} DEBUG incoming request .*"url":"\/healthz"/m.test(s.stdout()) ? true : undefined), 10_000);
    assert.doesNotMatch(s.stdout(), /^\{"level"/m, 'no JSON lines');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stdout());
  });

  test('a bad MCPWATCH_LOG_FORMAT is a usage error', async () => {
    const s = serve([], { MCPWATCH_LOG_FORMAT: 'xml' });
    assert.equal(await s.exited, 2);
    assert.match(s.stdout(), /MCPWATCH_LOG_FORMAT must be one of pretty, json, got "xml"/);
  });
});

describe('the pretty formatter', () => {
  test('level, message, fields; pino bookkeeping dropped; server text cannot forge lines or colours', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, hostname: 'h', name: 'mcpwatch', msg: 'probe\nfailed \u001b[31mred', slug: 'weather', detail: 'evil\u001b[2J\nINFO fake', n: 3 });
    const text = formatLogLine(line, false);
    assert.match(text, /^\d\d:\d\d:\d\d\.006 WARN {2}probefailed \[31mred {2}slug=weather detail="evil\\u001b\[2J\\nINFO fake" n=3\n$/);
    assert.equal(text.split('\n').length, 2, 'one line');
    assert.ok(!text.includes('\u001b'), 'no escape character survives');
  });

  test('an error prints its stack indented under the line; colour only when asked', () => {
    const text = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'pruning failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at prune (retention.ts:1:1)' } }), true);
    assert.ok(text.endsWith('\u001b[31mERROR\u001b[0m pruning failed\n    Error: boom\n        at prune (retention.ts:1:1)\n'), JSON.stringify(text));
    assert.equal(formatLogLine('not json', false), 'not json\n');
  });
});
