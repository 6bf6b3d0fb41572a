// 2026-07-28: what server/discover returns and how the stateless HTTP transport refuses bad input.
import { isRecord, RPC } from '../../domain/jsonrpc.ts';
import { LATEST_MODERN } from '../../domain/protocol-versions.ts';
import type { CheckContext, CheckFn } from '../context.ts';
import { bare, describeReply, modernHeaders, modernMeta, rpc, rpcError, rpcResult } from '../exchange.ts';
import { fail, notApplicable, pass, plural, quote, unobserved, type Verdict } from '../verdict.ts';

/** A revision no server speaks: the probe for version refusals. */
export const UNKNOWN_VERSION = '2000-01-01';
const CACHE_SCOPES: readonly unknown[] = ['public', 'private'];

function version(c: CheckContext): string {
  return c.handshake.protocolVersion ?? LATEST_MODERN;
}

function onDiscover(judge: (result: Readonly<Record<string, unknown>>) => Verdict): CheckFn {
  return async (c) => {
    const sent = await c.observe.discover(c.mcp, version(c));
    if (!sent.ok) return unobserved(`server/discover: ${sent.detail}`);
    const result = rpcResult(sent.reply);
    if (!isRecord(result)) return fail(`server/discover answered ${describeReply(sent.reply)} without a result object`);
    return judge(result);
  };
}

function ttlVerdict(ttlMs: unknown, what: string): Verdict | null {
  if (typeof ttlMs === 'number' && Number.isInteger(ttlMs) && ttlMs >= 0) return null;
  return fail(`${what}: ttlMs is ${ttlMs === undefined ? 'absent' : quote(ttlMs)}, not an integer >= 0`);
}

function scopeVerdict(cacheScope: unknown, what: string): Verdict | null {
  if (CACHE_SCOPES.includes(cacheScope)) return null;
  return fail(`${what}: cacheScope is ${cacheScope === undefined ? 'absent' : quote(cacheScope)}, not "public" or "private"`);
}

