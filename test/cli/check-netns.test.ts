// `mcpwatch check` in a loopback-only network namespace whose resolver (the host's resolv.conf)
// is unreachable: a container with broken DNS. localhost must still resolve, from the hosts file
// and RFC 6761, and any other name must say the resolver is unreachable rather than slow.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { netnsUnavailable, runInLoopbackNetns, type NetnsRun } from '../fixtures/netns.ts';
import { lacks } from '../fixtures/prerequisite.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN_TIMEOUT_MS = 120_000;

// Inside the namespace: a real MCP server on loopback, then the real binary against it.
const SCRIPT = `
  const { spawn } = await import('node:child_process');
  const { startV2Server } = await import(process.env.FIXTURE_URL);
  const server = await startV2Server({ era: 'dual' });
  const port = new URL(server.url).port;
  const run = (args) => new Promise((resolve) => {
    const child = spawn(process.execPath, [...${JSON.stringify(MCPWATCH)}, 'check', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const runs = {
    up: await run(['--allow-private', 'http://localhost:' + port + '/mcp']),
    subdomain: await run(['--allow-private', 'http://mcp.localhost:' + port + '/mcp']),
    blocked: await run(['http://localhost:' + port + '/mcp']),
    unreachable: await run(['--allow-private', 'http://mcp.example.test:' + port + '/mcp']),
  };
  await server.close();
  process.stdout.write(JSON.stringify(runs));
`;

interface CheckRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Result {
  status: string;
  code: string | null;
  detail: string;
  era: string | null;
  addresses: { address: string }[];
}

function parse(run: CheckRun): Result {
  assert.ok(run.stdout.startsWith('{'), `no JSON from mcpwatch check (exit ${run.code}): ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Result;
}

function firstNameserver(): string | undefined {
  try {
    return /^\s*nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('mcpwatch check in a loopback-only network namespace with no reachable DNS server', () => {
  const unavailable = netnsUnavailable();

  test('the namespace reaches nothing but itself: only lo, no route to the resolver', async (t) => {
    if (lacks(t, unavailable)) return;
    const nameserver = firstNameserver() ?? '10.255.255.53';
    // `ip route get` asks the routing table; no packet is sent.
    const route = await runInLoopbackNetns(['ip', 'route', 'get', nameserver], { timeoutMs: 10_000 });
    assert.notEqual(route.code, 0, `a route to ${nameserver} exists in the namespace: ${route.stdout}`);
    assert.match(route.stderr, /unreachable/i);
  });

  test('localhost resolves without DNS and the server is up; other names are DNS_UNREACHABLE', async (t) => {
    if (lacks(t, unavailable)) return;
    const run: NetnsRun = await runInLoopbackNetns([process.execPath, '--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, FIXTURE_URL: new URL('../fixtures/mcp-servers.ts', import.meta.url).href },
      timeoutMs: RUN_TIMEOUT_MS,
    });
    t.diagnostic(`four checks in the namespace took ${Math.round(run.ms)} ms`);
    assert.equal(run.timedOut, false, 'timed out');
    assert.equal(run.code, 0, run.stderr);
    const runs = JSON.parse(run.stdout) as Record<'up' | 'subdomain' | 'blocked' | 'unreachable', CheckRun>;

    const up = parse(runs.up);
    assert.equal(up.status, 'up', up.detail);
    assert.equal(runs.up.code, 0);
    assert.equal(up.era, 'modern');
    assert.ok(up.addresses.every((a) => a.address === '127.0.0.1' || a.address === '::1'), JSON.stringify(up.addresses));

    const subdomain = parse(runs.subdomain);
    assert.equal(subdomain.status, 'up', subdomain.detail);

    // Loopback from the hosts file is still loopback: refused without --allow-private.
    const blocked = parse(runs.blocked);
    assert.equal(blocked.code, 'ADDRESS_BLOCKED', blocked.detail);
    assert.equal(runs.blocked.code, 1);
    assert.match(blocked.detail, /is a loopback address; refusing to connect/);

    const unreachable = parse(runs.unreachable);
    assert.equal(unreachable.code, 'DNS_UNREACHABLE', unreachable.detail);
    assert.equal(runs.unreachable.code, 1);
  });
});
