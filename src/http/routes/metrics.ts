// GET /metrics: Prometheus text exposition, gzipped when the scraper accepts it (Prometheus does).
// Every endpoint is listed (public or not), by slug.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { EXPOSITION_CONTENT_TYPE } from '../../metrics/exposition.ts';
import { acceptsGzip } from '../../metrics/gzip-body.ts';
import { MetricsScraper, type ScrapeOptions } from '../../metrics/scrape.ts';
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
    reply.header('content-type', EXPOSITION_CONTENT_TYPE).header('cache-control', 'no-store').header('vary', 'accept-encoding');
    if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(await scraper.renderGzip());
    const parts = await scraper.renderParts();
    let length = 0;
    for (const part of parts) length += part.length;
    return reply.header('content-length', length).send(Readable.from(parts, { objectMode: false }));
  });
  return Promise.resolve();
}
