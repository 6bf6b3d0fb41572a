// Public status pages: GET /status (every public endpoint, grouped by tag), GET /status/:slug,
// and their JSON twins (/status.json, /status/:slug.json) for people who gate CI on them.
// Cacheable: a strong ETag from the body and a short max-age; unknown and private slugs get the
// very same 404, so a page does not reveal that a private endpoint exists. The JSON is public
// data, so any origin may read it (CORS *).
import { registryFactsView } from '../pages/registry-facts.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { AppDeps } from '../deps.ts';
import { PerVersion, type FleetView } from '../pages/fleet-pages.ts';
import { etagFor, sendCached } from '../pages/http-cache.ts';
import { isLatencyRange, loadCardPageFacts, loadDetailFacts } from '../pages/load.ts';
import {
  buildStatusDetail,
  buildStatusIndex,
  STATUS_PAGE_SIZE,
  parseStatusPage,
  selectStatusPage,
  statusDetailJson,
  statusIndexJson,
  type PublicEntry,
  type StatusContext,
  type StatusIndexView,
} from '../pages/status-model.ts';
import { pageOf } from '../pages/paging.ts';
import { endpointRegionsJson, endpointRegionsView, indexRegionsJson, indexRegionsView, showsRegions, type IndexRegionsView } from '../pages/region-model.ts';
import type { RegionBoard } from '../../domain/region-board.ts';
import { UPTIME_WINDOWS } from '../pages/uptime.ts';
import { pageViewCache } from '../pages/view-cache.ts';
import { assetLinks, createTemplates, loadAssets } from '../pages/web-files.ts';
import { statusPageRoutes } from './status-pages.ts';

export const PUBLIC_CACHE_CONTROL = 'public, max-age=30';
const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

/** A public endpoint by slug, or undefined for unknown, private and archived alike. */
export async function findPublic(deps: AppDeps, slug: string): Promise<Endpoint | undefined> {
  const endpoint = await deps.store.getEndpointBySlug(slug);
  return endpoint !== undefined && isPublished(endpoint) ? endpoint : undefined;
}

/** On the public pages: public, and not archived (an endpoint its owner dropped is not announced). */
export function isPublished(endpoint: Endpoint): boolean {
  return endpoint.public && endpoint.archivedAt === null;
}

/** What an endpoint's pages are built against, now: the clock, health policy, maintenance, grade settings. */
export function statusContext(deps: AppDeps): StatusContext {
  return {
    now: deps.clock(),
    policy: deps.config.health,
    certWarnDays: deps.config.probe.certExpiringDays,
    maintenance: (deps.alertSettings?.current() ?? deps.config.alerts)?.maintenance ?? [],
    latencyBudgetMs: deps.config.compliance.latencyBudgetMs,
    ...(deps.compliance?.specLink ? { specLink: deps.compliance.specLink } : {}),
  };
}

