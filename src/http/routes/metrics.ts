// GET /metrics: Prometheus text exposition, gzipped when the scraper accepts it (Prometheus does).
// Every endpoint is listed (public or not), by slug.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { EXPOSITION_CONTENT_TYPE, METRIC_NAME } from '../../metrics/exposition.ts';
import { acceptsGzip } from '../../metrics/gzip-body.ts';
import { MetricsScraper, type ScrapeOptions } from '../../metrics/scrape.ts';
import { validationError } from '../api/errors.ts';
import type { AppDeps } from '../deps.ts';

export function metricsRoutes(app: FastifyInstance, opts: { deps: AppDeps; scrape?: ScrapeOptions }): Promise<void> {
  const { deps } = opts;
  const scraper = new MetricsScraper(
    {
      listEndpoints: () => deps.endpoints(),
      state: deps.region?.state ?? deps.state,
      ...(deps.region ? { region: deps.region.name } : {}),
      latestResult: deps.latestResult,
      ...(deps.compliance ? { compliance: deps.compliance.latest } : {}),
      clock: deps.clock,
      policy: deps.config.health,
      scheduler: deps.scheduler,
      loopDelayMs: deps.loopDelayMs,
      ...(deps.overload ? { overload: deps.overload } : {}),
      ...(deps.writes ? { writes: deps.writes } : {}),
      ...(deps.alerts ? { alerts: deps.alerts.backlog.bind(deps.alerts) } : {}),
      ...(deps.registries ? { registries: deps.registries } : {}),
    },
    opts.scrape,
  );

  app.addHook('onClose', (_instance, done) => {
    scraper.close();
    done();
  });
  app.get('/metrics', async (request, reply) => {
    const names = selectedNames((request.query as Record<string, unknown>)['name[]']);
    const gzip = acceptsGzip(request.headers['accept-encoding']);
    reply.header('content-type', EXPOSITION_CONTENT_TYPE).header('cache-control', 'no-store').header('vary', 'accept-encoding');
    if (gzip) reply.header('content-encoding', 'gzip');
    if (names !== undefined) return reply.send(Buffer.concat(await scraper.renderSelected(names, { gzip })));
    if (gzip) return reply.send(await scraper.renderGzip());
    const parts = await scraper.renderParts();
    let length = 0;
    for (const part of parts) length += part.length;
    return reply.header('content-length', length).send(Readable.from(scraper.paced(parts), { objectMode: false }));
  });
  return Promise.resolve();
}

/**
 * The `name[]` query parameters (client_python's selection, which Prometheus sends from a scrape
 * config's `params`): each a metric family name, or a sample name of one (`x_count`). Absent: the
 * whole exposition.
 */
function selectedNames(value: unknown): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const names = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const name of names) {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
      throw validationError([{ field: 'querystring.name[]', message: `not a metric name: ${JSON.stringify(String(name).slice(0, 60))} (give name[]=mcpwatch_probes_dispatched_total, once per family)` }]);
    }
  }
  return new Set(names as string[]);
}
