// Status pages an operator made (issue 16), public: GET /status/p/:slug (and .json), its RSS feed
// /status/p/:slug/feed.xml, its logo /status-pages/:slug/logo; /status shows the default page when
// one is marked (routes/status.ts asks servePage here). On a page's custom domain the same routes
// answer at /, /status.json, /feed.xml and /logo (status-page-hosts.ts maps the paths).
// A page's members are a bounded list (STATUS_PAGE_LIMITS.members): their facts come from the
// fleet's incremental state when it is kept, otherwise from a few reads each; never a fleet scan.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { StatusPage, StatusPageStore } from '../../store/status-pages.ts';
import { pagePaths, POSTS_LIMIT } from '../api/status-page-routes.ts';
import type { AppDeps } from '../deps.ts';
import { FEED_CONTENT_TYPE, statusPageFeed } from '../pages/feed.ts';
import { etagFor, sendCached } from '../pages/http-cache.ts';
import { loadCardPageFacts, type CardFacts } from '../pages/load.ts';
import { buildStatusPage, statusPageJson, type PageGroupFacts, type PageLinks, type StatusPageView } from '../pages/status-page-model.ts';
import type { StatusContext } from '../pages/status-model.ts';
import { pageViewCache } from '../pages/view-cache.ts';
import { assetLinks, createTemplates, loadAssets } from '../pages/web-files.ts';
import { hostnameOf, type StatusPageHosts } from '../status-page-hosts.ts';
import { PUBLIC_CACHE_CONTROL, isPublished } from './status.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

/** The logo is an image the operator may replace at any time: revalidated after a minute. */
const LOGO_CACHE_CONTROL = 'public, max-age=60';

export type PageFormat = 'html' | 'json' | 'feed';

interface Built {
  readonly view: StatusPageView;
  readonly groups: readonly PageGroupFacts[];
  readonly ctx: StatusContext;
  /** The page's HTML, rendered once per cached view: 200 members with their bars are ~3 MB. */
  html?: { readonly body: Buffer; readonly etag: string };
}

export interface PageServer {
  /** Renders `page` in `format` for this request (links follow the host it came to). */
  serve(request: FastifyRequest, reply: FastifyReply, page: StatusPage, format: PageFormat): Promise<FastifyReply>;
  /** The page /status shows, when one is marked default (as of the hosts' last refresh). */
  defaultPage(): Promise<StatusPage | undefined>;
}

/** As bytes with their ETag, made once: hashing a 3 MB page costs more than sending it. */
function rendered(text: string): { body: Buffer; etag: string } {
  const body = Buffer.from(text);
  return { body, etag: etagFor(body) };
}

