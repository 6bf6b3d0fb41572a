// GET /probe?target=<url>&module=mcp: blackbox_exporter's multi-target endpoint. Each request runs
// one fresh probe of the target and answers its series in blackbox's shape, so a blackbox scrape
// config (targets relabelled into __param_target and instance) works by changing the exporter
// address, the module and the credentials.
//
// The target is chosen by whoever calls, so it is hostile: the probe applies the configured
// address policy (private and loopback addresses refused unless probe.allowPrivate), the route
// takes a token as configured (a full one by default, as POST /api/v1/check does), has its own
// rate limit, a cap on probes at once with a short line, and a budget from Prometheus' scrape
// timeout header. No credentials are ever sent to a target.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProbeEndpointAuth } from '../../config/schema.ts';
import { parseEndpointUrl } from '../../domain/url.ts';
import { EXPOSITION_CONTENT_TYPE } from '../../metrics/exposition.ts';
import { renderProbeMetrics } from '../../metrics/probe-exposition.ts';
import { allowRead, requireToken, requireWrite, type AuthDeps } from '../api/auth.ts';
import { ApiError, notFound, validationError } from '../api/errors.ts';
import { ConcurrencyLimit } from '../concurrency-limit.ts';
import type { AppDeps } from '../deps.ts';

/** The modules /probe knows; blackbox's `http_2xx` and friends mean other probes, so they are refused by name. */
export const PROBE_MODULES = ['mcp'] as const;

/** blackbox's default --timeout-offset: the answer must be back before Prometheus gives up. */
export const SCRAPE_TIMEOUT_OFFSET_S = 0.5;
const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';
/** Waiting in line beyond this many per slot answers 503 at once. */
const LINE_PER_SLOT = 4;

/**
 * The probe's budget, ms: the configured probe timeout, shortened to Prometheus' scrape timeout
 * less the offset when the header says so (blackbox's getTimeout; a header smaller than the
 * offset is used whole rather than ignored).
 */
export function scrapeBudgetMs(header: string | string[] | undefined, maxMs: number): { ok: true; ms: number } | { ok: false; message: string } {
  if (header === undefined) return { ok: true, ms: maxMs };
  const text = Array.isArray(header) ? header[0] ?? '' : header;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return { ok: false, message: `X-Prometheus-Scrape-Timeout-Seconds must be a positive number of seconds, got ${JSON.stringify(text.slice(0, 40))}` };
  const usable = seconds > SCRAPE_TIMEOUT_OFFSET_S ? seconds - SCRAPE_TIMEOUT_OFFSET_S : seconds;
  return { ok: true, ms: Math.min(maxMs, Math.round(usable * 1000)) };
}

function authHook(auth: ProbeEndpointAuth, deps: AuthDeps): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return { none: allowRead, read: requireToken, full: requireWrite }[auth](deps);
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw validationError([{ field: `querystring.${name}`, message: `give one ${name}, not a list` }]);
}

export function probeRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const settings = deps.config.probeEndpoint;
  if (!settings.enabled) {
    app.get('/probe', () => {
      throw notFound('GET /probe is turned off on this server (probeEndpoint.enabled: false)');
    });
    return Promise.resolve();
  }
  const slots = new ConcurrencyLimit(settings.concurrency, settings.concurrency * LINE_PER_SLOT);

  app.get(
    '/probe',
    { onRequest: authHook(settings.auth, deps), config: { rateLimit: { max: settings.perMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const target = single(query.target, 'target');
      const moduleName = single(query.module, 'module') ?? 'mcp';
      if (target === undefined || target.trim() === '') throw validationError([{ field: 'querystring.target', message: 'the target parameter is missing: give the MCP server URL, ?target=https://…' }]);
      if (!(PROBE_MODULES as readonly string[]).includes(moduleName)) {
        throw validationError([{ field: 'querystring.module', message: `unknown module ${JSON.stringify(moduleName.slice(0, 60))}; this server has: ${PROBE_MODULES.join(', ')} (an MCP handshake)` }]);
      }
      const url = parseEndpointUrl(target.trim());
      if (!url.ok) throw validationError([{ field: 'querystring.target', message: url.detail }]);
      const budget = scrapeBudgetMs(request.headers[SCRAPE_TIMEOUT_HEADER], deps.config.probe.timeoutMs);
      if (!budget.ok) throw validationError([{ field: `headers.${SCRAPE_TIMEOUT_HEADER}`, message: budget.message }]);

      // The line and the probe share the budget; a caller that goes away frees its place.
      const started = deps.clock();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), budget.ms);
      const onClose = (): void => {
        if (!reply.raw.writableFinished) controller.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const admission = await slots.acquire(controller.signal);
        if (!admission.ok) {
          throw new ApiError(503, 'BUSY', `${settings.concurrency} probes are running and the line is full or the scrape timeout passed while waiting; try again`, [], { 'retry-after': '1' });
        }
        try {
          const remaining = Math.max(1, budget.ms - (deps.clock() - started));
          // Only the origin is logged: a query string may carry a key.
          request.log.info({ target: url.url.origin, module: moduleName }, 'probe through /probe');
          const result = await deps.checkNow({ url: url.url.href, era: 'auto', listTools: false }, { timeoutMs: remaining, signal: controller.signal });
          const body = renderProbeMetrics(result, { policy: deps.config.health, timeoutSeconds: budget.ms / 1000 });
          return await reply.header('content-type', EXPOSITION_CONTENT_TYPE).header('cache-control', 'no-store').send(body);
        } finally {
          admission.release();
        }
      } finally {
        clearTimeout(timer);
        reply.raw.removeListener('close', onClose);
      }
    },
  );
  return Promise.resolve();
}
