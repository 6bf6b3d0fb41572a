// /status-pages: the status pages an operator makes (issue 16). Reading needs a token (a page's
// custom domain and its unpublished groups are the operator's business until shown); changing
// needs a full one. The schemas check types only; what the values may be is decided by
// status-page-input.ts, which the browser forms share, so both speak with one voice.
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { INCIDENT_POST_STATUSES, STATUS_PAGE_LIMITS, safeLogoFileName, sniffImage } from '../../domain/status-pages.ts';
import { StatusPageError, type IncidentPost, type StatusPage, type StatusPageGroup, type StatusPageStore } from '../../store/status-pages.ts';
import type { Store } from '../../store/store.ts';
import { hostCheck, type Config } from '../../config/schema.ts';
import type { AppDeps } from '../deps.ts';
import { nameAllowed } from '../host-guard.ts';
import { requireToken, requireWrite } from './auth.ts';
import { BEARER, findEndpoint, type ApiInstance } from './context.ts';
import { ApiError, notFound, validationError, type FieldError } from './errors.ts';
import { Nullable, errorResponses } from './schemas.ts';
import { checkGroups, checkPage, checkPost, checkPostTitle, checkUpdate, type Checked } from './status-page-input.ts';

const TAGS = ['status pages'];

/** Posts listed by GET …/posts and shown on a page. */
export const POSTS_LIMIT = 50;

const Text = Type.String();
const PageBody = Type.Object(
  {
    slug: Text,
    title: Text,
    description: Type.Optional(Nullable(Text)),
    footer: Type.Optional(Nullable(Text)),
    customDomain: Type.Optional(Nullable(Text)),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const GroupsBody = Type.Object(
  { groups: Type.Array(Type.Object({ name: Text, endpoints: Type.Array(Type.Union([Type.String(), Type.Integer()])) }, { additionalProperties: false })) },
  { additionalProperties: false },
);
const Status = Type.Enum([...INCIDENT_POST_STATUSES]);
const PostBody = Type.Object({ title: Text, status: Status, body: Text }, { additionalProperties: false });
const PostPatchBody = Type.Object({ title: Text }, { additionalProperties: false });
const UpdateBody = Type.Object({ status: Status, body: Text }, { additionalProperties: false });
const PageParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const PostParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }), id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const UpdateParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }), id: Type.Integer({ minimum: 1 }), updateId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const UpdatePatchBody = Type.Object({ body: Text }, { additionalProperties: false });

const LogoView = Type.Object({ contentType: Type.String(), fileName: Type.String(), size: Type.Integer(), url: Type.String() });
const GroupView = Type.Object({ name: Type.String(), endpoints: Type.Array(Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String(), public: Type.Boolean() })) });
const UpdateView = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  body: Type.String(),
  at: Type.String(),
  editedAt: Nullable(Type.String({ description: 'When the text was last corrected (ISO 8601); null as first posted' })),
});
const PostView = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
  updatedAt: Type.String(),
  updates: Type.Array(UpdateView),
});
const PageView = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  footer: Nullable(Type.String()),
  customDomain: Nullable(Type.String()),
  isDefault: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  logo: Nullable(LogoView),
  url: Type.String(),
  feedUrl: Type.String(),
  groups: Type.Array(GroupView),
});

/** Where a page, its feed and its logo are served (the same paths as on its custom domain). */
export function pagePaths(slug: string): { url: string; feedUrl: string; jsonUrl: string; logoUrl: string } {
  const page = `/status/p/${encodeURIComponent(slug)}`;
  return { url: page, feedUrl: `${page}/feed.xml`, jsonUrl: `${page}.json`, logoUrl: `/status-pages/${encodeURIComponent(slug)}/logo` };
}

function checked<T>(outcome: Checked<T>, prefix: string): T {
  if (outcome.ok) return outcome.value;
  throw validationError(outcome.errors.map((e: FieldError) => ({ field: `${prefix}.${e.field}`, message: e.message })));
}

function refused(error: unknown): never {
  if (error instanceof StatusPageError) {
    if (error.code === 'ENDPOINT_NOT_FOUND') throw validationError([{ field: 'body.groups', message: error.message }]);
    throw new ApiError(409, error.code === 'PAGE_SLUG_TAKEN' ? 'SLUG_TAKEN' : 'NAME_TAKEN', error.message);
  }
  throw error;
}