export function pageServer(deps: AppDeps, surface: { readonly store: StatusPageStore; readonly hosts: StatusPageHosts }, context: () => StatusContext): PageServer {
  const { store: pages, hosts } = surface;
  const templates = createTemplates();
  const assets = assetLinks(loadAssets());
  const built = pageViewCache<Built>(deps.pageCacheMs);

  async function members(page: StatusPage, now: number): Promise<PageGroupFacts[]> {
    const groups = await pages.getGroups(page.id);
    const ids = [...new Set(groups.flatMap((g) => g.endpointIds))];
    // Published only: an endpoint made private or archived since it was added drops off the page.
    const endpoints = new Map((await Promise.all(ids.map((id) => deps.store.getEndpoint(id)))).flatMap((e): [number, Endpoint][] => (e && isPublished(e) ? [[e.id, e]] : [])));
    const fleet = deps.fleetPages?.view;
    const facts = new Map<number, CardFacts>();
    if (fleet) for (const e of endpoints.values()) facts.set(e.id, fleet.facts.cardFacts(e, fleet.state(e.id)));
    else for (const f of await loadCardPageFacts(deps, [...endpoints.values()], deps.endpoints().length, now)) facts.set(f.endpoint.id, f);
    return groups.map((g) => ({ name: g.name, cards: g.endpointIds.flatMap((id) => facts.get(id) ?? []) }));
  }

  async function build(page: StatusPage, links: PageLinks): Promise<Built> {
    const ctx = context();
    const [groups, posts] = await Promise.all([members(page, ctx.now), pages.listPosts(page.id, POSTS_LIMIT)]);
    return { view: buildStatusPage(page, groups, posts, links, ctx), groups, ctx };
  }

  function linksFor(page: StatusPage, onCustomDomain: boolean): PageLinks {
    if (onCustomDomain) return { pageUrl: '/', feedUrl: '/feed.xml', jsonUrl: '/status.json', logoUrl: '/logo', linkEndpoints: false };
    const paths = pagePaths(page.slug);
    return { pageUrl: paths.url, feedUrl: paths.feedUrl, jsonUrl: paths.jsonUrl, logoUrl: paths.logoUrl, linkEndpoints: true };
  }

  /** Scheme and host for the feed's absolute links. A custom domain is assumed to be served over HTTPS. */
  function originOf(request: FastifyRequest, onCustomDomain: boolean): string {
    const host = hostnameOf(request.headers.host);
    if (onCustomDomain && host) return `https://${host}`;
    if (deps.config.publicUrl) return deps.config.publicUrl.replace(/\/+$/, '');
    return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
  }

  return {
    defaultPage: async () => {
      const slug = hosts.defaultSlug;
      return slug === undefined ? undefined : pages.getPageBySlug(slug);
    },
    async serve(request, reply, page, format) {
      const onCustomDomain = hosts.slugForHost(request.headers.host) === page.slug;
      const links = linksFor(page, onCustomDomain);
      const entry = await built.get(`${page.id}:${page.updatedAt}:${hosts.version}:${onCustomDomain ? 'domain' : 'path'}`, () => build(page, links));
      const { view, groups, ctx } = entry;
      if (format === 'feed') {
        const body = statusPageFeed(view, originOf(request, onCustomDomain));
        return sendCached(request, reply, { body, etag: etagFor(body), contentType: FEED_CONTENT_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
      }
      if (format === 'json') {
        reply.header('access-control-allow-origin', '*');
        return sendCached(request, reply, { body: JSON.stringify(statusPageJson(view, groups, ctx)), contentType: JSON_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
      }
      entry.html ??= rendered(templates.render('status-page', {
        nav: 'page',
        current: 'status',
        homeUrl: links.pageUrl,
        assets,
        robots: null,
        title: view.title,
        bodyClass: 'page-status page-custom',
        jsonUrl: links.jsonUrl,
        feed: { href: links.feedUrl, title: `${view.title} incidents` },
        view,
      }));
      return sendCached(request, reply, { ...entry.html, contentType: HTML_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
    },
  };
}

/** Registers the routes on `app` (the status routes' context); the server renders /status's default page too. */
export function statusPageRoutes(app: FastifyInstance, deps: AppDeps, context: () => StatusContext): PageServer | undefined {
  const surface = deps.statusPages;
  if (!surface) return undefined;
  const server = pageServer(deps, surface, context);
  const notFoundJson = JSON.stringify({ error: 'not_found', message: 'no status page with this name' });

  const notFound = (reply: FastifyReply): FastifyReply => reply.code(404).header('cache-control', PUBLIC_CACHE_CONTROL).type(JSON_TYPE).send(notFoundJson);

  app.get('/status/p/:slug', async (request, reply) => {
    const { slug: param } = request.params as { slug: string };
    const json = param.endsWith('.json');
    const page = await surface.store.getPageBySlug(json ? param.slice(0, -'.json'.length) : param);
    if (!page) return json ? notFound(reply) : reply.callNotFound();
    return server.serve(request, reply, page, json ? 'json' : 'html');
  });

  app.get('/status/p/:slug/feed.xml', async (request, reply) => {
    const page = await surface.store.getPageBySlug((request.params as { slug: string }).slug);
    if (!page) return reply.callNotFound();
    return server.serve(request, reply, page, 'feed');
  });

  app.get('/status-pages/:slug/logo', async (request, reply) => {
    const page = await surface.store.getPageBySlug((request.params as { slug: string }).slug);
    const logo = page ? await surface.store.getLogo(page.id) : undefined;
    if (!logo) return reply.callNotFound();
    // The stored type is one of four raster types judged from the bytes; nosniff keeps browsers
    // to it, and a CSP of its own means that even opened directly it can run nothing.
    reply
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'none'; sandbox")
      .header('content-disposition', `inline; filename="${logo.fileName}"`)
      .header('cross-origin-resource-policy', 'same-origin');
    return sendCached(request, reply, { body: logo.bytes, contentType: logo.contentType, cacheControl: LOGO_CACHE_CONTROL });
  });
  return server;
}
