import { judgeDiscover, type DiscoverAttempt, type DiscoverFacts } from '../../domain/era-detection.ts';
import { LATEST_MODERN } from '../../domain/protocol-versions.ts';
import { CLIENT_INFO } from '../../version.ts';
import { finalFailure, summarize, wwwAuthenticate, type Attempt } from './attempt.ts';
import type { RpcChannel } from './channel.ts';
import { streamableChannel } from './channel.ts';
import type { McpContext } from './context.ts';
import { postRpc } from './rpc.ts';
import { callTool, listTools } from './tools.ts';

/** 2026-07-28 requests carry the protocol in `_meta`; there is no handshake and no session. */
export function modernMeta(version: string): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  };
}

/** `Mcp-Name` mirrors `params.name` of tools/call (and the like); a server refuses a mismatch with -32020. */
export function modernHeaders(version: string, method: string, name?: string): Record<string, string> {
  return { 'mcp-protocol-version': version, 'mcp-method': method, ...(name !== undefined ? { 'mcp-name': name } : {}) };
}

/** `server/discover`, with one retry on -32022 naming a revision both sides speak (judgeDiscover decides). */
export async function tryModern(ctx: McpContext): Promise<Attempt> {
  let attempt: DiscoverAttempt = { version: LATEST_MODERN, retried: false };
  for (;;) {
    const { version } = attempt;
    const sent = await ctx.phases.time('discover', () =>
      postRpc(ctx, { id: 1, method: 'server/discover', params: { _meta: modernMeta(version) }, headers: modernHeaders(version, 'server/discover') }),
    );
    if (!sent.ok) return { kind: 'final', failure: sent, era: null };
    const verdict = judgeDiscover(summarize(sent.reply, ctx), attempt);
    switch (verdict.kind) {
      case 'stop':
        return finalFailure(ctx, verdict.failure, null, wwwAuthenticate(sent.reply));
      case 'legacy':
        return { kind: 'next', fallback: verdict.fallback };
      case 'modern-failure':
        return { kind: 'final', failure: verdict.failure, era: 'modern' };
      case 'retry':
        // judgeDiscover never answers 'retry' to a retry, so this runs at most twice.
        attempt = { version: verdict.version, retried: true };
        continue;
      case 'modern':
        return modernFollowUp(ctx, version, verdict.facts);
    }
  }
}

async function modernFollowUp(ctx: McpContext, version: string, facts: DiscoverFacts): Promise<Attempt> {
  let tools = null;
  let followUpFailure = null;
  let method = 'tools/list';
  let name: string | undefined;
  const channel: RpcChannel = streamableChannel(ctx, () => modernHeaders(version, method, name), false);
  if (ctx.tools.enabled) {
    const listed = await ctx.phases.time('tools_list', () =>
      listTools(channel, {
        maxPages: ctx.tools.maxPages,
        maxBytes: ctx.tools.maxBytes,
        onPage: ctx.tools.onPage,
        params: (cursor) => {
          method = 'tools/list';
          return { ...(cursor !== undefined ? { cursor } : {}), _meta: modernMeta(version) };
        },
      }),
    );
    if (listed.ok) tools = listed.tools;
    else followUpFailure = { code: listed.code, detail: `tools/list: ${listed.detail}` };
  }
  if (ctx.tools.call !== null && followUpFailure === null) {
    const tool = ctx.tools.call;
    method = 'tools/call';
    name = tool;
    const called = await ctx.phases.time('tool_call', () => callTool(channel, tool, { maxBytes: ctx.tools.maxBytes, meta: modernMeta(version) }));
    if (!called.ok) followUpFailure = { code: called.code, detail: `tools/call: ${called.detail}` };
  }
  return {
    kind: 'ok',
    handshake: {
      era: 'modern',
      transport: 'streamable-http',
      protocolVersion: version,
      supportedVersions: facts.supportedVersions,
      capabilities: facts.capabilities,
      server: facts.serverInfo,
      tools,
      followUpFailure,
      warnings: [],
    },
  };
}