export const MODERN_CHECKS = {
  'modern.discover.supported-versions': onDiscover((r) => {
    const versions = r.supportedVersions;
    if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v) => typeof v === 'string')) return fail(`supportedVersions is ${quote(versions)}, not a non-empty list of revisions`);
    if (!isRecord(r.capabilities)) return fail(`supportedVersions ${quote(versions)} but capabilities is ${quote(r.capabilities)}, not an object`);
    return pass(`supportedVersions ${quote(versions, 120)}; capabilities ${quote(Object.keys(r.capabilities), 120)}`);
  }),
  'modern.discover.result-type': onDiscover((r) =>
    r.resultType === 'complete' ? pass('resultType "complete"') : fail(`resultType is ${r.resultType === undefined ? 'absent' : quote(r.resultType)}, not "complete"`),
  ),
  'modern.discover.ttl-ms': onDiscover((r) => ttlVerdict(r.ttlMs, 'server/discover') ?? pass(`ttlMs ${String(r.ttlMs)}`)),
  'modern.discover.cache-scope': onDiscover((r) => scopeVerdict(r.cacheScope, 'server/discover') ?? pass(`cacheScope ${String(r.cacheScope)}`)),
  'modern.discover.server-info': onDiscover((r) => {
    const info = isRecord(r._meta) ? r._meta['io.modelcontextprotocol/serverInfo'] : undefined;
    if (isRecord(info) && typeof info.name === 'string' && typeof info.version === 'string') return pass(`serverInfo ${quote(info.name)} ${quote(info.version, 30)}`);
    return fail(isRecord(r.serverInfo) ? 'serverInfo only in the result body (pre-2026 shape), not in _meta' : "no _meta['io.modelcontextprotocol/serverInfo'] with name and version");
  }),
  'modern.http.header-mismatch': async (c) => {
    // The header says the revision the server speaks; _meta says another: only the mismatch is wrong.
    const sent = await rpc(c.mcp, 'server/discover', { _meta: modernMeta(UNKNOWN_VERSION) }, modernHeaders(version(c), 'server/discover'));
    if (!sent.ok) return unobserved(sent.detail);
    const got = `header ${version(c)}, _meta ${UNKNOWN_VERSION}: ${describeReply(sent.reply)}`;
    return sent.reply.status === 400 && rpcError(sent.reply)?.code === RPC.headerMismatch ? pass(got) : fail(`${got}; expected HTTP 400, JSON-RPC -32020`);
  },
  'modern.http.unsupported-version': async (c) => {
    const sent = await rpc(c.mcp, 'server/discover', { _meta: modernMeta(UNKNOWN_VERSION) }, modernHeaders(UNKNOWN_VERSION, 'server/discover'));
    if (!sent.ok) return unobserved(sent.detail);
    const error = rpcError(sent.reply);
    const supported = isRecord(error?.data) ? error.data.supported : undefined;
    const got = `version ${UNKNOWN_VERSION}: ${describeReply(sent.reply)}`;
    if (sent.reply.status !== 400 || error?.code !== RPC.unsupportedProtocolVersion) return fail(`${got}; expected HTTP 400, JSON-RPC -32022`);
    if (!Array.isArray(supported) || supported.length === 0) return fail(`${got} but data.supported is ${quote(supported)}, not the supported revisions`);
    return pass(`${got}, supported ${quote(supported, 80)}`);
  },
  'modern.http.method-not-found': async (c) => {
    const method = 'mcpwatch/no-such-method';
    const sent = await rpc(c.mcp, method, { _meta: modernMeta(version(c)) }, modernHeaders(version(c), method));
    if (!sent.ok) return unobserved(sent.detail);
    const got = `${method}: ${describeReply(sent.reply)}`;
    return sent.reply.status === 404 && rpcError(sent.reply)?.code === RPC.methodNotFound ? pass(got) : fail(`${got}; expected HTTP 404, JSON-RPC -32601`);
  },
  'modern.http.get-405': async (c) => {
    const sent = await bare(c.mcp, 'GET', { accept: 'text/event-stream', 'mcp-protocol-version': version(c) });
    if (!sent.ok) return unobserved(sent.detail);
    const got = `GET: HTTP ${sent.reply.status}${sent.reply.contentType ? ` (${sent.reply.contentType})` : ''}`;
    return sent.reply.status === 405 ? pass(got) : fail(`${got}; expected 405`);
  },
  'modern.http.delete-405': async (c) => {
    const sent = await bare(c.mcp, 'DELETE', { 'mcp-protocol-version': version(c) });
    if (!sent.ok) return unobserved(sent.detail);
    const got = `DELETE: HTTP ${sent.reply.status}`;
    return sent.reply.status === 405 ? pass(got) : fail(`${got}; expected 405`);
  },
  'modern.tools-list.caching-hints': (c) => Promise.resolve(toolsCachingHints(c)),
} satisfies Record<string, CheckFn>;

function toolsCachingHints(c: CheckContext): Verdict {
  const pages = c.handshake.toolPages;
  if (pages === null) return toolsUnlisted(c);
  for (const [i, page] of pages.entries()) {
    const what = `tools/list page ${i + 1}`;
    const broken = ttlVerdict(page.ttlMs, what) ?? scopeVerdict(page.cacheScope, what);
    if (broken) return broken;
  }
  const first = pages[0] ?? {};
  return pass(`${plural(pages.length, 'tools/list page')}: ttlMs ${String(first.ttlMs)}, cacheScope ${String(first.cacheScope)}`);
}

/** Why there are no tools/list pages to judge. */
export function toolsUnlisted(c: CheckContext): Verdict {
  if (!c.handshake.listTools) return notApplicable('tools listing is off for this endpoint');
  if (c.handshake.toolsFailure !== null) return unobserved(c.handshake.toolsFailure);
  return notApplicable('the server offers no tools');
}
