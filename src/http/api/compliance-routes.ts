// /endpoints/:ref/compliance: the latest compliance report with the grade computed now (every
// input beside it), and POST …/compliance/run to check now. Reading follows the endpoint's
// visibility (public ones need no token); running makes this server talk to the endpoint, so it
// needs a full token, has a tight rate limit, and runs at most `compliance.concurrency` at once.
import { countOutcomes, gradeOfSummary, gradeText, type Grade } from '../../domain/grade.ts';
import { isIdle } from '../../domain/endpoint.ts';
import { GRADE_WINDOW_MS } from '../../service/compliance-book.ts';
import type { ComplianceReport } from '../../domain/compliance.ts';
import type { AppDeps } from '../deps.ts';
import { allowRead, authenticate, requireWrite } from './auth.ts';
import { BEARER, visibleEndpoint, type ApiInstance } from './context.ts';
import { ApiError, notFound } from './errors.ts';
import { EndpointRefParams, errorResponses } from './schemas.ts';
import { ComplianceResponse, type ComplianceResponseBody } from './compliance-schemas.ts';
import { COMPLIANCE_HISTORY } from '../../store/compliance.ts';

const TAGS = ['compliance'];
/** Per token, per minute: each run sends a few dozen requests to someone else's server. */
export const COMPLIANCE_RUN_RATE_LIMIT = { max: 6, timeWindow: 60_000 } as const;

export function gradeView(grade: Grade): ComplianceResponseBody['grade'] {
  return { ...grade, text: gradeText(grade), pending: [...grade.pending] };
}

/** The grade of one endpoint now: its 30-day rounds and p95 from the store, and `report`. */
export async function gradeNow(deps: Pick<AppDeps, 'store' | 'clock' | 'config'>, endpointId: number, report: ComplianceReport | null): Promise<Grade> {
  const now = deps.clock();
  const summary = await deps.store.uptime(endpointId, now - GRADE_WINDOW_MS, now);
  return gradeOfSummary(summary, report, { policy: deps.config.health, latencyBudgetMs: deps.config.compliance.latencyBudgetMs });
}

export function complianceRoutes(app: ApiInstance, deps: AppDeps): void {
  const { store } = deps;
  let running = 0;

  const body = async (endpointId: number, slug: string, report: ComplianceReport | null): Promise<ComplianceResponseBody> => {
    const history = (await deps.compliance?.reports.reportHistory(endpointId, COMPLIANCE_HISTORY)) ?? [];
    return {
      slug,
      report: report === null ? null : { ...report, results: [...report.results] },
      grade: gradeView(await gradeNow(deps, endpointId, report)),
      history: history.map((r) => ({ checkedAt: r.checkedAt, ...countOutcomes(r) })),
    };
  };

  app.get(
    '/endpoints/:ref/compliance',
    {
      onRequest: allowRead(deps),
      schema: {
        tags: TAGS,
        summary: 'The latest compliance report and the grade, with every input',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        response: { 200: ComplianceResponse, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const endpoint = await visibleEndpoint(store, request.params.ref, await authenticate(request, deps));
      const report = (await deps.compliance?.reports.latestReport(endpoint.id)) ?? null;
      return body(endpoint.id, endpoint.slug, report);
    },
  );

  app.post(
    '/endpoints/:ref/compliance/run',
    {
      onRequest: requireWrite(deps, 'endpoints.check'),
      config: { rateLimit: COMPLIANCE_RUN_RATE_LIMIT },
      schema: {
        tags: TAGS,
        summary: `Run the compliance checks of an endpoint now (at most ${COMPLIANCE_RUN_RATE_LIMIT.max} a minute per token)`,
        security: BEARER,
        params: EndpointRefParams,
        response: { 200: ComplianceResponse, ...errorResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const endpoint = await visibleEndpoint(store, request.params.ref, await authenticate(request, deps));
      const runNow = deps.compliance?.runNow;
      if (runNow === undefined) throw new ApiError(503, 'UNAVAILABLE', 'compliance checks are not available on this server');
      if (isIdle(endpoint)) throw new ApiError(409, 'ENDPOINT_IDLE', `endpoint "${endpoint.slug}" is ${endpoint.paused ? 'paused' : 'archived'}: resume it first`);
      if (running >= deps.config.compliance.concurrency) {
        throw new ApiError(429, 'BUSY', `${running} compliance run(s) already in progress; try again shortly`, [], { 'retry-after': '10' });
      }
      running++;
      let report: ComplianceReport;
      try {
        request.log.info({ endpointId: endpoint.id, slug: endpoint.slug }, 'compliance checks run through the API');
        report = await runNow(endpoint);
      } finally {
        running--;
      }
      if ((await store.getEndpoint(endpoint.id)) === undefined) throw notFound(`endpoint ${endpoint.id} was deleted while it was checked`);
      return body(endpoint.id, endpoint.slug, report);
    },
  );
}
