// 2025 Streamable HTTP: one session (initialize → initialized), the optional GET stream, the
// version header, and ending the session. The DELETE check runs last: it ends the session.
import { legacyVersionNeedsHeader } from '../../domain/protocol-versions.ts';
import type { CheckContext, CheckFn } from '../context.ts';
import { bare, describeReply, rpc } from '../exchange.ts';
import type { LegacySession } from '../observations.ts';
import { fail, notApplicable, pass, quote, unobserved, type Verdict } from '../verdict.ts';
import { UNKNOWN_VERSION } from './modern.ts';

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

function sessionHeaders(session: LegacySession): Record<string, string> {
  return { 'mcp-protocol-version': session.protocolVersion, ...(session.sessionId !== undefined ? { 'mcp-session-id': session.sessionId } : {}) };
}

function withSession(judge: (c: CheckContext, session: LegacySession) => Promise<Verdict> | Verdict): CheckFn {
  return async (c) => {
    const opened = await c.observe.legacySession(c.mcp);
    if (!opened.ok) return unobserved(`initialize: ${opened.detail}`);
    if (opened.session.initialized === null) return unobserved(`initialize failed: ${describeReply(opened.session.initialize)}`);
    return judge(c, opened.session);
  };
}

export const STREAMABLE_CHECKS = {
  'streamable.notification.202': withSession((_c, session) => {
    const note = session.initialized!;
    const got = `notifications/initialized: HTTP ${note.status}${note.contentType ? ` (${note.contentType})` : ''}`;
    if (note.status === 202 && note.bodyless) return pass(got);
    return fail(`${got}; expected 202 Accepted with no body`);
  }),
  'streamable.http.get-stream-or-405': withSession(async (c, session) => {
    const sent = await bare(c.mcp, 'GET', { accept: 'text/event-stream', ...sessionHeaders(session) });
    if (!sent.ok) return unobserved(sent.detail);
    const got = `GET: HTTP ${sent.reply.status}${sent.reply.contentType ? ` (${sent.reply.contentType})` : ''}`;
    const stream = sent.reply.status >= 200 && sent.reply.status < 300 && sent.reply.contentType === 'text/event-stream';
    return stream || sent.reply.status === 405 ? pass(got) : fail(`${got}; expected an event stream or 405`);
  }),
  'streamable.http.unsupported-version': withSession(async (c, session) => {
    if (!legacyVersionNeedsHeader(session.protocolVersion)) return notApplicable(`${session.protocolVersion} has no MCP-Protocol-Version header`);
    const sent = await rpc(c.mcp, 'ping', undefined, { ...sessionHeaders(session), 'mcp-protocol-version': UNKNOWN_VERSION });
    if (!sent.ok) return unobserved(sent.detail);
    const got = `ping with MCP-Protocol-Version ${UNKNOWN_VERSION}: ${describeReply(sent.reply)}`;
    return sent.reply.status === 400 ? pass(got) : fail(`${got}; expected 400`);
  }),
  'streamable.session.id-charset': withSession((_c, session) => {
    if (session.sessionId === undefined) return notApplicable('no Mcp-Session-Id: the server is stateless');
    return VISIBLE_ASCII.test(session.sessionId) ? pass(`session id of ${session.sessionId.length} visible ASCII characters`) : fail(`session id ${quote(session.sessionId)} holds characters outside 0x21–0x7E`);
  }),
  'streamable.session.delete': withSession(async (c, session) => {
    if (session.sessionId === undefined) return notApplicable('no Mcp-Session-Id: the server is stateless');
    const deleted = await bare(c.mcp, 'DELETE', sessionHeaders(session));
    if (!deleted.ok) return unobserved(`DELETE: ${deleted.detail}`);
    const status = deleted.reply.status;
    if (status === 405) return pass('DELETE: HTTP 405 (the server does not let clients end sessions, which the spec allows)');
    if (!(status >= 200 && status < 300) && status !== 404) return fail(`DELETE: HTTP ${status}; expected 2xx, or 405`);
    const after = await rpc(c.mcp, 'ping', undefined, sessionHeaders(session));
    if (!after.ok) return unobserved(`ping after DELETE: ${after.detail}`);
    const got = `DELETE: HTTP ${status}; then ping on the ended session: ${describeReply(after.reply)}`;
    return after.reply.status === 404 ? pass(got) : fail(`${got}; expected 404`);
  }),
} satisfies Record<string, CheckFn>;
