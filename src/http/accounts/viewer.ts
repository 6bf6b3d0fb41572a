// Who is calling, for every surface: anonymous, a bearer token with its role, or a signed-in user
// with theirs. Pages and form routes ask `viewerOf(request)` and `can(viewer, action)`; the JSON
// API keeps its own hooks (api/auth.ts), which read the same bearer tokens.
//
// Sessions count only for pages and forms (never the JSON API): a form carries a CSRF token, an
// API call carries a bearer header, and neither can be forged from another site.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Accounts } from '../../accounts/accounts.ts';
import { roleAllows, type Action, type Role } from '../../domain/roles.ts';
import { authenticate, type AuthDeps } from '../api/auth.ts';
import { sessionIdFrom } from './cookies.ts';

export type Viewer =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly userId: number;
      readonly name: string;
      readonly role: Role;
      /** Whether the user has a TOTP second factor. */
      readonly totp: boolean;
      /** The session's synchronizer token: every form a session posts carries it (csrfField). */
      readonly csrfToken: string;
      /** The cookie's session id, so sign-out can end it. */
      readonly sessionId: string;
    }
  | { readonly kind: 'token'; readonly tokenId: number; readonly name: string; readonly role: Role; readonly ownerUserId: number | null };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

/** The one question every surface asks. Anonymous callers may do nothing beyond public reads. */
export function can(viewer: Viewer, action: Action): boolean {
  return viewer.kind !== 'anonymous' && roleAllows(viewer.role, action);
}

/**
 * The page header's account part: a signed-in user's name, role and sign-out form; a "Sign in"
 * link for everyone else when the app has accounts; nothing (as before accounts) when it has none.
 * A page carrying a user's part is theirs alone: never kept in a shared cache.
 */
export function accountHeader(viewer: Viewer, hasAccounts: boolean): { viewer?: { name: string; role: Role; admin: boolean } | null; csrf?: string } {
  if (viewer.kind === 'user') return { viewer: { name: viewer.name, role: viewer.role, admin: can(viewer, 'users.manage') }, csrf: viewer.csrfToken };
  return hasAccounts ? { viewer: null } : {};
}

/** A viewer's audit-log identity. */
export function actorOf(viewer: Viewer): { userId: number | null; name: string } {
  switch (viewer.kind) {
    case 'user':
      return { userId: viewer.userId, name: viewer.name };
    case 'token':
      return { userId: viewer.ownerUserId, name: `token:${viewer.tokenId}` };
    case 'anonymous':
      return { userId: null, name: 'anonymous' };
  }
}

export interface ViewerDeps extends AuthDeps {
  /** Absent: nobody can sign in (tests and tools that build the app without accounts). */
  readonly accounts?: Accounts;
}

const resolvers = new WeakMap<FastifyRequest, () => Promise<Viewer>>();
const cache = new WeakMap<FastifyRequest, Promise<Viewer>>();

/** Who is calling; resolved once per request. Outside an app with viewerPlugin, everyone is anonymous. */
export function viewerOf(request: FastifyRequest): Promise<Viewer> {
  const cached = cache.get(request);
  if (cached) return cached;
  const resolve = resolvers.get(request);
  const viewer = resolve ? resolve() : Promise.resolve(ANONYMOUS);
  cache.set(request, viewer);
  return viewer;
}

async function resolveViewer(request: FastifyRequest, deps: ViewerDeps): Promise<Viewer> {
  if (request.headers.authorization !== undefined) {
    // A bad token makes a page anonymous (the API answers it with 401 itself).
    const access = await authenticate(request, deps);
    return access.kind === 'token' ? { kind: 'token', tokenId: access.tokenId, name: access.name, role: access.role, ownerUserId: access.ownerUserId } : ANONYMOUS;
  }
  const sessionId = sessionIdFrom(request);
  if (sessionId === undefined || !deps.accounts) return ANONYMOUS;
  const found = await deps.accounts.resolveSession(sessionId);
  if (!found) return ANONYMOUS;
  const { user, session } = found;
  return { kind: 'user', userId: user.id, name: user.name, role: user.role, totp: user.totp, csrfToken: session.csrfSecret, sessionId };
}

function viewers(app: FastifyInstance, opts: { deps: ViewerDeps }): Promise<void> {
  app.addHook('onRequest', (request, _reply, done) => {
    resolvers.set(request, () => resolveViewer(request, opts.deps));
    done();
  });
  return Promise.resolve();
}

/** Registered once by buildApp, before any route: makes viewerOf work everywhere. */
export const viewerPlugin = fp(viewers, { name: 'mcpwatch-viewer', fastify: '5.x' });

/** Constant-time comparison of a posted CSRF token with the session's. */
export function csrfMatches(viewer: Viewer, posted: unknown): boolean {
  if (viewer.kind !== 'user' || typeof posted !== 'string') return false;
  const a = Buffer.from(posted);
  const b = Buffer.from(viewer.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
