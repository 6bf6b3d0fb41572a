// The only page module that reads the store: it gathers the facts one endpoint needs, from
// state and rollups (raw rows only for one endpoint's own page, one bounded day, see
// loadEndpointPageReads). Everything after this is pure.
import type { ComplianceReport } from '../../domain/compliance.ts';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { EndpointState } from '../../domain/health.ts';
import type { AlertOutbox, OutboxEntry } from '../../store/outbox.ts';
import { EMPTY_UPTIME, type CertObservation, type GapRow, type Incident, type ResultRow, type Rollup, type Store, type StoredEvent, type ToolSnapshot, type UptimeSummary } from '../../store/store.ts';
import { latencySeries, type LatencyPoint } from './charts.ts';
import { DAY_MS, HOUR_MS, UPTIME_WINDOWS, UPTIME_WINDOW_KEYS, utcDayStart, utcHourStart, type UptimeWindow } from './uptime.ts';

export interface FactsSource {
  readonly store: Store;
  readonly state: (endpointId: number) => EndpointState;
}

export interface EndpointFacts {
  readonly endpoint: Endpoint;
  readonly state: EndpointState;
  readonly uptime: Readonly<Record<UptimeWindow, UptimeSummary>>;
  /** p50/p95 per hour over the last 24 h, current hour last. */
  readonly hourly: readonly LatencyPoint[];
  /** Monitoring gaps overlapping the last 24 h, newest first. */
  readonly gaps: readonly GapRow[];
}

/** Gaps older than a day are history for the API, not news for the dashboard. */
export const RECENT_GAPS_MS = DAY_MS;
export const RECENT_GAPS_LIMIT = 10;

export const LATENCY_RANGES = {
  '24h': { stepMs: HOUR_MS, count: 24 },
  '7d': { stepMs: HOUR_MS, count: 7 * 24 },
  '30d': { stepMs: DAY_MS, count: 30 },
} as const;
export type LatencyRange = keyof typeof LATENCY_RANGES;
export const LATENCY_RANGE_KEYS = Object.keys(LATENCY_RANGES) as LatencyRange[];

export function isLatencyRange(value: unknown): value is LatencyRange {
  return typeof value === 'string' && Object.hasOwn(LATENCY_RANGES, value);
}

export const BAR_DAYS = 90;
export const INCIDENT_LIMIT = 100;
export const TOOL_HISTORY_LIMIT = 20;

export async function loadUptime(store: Store, endpointId: number, now: number): Promise<Record<UptimeWindow, UptimeSummary>> {
  const out = {} as Record<UptimeWindow, UptimeSummary>;
  for (const key of UPTIME_WINDOW_KEYS) out[key] = await store.uptime(endpointId, now - UPTIME_WINDOWS[key], now);
  return out;
}

/** The rollup query behind a latency range: granularity and [from, to), plus the slots. */
function latencyWindow(now: number, range: LatencyRange): { granularity: 'hour' | 'day'; from: number; to: number; stepMs: number; count: number } {
  const { stepMs, count } = LATENCY_RANGES[range];
  const current = stepMs === DAY_MS ? utcDayStart(now) : utcHourStart(now);
  return { granularity: stepMs === DAY_MS ? 'day' : 'hour', from: current - (count - 1) * stepMs, to: current + stepMs, stepMs, count };
}

/** Slots for a range, the current (partial) slot last. */
export async function loadLatency(store: Store, endpointId: number, now: number, range: LatencyRange): Promise<LatencyPoint[]> {
  const w = latencyWindow(now, range);
  return latencySeries(await store.rollups(w.granularity, endpointId, w.from, w.to), w.from, w.stepMs, w.count);
}

export async function loadEndpointFacts(source: FactsSource, endpoint: Endpoint, now: number): Promise<EndpointFacts> {
  const [uptime, hourly, gaps] = await Promise.all([
    loadUptime(source.store, endpoint.id, now),
    loadLatency(source.store, endpoint.id, now, '24h'),
    source.store.gaps(endpoint.id, now - RECENT_GAPS_MS, now, RECENT_GAPS_LIMIT),
  ]);
  return { endpoint, state: source.state(endpoint.id), uptime, hourly, gaps };
}

