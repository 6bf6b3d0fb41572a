// Changes made through the JSON API go to the audit log too: every successful POST, PUT, PATCH or
// DELETE under /api/v1, with the token that made it (and the token's owner). Written after the
// response, so a slow or failing audit write never fails the change itself; a failure is logged.
//
// The hook covers routes by method and prefix, so a new write route is audited without a word
// from its author; the plugin also lists the write routes it saw (apiWriteRoutes), so a test can
// prove each one really leaves a row (test/http/api-audit-coverage.test.ts).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Accounts } from '../../accounts/accounts.ts';
import { actorOf, viewerOf } from './viewer.ts';

const CHANGES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Writes that change nothing stored: a one-off probe, a test message. */
const NOT_CHANGES: ReadonlySet<string> = new Set(['/api/v1/check', '/api/v1/alerts/channels/:name/test']);
const PREFIX = '/api/v1/';

export interface ApiWriteRoute {
  readonly method: string;
  readonly url: string;
  /** False for the writes that change nothing stored (NOT_CHANGES). */
  readonly audited: boolean;
}

const seen = new WeakMap<FastifyInstance, ApiWriteRoute[]>();

/** The API's write routes registered after the audit plugin, in registration order. */
export function apiWriteRoutes(app: FastifyInstance): readonly ApiWriteRoute[] {
  return seen.get(app) ?? [];
}

function apiAudit(app: FastifyInstance, opts: { accounts: Accounts }): Promise<void> {
  const routes: ApiWriteRoute[] = [];
  seen.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(PREFIX)) return;
    for (const method of [route.method].flat()) {
      if (CHANGES.has(method)) routes.push({ method, url: route.url, audited: !NOT_CHANGES.has(route.url) });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '';
    if (!CHANGES.has(request.method) || !route.startsWith(PREFIX) || NOT_CHANGES.has(route) || reply.statusCode >= 400) return;
    try {
      const viewer = await viewerOf(request);
      const path = request.url.split('?')[0] ?? request.url;
      await opts.accounts.audit(actorOf(viewer), `api.${request.method.toLowerCase()}`, path, { route, status: reply.statusCode });
    } catch (err) {
      request.log.warn({ err }, 'could not write the audit row for an API change');
    }
  });
  return Promise.resolve();
}

export const apiAuditPlugin = fp(apiAudit, { name: 'mcpwatch-api-audit', fastify: '5.x' });
