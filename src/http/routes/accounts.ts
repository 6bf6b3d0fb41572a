// Sign-in, sign-out, first-run setup and one's own account (the TOTP second factor): forms that
// work without JavaScript. Registered only when the app has accounts (deps.accounts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import { PASSWORD_MIN_LENGTH } from '../../accounts/password.ts';
import { generateTotpSecret, otpauthUri } from '../../accounts/totp.ts';
import type { AppDeps } from '../deps.ts';
import { clearSessionCookie, overHttps, sessionCookie, sessionIdFrom } from '../accounts/cookies.ts';
import { formBody, pageKit, registerFormBodies, sameOrigin, type PageKit } from '../accounts/forms.ts';
import { actorOf, viewerOf } from '../accounts/viewer.ts';

/** Where to go after signing in: a path on this site only (no `//host`, no scheme), else the dashboard. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /\p{Cc}/u.test(next)) return '/';
  return next;
}

function timeText(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function accountRoutes(app: FastifyInstance, opts: { deps: AppDeps & { accounts: Accounts } }): Promise<void> {
  const { deps } = opts;
  const { accounts } = deps;
  const kit: PageKit = pageKit(deps);
  registerFormBodies(app);
  const secure = (request: FastifyRequest): boolean => overHttps(request, deps.config.publicUrl);

  const loginPage = (reply: FastifyReply, request: FastifyRequest, data: { next: string; name: string; errors?: Array<{ field: string; message: string }> }, status = 200) =>
    kit.render(reply, request, 'login', { title: 'Sign in · mcpwatch', ...data }, status);

  /** Ends whatever session the browser had, then hands it a brand-new one (no fixation). */
  async function startSession(request: FastifyRequest, reply: FastifyReply, sessionId: string): Promise<void> {
    const before = sessionIdFrom(request);
    if (before !== undefined) await accounts.signOut(before);
    void reply.header('set-cookie', sessionCookie(sessionId, secure(request), accounts.settings.sessionMaxS));
  }

  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    return loginPage(reply, request, { next: safeNext(query.next), name: '' });
  });

  app.post('/login', async (request, reply) => {
    const body = formBody(request);
    const next = safeNext(body.next);
    // No session yet, so no synchronizer token: the Origin check is what stops a login CSRF.
    if (!sameOrigin(request, deps.config.publicUrl)) return kit.message(reply, request, 403, 'Refused', 'This form was sent from another site. Open the sign-in page here and try again.');
    const outcome = await accounts.signIn({ name: body.name, password: body.password, code: body.code, ip: request.ip });
    const name = typeof body.name === 'string' ? body.name : '';
    if (!outcome.ok) {
      switch (outcome.reason) {
        case 'rate-limited':
          void reply.header('retry-after', String(outcome.retryAfterS));
          return loginPage(reply, request, { next, name, errors: [{ field: '', message: `Too many sign-in attempts. Wait ${outcome.retryAfterS} s and try again.` }] }, 429);
        case 'locked':
          return loginPage(reply, request, { next, name, errors: [{ field: '', message: `This account is locked after too many failed sign-ins, until ${timeText(outcome.until)}. Wait until then, or ask an admin to unlock it.` }] }, 423);
        case 'invalid':
          return loginPage(reply, request, { next, name, errors: [{ field: '', message: 'The user name, password or code is wrong.' }] }, 401);
      }
    }
    await startSession(request, reply, outcome.sessionId);
    return reply.code(303).header('location', next).header('cache-control', 'no-store').send();
  });

  const guarded = kit.guard(null);
  app.post('/logout', async (request, reply) => {
    const viewer = await viewerOf(request);
    if (viewer.kind === 'user') {
      // Ending a live session is a change like any other: our Origin and the CSRF token.
      const refused = await guarded(request, reply);
      if (refused) return refused;
      await accounts.signOut(viewer.sessionId);
    }
    // A session that already ended (idle, expired) has nothing to protect: just drop the cookie.
    return reply.code(303).header('set-cookie', clearSessionCookie(secure(request))).header('location', '/').send();
  });

  const setupPage = (reply: FastifyReply, request: FastifyRequest, data: { token: string; name: string; errors?: Array<{ field: string; message: string }> }, status = 200) =>
    kit.render(reply, request, 'setup', { title: 'First run · mcpwatch', minLength: PASSWORD_MIN_LENGTH, ...data }, status);
  const setupGone = (reply: FastifyReply, request: FastifyRequest) =>
    kit.message(reply, request, 404, 'Setup link not valid', 'This setup link was used already, has expired, or a user exists already. Sign in, or create a user with `mcpwatch user create`.');

  app.get('/setup', async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token;
    if (!(await accounts.setupValid(token))) return setupGone(reply, request);
    return setupPage(reply, request, { token: token as string, name: '' });
  });

  app.post('/setup', async (request, reply) => {
    const body = formBody(request);
    if (!sameOrigin(request, deps.config.publicUrl)) return kit.message(reply, request, 403, 'Refused', 'This form was sent from another site.');
    if (!(await accounts.setupValid(body.token))) return setupGone(reply, request);
    const created = await accounts.completeSetup(body.token, body.name, body.password, body.password2);
    if (!created.ok) return setupPage(reply, request, { token: body.token ?? '', name: body.name ?? '', errors: [created] }, 400);
    const signedIn = await accounts.signIn({ name: created.value.name, password: body.password, ip: request.ip });
    if (!signedIn.ok) return reply.code(303).header('location', '/login').send();
    await startSession(request, reply, signedIn.sessionId);
    return reply.code(303).header('location', '/').send();
  });

  const accountPage = async (reply: FastifyReply, request: FastifyRequest, errors: Array<{ field: string; message: string }> = [], status = 200, tried?: string) => {
    const viewer = await viewerOf(request);
    if (viewer.kind !== 'user') return reply.code(303).header('location', '/login?next=%2Faccount').send();
    // After a wrong code the same secret again: the app the user just set up keeps working.
    const secret = tried !== undefined && /^[A-Z2-7]{32}$/.test(tried) ? tried : generateTotpSecret();
    return kit.render(reply, request, 'account', { title: 'Your account · mcpwatch', minLength: PASSWORD_MIN_LENGTH, totp: viewer.totp, secret, uri: otpauthUri('mcpwatch', viewer.name, secret), errors }, status);
  };

  app.get('/account', { preHandler: kit.guard(null) }, (request, reply) => accountPage(reply, request));

  app.post('/account/totp', { preHandler: kit.guard(null) }, async (request, reply) => {
    const viewer = await viewerOf(request);
    if (viewer.kind !== 'user') return reply.code(403).send();
    const body = formBody(request);
    const done = await accounts.enrolTotp(actorOf(viewer), viewer.userId, body.secret, body.code);
    if (!done.ok) return accountPage(reply, request, [done], 400, body.secret);
    return reply.code(303).header('location', '/account').send();
  });

  app.post('/account/password', { preHandler: kit.guard(null) }, async (request, reply) => {
    const viewer = await viewerOf(request);
    if (viewer.kind !== 'user') return reply.code(403).send();
    const body = formBody(request);
    const done = await accounts.changeOwnPassword(actorOf(viewer), viewer.userId, body.current, body.password, body.password2);
    if (!done.ok) return accountPage(reply, request, [done], 400);
    // Every session ended with the old password, this one too: sign in with the new one.
    return reply.code(303).header('set-cookie', clearSessionCookie(secure(request))).header('location', '/login?next=%2Faccount').send();
  });

  app.post('/account/totp/disable', { preHandler: kit.guard(null) }, async (request, reply) => {
    const viewer = await viewerOf(request);
    if (viewer.kind !== 'user') return reply.code(403).send();
    await accounts.disableTotp(actorOf(viewer), viewer.userId);
    return reply.code(303).header('location', '/account').send();
  });

  return Promise.resolve();
}
