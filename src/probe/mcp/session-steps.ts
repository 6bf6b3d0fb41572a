import type { Failure, Outcome } from '../../domain/failure-codes.ts';
import type { InitializeFacts } from '../../domain/era-detection.ts';
import { RPC } from '../../domain/jsonrpc.ts';
import type { Era, ToolsFacts, Warning } from '../../domain/probe-result.ts';
import type { Attempt } from './attempt.ts';
import type { RpcChannel } from './channel.ts';
import type { McpContext } from './context.ts';
import { callTool, listTools } from './tools.ts';

/**
 * What follows a 2025 `initialize` in both legacy transports: the initialized notification, a
 * ping to prove the session works (a load balancer without session affinity fails here, not at
 * initialize), then the optional tools/list.
 */
export async function legacyFollowUp(
  ctx: McpContext,
  channel: RpcChannel,
  facts: InitializeFacts,
  era: Exclude<Era, 'modern'>,
): Promise<Attempt> {
  const initialized = await ctx.phases.time('initialized', () => channel.notify('notifications/initialized'));
  if (!initialized.ok) return { kind: 'final', failure: initialized, era };

  const warnings: Warning[] = [];
  const ping = await ctx.phases.time('ping', () => channel.request('ping', undefined));
  if (!ping.ok) {
    if (ping.rpcError?.code === RPC.methodNotFound) {
      warnings.push({ code: 'PING_UNSUPPORTED', detail: 'the server answers ping with "method not found" (ping is required in 2025 revisions)' });
    } else {
      return { kind: 'final', failure: ping, era };
    }
  }

  let tools = null;
  let followUpFailure: Failure | null = null;
  if (ctx.tools.enabled) {
    const listed: Outcome<{ tools: ToolsFacts }> = await ctx.phases.time('tools_list', () =>
      listTools(channel, { maxPages: ctx.tools.maxPages, maxBytes: ctx.tools.maxBytes, onPage: ctx.tools.onPage }),
    );
    if (listed.ok) tools = listed.tools;
    else if (listed.code === 'SESSION_REJECTED') return { kind: 'final', failure: listed, era };
    else followUpFailure = { code: listed.code, detail: `tools/list: ${listed.detail}` };
  }
  if (ctx.tools.call !== null && followUpFailure === null) {
    const name = ctx.tools.call;
    const called = await ctx.phases.time('tool_call', () => callTool(channel, name, { maxBytes: ctx.tools.maxBytes }));
    if (!called.ok) {
      if (called.code === 'SESSION_REJECTED') return { kind: 'final', failure: called, era };
      followUpFailure = { code: called.code, detail: `tools/call: ${called.detail}` };
    }
  }

  return {
    kind: 'ok',
    handshake: {
      era,
      transport: era === 'sse' ? 'sse' : 'streamable-http',
      protocolVersion: facts.protocolVersion,
      supportedVersions: [facts.protocolVersion],
      capabilities: facts.capabilities,
      server: facts.serverInfo,
      tools,
      followUpFailure,
      warnings,
    },
  };
}

