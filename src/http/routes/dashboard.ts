// The operator dashboard (GET /), its JSON twin for the refresh script, and the static assets
// every page links (hashed names, so they can be cached for a year).
import { failingRegistries } from '../pages/registry-facts.ts';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';
import { buildDashboard, dashboardJson, filterQuery, parseDashboardFilter, selectPage, type DashboardFilter, type DashboardView, type EndpointEntry } from '../pages/dashboard-model.ts';
import { formatClock } from '../pages/format.ts';
import { ifNoneMatchHits } from '../pages/http-cache.ts';
import { loadPageFacts } from '../pages/load.ts';
import { pageViewCache } from '../pages/view-cache.ts';
import { assetLinks, createTemplates, loadAssets } from '../pages/web-files.ts';

const YEAR_S = 365 * 24 * 3600;

// Synchronous setup; the Promise only satisfies the plugin signature.
export function dashboardRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const templates = createTemplates();
  const assets = loadAssets();
  const links = assetLinks(assets);

  // A large fleet takes a while to build (see bench/pages.bench.ts): a burst of loads builds once.
  const cache = pageViewCache<DashboardView>(deps.pageCacheMs);

  function view(query: unknown): Promise<DashboardView> {
    const filter = parseDashboardFilter(query);
    return cache.get(filterQuery(filter), () => build(filter));
  }

  async function build(filter: DashboardFilter): Promise<DashboardView> {
    const now = deps.clock();
    const policy = deps.config.health;
    const all: EndpointEntry[] = deps.endpoints().map((endpoint) => ({ endpoint, state: deps.state(endpoint.id) }));
    const { endpoints, page } = selectPage(all, filter, policy);
    const facts = await loadPageFacts(deps, endpoints, all.length, now);
    return buildDashboard({ now, policy, certWarnDays: deps.config.probe.certExpiringDays, filter, all, facts, page });
  }

  app.get('/assets/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const found = assets.lookup(file);
    if (!found) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    const { asset, immutable } = found;
    reply.header('etag', asset.etag).header('cache-control', immutable ? `public, max-age=${YEAR_S}, immutable` : 'public, max-age=300');
    reply.header('x-content-type-options', 'nosniff');
    if (ifNoneMatchHits(request.headers['if-none-match'], asset.etag)) return reply.code(304).send();
    return reply.type(asset.contentType).send(asset.body);
  });

  /** Slug → the registry's status, for registry endpoints that are not simply active (deprecated, deleted). */
  async function registryStatusBySlug(): Promise<ReadonlyMap<string, string> | undefined> {
    const facts = await deps.registryFacts?.().catch(() => undefined);
    if (facts === undefined) return undefined;
    const out = new Map<string, string>();
    for (const e of deps.endpoints()) {
      const status = facts.get(e.id)?.status;
      if (status !== undefined && status !== 'active') out.set(e.slug, status);
    }
    return out;
  }

  app.get('/', async (request, reply) => {
    const v = await view(request.query);
    const html = templates.render('dashboard', {
      title: 'Dashboard · mcpwatch',
      nav: 'operator',
      current: 'dashboard',
      bodyClass: 'page-dashboard',
      robots: 'noindex',
      assets: links,
      jsonUrl: v.jsonUrl,
      view: v,
      updatedText: formatClock(Date.parse(v.updatedAt)),
      // Undeliverable alerts are the operator's to know about: a silent outbox is a silent pager.
      deadLetters: (await deps.alerts?.backlog())?.dead ?? 0,
      // A registry that stopped answering leaves its endpoints as last synced: say so.
      failingRegistries: failingRegistries((await deps.registries?.().catch(() => undefined)) ?? []),
      registryStatus: await registryStatusBySlug(),
    });
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  });

  app.get('/dashboard.json', async (request, reply) => {
    return reply.header('cache-control', 'no-store').send(dashboardJson(await view(request.query)));
  });
  return Promise.resolve();
}
