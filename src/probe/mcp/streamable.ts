import { judgeInitialize } from '../../domain/era-detection.ts';
import { LATEST_LEGACY, legacyVersionNeedsHeader } from '../../domain/protocol-versions.ts';
import { CLIENT_INFO } from '../../version.ts';
import { header, sendRequest, discardBody } from '../http.ts';
import { finalFailure, summarize, wwwAuthenticate, type Attempt } from './attempt.ts';
import { streamableChannel } from './channel.ts';
import { pathOf, type McpContext } from './context.ts';
import { postRpc } from './rpc.ts';
import { legacyFollowUp } from './session-steps.ts';

export function initializeParams(): Record<string, unknown> {
  return { protocolVersion: LATEST_LEGACY, // A monitor offers nothing (no sampling, no roots): the server must not expect answers from it.
    capabilities: {}, clientInfo: CLIENT_INFO };
}

/** The 2025 Streamable HTTP handshake: initialize → initialized → ping → [tools/list] → DELETE. */
export async function tryStreamable(ctx: McpContext): Promise<Attempt> {
  const sent = await ctx.phases.time('initialize', () => postRpc(ctx, { id: 1, method: 'initialize', params: initializeParams() }));
  if (!sent.ok) return { kind: 'final', failure: sent, era: null };
  const verdict = judgeInitialize(summarize(sent.reply, ctx));
  switch (verdict.kind) {
    case 'stop':
      return finalFailure(ctx, verdict.failure, null, wwwAuthenticate(sent.reply));
    case 'failure':
      return { kind: 'final', failure: verdict.failure, era: 'streamable' };
    case 'modern':
      return {
        kind: 'final',
        failure: { code: 'PROTOCOL_VERSION_UNSUPPORTED', detail: `the server only speaks ${verdict.supported.join(', ')} (modern) and refused initialize` },
        era: 'modern',
      };
    case 'sse':
      return { kind: 'next', fallback: verdict.fallback };
    case 'streamable':
      break;
  }
  const { facts } = verdict;
  const sessionId = header(sent.reply.headers, 'mcp-session-id');
  const sessionHeaders: Record<string, string> = {};
  if (sessionId !== undefined) sessionHeaders['mcp-session-id'] = sessionId;
  if (legacyVersionNeedsHeader(facts.protocolVersion)) sessionHeaders['mcp-protocol-version'] = facts.protocolVersion;

  const attempt = await legacyFollowUp(ctx, streamableChannel(ctx, () => sessionHeaders, sessionId !== undefined), facts, 'streamable');
  if (sessionId !== undefined) await closeSession(ctx, sessionHeaders);
  return attempt;
}

/** Ends the session so monitoring leaves nothing behind; 405 (termination not allowed) is fine. */
async function closeSession(ctx: McpContext, sessionHeaders: Record<string, string>): Promise<void> {
  await ctx.phases.time('session_close', async () => {
    const sent = await sendRequest(ctx.dispatcher, { method: 'DELETE', path: pathOf(ctx.url), headers: { ...ctx.headers, ...sessionHeaders } }, ctx.limits, ctx.deadline);
    if (!sent.ok) return { ok: false };
    await discardBody(sent.head, ctx.limits, ctx.deadline);
    return { ok: (sent.head.status >= 200 && sent.head.status < 300) || sent.head.status === 405 };
  });
}
