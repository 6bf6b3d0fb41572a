// GET /metrics: Prometheus text exposition. Every endpoint is listed (public or not), by slug.
import type { FastifyInstance } from 'fastify';
import { EXPOSITION_CONTENT_TYPE } from '../../metrics/exposition.ts';
import { MetricsScraper, type ScrapeOptions } from '../../metrics/scrape.ts';
import type { AppDeps } from '../deps.ts';

export function metricsRoutes(app: FastifyInstance, opts: { deps: AppDeps; scrape?: ScrapeOptions }): Promise<void> {
  const { deps } = opts;
  const scraper = new MetricsScraper(
    {
      listEndpoints: () => deps.endpoints(),
      state: deps.state,
      latestResult: deps.latestResult,
      clock: deps.clock,
      policy: deps.config.health,
      scheduler: deps.scheduler,
      loopDelayMs: deps.loopDelayMs,
      ...(deps.overload ? { overload: deps.overload } : {}),
      ...(deps.alerts ? { alerts: deps.alerts.backlog.bind(deps.alerts) } : {}),
    },
    opts.scrape,
  );

  app.get('/metrics', async (_request, reply) => {
    const body = await scraper.render();
    return reply.header('content-type', EXPOSITION_CONTENT_TYPE).header('cache-control', 'no-store').send(body);
  });
  return Promise.resolve();
}
