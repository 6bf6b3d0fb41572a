// What mcpwatch's own MCP tools read: plain objects from the store and the live state, filtered by
// who is asking. An endpoint the caller may not see is reported exactly like one that does not
// exist, so the answers never confirm a private slug.
import { daysLeft } from '../domain/certificate.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import { failureSummary, publicDetail } from '../domain/failure-summary.ts';
import type { EndpointState, Health, HealthPolicy } from '../domain/health.ts';
import type { Era } from '../domain/probe-result.ts';
import { uptimeOf } from '../domain/uptime.ts';
import type { Incident, Store, UptimeSummary } from '../store/store.ts';

/** `public`: endpoints marked public only (anonymous callers); `all`: every endpoint (API token holders). */
export type Visibility = 'public' | 'all';

export interface ReadDeps {
  readonly store: Pick<Store, 'listEndpoints' | 'getEndpointBySlug' | 'uptime' | 'incidents'>;
  readonly state: (endpointId: number) => EndpointState;
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly policy: HealthPolicy;
}

/** The last round's status, or why there is none. */
export type StatusWord = Status | 'unknown' | 'paused' | 'archived';

export const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];

const HOUR_MS = 3_600_000;
const WINDOW_MS: Record<UptimeWindow, number> = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS, '90d': 90 * 24 * HOUR_MS };
/** Most incidents one answer lists (newest first). */
export const INCIDENT_LIMIT = 200;
// Fetched before filtering by visibility, so private incidents cannot crowd public ones out.
const INCIDENT_SCAN = 10_000;

export interface EndpointSummary {
  readonly slug: string;
  readonly name: string;
  readonly status: StatusWord;
  readonly era: Era | null;
}

export interface OpenIncident {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly startedAt: string;
  readonly openForS: number;
  readonly firstCode: FailureCode;
  readonly firstDetail: string;
  readonly lastCode: FailureCode;
  readonly lastDetail: string;
}

export interface EndpointStatusReport {
  readonly slug: string;
  readonly name: string;
  readonly status: StatusWord;
  /** Confirmed health, after the down/up thresholds. */
  readonly health: Health;
  readonly healthSince: string | null;
  readonly code: FailureCode | null;
  readonly detail: string | null;
  readonly lastCheckedAt: string | null;
  readonly lastDurationMs: number | null;
  /** Share of rounds in the last 24 h that were not failures under the health policy; null before any. */
  readonly uptime24h: number | null;
  readonly certDaysLeft: number | null;
  readonly certNotAfter: string | null;
  readonly era: Era | null;
  readonly protocolVersion: string | null;
  readonly serverName: string | null;
  readonly serverVersion: string | null;
  readonly toolsCount: number | null;
  readonly openIncident: OpenIncident | null;
}

export interface UptimeReport extends UptimeSummary {
  readonly slug: string;
  readonly window: UptimeWindow;
  readonly from: string;
  readonly to: string;
  readonly ratio: number | null;
  /** The figure the pages show: percent floored to two decimals (domain/uptime.ts). */
  readonly percent: number | null;
}

export function canSee(endpoint: Endpoint, visibility: Visibility): boolean {
  return visibility === 'all' || (endpoint.public && endpoint.archivedAt === null);
}

async function findVisible(deps: ReadDeps, visibility: Visibility, slug: string): Promise<Endpoint | undefined> {
  const endpoint = await deps.store.getEndpointBySlug(slug);
  return endpoint && canSee(endpoint, visibility) ? endpoint : undefined;
}

function statusWord(endpoint: Endpoint, state: EndpointState): StatusWord {
  if (endpoint.archivedAt !== null) return 'archived';
  if (endpoint.paused) return 'paused';
  return state.lastStatus ?? 'unknown';
}

export async function listEndpoints(deps: ReadDeps, visibility: Visibility): Promise<EndpointSummary[]> {
  return (await deps.store.listEndpoints())
    .filter((e) => canSee(e, visibility))
    .map((e) => {
      const state = deps.state(e.id);
      return { slug: e.slug, name: e.name, status: statusWord(e, state), era: state.era };
    });
}

