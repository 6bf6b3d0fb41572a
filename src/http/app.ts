// Builds the Fastify app; never listens (only main.ts does), so tests use inject() or port 0.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hostCheck } from '../config/schema.ts';
import type { AppDeps } from './deps.ts';
import { hostGuardPlugin } from './host-guard.ts';
import { apiAuditPlugin } from './accounts/api-audit.ts';
import { viewerPlugin } from './accounts/viewer.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiRoutes } from './routes/api.ts';
import { badgeRoutes } from './routes/badge.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { endpointPageRoutes } from './routes/endpoint-page.ts';
import { healthRoutes } from './routes/health.ts';
import { manageRoutes } from './routes/manage.ts';
import { manageAlertRoutes } from './routes/manage-alerts.ts';
import { manageMaintenanceRoutes } from './routes/manage-maintenance.ts';
import { manageStatusPageRoutes } from './routes/manage-status-pages.ts';
import { manageEndpointRoutes } from './routes/manage-endpoints.ts';
import { mcpRoutes } from './routes/mcp.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { probeRoutes } from './routes/probe.ts';
import { securityPlugin } from './routes/security.ts';
import { statusRoutes } from './routes/status.ts';
import { customDomainPath } from './status-page-hosts.ts';

export interface AppOptions {
  /** The service's pino logger; request logs never include headers, so tokens stay out of them. */
  readonly logger?: FastifyBaseLogger;
  /** listen.trustProxy: whose X-Forwarded-For names the client (for rate limits and logs). */
  readonly trustProxy?: boolean | readonly string[];
}

/**
 * Scraped or polled every few seconds by orchestrators and Prometheus: logging each at info would
 * bury everything else, so their requests are logged at debug (`--log-level debug` shows them).
 */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

function isQuiet(url: string): boolean {
  const query = url.indexOf('?');
  return QUIET_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/** Fastify's request lines, at debug for the quiet paths; their errors keep the error level. */
class QuietProbesLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isQuiet(request.url)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && isQuiet(request.url)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}

export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    trustProxy: typeof options.trustProxy === 'object' ? [...options.trustProxy] : (options.trustProxy ?? false),
    bodyLimit: 256 * 1024,
    logController: new QuietProbesLogController(),
    // A status page's custom domain serves that page only (status-page-hosts.ts): its paths are
    // mapped onto the page's routes before routing, every other path onto none.
    rewriteUrl: (request) => {
      const url = request.url ?? '/';
      const slug = deps.statusPages?.hosts.slugForHost(request.headers.host);
      return slug === undefined ? url : customDomainPath(slug, url);
    },
  }) as unknown as FastifyInstance;
  await app.register(securityPlugin, { deps });
  // After the security plugin, so a refused Host still gets its headers, request id and error body.
  const hosts = deps.statusPages?.hosts;
  await app.register(hostGuardPlugin, { check: hostCheck(deps.config.listen, deps.config.publicUrl), ...(hosts ? { isCustomDomain: (hostname: string) => hosts.slugFor(hostname) !== undefined } : {}) });
  await app.register(viewerPlugin, { deps });
  if (deps.accounts) await app.register(apiAuditPlugin, { accounts: deps.accounts });
  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(probeRoutes, { deps });
  await app.register(apiRoutes, { deps, prefix: '/api/v1' });
  await app.register(dashboardRoutes, { deps });
  await app.register(statusRoutes, { deps });
  await app.register(endpointPageRoutes, { deps });
  await app.register(badgeRoutes, { deps });
  await app.register(mcpRoutes, { deps });
  const { accounts } = deps;
  if (accounts) {
    await app.register(accountRoutes, { deps: { ...deps, accounts } });
    await app.register(manageRoutes, { deps: { ...deps, accounts } });
    // Alert and maintenance forms (issue 16): only where the settings can be changed at run time.
    const { alertSettings } = deps;
    if (alertSettings) {
      await app.register(manageAlertRoutes, { deps: { ...deps, accounts, alertSettings } });
      await app.register(manageMaintenanceRoutes, { deps: { ...deps, accounts, alertSettings } });
    }
    const { statusPages } = deps;
    if (statusPages) await app.register(manageStatusPageRoutes, { deps: { ...deps, accounts, statusPages } });
    await app.register(manageEndpointRoutes, { deps: { ...deps, accounts } });
  }
  return app;
}
