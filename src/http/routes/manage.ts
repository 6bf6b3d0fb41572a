// /manage: users, API tokens and the audit log, for admins. Server-rendered forms (no JavaScript
// needed), each POST guarded by role, Origin and the session's CSRF token; every change goes
// through Accounts, which writes the audit log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import { PASSWORD_MIN_LENGTH } from '../../accounts/password.ts';
import { checkRole } from '../../accounts/rules.ts';
import { ROLES, ROLE_SUMMARIES, type Role } from '../../domain/roles.ts';
import { checkTokenName } from '../api/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { formBody, pageKit, registerFormBodies, type FormError } from '../accounts/forms.ts';
import { actorOf, viewerOf } from '../accounts/viewer.ts';

const AUDIT_PAGE = 100;

function idParam(request: FastifyRequest): number | undefined {
  const raw = (request.params as { id?: string }).id ?? '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function when(iso: string | null): string {
  return iso === null ? 'never' : `${iso.slice(0, 19).replace('T', ' ')}`;
}

export function manageRoutes(app: FastifyInstance, opts: { deps: AppDeps & { accounts: Accounts } }): Promise<void> {
  const { deps } = opts;
  const { accounts } = deps;
  const kit = pageKit(deps);
  registerFormBodies(app);

  async function actor(request: FastifyRequest) {
    return actorOf(await viewerOf(request));
  }

  async function usersPage(reply: FastifyReply, request: FastifyRequest, errors: readonly FormError[] = [], draft = { name: '', role: 'viewer' as Role }, status = 200) {
    const now = deps.clock();
    const users = (await accounts.store.listUsers()).map((u) => {
      const locked = u.lockedUntil !== null && Date.parse(u.lockedUntil) > now;
      return { ...u, locked, lockedText: locked ? `locked until ${when(u.lockedUntil)} UTC` : u.failedLogins > 0 ? `${u.failedLogins} failed sign-in(s)` : 'active' };
    });
    return kit.render(reply, request, 'manage-users', { title: 'Users · mcpwatch', section: 'users', users, roles: ROLES, summaries: ROLE_SUMMARIES, minLength: PASSWORD_MIN_LENGTH, draft, errors }, status);
  }

  const users = kit.guard('users.manage');
  app.get('/manage/users', { preHandler: users }, (request, reply) => usersPage(reply, request));

  app.post('/manage/users', { preHandler: users }, async (request, reply) => {
    const body = formBody(request);
    const role = checkRole(body.role);
    const created = await accounts.createUser(await actor(request), body.name, body.password, body.role);
    if (!created.ok) return usersPage(reply, request, [created], { name: body.name ?? '', role: role.ok ? role.value : 'viewer' }, 400);
    return reply.code(303).header('location', '/manage/users').send();
  });

  /** One POST per action on one user: the outcome, then back to the list (or the list with the message). */
  function userAction(path: string, run: (id: number, request: FastifyRequest) => Promise<{ ok: true } | { ok: false; field: string; message: string }>) {
    app.post(`/manage/users/:id/${path}`, { preHandler: users }, async (request, reply) => {
      const id = idParam(request);
      const outcome = id === undefined ? { ok: false as const, field: 'user', message: 'there is no such user' } : await run(id, request);
      if (!outcome.ok) return usersPage(reply, request, [outcome], undefined, outcome.field === 'user' ? 404 : 400);
      return reply.code(303).header('location', '/manage/users').send();
    });
  }
  userAction('role', async (id, request) => accounts.setRole(await actor(request), id, formBody(request).role));
  userAction('password', async (id, request) => accounts.resetPassword(await actor(request), id, formBody(request).password));
  userAction('unlock', async (id, request) => accounts.unlock(await actor(request), id));
  userAction('remove', async (id, request) => accounts.removeUser(await actor(request), id));

  async function tokensPage(
    reply: FastifyReply,
    request: FastifyRequest,
    extra: { errors?: readonly FormError[]; created?: { name: string; role: Role; token: string }; draft?: { name: string; role: Role } } = {},
    status = 200,
  ) {
    const names = new Map((await accounts.store.listUsers()).map((u) => [u.id, u.name]));
    const tokens = (await accounts.listTokens()).map((t) => ({
      ...t,
      owner: t.ownerUserId === null ? '—' : (names.get(t.ownerUserId) ?? `user ${t.ownerUserId}`),
      createdAt: when(t.createdAt),
      lastUsedAt: when(t.lastUsedAt),
    }));
    return kit.render(
      reply,
      request,
      'manage-tokens',
      { title: 'API tokens · mcpwatch', section: 'tokens', tokens, roles: ROLES, draft: extra.draft ?? { name: '', role: 'viewer' }, errors: extra.errors ?? [], created: extra.created ?? null },
      status,
    );
  }

  const tokens = kit.guard('tokens.manage');
  app.get('/manage/tokens', { preHandler: tokens }, (request, reply) => tokensPage(reply, request));

  app.post('/manage/tokens', { preHandler: tokens }, async (request, reply) => {
    const body = formBody(request);
    const name = checkTokenName(body.name ?? '');
    const role = checkRole(body.role);
    const errors: FormError[] = [...(name.ok ? [] : [{ field: 'name', message: name.message }]), ...(role.ok ? [] : [role])];
    if (!name.ok || !role.ok) return tokensPage(reply, request, { errors, draft: { name: body.name ?? '', role: role.ok ? role.value : 'viewer' } }, 400);
    const viewer = await viewerOf(request);
    const { token, created } = await accounts.createToken(actorOf(viewer), name.name, role.value, viewer.kind === 'user' ? viewer.userId : null);
    // Rendered, not redirected: the token exists only in this response.
    return tokensPage(reply, request, { created: { name: created.name, role: created.role, token } }, 201);
  });

  app.post('/manage/tokens/:id/revoke', { preHandler: tokens }, async (request, reply) => {
    const id = idParam(request);
    if (id === undefined || !(await accounts.revokeToken(await actor(request), id))) return tokensPage(reply, request, { errors: [{ field: 'token', message: 'there is no such token (revoked already?)' }] }, 404);
    return reply.code(303).header('location', '/manage/tokens').send();
  });

  app.get('/manage/audit', { preHandler: kit.guard('audit.read') }, async (request, reply) => {
    const before = (request.query as { before?: string }).before;
    const beforeId = before !== undefined && /^\d{1,15}$/.test(before) ? Number(before) : undefined;
    const rows = await accounts.store.listAudit({ limit: AUDIT_PAGE, ...(beforeId !== undefined ? { beforeId } : {}) });
    const entries = rows.map((e) => ({ ...e, at: when(e.at), detail: JSON.stringify(e.detail) }));
    const olderUrl = rows.length === AUDIT_PAGE ? `/manage/audit?before=${rows.at(-1)!.id}` : null;
    return kit.render(reply, request, 'manage-audit', { title: 'Audit log · mcpwatch', section: 'audit', entries, olderUrl });
  });

  return Promise.resolve();
}