export async function endpointStatus(deps: ReadDeps, visibility: Visibility, slug: string): Promise<EndpointStatusReport | undefined> {
  const endpoint = await findVisible(deps, visibility, slug);
  if (!endpoint) return undefined;
  const now = deps.clock();
  const state = deps.state(endpoint.id);
  const day = await deps.store.uptime(endpoint.id, now - WINDOW_MS['24h'], now);
  const notAfter = state.certNotAfter === null ? Number.NaN : Date.parse(state.certNotAfter);
  const incident = state.openIncidentId === null ? undefined : (await openIncidentsOf(deps, endpoint, now, visibility)).find((i) => i.id === state.openIncidentId);
  return {
    slug: endpoint.slug,
    name: endpoint.name,
    status: statusWord(endpoint, state),
    health: state.health,
    healthSince: state.healthSince,
    code: state.lastCode,
    detail: visibility === 'all' ? state.lastDetail : publicDetail(state.lastCode, state.lastDetail),
    lastCheckedAt: state.lastCheckedAt,
    lastDurationMs: state.lastDurationMs,
    uptime24h: uptimeOf(day, deps.policy).ratio,
    certDaysLeft: Number.isFinite(notAfter) ? daysLeft(new Date(notAfter), new Date(now)) : null,
    certNotAfter: state.certNotAfter,
    era: state.era,
    protocolVersion: state.protocolVersion,
    serverName: state.serverName,
    serverVersion: state.serverVersion,
    toolsCount: state.toolsCount,
    openIncident: incident ?? null,
  };
}

export async function uptime(deps: ReadDeps, visibility: Visibility, slug: string, window: UptimeWindow): Promise<UptimeReport | undefined> {
  const endpoint = await findVisible(deps, visibility, slug);
  if (!endpoint) return undefined;
  const to = deps.clock();
  const from = to - WINDOW_MS[window];
  const summary = await deps.store.uptime(endpoint.id, from, to);
  const u = uptimeOf(summary, deps.policy);
  return {
    slug: endpoint.slug,
    window,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    ratio: u.ratio,
    percent: u.percent,
    rounds: summary.rounds,
    up: summary.up,
    degraded: summary.degraded,
    authRequired: summary.authRequired,
    down: summary.down,
    p50Ms: summary.p50Ms,
    p95Ms: summary.p95Ms,
  };
}

/** Open incidents, newest first; undefined when `slug` names no endpoint the caller may see. */
export async function openIncidents(deps: ReadDeps, visibility: Visibility, slug?: string): Promise<OpenIncident[] | undefined> {
  const now = deps.clock();
  if (slug !== undefined) {
    const endpoint = await findVisible(deps, visibility, slug);
    return endpoint && (await openIncidentsOf(deps, endpoint, now, visibility));
  }
  const visible = new Map(
    (await deps.store.listEndpoints())
      .filter((e) => canSee(e, visibility))
      .map((e) => [e.id, e]),
  );
  const incidents: OpenIncident[] = [];
  for (const incident of await deps.store.incidents({ openOnly: true, limit: INCIDENT_SCAN })) {
    const endpoint = visible.get(incident.endpointId);
    if (endpoint) incidents.push(describeIncident(incident, endpoint, now, visibility));
    if (incidents.length === INCIDENT_LIMIT) break;
  }
  return incidents;
}

async function openIncidentsOf(deps: ReadDeps, endpoint: Endpoint, now: number, visibility: Visibility): Promise<OpenIncident[]> {
  return (await deps.store.incidents({ endpointId: endpoint.id, openOnly: true, limit: INCIDENT_LIMIT })).map((i) => describeIncident(i, endpoint, now, visibility));
}

function describeIncident(incident: Incident, endpoint: Endpoint, now: number, visibility: Visibility): OpenIncident {
  // Without a token, each code's sentence instead of the raw detail (addresses, server text).
  const full = visibility === 'all';
  return {
    id: incident.id,
    slug: endpoint.slug,
    name: endpoint.name,
    startedAt: incident.startedAt,
    openForS: Math.max(0, Math.round((now - Date.parse(incident.startedAt)) / 1000)),
    firstCode: incident.firstCode,
    firstDetail: full ? incident.firstDetail : failureSummary(incident.firstCode),
    lastCode: incident.lastCode,
    lastDetail: full ? incident.lastDetail : failureSummary(incident.lastCode),
  };
}