async function pageView(page: StatusPage, pages: StatusPageStore, store: Store): Promise<Static<typeof PageView>> {
  const paths = pagePaths(page.slug);
  const groups = await pages.getGroups(page.id);
  const endpoints = new Map((await Promise.all([...new Set(groups.flatMap((g) => g.endpointIds))].map((id) => store.getEndpoint(id)))).flatMap((e) => (e ? [[e.id, e] as const] : [])));
  return {
    ...page,
    logo: page.logo === null ? null : { ...page.logo, url: paths.logoUrl },
    url: paths.url,
    feedUrl: paths.feedUrl,
    groups: groups.map((g) => ({
      name: g.name,
      endpoints: g.endpointIds.flatMap((id) => {
        const e = endpoints.get(id);
        return e ? [{ id: e.id, slug: e.slug, name: e.name, public: e.public }] : [];
      }),
    })),
  };
}

/** Whether a name is one this mcpwatch answers to itself: a page claiming it would take that host over. */
export function ownHostTest(config: Pick<Config, 'listen' | 'publicUrl'>): (hostname: string) => boolean {
  const own = hostCheck(config.listen, config.publicUrl);
  return (hostname) => nameAllowed({ enforced: true, anyHost: false, names: own.names }, hostname);
}

/**
 * Checked groups (checkGroups) with their endpoint references resolved to ids: every reference
 * must name an endpoint, and a public one. Shared by the API and the browser form.
 */
export async function resolveGroups(store: Store, groups: readonly { readonly name: string; readonly endpoints: readonly string[] }[]): Promise<Checked<StatusPageGroup[]>> {
  const errors: FieldError[] = [];
  const resolved = await Promise.all(
    groups.map(async (group, i) => ({
      name: group.name,
      endpointIds: (
        await Promise.all(
          group.endpoints.map(async (ref, j) => {
            const endpoint = await findEndpoint(store, ref);
            const field = `groups.${i}.endpoints.${j}`;
            if (!endpoint) errors.push({ field, message: `no endpoint with id or slug ${JSON.stringify(ref)}` });
            // A status page is public: it may show only what is already published.
            else if (!endpoint.public) errors.push({ field, message: `endpoint "${endpoint.slug}" is not public; a status page shows only public endpoints (set public: true first)` });
            return endpoint?.id;
          }),
        )
      ).filter((id): id is number => id !== undefined),
    })),
  );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: resolved };
}

function postView(post: IncidentPost): Static<typeof PostView> {
  return { ...post, updates: post.updates.map((u) => ({ ...u })) };
}

