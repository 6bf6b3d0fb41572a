// One endpoint's full page, GET /endpoints/:slug (and its JSON twin /endpoints/:slug.json): the
// public status page's content plus the last checks with their waterfalls, latency from raw rounds
// for the last day, incident timelines, the certificate in full and the alert deliveries.
//
// Why a second path beside /status/:slug: the status page is what an operator hands to the
// server's users (public, cacheable, the same for everyone); this page is the operator's view of
// one endpoint, private endpoints included, and differs by viewer (raw details and deliveries).
// A public endpoint's page is open to everyone, like its status page; a private one is a 404 to a
// viewer who may not see private data, byte for byte the same as an unknown slug.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../domain/endpoint.ts';
import { accountHeader, ANONYMOUS, can, viewerOf, type Viewer } from '../accounts/viewer.ts';
import type { AppDeps } from '../deps.ts';
import { buildEndpointPage, DELIVERY_LIMIT, EVENT_LIMIT, endpointPageJson, pageRawWindowMs, RAW_ROWS_LIMIT } from '../pages/endpoint-model.ts';
import { sendCached } from '../pages/http-cache.ts';
import { isLatencyRange, loadDetailFacts, loadEndpointPageReads } from '../pages/load.ts';
import { registryFactsView } from '../pages/registry-facts.ts';
import { buildStatusDetail, statusDetailJson } from '../pages/status-model.ts';
import { assetLinks, createTemplates, loadAssets } from '../pages/web-files.ts';
import { isPublished, PUBLIC_CACHE_CONTROL, statusContext } from './status.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
/** A page showing private data is for this viewer only, and never kept. */
const PRIVATE_CACHE_CONTROL = 'private, no-store';

// Synchronous setup; the Promise only satisfies the plugin signature.
export function endpointPageRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const templates = createTemplates();
  const links = assetLinks(loadAssets());
  const layout = { nav: 'public', current: 'endpoint', assets: links };
  const notFoundHtml = templates.render('not-found', { ...layout, title: 'Not found', bodyClass: 'page-notfound', jsonUrl: null, robots: 'noindex' });
  const notFoundJson = JSON.stringify({ error: 'not_found', message: 'no endpoint page with this name' });

  function notFound(reply: FastifyReply, json: boolean): FastifyReply {
    // The same answer whoever asks, so it may be cached like the public 404s; Vary because a
    // viewer with access gets a page at the same URL.
    return reply
      .code(404)
      .header('cache-control', PUBLIC_CACHE_CONTROL)
      .header('vary', 'authorization, cookie')
      .type(json ? JSON_TYPE : HTML_TYPE)
      .send(json ? notFoundJson : notFoundHtml);
  }

  /** The endpoint if this viewer may see its page: published ones for all, the rest (not archived) for private viewers. */
  async function visible(request: FastifyRequest, slug: string): Promise<{ endpoint: Endpoint; full: boolean; viewer: Viewer } | undefined> {
    const endpoint = await deps.store.getEndpointBySlug(slug);
    if (endpoint === undefined) return undefined;
    // A signed-in user or bearer token whose role may read private data (any role today).
    const viewer = await viewerOf(request);
    const full = can(viewer, 'read.private');
    if (full || isPublished(endpoint)) return { endpoint, full, viewer };
    return undefined;
  }

  app.get('/endpoints/:slug', async (request, reply) => {
    const { slug: param } = request.params as { slug: string };
    const json = param.endsWith('.json');
    const found = await visible(request, json ? param.slice(0, -'.json'.length) : param);
    if (!found) return notFound(reply, json);
    const { endpoint, full, viewer } = found;
    const { range: rawRange } = request.query as { range?: unknown };
    const range = isLatencyRange(rawRange) ? rawRange : '24h';
    const ctx = statusContext(deps);
    const rawWindow = pageRawWindowMs(deps.store.rawReadsIndexed(), deps.endpoints());
    const [facts, reads, complianceReport, registryFacts] = await Promise.all([
      loadDetailFacts(deps, endpoint, ctx.now, range),
      loadEndpointPageReads(deps.store, endpoint.id, ctx.now, { rawWindowMs: rawWindow, rawLimit: RAW_ROWS_LIMIT, events: EVENT_LIMIT, deliveries: DELIVERY_LIMIT }, full ? deps.alerts : undefined),
      deps.compliance?.reports.latestReport(endpoint.id),
      deps.registryFacts?.(),
    ]);
    const detail = buildStatusDetail({ ...facts, complianceReport: complianceReport ?? null }, ctx);
    const view = buildEndpointPage(
      detail,
      { now: ctx.now, range, intervalMs: endpoint.intervalS * 1000, rawWindowMs: rawWindow, rollupLatency: facts.latency, rows: reads.rows, incidents: facts.daily.incidents, events: reads.events, certificate: facts.certificate, deliveries: reads.deliveries, full },
      { published: isPublished(endpoint) },
    );
    const registry = registryFactsView(registryFacts?.get(endpoint.id));
    const jsonUrl = `${view.pageUrl}.json${range === '24h' ? '' : `?range=${range}`}`;
    reply.header('vary', 'authorization, cookie');
    const body = json
      ? JSON.stringify({ ...(endpointPageJson(view, statusDetailJson(detail)) as object), public: endpoint.public, archived: endpoint.archivedAt !== null, registry })
      : templates.render('endpoint-page', {
          ...layout,
          // The public page is shared by every anonymous visitor (and cached): a "Sign in" link at most.
          ...accountHeader(full ? viewer : ANONYMOUS, deps.accounts !== undefined),
          nav: full ? 'operator' : 'public',
          title: `${endpoint.name} · mcpwatch`,
          bodyClass: 'page-endpoint page-endpoint-full',
          robots: full || !isPublished(endpoint) ? 'noindex' : null,
          jsonUrl,
          view: { ...view, registry },
          archived: endpoint.archivedAt !== null,
          isPrivate: !endpoint.public,
        });
    return sendCached(request, reply, { body, contentType: json ? JSON_TYPE : HTML_TYPE, cacheControl: full ? PRIVATE_CACHE_CONTROL : PUBLIC_CACHE_CONTROL });
  });
  return Promise.resolve();
}
