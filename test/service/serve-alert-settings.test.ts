// Alert settings through the API of a running `mcpwatch serve` (a real process, a real SQLite file,
// a real MCP server behind a port the test opens and closes, a real loopback receiver): a channel
// made through the API is used by `mcpwatch alert test` run beside the service, and receives the
// incident when the server goes away, without a restart.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startHttpReceiver } from '../alerts/fixtures/receivers.ts';
import { startV2Server } from '../fixtures/mcp-servers.ts';
import { SERVICE_WAIT_MS, servingPort, startServe, until, writeConfig } from '../fixtures/serve-process.ts';
import { startSwitchablePort } from '../fixtures/switchable-port.ts';
import { MCPWATCH } from '../fixtures/mcpwatch-command.ts';

const SECRET = 'api-channel-hmac-0815';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Asynchronous on purpose: the receiver runs in this process and must keep answering. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...MCPWATCH, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: SERVICE_WAIT_MS }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

test('a channel made through the running service’s API is tested from the CLI and hears the next incident', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-serve-alerts-'));
  const server = await startV2Server({ era: 'modern' });
  const door = await startSwitchablePort(Number(new URL(server.url).port));
  const receiver = await startHttpReceiver({ secret: SECRET });
  try {
    const config = writeConfig(
      dir,
      `dataDir: ${dir}/data
probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1 }
health: { downAfter: 2, upAfter: 1 }
endpoints:
  - { name: flaky, url: "http://127.0.0.1:${door.port}/mcp", interval: 1s, timeout: 900 }
`,
    );
    const created = await cli(['token', 'create', '--config', config]);
    assert.equal(created.status, 0, created.stderr);
    const auth = { authorization: `Bearer ${created.stdout.trim()}`, 'content-type': 'application/json' };

    const serve = startServe(config);
    children.push(serve.child);
    const port = await until('the service to listen', () => servingPort(serve), SERVICE_WAIT_MS, serve);
    const api = `http://127.0.0.1:${port}/api/v1`;

    const made = await fetch(`${api}/alerts/channels`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'lan-hook', type: 'webhook', url: `${receiver.url}/in`, secret: SECRET, allowPrivate: true }),
    });
    assert.equal(made.status, 201, await made.clone().text());

    // The CLI, a separate process, finds the channel in the database the service writes.
    const tested = await cli(['alert', 'test', 'lan-hook', '--config', config]);
    assert.equal(tested.status, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /^test message sent through "lan-hook"/);
    assert.equal(receiver.accepted.length, 1);

    await door.down();
    const opened = await until(
      'the incident to reach the API channel',
      () => receiver.accepted.map((r) => JSON.parse(r.body) as { kind: string; endpoint: { slug: string } | null; code: string | null }).find((b) => b.kind === 'incident_opened'),
      SERVICE_WAIT_MS,
      serve,
    );
    assert.deepEqual([opened.endpoint?.slug, opened.code], ['flaky', 'TCP_REFUSED']);
    assert.equal(receiver.forged.length, 0, 'signed with the secret given through the API');

    serve.child.kill('SIGTERM');
    const exit = await serve.exited;
    assert.equal(exit.code, 0, serve.output());
    assert.ok(!serve.output().includes(SECRET), 'the secret is in no log line');
  } finally {
    await receiver.close();
    await door.close();
    await server.close();
  }
});