// Synchronous setup; the Promise only satisfies the plugin signature.
export function statusRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const templates = createTemplates();
  const links = assetLinks(loadAssets());
  const baseUrl = deps.config.publicUrl ?? '';

  const context = (): StatusContext => statusContext(deps);
  // Status pages an operator made; /status shows the one marked default instead of the overview.
  const pages = statusPageRoutes(app, deps, context);
  const layout = { nav: 'public', current: 'status', assets: links, robots: null as string | null };
  const notFoundHtml = templates.render('not-found', { ...layout, title: 'Not found', bodyClass: 'page-notfound', jsonUrl: null, robots: 'noindex' });
  const notFoundJson = JSON.stringify({ error: 'not_found', message: 'no public status page with this name' });

  function notFound(reply: FastifyReply, json: boolean): FastifyReply {
    return reply
      .code(404)
      .header('cache-control', PUBLIC_CACHE_CONTROL)
      .type(json ? JSON_TYPE : HTML_TYPE)
      .send(json ? notFoundJson : notFoundHtml);
  }

  // A large fleet takes a while to build and render (see bench/pages.bench.ts): a burst of loads
  // builds each page's view once, and renders each of HTML and JSON once.
  const indexCache = pageViewCache<StatusIndexView>(deps.pageCacheMs);
  const bodyCache = pageViewCache<string>(deps.pageCacheMs);

  /** The regions' board, or undefined (SQLite, or unreadable: the page then shows no region table). */
  async function regionBoard(request: FastifyRequest): Promise<RegionBoard | undefined> {
    if (!deps.regionBoard) return undefined;
    try {
      return await deps.regionBoard();
    } catch (err) {
      request.log.warn({ err }, 'reading the regions for the status page failed; shown without them');
      return undefined;
    }
  }

  // The overview's region table is derived once per board (deps.regionBoard is cached) and fleet
  // version, not per request: it walks every public endpoint.
  let regionsMemo: { board: RegionBoard; version: number; view: IndexRegionsView | null; key: string } | undefined;
  let regionsSerial = 0;
  function indexRegions(board: RegionBoard | undefined, version: number, published: () => readonly Endpoint[]): { view: IndexRegionsView | null; key: string } {
    if (!showsRegions(board)) return { view: null, key: '' };
    if (regionsMemo?.board !== board || regionsMemo.version !== version) {
      regionsMemo = { board, version, view: indexRegionsView(board, published(), deps.config.health), key: `:regions${++regionsSerial}` };
    }
    return regionsMemo;
  }

  /** /status.json with `regions` first (its `endpoints` stay last, as fleet-pages.ts builds them). */
  function withRegions(json: string, regions: IndexRegionsView | null): string {
    return regions === null ? json : `{"regions":${JSON.stringify(indexRegionsJson(regions))},${json.slice(1)}`;
  }

  const publicEntries = (): PublicEntry[] =>
    deps
      .endpoints()
      .filter(isPublished)
      .map((endpoint) => ({ endpoint, state: deps.state(endpoint.id) }));

  async function buildIndex(page: number): Promise<StatusIndexView> {
    const ctx = context();
    const all = publicEntries();
    const selection = selectStatusPage(
      all.map((e) => e.endpoint),
      page,
    );
    const facts = await loadCardPageFacts(deps, selection.endpoints, all.length, ctx.now);
    return buildStatusIndex({ all, selection, facts }, ctx);
  }

  async function buildJson(): Promise<string> {
    const ctx = context();
    return JSON.stringify(statusIndexJson(publicEntries(), await deps.store.uptimeAll(ctx.now - UPTIME_WINDOWS['90d'], ctx.now), ctx));
  }

  // With the fleet's state kept up to date elsewhere: /status.json is built there, a page of the
  // overview is its slice of the placements, and each body and its ETag are made once per refresh.
  // As bytes: a 50-card page is ~0.7 MB and /status.json ~1.3 MB at 10,000, encoded once, not per request.
  const fleetBodies = new PerVersion<{ body: Buffer; etag: string }>();

  function fleetIndex(fleet: FleetView, page: number): StatusIndexView {
    const ctx = { ...context(), now: fleet.now };
    const { start, end, ...at } = pageOf(fleet.placements.length, page, STATUS_PAGE_SIZE);
    const onPage = fleet.placements.slice(start, end);
    const endpoints = [...new Set(onPage.map((p) => p.endpoint))];
    const selection = { ...at, placements: onPage, endpoints, cards: fleet.placements.length };
    const facts = endpoints.map((e) => fleet.facts.cardFacts(e, fleet.state(e.id)));
    return buildStatusIndex({ all: [], summary: fleet.publicSummary, selection, facts }, ctx);
  }

  async function index(request: FastifyRequest, reply: FastifyReply, json: boolean): Promise<FastifyReply> {
    // /status.json stays the whole public fleet: CI jobs gate on it (a page has its own .json).
    const made = json ? undefined : await pages?.defaultPage();
    if (made && pages) return pages.serve(request, reply, made, 'html');
    const fleet = deps.fleetPages?.view;
    const board = await regionBoard(request);
    if (fleet) {
      const page = parseStatusPage(request.query);
      const regions = indexRegions(board, fleet.version, () => fleet.publicEntries.map((e) => e.endpoint));
      const { body, etag } = fleetBodies.get(fleet.version, `${json ? 'json' : `html:${page}`}${regions.key}`, () => {
        const text = json
          ? withRegions(fleet.statusJson, regions.view)
          : templates.render('status-index', { ...layout, title: 'Status', bodyClass: 'page-status', jsonUrl: '/status.json', view: fleetIndex(fleet, page), regions: regions.view });
        const body = Buffer.from(text);
        return { body, etag: etagFor(body) };
      });
      if (json) reply.header('access-control-allow-origin', '*');
      return sendCached(request, reply, { body, etag, contentType: json ? JSON_TYPE : HTML_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
    }
    const regions = indexRegions(board, -1, () => publicEntries().map((e) => e.endpoint));
    if (json) {
      reply.header('access-control-allow-origin', '*');
      const body = await bodyCache.get(`json${regions.key}`, async () => withRegions(await buildJson(), regions.view));
      return sendCached(request, reply, { body, contentType: JSON_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
    }
    const page = parseStatusPage(request.query);
    const body = await bodyCache.get(`html:${page}${regions.key}`, async () => {
      const view = await indexCache.get(`page:${page}`, () => buildIndex(page));
      return templates.render('status-index', { ...layout, title: 'Status', bodyClass: 'page-status', jsonUrl: '/status.json', view, regions: regions.view });
    });
    return sendCached(request, reply, { body, contentType: HTML_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
  }

  app.get('/status', async (request, reply) => index(request, reply, false));
  app.get('/status.json', async (request, reply) => index(request, reply, true));

  app.get('/status/:slug', async (request, reply) => {
    const { slug: param } = request.params as { slug: string };
    const json = param.endsWith('.json');
    const endpoint = await findPublic(deps, json ? param.slice(0, -'.json'.length) : param);
    if (!endpoint) return notFound(reply, json);
    const { range: rawRange } = request.query as { range?: unknown };
    const range = isLatencyRange(rawRange) ? rawRange : '24h';
    const ctx = context();
    const [facts, complianceReport, registryFacts, board] = await Promise.all([
      loadDetailFacts(deps, endpoint, ctx.now, range),
      deps.compliance?.reports.latestReport(endpoint.id),
      deps.registryFacts?.(),
      regionBoard(request),
    ]);
    const registry = registryFactsView(registryFacts?.get(endpoint.id));
    const regions = endpointRegionsView(board, endpoint, ctx.policy);
    const view = { ...buildStatusDetail({ ...facts, complianceReport: complianceReport ?? null }, ctx), registry, regions };
    const jsonUrl = `/status/${encodeURIComponent(endpoint.slug)}.json${range === '24h' ? '' : `?range=${range}`}`;
    if (json) reply.header('access-control-allow-origin', '*');
    const body = json
      ? JSON.stringify({ ...(statusDetailJson(view) as object), registry, ...(regions === null ? {} : { regions: endpointRegionsJson(regions) }) })
      : templates.render('status-endpoint', { ...layout, title: `${endpoint.name} · Status`, bodyClass: 'page-endpoint', jsonUrl, baseUrl, view });
    return sendCached(request, reply, { body, contentType: json ? JSON_TYPE : HTML_TYPE, cacheControl: PUBLIC_CACHE_CONTROL });
  });
  return Promise.resolve();
}