/**
 * loadEndpointFacts for many endpoints with a handful of range queries in all (uptime per window,
 * hourly rollups), not several per endpoint: what the dashboard uses. Same facts, same order.
 */
export async function loadAllEndpointFacts(source: FactsSource, endpoints: readonly Endpoint[], now: number): Promise<EndpointFacts[]> {
  if (endpoints.length === 0) return [];
  const uptimes = await Promise.all(UPTIME_WINDOW_KEYS.map(async (key) => [key, await source.store.uptimeAll(now - UPTIME_WINDOWS[key], now)] as const));
  const w = latencyWindow(now, '24h');
  const hourly = await source.store.rollupsAll(w.granularity, w.from, w.to);
  const gaps = await source.store.gapsAll(now - RECENT_GAPS_MS, now);
  return endpoints.map((endpoint) => {
    const uptime = {} as Record<UptimeWindow, UptimeSummary>;
    for (const [key, all] of uptimes) uptime[key] = all.get(endpoint.id) ?? EMPTY_UPTIME;
    const recent = (gaps.get(endpoint.id) ?? []).slice(0, RECENT_GAPS_LIMIT);
    return { endpoint, state: source.state(endpoint.id), uptime, hourly: latencySeries(hourly.get(endpoint.id) ?? [], w.from, w.stepMs, w.count), gaps: recent };
  });
}

/**
 * How many times one endpoint's own reads (point lookups per hour and day, ~2 ms) cost against its
 * share of the fleet-wide range scans (~0.4 ms), measured with bench/pages.bench.ts.
 */
const OWN_READS_COST_FACTOR = 5;

/**
 * Facts for a page of a fleet of `fleetSize`: the fleet-wide scans when the page is a good part of
 * the fleet, each endpoint's own reads when it is a small part (a page of 100 out of 10,000), so a
 * page costs what its rows cost, not what the fleet costs.
 */
export function loadPageFacts(source: FactsSource, endpoints: readonly Endpoint[], fleetSize: number, now: number): Promise<EndpointFacts[]> {
  return ownReadsCheaper(endpoints.length, fleetSize) ? Promise.all(endpoints.map((e) => loadEndpointFacts(source, e, now))) : loadAllEndpointFacts(source, endpoints, now);
}

function ownReadsCheaper(pageSize: number, fleetSize: number): boolean {
  return pageSize * OWN_READS_COST_FACTOR < fleetSize;
}

/** A daily rollup's round counts: all the bars draw. */
export type DayCounts = Pick<Rollup, 'start' | 'up' | 'degraded' | 'authRequired' | 'down'>;

export interface DailyFacts {
  /** First day shown (UTC midnight). */
  readonly fromDay: number;
  readonly days: number;
  readonly rollups: readonly DayCounts[];
  readonly incidents: readonly Incident[];
}

function barDays(now: number): { fromDay: number; toDay: number } {
  return { fromDay: utcDayStart(now) - (BAR_DAYS - 1) * DAY_MS, toDay: utcDayStart(now) + DAY_MS };
}

export async function loadDaily(store: Store, endpointId: number, now: number): Promise<DailyFacts> {
  const { fromDay, toDay } = barDays(now);
  const [rollups, incidents] = await Promise.all([store.rollups('day', endpointId, fromDay, toDay), store.incidents({ endpointId, limit: INCIDENT_LIMIT })]);
  return { fromDay, days: BAR_DAYS, rollups, incidents };
}

/** What one endpoint's entry on the public overview needs: status, 90-day figure and bars. */
export interface CardFacts {
  readonly endpoint: Endpoint;
  readonly state: EndpointState;
  readonly uptime90d: UptimeSummary;
  readonly daily: DailyFacts;
}

export async function loadCardFacts(source: FactsSource, endpoint: Endpoint, now: number): Promise<CardFacts> {
  const [uptime90d, daily] = await Promise.all([source.store.uptime(endpoint.id, now - UPTIME_WINDOWS['90d'], now), loadDaily(source.store, endpoint.id, now)]);
  return { endpoint, state: source.state(endpoint.id), uptime90d, daily };
}

