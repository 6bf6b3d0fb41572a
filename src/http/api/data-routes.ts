// What the monitor recorded: raw results, uptime summaries, the live state, incidents.
import { notMonitoredMs, uptimeOf } from '../../domain/uptime.ts';
import type { Incident } from '../../store/store.ts';
import type { AppDeps } from '../deps.ts';
import { allowRead, authenticate, canSeePrivate } from './auth.ts';
import { BEARER, visibleEndpoint, type ApiInstance } from './context.ts';
import { validationError } from './errors.ts';
import {
  DEFAULT_RESULTS_LIMIT,
  EndpointRefParams,
  EndpointState,
  GapsQuery,
  GapsResponse,
  IncidentsQuery,
  IncidentsResponse,
  MAX_GAPS_LIMIT,
  ResultsQuery,
  ResultsResponse,
  UPTIME_WINDOWS,
  UptimeQuery,
  UptimeResponse,
  errorResponses,
  type UptimeWindow,
} from './schemas.ts';
import { incidentView, resultView, stateView } from './views.ts';

const DAY_MS = 86_400_000;

export function dataRoutes(app: ApiInstance, deps: AppDeps): void {
  const { store } = deps;
  const read = allowRead(deps);

  app.get(
    '/endpoints/:ref/results',
    {
      onRequest: read,
      schema: {
        tags: ['results'],
        summary: 'Raw probe rounds, newest first; page with `before` = the previous nextBefore',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        querystring: ResultsQuery,
        response: { 200: ResultsResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const access = await authenticate(request, deps);
      const endpoint = await visibleEndpoint(store, request.params.ref, access);
      const now = deps.clock();
      const to = parseTime(request.query.to, 'querystring.to') ?? now;
      const from = parseTime(request.query.from, 'querystring.from') ?? to - DAY_MS;
      if (from >= to) throw validationError([{ field: 'querystring.from', message: 'must be earlier than to' }]);
      const limit = request.query.limit ?? DEFAULT_RESULTS_LIMIT;
      const before = request.query.before;
      const region = request.query.region;
      const rows = await store.results(endpoint.id, { fromMs: from, toMs: to, limit, ...(before !== undefined ? { beforeTs: before } : {}), ...(region !== undefined ? { region } : {}) });
      const last = rows.at(-1);
      return {
        endpointId: endpoint.id,
        from,
        to,
        limit,
        results: rows.map((row) => resultView(row, canSeePrivate(access))),
        nextBefore: rows.length === limit && last ? last.ts : null,
      };
    },
  );

  app.get(
    '/endpoints/:ref/uptime',
    {
      onRequest: read,
      schema: {
        tags: ['results'],
        summary: 'Uptime and latency percentiles over the last 24h, 7d, 30d or 90d',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        querystring: UptimeQuery,
        response: { 200: UptimeResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const endpoint = await visibleEndpoint(store, request.params.ref, await authenticate(request, deps));
      const window: UptimeWindow = request.query.window ?? '24h';
      const to = deps.clock();
      const from = to - UPTIME_WINDOWS[window];
      const summary = await store.uptime(endpoint.id, from, to);
      const u = uptimeOf(summary, deps.config.health);
      const notMonitored = notMonitoredMs(await store.gaps(endpoint.id, from, to, MAX_GAPS_LIMIT), from, to);
      return { endpointId: endpoint.id, window, from, to, ...summary, uptime: u.ratio, uptimePercent: u.percent, notMonitoredMs: notMonitored };
    },
  );

  app.get(
    '/endpoints/:ref/gaps',
    {
      onRequest: read,
      schema: {
        tags: ['results'],
        summary: 'When mcpwatch did not monitor the endpoint (it was down, restarting or stalled), newest first',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        querystring: GapsQuery,
        response: { 200: GapsResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const endpoint = await visibleEndpoint(store, request.params.ref, await authenticate(request, deps));
      const window: UptimeWindow = request.query.window ?? '90d';
      const to = deps.clock();
      const from = to - UPTIME_WINDOWS[window];
      const gaps = await store.gaps(endpoint.id, from, to, request.query.limit ?? 100);
      const all = await store.gaps(endpoint.id, from, to, MAX_GAPS_LIMIT);
      return {
        endpointId: endpoint.id,
        window,
        from,
        to,
        notMonitoredMs: notMonitoredMs(all, from, to),
        gaps: gaps.map((g) => ({ from: g.fromMs, to: g.toMs, durationMs: g.toMs - g.fromMs })),
      };
    },
  );

  app.get(
    '/endpoints/:ref/status',
    {
      onRequest: read,
      schema: {
        tags: ['results'],
        summary: 'The live health state of an endpoint',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        response: { 200: EndpointState, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const access = await authenticate(request, deps);
      const endpoint = await visibleEndpoint(store, request.params.ref, access);
      return stateView(endpoint, deps.state(endpoint.id), canSeePrivate(access));
    },
  );

  app.get(
    '/incidents',
    {
      onRequest: read,
      schema: {
        tags: ['incidents'],
        summary: 'Incidents, newest first (of public endpoints only without a token)',
        security: [{}, ...BEARER],
        querystring: IncidentsQuery,
        response: { 200: IncidentsResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const access = await authenticate(request, deps);
      const limit = request.query.limit ?? 50;
      const openOnly = request.query.open === true;
      const slugs = new Map<number, string>();
      let incidents: Incident[];
      if (request.query.endpoint !== undefined) {
        const endpoint = await visibleEndpoint(store, request.query.endpoint, access);
        slugs.set(endpoint.id, endpoint.slug);
        incidents = await store.incidents({ endpointId: endpoint.id, openOnly, limit });
      } else {
        const visible = (await store.listEndpoints()).filter((e) => e.public || canSeePrivate(access));
        for (const e of visible) slugs.set(e.id, e.slug);
        if (canSeePrivate(access)) incidents = await store.incidents({ openOnly, limit });
        else {
          // Per public endpoint, then merged: filtering one global page would return short pages.
          // Ids are numbered per endpoint (incidentIdFor), so only the start time orders across them.
          const perEndpoint: Incident[] = [];
          for (const e of visible) perEndpoint.push(...(await store.incidents({ endpointId: e.id, openOnly, limit })));
          incidents = perEndpoint.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id - a.id).slice(0, limit);
        }
      }
      return { incidents: incidents.filter((i) => slugs.has(i.endpointId)).map((i) => incidentView(i, slugs.get(i.endpointId)!, canSeePrivate(access))) };
    },
  );
}

/** ms since the epoch (digits) or an ISO 8601 date-time; undefined when absent. */
function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw validationError([{ field, message: 'expected ms since the epoch or an ISO 8601 date-time such as 2025-01-31T12:00:00Z' }]);
  return ms;
}