export function statusPageRoutes(app: ApiInstance, deps: AppDeps): void {
  const surface = deps.statusPages;
  if (!surface) return;
  const { store: pages, hosts } = surface;
  const read = requireToken(deps);
  const write = requireWrite(deps, 'status-pages.write');
  const isOwnHost = ownHostTest(deps.config);

  /** An all-digit ref is an id first, as for endpoints. */
  const pageOr404 = async (ref: string): Promise<StatusPage> => {
    const page = (/^\d{1,15}$/.test(ref) ? await pages.getPage(Number(ref)) : undefined) ?? (await pages.getPageBySlug(ref));
    if (!page) throw notFound(`no status page with id or slug ${JSON.stringify(ref)}`);
    return page;
  };
  const postOr404 = async (page: StatusPage, id: number): Promise<IncidentPost> => {
    const post = await pages.getPost(id);
    if (!post || post.pageId !== page.id) throw notFound(`status page "${page.slug}" has no incident post ${id}`);
    return post;
  };
  const changed = async (request: FastifyRequest, what: string, slug: string): Promise<void> => {
    request.log.info({ statusPage: slug }, `status page ${what} through the API`);
    await hosts.changed();
  };

  app.get('/status-pages', { onRequest: read, schema: { tags: TAGS, summary: 'Status pages', security: BEARER, response: { 200: Type.Object({ pages: Type.Array(PageView) }), ...errorResponses(401, 429) } } }, async () => ({
    pages: await Promise.all((await pages.listPages()).map((p) => pageView(p, pages, deps.store))),
  }));

  app.post(
    '/status-pages',
    { onRequest: write, schema: { tags: TAGS, summary: 'Create a status page', security: BEARER, body: PageBody, response: { 201: PageView, ...errorResponses(400, 401, 403, 409, 429) } } },
    async (request, reply) => {
      const definition = checked(checkPage(request.body, isOwnHost), 'body');
      const page = await pages.createPage(definition).catch(refused);
      await changed(request, 'created', page.slug);
      return reply.code(201).send(await pageView(page, pages, deps.store));
    },
  );

  app.get(
    '/status-pages/:ref',
    { onRequest: read, schema: { tags: TAGS, summary: 'One status page with its groups', security: BEARER, params: PageParams, response: { 200: PageView, ...errorResponses(400, 401, 404, 429) } } },
    async (request) => pageView(await pageOr404(request.params.ref), pages, deps.store),
  );

  app.put(
    '/status-pages/:ref',
    {
      onRequest: write,
      schema: { tags: TAGS, summary: 'Replace a status page (fields left out become empty)', security: BEARER, params: PageParams, body: PageBody, response: { 200: PageView, ...errorResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request) => {
      const page = await pageOr404(request.params.ref);
      const definition = checked(checkPage(request.body, isOwnHost), 'body');
      const saved = await pages.updatePage(page.id, definition).catch(refused);
      if (!saved) throw notFound(`no status page with id or slug ${JSON.stringify(request.params.ref)}`);
      await changed(request, 'replaced', saved.slug);
      return pageView(saved, pages, deps.store);
    },
  );

  app.delete(
    '/status-pages/:ref',
    { onRequest: write, schema: { tags: TAGS, summary: 'Delete a status page with its groups, logo and incident posts', security: BEARER, params: PageParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request, reply) => {
      const page = await pageOr404(request.params.ref);
      await pages.deletePage(page.id);
      await changed(request, 'deleted', page.slug);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/status-pages/:ref/groups',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Replace the groups of endpoints a page shows (endpoints by id or slug; only public endpoints)',
        security: BEARER,
        params: PageParams,
        body: GroupsBody,
        response: { 200: PageView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const page = await pageOr404(request.params.ref);
      const resolved = checked(await resolveGroups(deps.store, checked(checkGroups(request.body.groups), 'body')), 'body');
      await pages.setGroups(page.id, resolved).catch(refused);
      await changed(request, 'groups replaced', page.slug);
      return pageView(page, pages, deps.store);
    },
  );

  // The logo as the raw request body: no multipart parser (a dependency) for one file. The type is
  // judged from the bytes; the Content-Type only has to say it is some image or raw bytes.
  app.register((logoScope, _opts, done) => {
    logoScope.addContentTypeParser(/^(?:image\/[a-z0-9.+-]+|application\/octet-stream)\s*(?:;|$)/i, { parseAs: 'buffer', bodyLimit: STATUS_PAGE_LIMITS.logoBytes * 2 }, (_request, body, next) => next(null, body));
    const typed = logoScope as unknown as ApiInstance;
    typed.put(
      '/status-pages/:ref/logo',
      {
        onRequest: write,
        bodyLimit: STATUS_PAGE_LIMITS.logoBytes * 2,
        schema: {
          tags: TAGS,
          summary: 'Upload the page logo: PNG, JPEG, WebP or GIF as the raw body (at most 256 KiB; SVG is refused); ?filename= names it',
          security: BEARER,
          params: PageParams,
          querystring: Type.Object({ filename: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
          response: { 200: PageView, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
        },
      },
      async (request) => {
        const page = await pageOr404(request.params.ref);
        const bytes = request.body;
        if (!Buffer.isBuffer(bytes)) throw new ApiError(415, 'VALIDATION_FAILED', 'send the logo as the raw request body with Content-Type image/png, image/jpeg, image/webp, image/gif or application/octet-stream');
        if (bytes.length > STATUS_PAGE_LIMITS.logoBytes) throw new ApiError(413, 'VALIDATION_FAILED', `body: the logo is ${bytes.length} bytes; the limit is ${STATUS_PAGE_LIMITS.logoBytes} bytes (256 KiB)`, [{ field: 'body', message: `must be at most ${STATUS_PAGE_LIMITS.logoBytes} bytes` }]);
        const sniffed = sniffImage(bytes);
        if (!sniffed.ok) throw validationError([{ field: 'body', message: sniffed.message }]);
        const fileName = safeLogoFileName(request.query.filename, sniffed.type);
        await pages.setLogo(page.id, { bytes, contentType: sniffed.type, fileName });
        await changed(request, 'logo set', page.slug);
        return pageView((await pages.getPage(page.id)) ?? page, pages, deps.store);
      },
    );
    done();
  });

  app.delete(
    '/status-pages/:ref/logo',
    { onRequest: write, schema: { tags: TAGS, summary: 'Remove the page logo', security: BEARER, params: PageParams, response: { 200: PageView, ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request) => {
      const page = await pageOr404(request.params.ref);
      await pages.setLogo(page.id, null);
      await changed(request, 'logo removed', page.slug);
      return pageView((await pages.getPage(page.id)) ?? page, pages, deps.store);
    },
  );

  app.get(
    '/status-pages/:ref/posts',
    { onRequest: read, schema: { tags: TAGS, summary: `Incident posts of a page, latest first (at most ${POSTS_LIMIT})`, security: BEARER, params: PageParams, response: { 200: Type.Object({ posts: Type.Array(PostView) }), ...errorResponses(400, 401, 404, 429) } } },
    async (request) => ({ posts: (await pages.listPosts((await pageOr404(request.params.ref)).id, POSTS_LIMIT)).map(postView) }),
  );

  app.post(
    '/status-pages/:ref/posts',
    { onRequest: write, schema: { tags: TAGS, summary: 'Post an incident (its first update)', security: BEARER, params: PageParams, body: PostBody, response: { 201: PostView, ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request, reply) => {
      const page = await pageOr404(request.params.ref);
      const input = checked(checkPost(request.body), 'body');
      const post = await pages.createPost(page.id, input);
      if (!post) throw notFound(`no status page with id or slug ${JSON.stringify(request.params.ref)}`);
      await changed(request, 'incident posted', page.slug);
      return reply.code(201).send(postView(post));
    },
  );

  app.get(
    '/status-pages/:ref/posts/:id',
    { onRequest: read, schema: { tags: TAGS, summary: 'One incident post with its updates', security: BEARER, params: PostParams, response: { 200: PostView, ...errorResponses(400, 401, 404, 429) } } },
    async (request) => postView(await postOr404(await pageOr404(request.params.ref), request.params.id)),
  );

  app.patch(
    '/status-pages/:ref/posts/:id',
    { onRequest: write, schema: { tags: TAGS, summary: 'Rename an incident post', security: BEARER, params: PostParams, body: PostPatchBody, response: { 200: PostView, ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request) => {
      const page = await pageOr404(request.params.ref);
      const post = await postOr404(page, request.params.id);
      const title = checked(checkPostTitle(request.body.title), 'body');
      const saved = await pages.retitlePost(post.id, title);
      if (!saved) throw notFound(`status page "${page.slug}" has no incident post ${post.id}`);
      await changed(request, 'incident renamed', page.slug);
      return postView(saved);
    },
  );

  app.post(
    '/status-pages/:ref/posts/:id/updates',
    {
      onRequest: write,
      schema: { tags: TAGS, summary: 'Add an update to an incident post (the post takes its status)', security: BEARER, params: PostParams, body: UpdateBody, response: { 201: PostView, ...errorResponses(400, 401, 403, 404, 409, 429) } },
    },
    async (request, reply) => {
      const page = await pageOr404(request.params.ref);
      const post = await postOr404(page, request.params.id);
      const input = checked(checkUpdate(request.body), 'body');
      if (post.updates.length >= STATUS_PAGE_LIMITS.updates) throw new ApiError(409, 'IN_USE', `incident post ${post.id} already has ${STATUS_PAGE_LIMITS.updates} updates, the most one post may have; start a new post`);
      const saved = await pages.addUpdate(post.id, input);
      if (!saved) throw notFound(`status page "${page.slug}" has no incident post ${post.id}`);
      await changed(request, 'incident updated', page.slug);
      return reply.code(201).send(postView(saved));
    },
  );

  app.patch(
    '/status-pages/:ref/posts/:id/updates/:updateId',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: "Correct an update's text (its status and time stay as they were posted)",
        security: BEARER,
        params: UpdateParams,
        body: UpdatePatchBody,
        response: { 200: PostView, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const page = await pageOr404(request.params.ref);
      const post = await postOr404(page, request.params.id);
      const update = post.updates.find((u) => u.id === request.params.updateId);
      if (!update) throw notFound(`incident post ${post.id} has no update ${request.params.updateId}`);
      const { body } = checked(checkUpdate({ status: update.status, body: request.body.body }), 'body');
      const saved = await pages.editUpdate(post.id, update.id, body);
      if (!saved) throw notFound(`incident post ${post.id} has no update ${update.id}`);
      await changed(request, 'incident update corrected', page.slug);
      return postView(saved);
    },
  );

  app.delete(
    '/status-pages/:ref/posts/:id',
    { onRequest: write, schema: { tags: TAGS, summary: 'Delete an incident post with its updates', security: BEARER, params: PostParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request, reply) => {
      const page = await pageOr404(request.params.ref);
      const post = await postOr404(page, request.params.id);
      await pages.deletePost(post.id);
      await changed(request, 'incident deleted', page.slug);
      return reply.code(204).send(null);
    },
  );
}
