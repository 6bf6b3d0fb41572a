// /manage/status-pages: the status pages an operator makes (issue 16), from the browser. The same
// store, rules and messages as the JSON API (api/status-page-routes.ts, api/status-page-input.ts);
// the forms work without JavaScript, each POST guarded by role, Origin and the session's CSRF
// token, and each change written to the audit log. Reading needs read.private (a page's custom
// domain and unpublished groups are the operator's business); changing needs status-pages.write,
// which also gates incident posts, as in the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import { INCIDENT_POST_STATUSES, INCIDENT_POST_STATUS_LABELS, STATUS_PAGE_LIMITS, safeLogoFileName, sniffImage } from '../../domain/status-pages.ts';
import { StatusPageError, type IncidentPost, type StatusPage, type StatusPageStore } from '../../store/status-pages.ts';
import { formBody, pageKit, registerFormBodies, type FormBody, type FormError } from '../accounts/forms.ts';
import { registerFormUploads, uploadedFile } from '../accounts/form-uploads.ts';
import { can, viewerOf } from '../accounts/viewer.ts';
import { auditChange } from './manage-changes.ts';
import { checkGroups, checkPage, checkPost, checkPostTitle, checkUpdate } from '../api/status-page-input.ts';
import { ownHostTest, pagePaths, POSTS_LIMIT, resolveGroups } from '../api/status-page-routes.ts';
import type { AppDeps } from '../deps.ts';
import { formErrors, groupField, groupRows, groupsFromForm, pageFieldsFromForm } from '../pages/status-page-forms.ts';
import type { StatusPageHosts } from '../status-page-hosts.ts';
import { isPublished } from './status.ts';

const BASE = '/manage/status-pages';
/**
 * A logo form's whole body: the file (at most 256 KiB) and the CSRF field, with room for a file
 * somewhat over the limit, so the person gets the API's "the limit is …" message on the page
 * rather than a bare 413.
 */
const LOGO_FORM_LIMIT = 4 * STATUS_PAGE_LIMITS.logoBytes;

const slugParam = (request: FastifyRequest): string => (request.params as { slug?: string }).slug ?? '';

