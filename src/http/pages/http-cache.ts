// Conditional GET for the public pages: a strong ETag from the body bytes and If-None-Match; and
// gzip for public bodies, compressed once per body.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip } from '../../metrics/gzip-body.ts';

export function etagFor(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: weak comparison, a list of tags or `*`. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

export interface CachedBody {
  readonly body: string | Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly etag?: string;
}

/**
 * Status pages are mostly repeated markup (90 bars a card, each with its title): a page of 200
 * endpoints is ~2.9 MB as HTML and ~29 KB gzipped, and the shipped Caddyfile does not compress
 * (it would hold back MCP's event streams). Only public bodies are compressed: they carry nothing
 * of a viewer's (no session, no CSRF token), so compression cannot leak a secret (BREACH).
 */
const COMPRESSIBLE = /^(text\/|application\/(json|rss\+xml|xml)|image\/svg\+xml)/;
const GZIP_MIN_BYTES = 1024;
/** Compressed bodies by ETag, most recently used last: a body is compressed once, off the event loop. */
const GZIP_MEMO_ENTRIES = 64;
const gzipMemo = new Map<string, Promise<Buffer>>();
const gzipAsync = promisify(gzip);

function gzipOnce(etag: string, body: string | Buffer): Promise<Buffer> {
  const known = gzipMemo.get(etag);
  gzipMemo.delete(etag);
  const made = known ?? gzipAsync(body);
  gzipMemo.set(etag, made);
  if (!known) made.catch(() => gzipMemo.delete(etag));
  for (const oldest of gzipMemo.keys()) {
    if (gzipMemo.size <= GZIP_MEMO_ENTRIES) break;
    gzipMemo.delete(oldest);
  }
  return made;
}

/**
 * Sends `body` with its ETag, or 304 with no body when the client already has it. A public text
 * body is sent gzipped to a client that accepts it, under its own ETag (another representation).
 */
export async function sendCached(request: FastifyRequest, reply: FastifyReply, cached: CachedBody): Promise<FastifyReply> {
  const etag = cached.etag ?? etagFor(cached.body);
  const compressible = cached.cacheControl.startsWith('public') && COMPRESSIBLE.test(cached.contentType) && Buffer.byteLength(cached.body) >= GZIP_MIN_BYTES;
  const gzipped = compressible && acceptsGzip(request.headers['accept-encoding']);
  const tag = gzipped ? etag.replace(/"$/, '-gzip"') : etag;
  if (compressible) {
    const vary = reply.getHeader('vary');
    reply.header('vary', vary === undefined ? 'accept-encoding' : `${String(vary)}, accept-encoding`);
  }
  reply.header('etag', tag).header('cache-control', cached.cacheControl);
  if (ifNoneMatchHits(request.headers['if-none-match'], tag)) return reply.code(304).send();
  if (!gzipped) return reply.type(cached.contentType).send(cached.body);
  return reply.type(cached.contentType).header('content-encoding', 'gzip').send(await gzipOnce(tag, cached.body));
}
