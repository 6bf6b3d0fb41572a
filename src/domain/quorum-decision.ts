// The arbiter's decision for one endpoint: every region's confirmed health in, the overall state,
// the events a single node would have produced, and the record of which regions saw what, out.
// Pure: the service (src/service/quorum-arbiter.ts) reads the regions' states and writes what this
// returns in one transaction.
//
// - The verdict is overallStatus() (domain/quorum.ts) over the regions' confirmed health.
// - `down` opens an incident with the domain's id (incidentIdFor) from the overall state's own
//   counter; anything else that counts (up, partial_outage) resolves it; `unknown` (no region
//   counted: all stale, isolated or without a verdict) changes nothing.
// - Facts (certificate, protocol, server, tools, auth) follow the newest observation across
//   regions, so a change seen by three regions is one event, not three. Two regions that keep
//   seeing different certificates (a geo load balancer) would alternate; that is what they see.
// - With one region the verdict is that region's health (a majority of one), so a one-region
//   cluster opens and resolves incidents exactly when its region's health machine does.
import { incidentIdFor, maxSilenceMs, type Cadence, type EndpointState, type HealthEvent } from './health.ts';
import type { FailureCode } from './failure-codes.ts';
import { overallStatus, regionHealth, type Exclusion, type IsolationOptions, type OverallStatus, type QuorumVerdict, type RegionHealth, type RegionResults, type RegionVerdict } from './quorum.ts';

/** A region's confirmed state of one endpoint, and when the region last wrote it (ms, the arbiter's clock). */
export interface RegionEvidence {
  readonly region: string;
  readonly state: EndpointState;
  readonly at: number;
}

/** What the arbiter remembers of an endpoint between passes. */
export interface QuorumMemory {
  readonly status: OverallStatus;
  /** A partial outage is open (announced started, not yet ended). */
  readonly partial: boolean;
}

export const INITIAL_MEMORY: QuorumMemory = Object.freeze({ status: 'unknown', partial: false });

export interface EndpointEvidence {
  readonly overall: EndpointState;
  readonly memory: QuorumMemory;
  readonly regions: readonly RegionEvidence[];
  /** A region's word older than this (ms) is stale: about two intervals plus the timeout. */
  readonly freshnessMs: number;
  /** Regions that must see it down; default a majority of the counted ones. */
  readonly quorum?: number;
}

/** One region's word on an incident, as stored in incidents.regions. */
export interface IncidentRegion {
  readonly health: EndpointState['health'];
  /** The region's latest round, ISO. */
  readonly at: string | null;
  /** Since when the region holds that health, ISO. */
  readonly since: string | null;
  readonly code: FailureCode | null;
  readonly counted: boolean;
  readonly excluded?: Exclusion;
}

export type IncidentRegions = Readonly<Record<string, IncidentRegion>>;

export interface EndpointDecision {
  readonly verdict: QuorumVerdict;
  readonly state: EndpointState;
  readonly memory: QuorumMemory;
  readonly events: readonly HealthEvent[];
  /** The open (or just resolved) incident's region record, when it changed; null otherwise. */
  readonly incident: { readonly id: number; readonly regions: IncidentRegions } | null;
}

function ms(iso: string | null): number {
  return iso === null ? Number.NEGATIVE_INFINITY : Date.parse(iso);
}

function newest<T>(items: readonly T[], time: (item: T) => string | null): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || ms(time(item)) > ms(time(best))) best = item;
  return best;
}

function earliest<T>(items: readonly T[], time: (item: T) => string | null): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || ms(time(item)) < ms(time(best))) best = item;
  return best;
}

/** The region record for an incident: every region's word, counted or why not. */
export function incidentRegions(verdict: QuorumVerdict, regions: readonly RegionEvidence[]): IncidentRegions {
  const byRegion = new Map(regions.map((r) => [r.region, r.state]));
  const out: Record<string, IncidentRegion> = {};
  for (const vote of verdict.regions) {
    const state = byRegion.get(vote.region);
    out[vote.region] = {
      health: vote.health,
      at: state?.lastCheckedAt ?? null,
      since: state?.health === 'down' ? (state.healthSince ?? state.failingSince) : (state?.healthSince ?? null),
      code: state?.health === 'down' ? (state.lastCode ?? state.firstFailureCode) : null,
      counted: vote.counted,
      ...(vote.counted ? {} : { excluded: vote.excluded }),
    };
  }
  return out;
}

/** Two records say the same thing, whatever the times of the latest rounds. */
function sameWord(a: IncidentRegions | null, b: IncidentRegions): boolean {
  if (a === null) return false;
  const strip = (r: IncidentRegions): string => JSON.stringify(Object.entries(r).map(([name, word]) => [name, word.health, word.since, word.code, word.counted, word.excluded ?? null]));
  return strip(a) === strip(b);
}