/** Card facts for a page of the public overview; see loadPageFacts for the choice of reads. */
export function loadCardPageFacts(source: FactsSource, endpoints: readonly Endpoint[], fleetSize: number, now: number): Promise<CardFacts[]> {
  return ownReadsCheaper(endpoints.length, fleetSize) ? Promise.all(endpoints.map((e) => loadCardFacts(source, e, now))) : loadAllCardFacts(source, endpoints, now);
}

/** loadCardFacts for many endpoints: two range queries in all, plus each one's incidents (indexed). */
export async function loadAllCardFacts(source: FactsSource, endpoints: readonly Endpoint[], now: number): Promise<CardFacts[]> {
  if (endpoints.length === 0) return [];
  const uptime90d = await source.store.uptimeAll(now - UPTIME_WINDOWS['90d'], now);
  const { fromDay, toDay } = barDays(now);
  const daily = await source.store.rollupsAll('day', fromDay, toDay);
  return Promise.all(
    endpoints.map(async (endpoint) => ({
      endpoint,
      state: source.state(endpoint.id),
      uptime90d: uptime90d.get(endpoint.id) ?? EMPTY_UPTIME,
      daily: { fromDay, days: BAR_DAYS, rollups: daily.get(endpoint.id) ?? [], incidents: await source.store.incidents({ endpointId: endpoint.id, limit: INCIDENT_LIMIT }) },
    })),
  );
}

export interface DetailFacts extends EndpointFacts {
  readonly daily: DailyFacts;
  readonly latencyRange: LatencyRange;
  readonly latency: readonly LatencyPoint[];
  readonly certificate: CertObservation | undefined;
  readonly tools: readonly ToolSnapshot[];
  /** The latest compliance report (issue 15); absent or null when there is none. */
  readonly complianceReport?: ComplianceReport | null;
}

export async function loadDetailFacts(source: FactsSource, endpoint: Endpoint, now: number, range: LatencyRange): Promise<DetailFacts> {
  const base = await loadEndpointFacts(source, endpoint, now);
  const [daily, latency, certificate, tools] = await Promise.all([
    loadDaily(source.store, endpoint.id, now),
    range === '24h' ? base.hourly : loadLatency(source.store, endpoint.id, now, range),
    source.store.latestCertificate(endpoint.id),
    source.store.toolSnapshots(endpoint.id, TOOL_HISTORY_LIMIT),
  ]);
  return { ...base, daily, latencyRange: range, latency, certificate, tools };
}

/** What one endpoint's full page reads beyond the status page's facts (src/http/pages/endpoint-model.ts). */
export interface EndpointPageReads {
  /** Raw rounds of the last `rawWindowMs`, newest first, at most `rawLimit`. */
  readonly rows: readonly ResultRow[];
  readonly events: readonly StoredEvent[];
  /** null when not asked for (the viewer may not see them) or alerting is off. */
  readonly deliveries: readonly OutboxEntry[] | null;
}

/**
 * The raw rounds of one day (one bounded read: the strip and the day's latency both come from it;
 * on SQLite it scans the day's rows of the whole fleet by rowid, see SqliteStore.results), the
 * newest events for the incident timelines, and the endpoint's alert deliveries when `deliveries`
 * is given.
 */
export async function loadEndpointPageReads(
  store: Store,
  endpointId: number,
  now: number,
  limits: { readonly rawWindowMs: number; readonly rawLimit: number; readonly events: number; readonly deliveries: number },
  deliveries?: Pick<AlertOutbox, 'entries'>,
): Promise<EndpointPageReads> {
  const [rows, events, sent] = await Promise.all([
    store.results(endpointId, { fromMs: now - limits.rawWindowMs, toMs: now + 1, limit: limits.rawLimit }),
    store.events({ endpointId, limit: limits.events }),
    deliveries ? deliveries.entries({ endpointId, limit: limits.deliveries }) : null,
  ]);
  return { rows, events, deliveries: sent };
}
