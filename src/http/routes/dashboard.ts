// The operator dashboard (GET /), its JSON twin for the refresh script, and the static assets
// every page links (hashed names, so they can be cached for a year).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { accountHeader, can, viewerOf, type Viewer } from '../accounts/viewer.ts';
import type { AppDeps } from '../deps.ts';
import { clusterJson, clusterSection, type ClusterSection } from '../pages/cluster-model.ts';
import type { ClusterView } from '../deps.ts';
import { DASHBOARD_PAGE_SIZE, buildDashboard, dashboardJson, filterQuery, linkedPage, parseDashboardFilter, selectPage, type DashboardFilter, type DashboardView, type EndpointEntry } from '../pages/dashboard-model.ts';
import { PerVersion, type FleetView, type RankedEntry } from '../pages/fleet-pages.ts';
import { formatClock } from '../pages/format.ts';
import { failingRegistries } from '../pages/registry-facts.ts';
import { ifNoneMatchHits } from '../pages/http-cache.ts';
import { loadPageFacts } from '../pages/load.ts';
import { pageOf } from '../pages/paging.ts';
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

  // With the fleet's state kept up to date elsewhere, a page is a slice of it: models and bytes
  // are built once per refresh and filter.
  const matches = new PerVersion<readonly RankedEntry[]>();
  const models = new PerVersion<DashboardView>();
  const bodies = new PerVersion<string>();

  function view(query: unknown, fleet: FleetView | undefined): Promise<DashboardView> {
    const filter = parseDashboardFilter(query);
    if (fleet) return Promise.resolve(models.get(fleet.version, filterQuery(filter), () => fromFleet(fleet, filter)));
    return cache.get(filterQuery(filter), () => build(filter));
  }

  function fromFleet(fleet: FleetView, filter: DashboardFilter): DashboardView {
    const matched = matches.get(fleet.version, `${filter.status ?? ''}\u0000${filter.tag ?? ''}`, () =>
      filter.status === null && filter.tag === null ? fleet.dashboardOrder : fleet.dashboardOrder.filter((e) => (filter.tag === null || e.endpoint.tags.includes(filter.tag)) && (filter.status === null || e.live.status === filter.status)),
    );
    const { start, end, ...page } = pageOf(matched.length, filter.page, DASHBOARD_PAGE_SIZE);
    const facts = matched.slice(start, end).map((e) => fleet.facts.endpointFacts(e.endpoint, e.state));
    return buildDashboard({ now: fleet.now, policy: deps.config.health, certWarnDays: deps.config.probe.certExpiringDays, filter, all: [], summary: fleet.dashboardSummary, facts, page: { ...page, matched: matched.length } });
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

  /** The cluster view: null without a source; 'unavailable' when it cannot be read (the endpoints still show). */
  async function clusterView(log: FastifyBaseLogger): Promise<ClusterView | 'unavailable' | null> {
    if (!deps.cluster) return null;
    try {
      return await deps.cluster();
    } catch (err) {
      log.warn({ err }, 'the dashboard could not read the cluster view');
      return 'unavailable';
    }
  }

  /** The nodes section: null on SQLite; 'unavailable' when the view cannot be read. */
  async function cluster(log: FastifyBaseLogger): Promise<ClusterSection | 'unavailable' | null> {
    const view = await clusterView(log);
    return view === null || view === 'unavailable' ? view : clusterSection(view);
  }

  interface Extras {
    readonly deadLetters: number;
    readonly nodes: ClusterSection | 'unavailable' | null;
    readonly failingRegistries: ReturnType<typeof failingRegistries>;
    readonly registryStatus: ReadonlyMap<string, string> | undefined;
    /** Whether this viewer may open private endpoints' pages (their rows link there). */
    readonly canViewPrivate: boolean;
  }

  const header = (viewer: Viewer): Record<string, unknown> => accountHeader(viewer, deps.accounts !== undefined);

  const render = (v: DashboardView, { deadLetters, nodes, failingRegistries: failing, registryStatus, canViewPrivate }: Extras, viewer: Viewer = { kind: 'anonymous' }): string =>
    templates.render('dashboard', {
      ...header(viewer),
      title: 'Dashboard · mcpwatch',
      nav: 'operator',
      current: 'dashboard',
      bodyClass: 'page-dashboard',
      robots: 'noindex',
      assets: links,
      jsonUrl: v.jsonUrl,
      view: v,
      updatedText: formatClock(Date.parse(v.updatedAt)),
      deadLetters,
      cluster: nodes,
      // A registry that stopped answering leaves its endpoints as last synced: say so.
      failingRegistries: failing,
      registryStatus,
      canViewPrivate,
      linkedPage,
    });

  app.get('/', async (request, reply) => {
    const fleet = deps.fleetPages?.view;
    const v = await view(request.query, fleet);
    const viewer = await viewerOf(request);
    // Undeliverable alerts are the operator's to know about: a silent outbox is a silent pager.
    const extras: Extras = {
      deadLetters: (await deps.alerts?.backlog())?.dead ?? 0,
      nodes: await cluster(request.log),
      failingRegistries: failingRegistries((await deps.registries?.().catch(() => undefined)) ?? []),
      registryStatus: await registryStatusBySlug(),
      canViewPrivate: can(viewer, 'read.private'),
    };
    // The cluster section changes with every heartbeat and registries with every sync: a page
    // carrying either is rendered each time; the rest is built once per refresh.
    // A signed-in user's page carries their name and CSRF token: built for them, never shared.
    const cacheable = fleet !== undefined && extras.nodes === null && deps.registries === undefined && viewer.kind !== 'user';
    const html = cacheable ? bodies.get(fleet.version, `html${filterQuery(v.filter)}:${extras.deadLetters}:${extras.canViewPrivate}`, () => render(v, extras)) : render(v, extras, viewer);
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  });

  app.get('/dashboard.json', async (request, reply) => {
    const fleet = deps.fleetPages?.view;
    const v = await view(request.query, fleet);
    // The page's cluster section as data (null on SQLite); it changes with every heartbeat, so it
    // is added to the body built once per refresh, not kept in it.
    const nodes = await clusterView(request.log);
    const cluster = JSON.stringify(nodes === null || nodes === 'unavailable' ? nodes : clusterJson(nodes));
    const full = can(await viewerOf(request), 'read.private');
    // Registry endpoints that are deprecated or deleted upstream, by slug: the page's refresh
    // keeps their tag (it changes with every sync, so like the cluster it is not kept in the body).
    const registry = await registryStatusBySlug();
    const registryStatus = JSON.stringify(registry === undefined ? null : Object.fromEntries(registry));
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
    const body = fleet ? bodies.get(fleet.version, `json${filterQuery(v.filter)}:${full}`, () => JSON.stringify(dashboardJson(v, full))) : JSON.stringify(dashboardJson(v, full));
    return reply.send(`${body.slice(0, -1)},"cluster":${cluster},"registryStatus":${registryStatus}}`);
  });
  return Promise.resolve();
}