/** The facts of the newest observation, and the events their change makes. */
function facts(overall: EndpointState, regions: readonly RegionEvidence[]): { state: EndpointState; events: HealthEvent[] } {
  const states = regions.map((r) => r.state);
  const latest = newest(states, (s) => s.lastCheckedAt);
  if (latest === undefined || ms(latest.lastCheckedAt) <= ms(overall.lastCheckedAt)) return { state: overall, events: [] };
  const at = latest.lastCheckedAt ?? new Date(0).toISOString();
  const events: HealthEvent[] = [];
  let next: EndpointState = {
    ...overall,
    lastStatus: latest.lastStatus,
    lastCode: latest.lastCode,
    lastDetail: latest.lastDetail,
    lastCheckedAt: latest.lastCheckedAt,
    lastDurationMs: latest.lastDurationMs,
    consecutiveFailures: latest.consecutiveFailures,
    consecutiveSuccesses: latest.consecutiveSuccesses,
  };
  if (latest.lastStatus === 'auth_required' && overall.lastStatus !== 'auth_required') events.push({ kind: 'auth_required_entered', at });
  if (latest.lastStatus !== 'auth_required' && overall.lastStatus === 'auth_required') events.push({ kind: 'auth_required_left', at });

  // Each fact from the newest region that has seen it: a failed round says nothing about a certificate.
  const cert = newest(states.filter((s) => s.certFingerprint !== null), (s) => s.lastCheckedAt);
  if (cert?.certFingerprint != null && cert.certFingerprint !== overall.certFingerprint) {
    if (overall.certFingerprint !== null) events.push({ kind: 'cert_changed', at: cert.lastCheckedAt ?? at, from: overall.certFingerprint, to: cert.certFingerprint, notAfter: cert.certNotAfter ?? '' });
    next = { ...next, certFingerprint: cert.certFingerprint, certNotAfter: cert.certNotAfter };
  } else if (cert !== undefined) next = { ...next, certNotAfter: cert.certNotAfter };
  const protocol = newest(states.filter((s) => s.era !== null && s.protocolVersion !== null), (s) => s.lastCheckedAt);
  if (protocol?.era != null && protocol.protocolVersion !== null && (protocol.era !== overall.era || protocol.protocolVersion !== overall.protocolVersion)) {
    if (overall.era !== null) {
      events.push({ kind: 'protocol_changed', at: protocol.lastCheckedAt ?? at, fromEra: overall.era, toEra: protocol.era, fromVersion: overall.protocolVersion, toVersion: protocol.protocolVersion });
    }
    next = { ...next, era: protocol.era, protocolVersion: protocol.protocolVersion };
  }
  const server = newest(states.filter((s) => s.serverName !== null), (s) => s.lastCheckedAt);
  if (server !== undefined) next = { ...next, serverName: server.serverName, serverVersion: server.serverVersion };
  const tools = newest(states.filter((s) => s.toolsHash !== null), (s) => s.lastCheckedAt);
  if (tools?.toolsHash != null && tools.toolsHash !== overall.toolsHash) {
    if (overall.toolsHash !== null) events.push({ kind: 'tools_changed', at: tools.lastCheckedAt ?? at, fromHash: overall.toolsHash, toHash: tools.toolsHash, count: tools.toolsCount ?? 0 });
    next = { ...next, toolsHash: tools.toolsHash, toolsCount: tools.toolsCount };
  }
  return { state: next, events };
}

/**
 * One pass for one endpoint. `regionHealth` is every region's health (regionHealth() in
 * domain/quorum.ts); `previousRegions` the open incident's stored record, so an unchanged word is
 * not written again; `now` the arbiter's clock (ms).
 */
