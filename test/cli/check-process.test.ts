// The real command, as a user runs it: a child process, its stdout, stderr and exit status.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function mcpwatch(args: string[], options: { env?: Record<string, string>; signalWhen?: Promise<unknown> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...MCPWATCH, ...args], {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    void options.signalWhen?.then(() => child.kill('SIGINT'));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

describe('mcpwatch check (the binary)', () => {
  let modern: RunningServer;
  let protectedServer: RunningServer;
  let hanging: Server;
  let hangingUrl: string;
  before(async () => {
    modern = await startV2Server({ era: 'modern' });
    protectedServer = await startV2Server({ era: 'modern', bearerToken: 'cli-secret-token' });
    hanging = createServer(() => undefined); // accepts requests, never answers
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/mcp`;
  });
  after(async () => {
    hanging.closeAllConnections();
    await Promise.all([modern.close(), protectedServer.close(), new Promise((r) => hanging.close(r))]);
  });

  test('up: exit 0 and a waterfall with the era', async () => {
    const run = await mcpwatch(['check', modern.url, '--allow-private', '--tools']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\s+discover\s+[\d.]+ ms/m);
    assert.match(run.stdout, /protocol\s+modern · 2026-07-28 · streamable-http \(detected\)/);
    assert.match(run.stdout, /server\s+v2-probe-target 1\.0\.0/);
    assert.match(run.stdout, /^\s+UP — MCP 2026-07-28/m);
  });

  test('--json prints the whole result', async () => {
    const run = await mcpwatch(['check', modern.url, '--allow-private', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { status: string; era: string; phases: unknown[] };
    assert.equal(result.status, 'up');
    assert.equal(result.era, 'modern');
    assert.ok(result.phases.length >= 2);
  });

  test('down: exit 1 with the code', async () => {
    const run = await mcpwatch(['check', 'http://127.0.0.1:1/mcp', '--allow-private']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /DOWN TCP_REFUSED/);
  });

  test('loopback without --allow-private is refused, and the message says how to allow it', async () => {
    const run = await mcpwatch(['check', modern.url]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /DOWN ADDRESS_BLOCKED — 127\.0\.0\.1 is a loopback address/);
  });

  test('auth_required exits 1; the token from the environment makes it up and is never printed', async () => {
    const without = await mcpwatch(['check', protectedServer.url, '--allow-private']);
    assert.equal(without.code, 1);
    assert.match(without.stdout, /AUTH REQUIRED AUTH_REQUIRED/);
    const withToken = await mcpwatch(['check', protectedServer.url, '--allow-private', '--bearer-env', 'MY_TOKEN', '--json'], { env: { MY_TOKEN: 'cli-secret-token' } });
    assert.equal(withToken.code, 0, withToken.stdout);
    assert.doesNotMatch(withToken.stdout + withToken.stderr, /cli-secret-token/);
    const fromDefault = await mcpwatch(['check', protectedServer.url, '--allow-private'], { env: { MCPWATCH_BEARER_TOKEN: 'cli-secret-token' } });
    assert.equal(fromDefault.code, 0, fromDefault.stdout);
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['no URL', ['check'], /check needs a URL/],
    ['bad scheme', ['check', 'ftp://example.com/'], /only http and https/],
    ['not a URL', ['check', 'not a url'], /not a valid absolute URL/],
    ['credentials in the URL', ['check', 'https://u:p@example.com/mcp'], /user:password/],
    ['bad era', ['check', 'https://example.com/mcp', '--era', 'v1'], /--era must be one of/],
    ['bad timeout', ['check', 'https://example.com/mcp', '--timeout', 'soon'], /--timeout must be a whole number/],
    ['unset token variable', ['check', 'https://example.com/mcp', '--bearer-env', 'NOPE_UNSET'], /NOPE_UNSET is not set/],
    ['unknown flag', ['check', 'https://example.com/mcp', '--frobnicate'], /unknown option --frobnicate for check/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unreadable CA file', ['check', 'https://example.com/mcp', '--ca-file', '/nonexistent/ca.pem'], /--ca-file: cannot read/],
  ];
  for (const [name, args, message] of usage) {
    test(`usage error, exit 2: ${name}`, async () => {
      const run = await mcpwatch(args);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  test('Ctrl-C mid-probe cancels, prints what was learned and exits 1 at once', async () => {
    // Signalled once the probe is under way (its request reached the server), not after a fixed
    // time: a loaded runner can take longer than that to start tsx, and SIGINT before the
    // handler is installed kills the process outright (exit null).
    const requested = new Promise((resolve) => hanging.once('request', resolve));
    const run = await mcpwatch(['check', hangingUrl, '--allow-private', '--timeout', '120000'], { signalWhen: requested });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /DOWN PROBE_TIMEOUT — the probe was cancelled/);
    // "At once" against a 120 s probe timeout: half of it is a bound no loaded runner reaches.
    assert.ok(run.ms < 60_000, `took ${run.ms} ms`);
  });
});
