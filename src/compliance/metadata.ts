// Fetching a JSON metadata document (RFC 9728, RFC 8414) for the auth checks. The URL comes from
// the server, so it goes through the same address policy, deadlines and byte cap as the probe:
// the endpoint's own origin over its vetted connection, any other over a freshly vetted one.
import { parseBoundedJson } from '../domain/bounded-json.ts';
import type { Outcome } from '../domain/failure-codes.ts';
import { truncate } from '../domain/http-status.ts';
import type { Clock } from '../probe/deadline.ts';
import { readBody, sendRequest } from '../probe/http.ts';
import type { McpContext } from '../probe/mcp/context.ts';
import { PhaseRecorder } from '../probe/phases.ts';
import { emptyVettedFacts, openVetted, type VettedDeps, type VettedSettings } from '../probe/vetted.ts';

/** Metadata documents are small; a megabyte of "metadata" is not one. */
export const MAX_METADATA_BYTES = 256 * 1024;

export interface MetadataFetcher {
  readonly settings: VettedSettings;
  readonly deps: VettedDeps;
  readonly clock: Clock;
}

export interface FetchedJson {
  readonly url: string;
  readonly status: number;
  /** The parsed body, or why there is none. */
  readonly body: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly why: string };
}

export async function fetchMetadata(fetcher: MetadataFetcher, ctx: McpContext, url: URL): Promise<Outcome<{ doc: FetchedJson }>> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, code: 'URL_INVALID', detail: `${truncate(url.href, 120)} is not an http(s) URL` };
  if (url.username !== '' || url.password !== '') return { ok: false, code: 'URL_INVALID', detail: 'the metadata URL carries user info; not fetched' };
  if (url.origin === ctx.url.origin) return get(ctx.dispatcher, ctx, url);
  const opened = await openVetted(url, fetcher.settings, fetcher.deps, ctx.deadline, new PhaseRecorder(fetcher.clock), emptyVettedFacts());
  if (!opened.ok) return opened;
  try {
    return await get(opened.clients.main, ctx, url);
  } finally {
    await opened.clients.destroy();
  }
}

async function get(dispatcher: McpContext['dispatcher'], ctx: McpContext, url: URL): Promise<Outcome<{ doc: FetchedJson }>> {
  // Never the endpoint's credentials: they are for the MCP endpoint, not whoever the metadata names.
  const headers = { accept: 'application/json', 'user-agent': ctx.headers['user-agent'] ?? 'mcpwatch' };
  const sent = await sendRequest(dispatcher, { method: 'GET', path: `${url.pathname}${url.search}`, headers }, ctx.limits, ctx.deadline);
  if (!sent.ok) return sent;
  const read = await readBody(sent.head, ctx.limits, ctx.deadline, MAX_METADATA_BYTES);
  if (!read.ok) return read;
  const parsed = parseBoundedJson(read.text);
  const body = parsed.ok ? ({ ok: true, value: parsed.value } as const) : ({ ok: false, why: parsed.reason === 'syntax' ? 'not valid JSON' : parsed.detail } as const);
  return { ok: true, doc: { url: url.href, status: sent.head.status, body } };
}