function idParam(request: FastifyRequest): number | undefined {
  const raw = (request.params as { id?: string }).id ?? '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

const when = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** A refused write (a slug or domain another page holds, an endpoint gone): the store's words. */
function refusal(error: unknown): FormError[] {
  if (!(error instanceof StatusPageError)) throw error;
  const field = error.code === 'PAGE_SLUG_TAKEN' ? 'slug' : error.code === 'DOMAIN_TAKEN' ? 'customDomain' : 'groups';
  return [{ field, message: error.message }];
}

function postView(post: IncidentPost) {
  return {
    id: post.id,
    title: post.title,
    status: post.status,
    statusLabel: INCIDENT_POST_STATUS_LABELS[post.status],
    createdAt: when(post.createdAt),
    updatedAt: when(post.updatedAt),
    updates: post.updates.map((u) => ({ ...u, statusLabel: INCIDENT_POST_STATUS_LABELS[u.status], at: when(u.at), editedAt: u.editedAt === null ? null : when(u.editedAt) })),
  };
}

export function manageStatusPageRoutes(app: FastifyInstance, opts: { deps: AppDeps & { accounts: Accounts; statusPages: { store: StatusPageStore; hosts: StatusPageHosts } } }): Promise<void> {
  const { deps } = opts;
  const { accounts } = deps;
  const { store: pages, hosts } = deps.statusPages;
  const kit = pageKit(deps);
  const isOwnHost = ownHostTest(deps.config);
  registerFormBodies(app);
  registerFormUploads(app, LOGO_FORM_LIMIT);
  // Only the logo form takes an upload: nobody else's multipart body is parsed at all.
  app.addHook('onRequest', kit.admitUploads('status-pages.write'));
  const read = kit.guard('read.private');
  const write = kit.guard('status-pages.write');
  const statuses = INCIDENT_POST_STATUSES.map((value) => ({ value, label: INCIDENT_POST_STATUS_LABELS[value] }));

  /** After a change: the audit row, then custom domains reloaded (as the API does). */
  async function changed(request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
    // A failed audit write is logged, not a 500 for a change already made (as for the API).
    await auditChange(accounts, request, `status-page.${action}`, target, detail);
    await hosts.changed();
  }

  const back = (reply: FastifyReply, location: string): FastifyReply => reply.code(303).header('location', location).send();
  const editUrl = (slug: string): string => `${BASE}/${encodeURIComponent(slug)}`;
  const target = (slug: string): string => `status-page:${slug}`;

  async function pageOr404(request: FastifyRequest, reply: FastifyReply): Promise<StatusPage | undefined> {
    const slug = slugParam(request);
    const page = slug === '' ? undefined : await pages.getPageBySlug(slug);
    if (!page) await kit.message(reply, request, 404, 'No such status page', `There is no status page "${slug}" (renamed or deleted?).`);
    return page;
  }

  async function postOr404(request: FastifyRequest, reply: FastifyReply): Promise<{ page: StatusPage; post: IncidentPost } | undefined> {
    const page = await pageOr404(request, reply);
    if (!page) return undefined;
    const id = idParam(request);
    const post = id === undefined ? undefined : await pages.getPost(id);
    if (!post || post.pageId !== page.id) {
      await kit.message(reply, request, 404, 'No such incident post', `Status page "${page.slug}" has no incident post ${id ?? ''}.`);
      return undefined;
    }
    return { page, post };
  }

  async function canWrite(request: FastifyRequest): Promise<boolean> {
    return can(await viewerOf(request), 'status-pages.write');
  }

  // --- the list, and creating a page ---------------------------------------------------------

  async function listPage(reply: FastifyReply, request: FastifyRequest, errors: readonly FormError[] = [], draft: FormBody = {}, status = 200): Promise<FastifyReply> {
    const list = (await pages.listPages()).map((p) => ({ ...p, publicUrl: pagePaths(p.slug).url, editUrl: editUrl(p.slug) }));
    return kit.render(reply, request, 'manage-status-pages', { title: 'Status pages · mcpwatch', section: 'status-pages', pages: list, draft, errors, canWrite: await canWrite(request), limits: STATUS_PAGE_LIMITS }, status);
  }

  app.get(BASE, { preHandler: read }, (request, reply) => listPage(reply, request));

  app.post(BASE, { preHandler: write }, async (request, reply) => {
    const body = formBody(request);
    const checked = checkPage(pageFieldsFromForm(body), isOwnHost);
    if (!checked.ok) return listPage(reply, request, formErrors(checked.errors), body, 400);
    let page: StatusPage;
    try {
      page = await pages.createPage(checked.value);
    } catch (error) {
      return listPage(reply, request, refusal(error), body, 409);
    }
    await changed(request, 'create', target(page.slug), { title: page.title, customDomain: page.customDomain, isDefault: page.isDefault });
    return back(reply, editUrl(page.slug));
  });

  // --- one page: its fields, groups, logo and posts -----------------------------------------

  async function editPage(reply: FastifyReply, request: FastifyRequest, page: StatusPage, extra: { errors?: readonly FormError[]; draft?: FormBody; postDraft?: FormBody; form?: string } = {}, status = 200): Promise<FastifyReply> {
    const [groups, posts] = await Promise.all([pages.getGroups(page.id), pages.listPosts(page.id, POSTS_LIMIT)]);
    const endpoints = deps.endpoints().map((e) => ({ id: e.id, slug: e.slug, name: e.name, public: isPublished(e) }));
    const draft = extra.draft ?? { slug: page.slug, title: page.title, description: page.description ?? '', footer: page.footer ?? '', customDomain: page.customDomain ?? '', isDefault: page.isDefault ? 'on' : '' };
    return kit.render(
      reply,
      request,
      'manage-status-page',
      {
        title: `${page.title} · status pages · mcpwatch`,
        section: 'status-pages',
        page: { ...page, ...pagePaths(page.slug), editUrl: editUrl(page.slug) },
        draft,
        postDraft: extra.postDraft ?? { title: '', status: 'investigating', body: '' },
        // Which form the messages belong to, so they show beside it.
        form: extra.form ?? '',
        errors: extra.errors ?? [],
        groups: groupRows(groups, endpoints),
        groupField,
        posts: posts.map(postView),
        statuses,
        canWrite: await canWrite(request),
        limits: STATUS_PAGE_LIMITS,
      },
      status,
    );
  }

  app.get(`${BASE}/:slug`, { preHandler: read }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    return page ? editPage(reply, request, page) : reply;
  });

  app.post(`${BASE}/:slug`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    const body = formBody(request);
    const checked = checkPage(pageFieldsFromForm(body), isOwnHost);
    if (!checked.ok) return editPage(reply, request, page, { errors: formErrors(checked.errors), draft: body, form: 'page' }, 400);
    let saved: StatusPage | undefined;
    try {
      saved = await pages.updatePage(page.id, checked.value);
    } catch (error) {
      return editPage(reply, request, page, { errors: refusal(error), draft: body, form: 'page' }, 409);
    }
    if (!saved) return kit.message(reply, request, 404, 'No such status page', 'It was deleted meanwhile.');
    await changed(request, 'update', target(saved.slug), { ...(saved.slug !== page.slug ? { from: page.slug } : {}), title: saved.title, customDomain: saved.customDomain, isDefault: saved.isDefault });
    return back(reply, editUrl(saved.slug));
  });

  app.post(`${BASE}/:slug/groups`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    const checked = checkGroups(groupsFromForm(formBody(request)));
    const resolved = checked.ok ? await resolveGroups(deps.store, checked.value) : checked;
    if (!resolved.ok) return editPage(reply, request, page, { errors: formErrors(resolved.errors), form: 'groups' }, 400);
    try {
      await pages.setGroups(page.id, resolved.value);
    } catch (error) {
      return editPage(reply, request, page, { errors: refusal(error), form: 'groups' }, 400);
    }
    await changed(request, 'groups', target(page.slug), { groups: resolved.value.map((g) => ({ name: g.name, endpoints: g.endpointIds.length })) });
    return back(reply, `${editUrl(page.slug)}#groups`);
  });

  app.post(`${BASE}/:slug/logo`, { preHandler: write, bodyLimit: LOGO_FORM_LIMIT }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    const file = uploadedFile(request, 'logo');
    const refuse = (message: string): Promise<FastifyReply> => editPage(reply, request, page, { errors: [{ field: 'logo', message: `logo: ${message}` }], form: 'logo' }, 400);
    if (!file || (file.size === 0 && file.name === '')) return refuse('choose a PNG, JPEG, WebP or GIF file to upload');
    const bytes = Buffer.from(await file.arrayBuffer());
    // The API's own checks and words: the size bound, then the type judged by the first bytes.
    const sniffed = sniffImage(bytes);
    if (!sniffed.ok) return refuse(sniffed.message);
    const fileName = safeLogoFileName(file.name, sniffed.type);
    await pages.setLogo(page.id, { bytes, contentType: sniffed.type, fileName });
    await changed(request, 'logo.set', target(page.slug), { fileName, contentType: sniffed.type, size: bytes.length });
    return back(reply, `${editUrl(page.slug)}#logo`);
  });

  app.post(`${BASE}/:slug/logo/remove`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    await pages.setLogo(page.id, null);
    await changed(request, 'logo.remove', target(page.slug), { fileName: page.logo?.fileName ?? null });
    return back(reply, `${editUrl(page.slug)}#logo`);
  });

  // Deleting takes a second step: a page saying what goes, with the button that does it.
  app.get(`${BASE}/:slug/delete`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    const posts = (await pages.listPosts(page.id, POSTS_LIMIT)).length;
    return kit.render(reply, request, 'manage-status-page-delete', {
      title: `Delete ${page.title} · mcpwatch`,
      section: 'status-pages',
      heading: `Delete the status page "${page.title}"?`,
      text: `Its groups, logo and ${posts === POSTS_LIMIT ? `${POSTS_LIMIT} or more` : posts} incident post(s) go with it; ${pagePaths(page.slug).url}${page.customDomain ? ` and ${page.customDomain}` : ''} will answer 404. This cannot be undone.`,
      action: `${editUrl(page.slug)}/delete`,
      cancelUrl: editUrl(page.slug),
      button: 'Delete this status page',
    });
  });

  app.post(`${BASE}/:slug/delete`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    await pages.deletePage(page.id);
    await changed(request, 'delete', target(page.slug), { title: page.title });
    return back(reply, BASE);
  });

  // --- incident posts -------------------------------------------------------------------------

  app.post(`${BASE}/:slug/posts`, { preHandler: write }, async (request, reply) => {
    const page = await pageOr404(request, reply);
    if (!page) return reply;
    const body = formBody(request);
    const checked = checkPost({ title: body.title, status: body.status, body: body.body });
    if (!checked.ok) return editPage(reply, request, page, { errors: formErrors(checked.errors), form: 'post', postDraft: body }, 400);
    const post = await pages.createPost(page.id, checked.value);
    if (!post) return kit.message(reply, request, 404, 'No such status page', 'It was deleted meanwhile.');
    await changed(request, 'post.create', `${target(page.slug)}/post:${post.id}`, { title: post.title, status: post.status });
    return back(reply, `${editUrl(page.slug)}/posts/${post.id}`);
  });

  async function postPage(reply: FastifyReply, request: FastifyRequest, page: StatusPage, post: IncidentPost, extra: { errors?: readonly FormError[]; draft?: FormBody; form?: string } = {}, status = 200): Promise<FastifyReply> {
    return kit.render(
      reply,
      request,
      'manage-status-post',
      {
        title: `${post.title} · ${page.title} · mcpwatch`,
        section: 'status-pages',
        page: { ...page, ...pagePaths(page.slug), editUrl: editUrl(page.slug) },
        post: postView(post),
        postUrl: `${editUrl(page.slug)}/posts/${post.id}`,
        draft: extra.draft ?? { title: post.title, status: post.status, body: '' },
        form: extra.form ?? '',
        errors: extra.errors ?? [],
        statuses,
        canWrite: await canWrite(request),
        full: post.updates.length >= STATUS_PAGE_LIMITS.updates,
        limits: STATUS_PAGE_LIMITS,
      },
      status,
    );
  }

  app.get(`${BASE}/:slug/posts/:id`, { preHandler: read }, async (request, reply) => {
    const found = await postOr404(request, reply);
    return found ? postPage(reply, request, found.page, found.post) : reply;
  });

  app.post(`${BASE}/:slug/posts/:id`, { preHandler: write }, async (request, reply) => {
    const found = await postOr404(request, reply);
    if (!found) return reply;
    const { page, post } = found;
    const body = formBody(request);
    const checked = checkPostTitle(body.title);
    if (!checked.ok) return postPage(reply, request, page, post, { errors: formErrors(checked.errors), form: 'title', draft: { title: body.title ?? '', status: post.status, body: '' } }, 400);
    const saved = await pages.retitlePost(post.id, checked.value);
    if (!saved) return kit.message(reply, request, 404, 'No such incident post', 'It was deleted meanwhile.');
    await changed(request, 'post.retitle', `${target(page.slug)}/post:${post.id}`, { from: post.title, to: saved.title });
    return back(reply, `${editUrl(page.slug)}/posts/${post.id}`);
  });

  app.post(`${BASE}/:slug/posts/:id/updates`, { preHandler: write }, async (request, reply) => {
    const found = await postOr404(request, reply);
    if (!found) return reply;
    const { page, post } = found;
    const body = formBody(request);
    const checked = checkUpdate({ status: body.status, body: body.body });
    if (!checked.ok) return postPage(reply, request, page, post, { errors: formErrors(checked.errors), form: 'update', draft: { title: post.title, status: body.status ?? post.status, body: body.body ?? '' } }, 400);
    if (post.updates.length >= STATUS_PAGE_LIMITS.updates) {
      // The API's words for the same refusal (its 409).
      const message = `incident post ${post.id} already has ${STATUS_PAGE_LIMITS.updates} updates, the most one post may have; start a new post`;
      return postPage(reply, request, page, post, { errors: [{ field: '', message }], form: 'update' }, 409);
    }
    const saved = await pages.addUpdate(post.id, checked.value);
    if (!saved) return kit.message(reply, request, 404, 'No such incident post', 'It was deleted meanwhile.');
    await changed(request, 'post.update', `${target(page.slug)}/post:${post.id}`, { status: checked.value.status });
    return back(reply, `${editUrl(page.slug)}/posts/${post.id}`);
  });

  app.post(`${BASE}/:slug/posts/:id/updates/:updateId`, { preHandler: write }, async (request, reply) => {
    const found = await postOr404(request, reply);
    if (!found) return reply;
    const { page, post } = found;
    const updateId = Number((request.params as { updateId: string }).updateId);
    const update = post.updates.find((u) => u.id === updateId);
    if (!update) return kit.message(reply, request, 404, 'No such update', 'This post has no such update; it may have been deleted with its post.');
    const body = formBody(request);
    // The API's rule and words: only the text changes, so the update's own status is checked with it.
    const checked = checkUpdate({ status: update.status, body: body.body });
    if (!checked.ok) return postPage(reply, request, page, post, { errors: formErrors(checked.errors), form: `edit-${update.id}`, draft: { title: post.title, status: post.status, body: '', editBody: body.body ?? '' } }, 400);
    const saved = await pages.editUpdate(post.id, update.id, checked.value.body);
    if (!saved) return kit.message(reply, request, 404, 'No such update', 'It was deleted meanwhile.');
    await changed(request, 'post.update.edit', `${target(page.slug)}/post:${post.id}`, { updateId: update.id, status: update.status });
    return back(reply, `${editUrl(page.slug)}/posts/${post.id}#update-${update.id}`);
  });

  app.get(`${BASE}/:slug/posts/:id/delete`, { preHandler: write }, async (request, reply) => {
    const found = await postOr404(request, reply);
    if (!found) return reply;
    const { page, post } = found;
    return kit.render(reply, request, 'manage-status-page-delete', {
      title: `Delete ${post.title} · mcpwatch`,
      section: 'status-pages',
      heading: `Delete the incident post "${post.title}"?`,
      text: `Its ${post.updates.length} update(s) go with it, from the page "${page.title}" and its feed. This cannot be undone.`,
      action: `${editUrl(page.slug)}/posts/${post.id}/delete`,
      cancelUrl: `${editUrl(page.slug)}/posts/${post.id}`,
      button: 'Delete this post',
    });
  });

  app.post(`${BASE}/:slug/posts/:id/delete`, { preHandler: write }, async (request, reply) => {
    const found = await postOr404(request, reply);
    if (!found) return reply;
    const { page, post } = found;
    await pages.deletePost(post.id);
    await changed(request, 'post.delete', `${target(page.slug)}/post:${post.id}`, { title: post.title });
    return back(reply, `${editUrl(page.slug)}#posts`);
  });

  return Promise.resolve();
}
