// Domain objects → API JSON. Secrets never pass through here: an endpoint shows the NAMES of the
// headers it sends (secretHeaders), never a value. Pure.
import { secretHeaderNames, type Endpoint } from '../../domain/endpoint.ts';
import type { EndpointState } from '../../domain/health.ts';
import type { Incident, ResultRow } from '../../store/store.ts';
import type { EndpointViewBody } from './schemas.ts';

export function endpointView(endpoint: Endpoint, state: EndpointState): EndpointViewBody {
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
  };
}

export function stateView(endpoint: Endpoint, state: EndpointState) {
  const { firstFailureCode: _code, firstFailureDetail: _detail, ...rest } = state;
  return { ...rest, endpointId: endpoint.id, slug: endpoint.slug, paused: endpoint.paused };
}

export function resultView(row: ResultRow) {
  return {
    ts: row.ts,
    at: new Date(row.ts).toISOString(),
    status: row.status,
    code: row.code,
    detail: row.detail,
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

export function incidentView(incident: Incident, slug: string) {
  return { ...incident, endpointSlug: slug, open: incident.resolvedAt === null };
}
