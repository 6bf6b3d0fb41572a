import type { Failure, Outcome } from '../../domain/failure-codes.ts';
import { isRecord } from '../../domain/jsonrpc.ts';
import type { ToolsFacts } from '../../domain/probe-result.ts';
import { hashToolList, toolSignature, type ToolSignature } from '../../domain/tool-hash.ts';
import type { RpcChannel } from './channel.ts';

/**
 * Every page of tools/list, up to a page limit, for the count and the drift hash. Tools are
 * listed, never called: a monitor must not cause side effects on the servers it watches.
 */
export async function listTools(
  channel: RpcChannel,
  options: {
    maxPages: number;
    maxBytes: number;
    params?: (cursor: string | undefined) => Record<string, unknown>;
    /** Sees every page's whole result (the compliance checks read schemas and caching hints). */
    onPage?: ((result: Readonly<Record<string, unknown>>) => void) | undefined;
  },
): Promise<Outcome<{ tools: ToolsFacts }>> {
  const signatures: ToolSignature[] = [];
  let cursor: string | undefined;
  let pages = 0;
  const seenCursors = new Set<string>();
  for (;;) {
    const params = options.params ? options.params(cursor) : cursor !== undefined ? { cursor } : undefined;
    const page = await channel.request('tools/list', params, { maxBytes: options.maxBytes });
    if (!page.ok) return page;
    pages += 1;
    const result = page.result;
    if (!isRecord(result) || !Array.isArray(result.tools)) return invalid('the tools/list result has no tools array');
    options.onPage?.(result);
    for (const tool of result.tools) {
      const signature = toolSignature(tool);
      if (signature === undefined) return invalid('a tool in tools/list has no name');
      signatures.push(signature);
    }
    const next = typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (next === undefined) break;
    // A server that hands back a cursor it already gave would loop forever.
    if (seenCursors.has(next) || pages >= options.maxPages) {
      return { ok: true, tools: facts(signatures, pages, true) };
    }
    seenCursors.add(next);
    cursor = next;
  }
  return { ok: true, tools: facts(signatures, pages, false) };
}

function facts(signatures: ToolSignature[], pages: number, truncated: boolean): ToolsFacts {
  return {
    count: signatures.length,
    hash: hashToolList(signatures),
    names: signatures.map((s) => s.name).sort(),
    pages,
    truncated,
  };
}

function invalid(detail: string): { ok: false } & Failure {
  return { ok: false, code: 'INVALID_JSONRPC', detail };
}

/**
 * One `tools/call` with empty arguments, for `check --call-tool`. A reply with `isError: true`
 * is a failure of the tool, not of the transport: the caller reports it as degraded.
 */
export async function callTool(
  channel: RpcChannel,
  name: string,
  options: { maxBytes: number; meta?: Record<string, unknown> },
): Promise<Outcome<object>> {
  const params = { name, arguments: {}, ...(options.meta ? { _meta: options.meta } : {}) };
  const reply = await channel.request('tools/call', params, { maxBytes: options.maxBytes });
  if (!reply.ok) return reply;
  if (!isRecord(reply.result)) return invalid(`the tools/call result for ${JSON.stringify(name)} is not an object`);
  if (reply.result.isError === true) return { ok: false, code: 'JSONRPC_ERROR', detail: `the tool ${JSON.stringify(name)} reported an error (isError: true)` };
  return { ok: true };
}
