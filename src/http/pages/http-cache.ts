// Conditional GET for the public pages: a strong ETag from the body bytes and If-None-Match.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

/** Sends `body` with its ETag, or 304 with no body when the client already has it. */
export function sendCached(request: FastifyRequest, reply: FastifyReply, cached: CachedBody): FastifyReply {
  const etag = cached.etag ?? etagFor(cached.body);
  reply.header('etag', etag).header('cache-control', cached.cacheControl);
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type(cached.contentType).send(cached.body);
}
