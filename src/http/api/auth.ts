// Who is calling: anonymous, a token (read-only or full), or someone presenting a bad credential.
//
// Policy (ARCHITECTURE §6):
//  * reads of public endpoints need no token; reads of anything else need a token, and a read-only
//    token suffices. To an anonymous caller a non-public endpoint does not exist (404, same as an
//    unknown one), so slugs of private endpoints cannot be probed for.
//  * writes (create, update, delete, pause, resume) and the one-off check need a full token: the
//    check makes this server dial out, which a read-only token must not be able to cause.
//  * a credential that is present but wrong is always a 401, even on a public read: silently
//    treating it as anonymous would hide a misconfigured client.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows, type Action, type Role } from '../../domain/roles.ts';
import type { Store } from '../../store/store.ts';
import { ApiError } from './errors.ts';
import { bearerFromHeader, hashToken, sameHash } from './tokens.ts';

export type Access =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'token'; readonly tokenId: number; readonly name: string; readonly readOnly: boolean; readonly role: Role; readonly ownerUserId: number | null }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'unknown' };

/** last_used_at is written at most this often per token: a busy client should not turn reads into writes. */
export const TOUCH_INTERVAL_MS = 60_000;

export interface AuthDeps {
  readonly store: Store;
  readonly clock: () => number;
}

// Per request, so the rate limiter (which keys on the token) and the route share one lookup.
const cache = new WeakMap<FastifyRequest, Promise<Access>>();

export function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<Access> {
  const cached = cache.get(request);
  if (cached) return cached;
  const access = resolve(request, deps);
  cache.set(request, access);
  return access;
}

async function resolve(request: FastifyRequest, deps: AuthDeps): Promise<Access> {
  const bearer = bearerFromHeader(request.headers.authorization);
  if (bearer.kind === 'absent') return { kind: 'anonymous' };
  if (bearer.kind === 'malformed') return { kind: 'invalid', reason: 'malformed' };
  const hash = hashToken(bearer.token);
  // The lookup by an indexed hash is not constant-time, but it only reveals timing about
  // SHA-256 outputs of the guess, which says nothing about any real token; the final
  // comparison is constant-time anyway.
  const stored = await deps.store.findTokenByHash(hash);
  if (!stored || !sameHash(stored.hash, hash)) return { kind: 'invalid', reason: 'unknown' };
  const now = deps.clock();
  if (stored.lastUsedAt === null || now - Date.parse(stored.lastUsedAt) >= TOUCH_INTERVAL_MS) {
    try {
      await deps.store.touchToken(stored.id, now);
    } catch (error) {
      // A read-only or busy database must not turn a valid read into an error.
      request.log.warn({ err: error, tokenId: stored.id }, 'could not record the token use');
    }
  }
  return { kind: 'token', tokenId: stored.id, name: stored.name, readOnly: stored.readOnly, role: stored.role, ownerUserId: stored.ownerUserId };
}

const CHALLENGE = 'Bearer realm="mcpwatch"';

function unauthorized(access: Access): ApiError {
  if (access.kind === 'invalid') {
    const reason = access.reason === 'malformed' ? 'the Authorization header is not "Bearer mcpw_…"' : 'the token is unknown or revoked';
    return new ApiError(401, 'UNAUTHORIZED', `invalid bearer token: ${reason}`, [], { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` });
  }
  return new ApiError(401, 'UNAUTHORIZED', 'this request needs a bearer token (create one with `mcpwatch token create`)', [], { 'www-authenticate': CHALLENGE });
}

/** onRequest hook for reads: anonymous or any valid token; a bad credential is refused. */
export function allowRead(deps: AuthDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const access = await authenticate(request, deps);
    if (access.kind === 'invalid') throw unauthorized(access);
  };
}

/**
 * onRequest hook for writes: a valid token whose role allows `action` (domain/roles.ts). Runs
 * before the body is read. Tokens made before roles are admin (full) or viewer (read-only), so a
 * full token can still do every write it could.
 */
export function requireWrite(deps: AuthDeps, action: Action = 'endpoints.write') {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const access = await authenticate(request, deps);
    if (access.kind !== 'token') throw unauthorized(access);
    if (roleAllows(access.role, action)) return;
    if (access.role === 'viewer') throw new ApiError(403, 'FORBIDDEN', 'this token is read-only; this request needs a token created without --read-only');
    throw new ApiError(403, 'FORBIDDEN', `this token's role (${access.role}) does not allow ${action}`);
  };
}

/** onRequest hook for private reads: any valid token, read-only included. */
export function requireToken(deps: AuthDeps) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const access = await authenticate(request, deps);
    if (access.kind !== 'token') throw unauthorized(access);
  };
}

export function canSeePrivate(access: Access): boolean {
  return access.kind === 'token';
}

