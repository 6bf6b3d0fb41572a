// Reads a registry's server list: GET {base}/v0.1/servers page by page, following
// metadata.nextCursor. The registry is a stranger on the network like any endpoint: its address
// goes through the SSRF policy, every request has a deadline, every body a cap, every page a shape
// check. Any failure fails the whole pass (the caller then keeps the last good list): applying half
// a full list would archive the other half.
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import * as z from 'zod';
import { AddressRefusedError } from '../alerts/channels/address-guard.ts';
import { guardedDispatcher } from '../alerts/channels/guarded-dispatcher.ts';

export interface FetchServersOptions {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly pageSize: number;
  /** Deadline per request (headers and body). */
  readonly timeoutMs: number;
  readonly maxPageBytes: number;
  readonly allowPrivate: boolean;
  /** RFC 3339: only servers changed since (deleted ones included); null for the full list. */
  readonly updatedSince: string | null;
  /** Pages at most, whatever the cursors say. */
  readonly maxPages?: number;
  /** Aborts the pass (shutdown). */
  readonly signal?: AbortSignal;
}

export type FetchServersOutcome =
  | { readonly ok: true; readonly servers: readonly unknown[]; readonly pages: number }
  | { readonly ok: false; readonly error: string; readonly pages: number };

const DEFAULT_MAX_PAGES = 10_000;

const page = z.looseObject({
  servers: z.array(z.unknown()),
  metadata: z.looseObject({ nextCursor: z.string().nullish(), count: z.number().nullish() }).nullish(),
});

export async function fetchServers(options: FetchServersOptions): Promise<FetchServersOutcome> {
  const base = new URL(options.url);
  const guard = guardedDispatcher(base.hostname, { allowPrivate: options.allowPrivate });
  if (!guard.ok) return { ok: false, error: `registry address refused: ${guard.detail}`, pages: 0 };
  const servers: unknown[] = [];
  const cursors = new Set<string>();
  let cursor: string | null = null;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) return { ok: false, error: `more than ${maxPages} pages; stopped`, pages };
    const url = new URL(`${base.pathname.replace(/\/+$/, '')}/v0.1/servers`, base);
    url.searchParams.set('version', 'latest');
    url.searchParams.set('limit', String(options.pageSize));
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    if (options.updatedSince !== null) url.searchParams.set('updated_since', options.updatedSince);
    const got = await getJson(url, options, guard.dispatcher);
    if (!got.ok) return { ok: false, error: `page ${pages + 1}: ${got.error}`, pages };
    const parsed = page.safeParse(got.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, error: `page ${pages + 1}: not a server list (${issue ? `${issue.path.join('.') || 'the body'}: ${issue.message}` : 'invalid'})`, pages: pages + 1 };
    }
    servers.push(...parsed.data.servers);
    const next = parsed.data.metadata?.nextCursor ?? null;
    if (next === null || next === '') return { ok: true, servers, pages: pages + 1 };
    // A registry that hands out a cursor it gave before would page forever.
    if (cursors.has(next)) return { ok: false, error: `page ${pages + 1}: cursor ${JSON.stringify(next.slice(0, 100))} came back a second time; stopped (a cursor loop)`, pages: pages + 1 };
    cursors.add(next);
    cursor = next;
  }
}

type Got = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

async function getJson(url: URL, options: FetchServersOptions, dispatcher: Dispatcher): Promise<Got> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'mcpwatch registry sync' },
      signal,
      dispatcher,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const status = response.statusCode;
    if (status !== 200) {
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, error: `HTTP ${status}${why}` };
    }
    const type = String(response.headers['content-type'] ?? '');
    if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
      discard(response.body);
      return { ok: false, error: `not JSON (content-type ${JSON.stringify(type.slice(0, 100))})` };
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxPageBytes) {
      discard(response.body);
      return { ok: false, error: `response of ${declared} bytes is over the ${options.maxPageBytes}-byte cap` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.maxPageBytes) {
        discard(response.body);
        return { ok: false, error: `response over the ${options.maxPageBytes}-byte cap; stopped reading` };
      }
      chunks.push(chunk);
    }
    try {
      return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
    } catch (err) {
      return { ok: false, error: `invalid JSON: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}` };
    }
  } catch (err) {
    if (deadline.aborted) return { ok: false, error: `no complete answer within ${options.timeoutMs} ms` };
    if (options.signal?.aborted === true) return { ok: false, error: 'cancelled (shutting down)' };
    if (err instanceof AddressRefusedError) return { ok: false, error: `registry address refused: ${err.message}` };
    const message = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error && err.cause.message !== message ? ` (${err.cause.message})` : '';
    return { ok: false, error: `${message}${cause}` };
  }
}

/** Stops reading: the connection goes, and the abort it raises is expected, not an error to report. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
