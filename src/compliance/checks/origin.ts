// DNS-rebinding protection: a request whose Origin the server cannot have meant to serve.
import { LATEST_MODERN } from '../../domain/protocol-versions.ts';
import { initializeParams } from '../../probe/mcp/streamable.ts';
import type { CheckFn } from '../context.ts';
import { bare, describeReply, header, modernHeaders, modernMeta, rpc } from '../exchange.ts';
import { fail, pass, unobserved } from '../verdict.ts';

/** `.invalid` is reserved (RFC 2606): no server can own it. */
export const FOREIGN_ORIGIN = 'https://mcpwatch-origin-check.invalid';

export const ORIGIN_CHECKS = {
  'http.origin.foreign-refused': async (c) => {
    const origin = { origin: FOREIGN_ORIGIN };
    const version = c.handshake.protocolVersion ?? LATEST_MODERN;
    const sent =
      c.handshake.era === 'modern'
        ? await rpc(c.mcp, 'server/discover', { _meta: modernMeta(version) }, { ...modernHeaders(version, 'server/discover'), ...origin })
        : await rpc(c.mcp, 'initialize', initializeParams(), origin);
    if (!sent.ok) return unobserved(sent.detail);
    const status = sent.reply.status;
    const session = header(sent.reply.headers, 'mcp-session-id');
    // A session the server should never have opened is ended at once.
    if (session !== undefined) await bare(c.mcp, 'DELETE', { 'mcp-session-id': session });
    const got = `Origin ${FOREIGN_ORIGIN}: ${describeReply(sent.reply)}`;
    if (status === 403) return pass(got);
    if (status === 401) return unobserved(`${got}: authorization is checked first, so the Origin check cannot be seen`);
    if (status >= 200 && status < 300) return fail(`${got}: the request was served`);
    return fail(`${got}: refused, but not with the 403 the spec requires`);
  },
} satisfies Record<string, CheckFn>;
