// Badges for READMEs: GET /badge/:slug.svg (status, uptime with ?window=24h|7d|30d|90d, or the
// grade with ?type=grade) and GET /badge/:slug.json, a shields.io endpoint badge taking the same
// parameters. Public endpoints only, same 404 otherwise.
import type { FastifyInstance } from 'fastify';
import { formatUptime, uptimeOf } from '../../domain/uptime.ts';
import type { AppDeps } from '../deps.ts';
import { gradeText } from '../../domain/grade.ts';
import { gradeNow } from '../api/compliance-routes.ts';
import { GRADE_BADGE_COLOR, STATUS_BADGE, UPTIME_BADGE_COLOR, badgeSvg, shieldsJson, type BadgeSpec } from '../pages/badge.ts';
import { sendCached } from '../pages/http-cache.ts';
import { publicStatus } from '../pages/status-display.ts';
import { UPTIME_WINDOWS, isUptimeWindow, uptimeLevel } from '../pages/uptime.ts';
import { findPublic } from './status.ts';

export const BADGE_CACHE_CONTROL = 'public, max-age=60';
const MAX_LABEL = 40;

// Synchronous setup; the Promise only satisfies the plugin signature.
export function badgeRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;

  app.get('/badge/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const match = /^(.+)\.(svg|json)$/.exec(file);
    const endpoint = match ? await findPublic(deps, match[1]!) : undefined;
    if (!match || !endpoint) {
      return reply.code(404).header('cache-control', BADGE_CACHE_CONTROL).type('text/plain; charset=utf-8').send('no public endpoint with this name\n');
    }
    const query = request.query as { window?: unknown; label?: unknown; type?: unknown };
    const customLabel = typeof query.label === 'string' && query.label !== '' ? query.label.slice(0, MAX_LABEL) : null;
    let spec: BadgeSpec;
    if (query.type === 'grade') {
      const grade = await gradeNow(deps, endpoint.id, (await deps.compliance?.reports.latestReport(endpoint.id)) ?? null);
      spec = { label: customLabel ?? 'grade', message: gradeText(grade), color: GRADE_BADGE_COLOR[grade.letter ?? 'pending'] };
    } else if (isUptimeWindow(query.window)) {
      const now = deps.clock();
      const u = uptimeOf(await deps.store.uptime(endpoint.id, now - UPTIME_WINDOWS[query.window], now), deps.config.health);
      spec = { label: customLabel ?? `uptime ${query.window}`, message: u.ratio === null ? 'no data' : formatUptime(u), color: UPTIME_BADGE_COLOR[uptimeLevel(u)] };
    } else {
      const status = publicStatus(deps.state(endpoint.id), endpoint, deps.config.health);
      spec = { label: customLabel ?? endpoint.name, ...STATUS_BADGE[status] };
    }
    const svg = match[2] === 'svg';
    // Embedded in other sites' pages: the global same-origin resource policy would block the image.
    reply.header('cross-origin-resource-policy', 'cross-origin').header('access-control-allow-origin', '*');
    return sendCached(request, reply, {
      body: svg ? badgeSvg(spec) : JSON.stringify(shieldsJson(spec)),
      contentType: svg ? 'image/svg+xml; charset=utf-8' : 'application/json; charset=utf-8',
      cacheControl: BADGE_CACHE_CONTROL,
    });
  });
  return Promise.resolve();
}
