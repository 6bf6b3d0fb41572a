// Domain objects → API JSON. Secrets never pass through here: an endpoint shows the NAMES of the
// headers it sends (secretHeaders), never a value. Pure.
import { secretHeaderNames, type Endpoint } from '../../domain/endpoint.ts';
import { failureSummary, publicDetail } from '../../domain/failure-summary.ts';
import type { EndpointState } from '../../domain/health.ts';
import type { Incident, ResultRow } from '../../store/store.ts';
import type { ComplianceEntry } from '../../service/compliance-book.ts';
import type { EndpointViewBody } from './schemas.ts';

export function endpointView(endpoint: Endpoint, state: EndpointState, compliance?: ComplianceEntry): EndpointViewBody {
  return {
    id: endpoint.id,
    slug: endpoint.slug,
    name: endpoint.name,
    url: endpoint.url,
    intervalS: endpoint.intervalS,
    timeoutMs: endpoint.timeoutMs,
    era: endpoint.era,
    public: endpoint.public,
    paused: endpoint.paused,
    pausedReason: endpoint.pausedReason,
    tags: [...endpoint.tags],
    listTools: endpoint.listTools,
    allowPrivate: endpoint.allowPrivate,
    source: endpoint.source,
    secretHeaders: secretHeaderNames(endpoint.secrets),
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    archivedAt: endpoint.archivedAt,
    status: {
      health: state.health,
      healthSince: state.healthSince,
      lastStatus: state.lastStatus,
      lastCode: state.lastCode,
      lastCheckedAt: state.lastCheckedAt,
      lastDurationMs: state.lastDurationMs,
    },
    grade:
      compliance === undefined
        ? null
        : { score: compliance.grade.score, letter: compliance.grade.letter, pending: [...compliance.grade.pending], checkedAt: compliance.report.checkedAt },
  };
}

/** `full`: a token holder, who sees raw details; anonymous callers get each code's sentence (publicDetail). */
export function stateView(endpoint: Endpoint, state: EndpointState, full: boolean) {
  const { firstFailureCode: _code, firstFailureDetail: _detail, ...rest } = state;
  return { ...rest, lastDetail: full ? rest.lastDetail : publicDetail(rest.lastCode, rest.lastDetail), endpointId: endpoint.id, slug: endpoint.slug, paused: endpoint.paused };
}

export function resultView(row: ResultRow, full: boolean) {
  return {
    ts: row.ts,
    at: new Date(row.ts).toISOString(),
    status: row.status,
    code: row.code,
    detail: full ? row.detail : publicDetail(row.code, row.detail),
    durationMs: row.durationMs,
    dnsMs: row.dnsMs,
    connectMs: row.connectMs,
    tlsMs: row.tlsMs,
    era: row.era,
    retried: row.retried,
    stalled: row.stalled,
    discounted: row.discounted === true,
    lagMs: row.lagMs,
  };
}

export function incidentView(incident: Incident, slug: string, full: boolean) {
  const details = full
    ? {}
    : { firstDetail: failureSummary(incident.firstCode), lastDetail: failureSummary(incident.lastCode) };
  return { ...incident, ...details, endpointSlug: slug, open: incident.resolvedAt === null };
}