export function decideEndpoint(evidence: EndpointEvidence, regionHealth: ReadonlyMap<string, RegionHealth>, previousRegions: IncidentRegions | null, now: number): EndpointDecision {
  const { overall, memory, regions } = evidence;
  const reports = regions.map((r) => ({ region: r.region, health: r.state.health, at: r.at }));
  const verdict = overallStatus(reports, regionHealth, { freshnessMs: evidence.freshnessMs, ...(evidence.quorum === undefined ? {} : { quorum: evidence.quorum }) }, now);
  const fact = facts(overall, regions);
  let state = fact.state;
  const events: HealthEvent[] = [];
  const counted = new Set(verdict.regions.filter((v) => v.counted).map((v) => v.region));
  const countedStates = regions.filter((r) => counted.has(r.region)).map((r) => r.state);
  const down = countedStates.filter((s) => s.health === 'down');
  const up = countedStates.filter((s) => s.health === 'up');
  const nowIso = new Date(now).toISOString();
  let incident: EndpointDecision['incident'] = null;
  const record = incidentRegions(verdict, regions);

  if (verdict.status === 'down') {
    if (overall.health !== 'down') {
      // The incident starts when the first region that agrees began failing.
      const first = earliest(down, (s) => s.healthSince ?? s.failingSince);
      const startedAt = first?.healthSince ?? first?.failingSince ?? nowIso;
      const incidentsOpened = overall.incidentsOpened + 1;
      const incidentId = incidentIdFor(overall.endpointId, incidentsOpened);
      const code: FailureCode = first?.firstFailureCode ?? first?.lastCode ?? 'PROBE_TIMEOUT';
      const detail = first?.firstFailureDetail ?? first?.lastDetail ?? '';
      const at = newest(down, (s) => s.lastCheckedAt)?.lastCheckedAt ?? nowIso;
      state = { ...state, health: 'down', healthSince: startedAt, openIncidentId: incidentId, incidentsOpened, failingSince: startedAt, firstFailureCode: code, firstFailureDetail: detail };
      events.push({ kind: 'incident_opened', at, incidentId, startedAt, code, detail });
      incident = { id: incidentId, regions: record };
    } else if (overall.openIncidentId !== null) {
      // Like a single node: every new failed round of a region that counts updates the incident's last failure.
      const latest = newest(down, (s) => s.lastCheckedAt);
      if (latest?.lastCode != null && ms(latest.lastCheckedAt) > ms(overall.lastCheckedAt)) {
        events.push({ kind: 'incident_updated', at: latest.lastCheckedAt ?? nowIso, incidentId: overall.openIncidentId, code: latest.lastCode, detail: latest.lastDetail ?? '' });
      }
      if (!sameWord(previousRegions, record)) incident = { id: overall.openIncidentId, regions: record };
    }
  } else if (verdict.status === 'up' || verdict.status === 'partial_outage') {
    const recovered = newest(up, (s) => s.healthSince);
    const since = recovered?.healthSince ?? newest(up, (s) => s.lastCheckedAt)?.lastCheckedAt ?? nowIso;
    if (overall.health === 'down' && overall.openIncidentId !== null) {
      // lastCode null: the incident row keeps the last failure it recorded (coalesce in the store).
      events.push({ kind: 'incident_resolved', at: since, incidentId: overall.openIncidentId, lastCode: null, lastDetail: null });
      incident = { id: overall.openIncidentId, regions: record };
    }
    if (overall.health !== 'up') state = { ...state, health: 'up', healthSince: since, openIncidentId: null, failingSince: null, firstFailureCode: null, firstFailureDetail: null };
  }

  let partial = memory.partial;
  if (verdict.status !== 'unknown') {
    const isPartial = verdict.status === 'partial_outage';
    if (isPartial && !partial) {
      const downRegions = verdict.regions.filter((v) => v.counted && v.health === 'down').map((v) => v.region);
      events.push({ kind: 'partial_outage_started', at: newest(down, (s) => s.lastCheckedAt)?.lastCheckedAt ?? nowIso, regions: downRegions, counted: verdict.counted, needed: verdict.needed });
    } else if (!isPartial && partial) events.push({ kind: 'partial_outage_ended', at: nowIso });
    partial = isPartial;
  }
  // Health events first (a resolution before a partial outage it turns into), then facts, as a node orders them.
  return { verdict, state, memory: { status: verdict.status, partial }, events: [...events, ...fact.events], incident };
}

/** Every endpoint's evidence, by endpoint id, for regionHealth(): a region's latest round per endpoint. */
export function regionResults(endpoints: ReadonlyMap<number, Pick<EndpointEvidence, 'regions' | 'freshnessMs'>>): RegionResults[] {
  const byRegion = new Map<string, Map<number, { failed: boolean; at: number; freshnessMs: number }>>();
  for (const [endpointId, evidence] of endpoints) {
    for (const r of evidence.regions) {
      const latest = byRegion.get(r.region) ?? new Map<number, { failed: boolean; at: number; freshnessMs: number }>();
      // A failure streak is positive exactly when the latest round failed (discounted rounds aside).
      latest.set(endpointId, { failed: r.state.consecutiveFailures > 0, at: r.at, freshnessMs: evidence.freshnessMs });
      byRegion.set(r.region, latest);
    }
  }
  return [...byRegion].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([region, latest]) => ({ region, latest }));
}

export interface PassDecision {
  readonly regions: ReadonlyMap<string, RegionVerdict>;
  readonly endpoints: ReadonlyMap<number, EndpointDecision>;
}

/** A whole pass: the regions' health from every endpoint's evidence, then each endpoint's decision. */
export function decidePass(
  endpoints: ReadonlyMap<number, EndpointEvidence>,
  previousRegions: ReadonlyMap<number, IncidentRegions>,
  isolation: Omit<IsolationOptions, 'freshnessMs'>,
  now: number,
): PassDecision {
  // The fallback window only matters for results without their own (there are none here).
  const freshest = Math.max(1, ...[...endpoints.values()].map((e) => e.freshnessMs));
  const regions = regionHealth(regionResults(endpoints), { ...isolation, freshnessMs: freshest }, now);
  const health = new Map([...regions].map(([name, verdict]) => [name, verdict.health]));
  const decisions = new Map<number, EndpointDecision>();
  for (const [endpointId, evidence] of endpoints) decisions.set(endpointId, decideEndpoint(evidence, health, previousRegions.get(endpointId) ?? null, now));
  return { regions, endpoints: decisions };
}

/**
 * How stale a region's word on an endpoint may be: one slot missed on top of the longest silence
 * that is still continuous observation (maxSilenceMs: interval, a round with its retry, slack).
 */
export function freshnessFor(cadence: Cadence): number {
  return cadence.intervalMs + maxSilenceMs(cadence);
}
