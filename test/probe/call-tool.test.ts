// `check --call-tool`: the one place a probe calls a tool, at the operator's explicit request.
// Real SDK v2 servers on loopback, in the modern era and forced into the 2025 handshake.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { parseCommand } from '../../src/cli/commands.ts';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';

const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 15_000 };

describe('calling one named tool (check --call-tool)', () => {
  const servers: RunningServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  for (const era of ['modern', 'streamable'] as const) {
    test(`${era}: a tool that answers → up, with a tool_call step after the handshake`, async () => {
      const server = await startV2Server({ era: 'dual' });
      servers.push(server);
      const result = await runProbe({ url: server.url, era, callTool: 'echo' }, settings);
      assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
      assert.equal(result.era, era);
      const steps = result.phases.map((p) => p.phase);
      assert.ok(steps.includes('tool_call'), steps.join(' '));
      assert.equal(result.phases.find((p) => p.phase === 'tool_call')?.ok, true);
    });

    test(`${era}: a tool the server does not have → degraded, naming tools/call`, async () => {
      const server = await startV2Server({ era: 'dual' });
      servers.push(server);
      const result = await runProbe({ url: server.url, era, callTool: 'no-such-tool' }, settings);
      assert.equal(result.status, 'degraded', `${result.code}: ${result.detail}`);
      assert.ok(result.code === 'JSONRPC_ERROR', `code ${result.code}`);
      assert.match(result.detail ?? '', /^tools\/call: /);
    });
  }

  test('without --call-tool no tool is ever called', async () => {
    const server = await startV2Server({ era: 'modern' });
    servers.push(server);
    const result = await runProbe({ url: server.url, listTools: true }, settings);
    assert.equal(result.status, 'up');
    assert.ok(!result.phases.some((p) => p.phase === 'tool_call'));
  });

  test('the CLI takes a valid tool name and refuses anything else', () => {
    const ok = parseCommand(['check', 'https://x.example/mcp', '--call-tool', 'health.check_v2'], {});
    assert.equal(ok.command === 'check' ? ok.request.callTool : undefined, 'health.check_v2');
    assert.throws(() => parseCommand(['check', 'https://x.example/mcp', '--call-tool', 'rm -rf'], {}), /not a valid tool name/);
    const none = parseCommand(['check', 'https://x.example/mcp'], {});
    assert.equal(none.command === 'check' ? none.request.callTool : 'x', undefined);
  });
});
