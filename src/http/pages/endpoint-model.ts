// One endpoint's full page (/endpoints/:slug): the public status page's view plus what only raw
// rows and the event log can tell — the last checks with their phase waterfall, latency drawn from
// raw rounds for the last 24 h, incident timelines, the certificate in full, and (for viewers who
// may see private data) the alert deliveries. Pure: facts and a clock in, a view model out.
import type { FailureCode, Status } from '../../domain/failure-codes.ts';
import { failureSummary, publicDetail } from '../../domain/failure-summary.ts';
import type { HealthEvent } from '../../domain/health.ts';
import type { IncidentRegions } from '../../domain/quorum-decision.ts';
import type { OutboxEntry } from '../../store/outbox.ts';
import type { CertObservation, Incident, ResultRow, StoredEvent } from '../../store/store.ts';
import { latencyChart, type LatencyChart, type LatencyPoint } from './charts.ts';
import { endpointPageUrl } from './endpoint-urls.ts';
import { eraLabel, formatDuration, formatMs, formatUtc, plural } from './format.ts';
import { LATENCY_RANGES, LATENCY_RANGE_KEYS, type LatencyRange } from './load.ts';
import { STATUS_META } from './status-display.ts';
import { incidentView, type IncidentView, type StatusDetailView } from './status-model.ts';
import { DAY_MS, HOUR_MS } from './uptime.ts';

/** Cells in the strip of recent checks. */
export const STRIP_SIZE = 100;
/** How far back raw rounds are read at most: the strip and the latency of the last day both come from them. */
export const RAW_WINDOW_MS = DAY_MS;
/**
 * Fleet rows one page's raw read may scan. SQLite finds one endpoint's raw rows by scanning every
 * endpoint's rows of the window (there is no per-endpoint index on purpose, ARCHITECTURE §5), and
 * it does so on the event loop: measured here, a day of 1,000 endpoints at 60 s (1.44 M rows) took
 * 90–480 ms a page. At ~0.3 µs a row this budget is ~50 ms; a larger fleet reads a shorter window.
 */
export const RAW_SCAN_BUDGET_ROWS = 150_000;
/** However large the fleet, a page reads at least this much (the newest checks matter most). */
export const MIN_RAW_WINDOW_MS = 15 * 60_000;

/** Raw rows the monitored fleet writes per ms: what a window of raw rows costs to scan. */
export function fleetRowsPerMs(endpoints: ReadonlyArray<{ readonly intervalS: number; readonly paused: boolean; readonly archivedAt: string | null }>): number {
  let rate = 0;
  for (const e of endpoints) if (!e.paused && e.archivedAt === null && e.intervalS > 0) rate += 1 / (e.intervalS * 1000);
  return rate;
}

/** The raw window a page reads: a day, or what RAW_SCAN_BUDGET_ROWS of the fleet's rows cover (whole minutes). */
export function rawWindowMs(rowsPerMs: number, budgetRows = RAW_SCAN_BUDGET_ROWS): number {
  if (!(rowsPerMs > 0)) return RAW_WINDOW_MS;
  // The epsilon keeps a sum of 1/interval rates that lands a hair under a whole minute on it.
  const fits = Math.floor(budgetRows / rowsPerMs / 60_000 + 1e-9) * 60_000;
  return Math.min(RAW_WINDOW_MS, Math.max(MIN_RAW_WINDOW_MS, fits));
}
/** The raw window a page reads: a whole day where the store finds one endpoint's rows by an index, else what the scan budget allows. */
export function pageRawWindowMs(indexedReads: boolean, endpoints: Parameters<typeof fleetRowsPerMs>[0]): number {
  return indexedReads ? RAW_WINDOW_MS : rawWindowMs(fleetRowsPerMs(endpoints));
}
/**
 * At most this many raw rounds are read (newest first): a day at a 30 s interval. A faster
 * endpoint's raw chart covers only its newest rounds; older slots fall back to rollups.
 */
export const RAW_ROWS_LIMIT = 2880;
/** The 24 h chart's slot when drawn from raw rounds at the default 60 s interval (hourly rollups give 24 points). */
export const RAW_SLOT_MS = 5 * 60_000;
export const RAW_SLOTS = RAW_WINDOW_MS / RAW_SLOT_MS;
/** Raw slot lengths to choose from: the shortest holding at least RAW_ROUNDS_PER_SLOT rounds wins. */
const RAW_SLOT_CHOICES_MS = [5, 10, 15, 30, 60].map((m) => m * 60_000);
const RAW_ROUNDS_PER_SLOT = 3;

/** A slot long enough for a few rounds of this interval, so the line is not a row of lone dots. */
export function rawSlotMs(intervalMs: number): number {
  return RAW_SLOT_CHOICES_MS.find((ms) => ms >= RAW_ROUNDS_PER_SLOT * intervalMs) ?? HOUR_MS;
}
/** Incidents shown with their timeline, newest first; the rest are in the API. */
export const TIMELINE_INCIDENTS = 20;
/** Newest events read for the timelines (the store keeps one row per change, not per round). */
export const EVENT_LIMIT = 500;
/** Entries of a timeline between the opening and the end (a long incident can gather many changes). */
export const TIMELINE_EVENTS = 20;
export const DELIVERY_LIMIT = 50;
export const SAN_LIMIT = 50;

// --- the strip of recent checks ----------------------------------------------------------------

export type PhaseName = 'DNS' | 'TCP' | 'TLS' | 'MCP';

export interface PhaseView {
  readonly name: PhaseName;
  /** null: the phase was not reached (or, for TLS, a plain-HTTP endpoint). */
  readonly ms: number | null;
  readonly text: string;
  /** SVG geometry in a WATERFALL_WIDTH-wide box (attributes, never inline style: strict CSP). */
  readonly x: number;
  readonly width: number;
}

export interface Waterfall {
  readonly phases: readonly PhaseView[];
  readonly width: number;
  /** "DNS 2 ms · TCP 5 ms · TLS 12 ms · MCP 101 ms · total 120 ms" */
  readonly text: string;
}

export const WATERFALL_WIDTH = 200;

/**
 * A round's phases in order. The row stores DNS, connect and TLS times and the whole duration;
 * the MCP exchange is what remains once a connection was made (nothing before it).
 */
export function waterfall(row: Pick<ResultRow, 'dnsMs' | 'connectMs' | 'tlsMs' | 'durationMs'>): Waterfall {
  const measured = (row.dnsMs ?? 0) + (row.connectMs ?? 0) + (row.tlsMs ?? 0);
  const mcp = row.connectMs === null ? null : Math.max(0, row.durationMs - measured);
  const spans: ReadonlyArray<[PhaseName, number | null]> = [
    ['DNS', row.dnsMs],
    ['TCP', row.connectMs],
    ['TLS', row.tlsMs],
    ['MCP', mcp],
  ];
  const total = Math.max(row.durationMs, measured + (mcp ?? 0), 1);
  let x = 0;
  const phases = spans.map(([name, ms]): PhaseView => {
    // A phase of a few ms in a slow round keeps one unit, so it shows; the last ones give way to stay inside the box.
    const width = ms === null ? 0 : Math.min(WATERFALL_WIDTH - x, Math.max(ms > 0 ? 1 : 0, Math.round((ms / total) * WATERFALL_WIDTH * 10) / 10));
    const view = { name, ms, text: `${name} ${ms === null ? 'not reached' : formatMs(ms)}`, x: Math.round(x * 10) / 10, width };
    x = Math.round((x + width) * 10) / 10;
    return view;
  });
  return { phases, width: WATERFALL_WIDTH, text: [...phases.map((p) => p.text), `total ${formatMs(row.durationMs)}`].join(' · ') };
}

export interface StripCell {
  readonly at: string;
  readonly atText: string;
  readonly status: Status;
  readonly statusLabel: string;
  readonly code: FailureCode | null;
  readonly detail: string | null;
  readonly durationText: string;
  /** What the cell says to a screen reader (and in its tooltip's first line). */
  readonly label: string;
  readonly notes: readonly string[];
  readonly waterfall: Waterfall;
}

export interface Strip {
  readonly cells: readonly StripCell[];
  readonly label: string;
}

/**
 * The newest STRIP_SIZE rounds, oldest first (newest at the right, like the daily bars). `full`:
 * the viewer may read raw details (they quote addresses and server bytes); others get the code's
 * sentence, as in the API.
 */
export function checkStrip(rowsNewestFirst: readonly ResultRow[], full: boolean, size = STRIP_SIZE): Strip {
  const cells = rowsNewestFirst
    .slice(0, size)
    .reverse()
    .map((row): StripCell => {
      const statusLabel = STATUS_META[row.status].label;
      const atText = formatUtc(row.ts);
      const durationText = formatMs(row.durationMs);
      const notes = [row.retried ? 'retried once' : null, row.stalled ? 'timed while mcpwatch stalled' : null, row.discounted === true ? 'not counted (mcpwatch overloaded)' : null].filter((n): n is string => n !== null);
      return {
        at: new Date(row.ts).toISOString(),
        atText,
        status: row.status,
        statusLabel,
        code: row.code,
        detail: full ? row.detail : publicDetail(row.code, row.detail),
        durationText,
        label: `${atText}: ${statusLabel}${row.code === null ? '' : ` ${row.code}`}, ${durationText}`,
        notes,
        waterfall: waterfall(row),
      };
    });
  const failed = cells.filter((c) => c.status !== 'up').length;
  return { cells, label: cells.length === 0 ? 'no checks in the last 24 h' : `last ${plural(cells.length, 'check')}, ${failed} not up` };
}

// --- latency: raw rounds for the last day, rollups beyond -----------------------------------------

/** The rounds whose time measured the server (the rollups' rule: successful, not stalled, counted). */
function timed(row: ResultRow): boolean {
  return (row.status === 'up' || row.status === 'degraded') && !row.stalled && row.discounted !== true;
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Raw rounds placed into `count` slots from `fromMs`, exact p50/p95 per slot; empty slots are null. */
export function rawLatencySeries(rows: readonly ResultRow[], fromMs: number, stepMs: number, count: number): LatencyPoint[] {
  const bySlot = new Map<number, number[]>();
  for (const row of rows) {
    if (!timed(row)) continue;
    const i = Math.floor((row.ts - fromMs) / stepMs);
    if (i < 0 || i >= count) continue;
    const values = bySlot.get(i) ?? [];
    values.push(row.durationMs);
    bySlot.set(i, values);
  }
  return Array.from({ length: count }, (_, i) => {
    const values = bySlot.get(i)?.sort((a, b) => a - b);
    return { start: fromMs + i * stepMs, p50: values ? quantile(values, 0.5) : null, p95: values ? quantile(values, 0.95) : null };
  });
}

/**
 * Where raw rounds take over from rollups: the start of the raw window, or later when the read was
 * cut at RAW_ROWS_LIMIT (then only from its oldest round on is the raw picture complete).
 */
export function rawCoverageFrom(rowsNewestFirst: readonly ResultRow[], now: number, windowMs = RAW_WINDOW_MS, limit = RAW_ROWS_LIMIT): number {
  const from = now - windowMs;
  const oldest = rowsNewestFirst.at(-1);
  return rowsNewestFirst.length >= limit && oldest !== undefined ? Math.max(from, oldest.ts) : from;
}

/**
 * A range's rollup slots with every slot that starts inside the raw coverage recomputed from raw
 * rounds: so the newest hours (a fresh endpoint's only ones) are drawn from what was measured,
 * and older ones from rollups.
 */
export function mergeRawLatency(rollupPoints: readonly LatencyPoint[], rows: readonly ResultRow[], stepMs: number, rawFromMs: number): LatencyPoint[] {
  const first = rollupPoints[0];
  if (first === undefined) return [];
  const raw = rawLatencySeries(rows, first.start, stepMs, rollupPoints.length);
  return rollupPoints.map((p, i) => (p.start >= rawFromMs ? raw[i]! : p));
}

export interface LatencyPlan {
  readonly stepMs: number;
  readonly fromMs: number;
  readonly count: number;
  /** 'raw': every slot from raw rounds; 'mixed': rollup slots, the newest ones from raw rounds. */
  readonly source: 'raw' | 'mixed';
}

/**
 * The 24 h range is drawn from raw rounds in slots of 5 minutes (more for endpoints checked less
 * often than every 100 s) when the page read a whole day of them; otherwise, like longer ranges,
 * from rollup slots with the raw-covered ones recomputed.
 */
export function latencyPlan(range: LatencyRange, now: number, intervalMs = 60_000, windowMs = RAW_WINDOW_MS): LatencyPlan {
  if (range === '24h' && windowMs >= RAW_WINDOW_MS) {
    const stepMs = rawSlotMs(intervalMs);
    const count = RAW_WINDOW_MS / stepMs;
    const current = Math.floor(now / stepMs) * stepMs;
    return { stepMs, fromMs: current - (count - 1) * stepMs, count, source: 'raw' };
  }
  const { stepMs, count } = LATENCY_RANGES[range];
  const current = Math.floor(now / stepMs) * stepMs;
  return { stepMs, fromMs: current - (count - 1) * stepMs, count, source: 'mixed' };
}

/** The points a range draws: raw for 24 h; for longer ranges rollups, the raw-covered slots from raw. */
export function pageLatency(range: LatencyRange, now: number, rollupPoints: readonly LatencyPoint[], rowsNewestFirst: readonly ResultRow[], intervalMs?: number, windowMs = RAW_WINDOW_MS): LatencyPoint[] {
  const plan = latencyPlan(range, now, intervalMs, windowMs);
  if (plan.source === 'raw') return rawLatencySeries(rowsNewestFirst, plan.fromMs, plan.stepMs, plan.count);
  return mergeRawLatency(rollupPoints, rowsNewestFirst, plan.stepMs, rawCoverageFrom(rowsNewestFirst, now, windowMs));
}

// --- incidents with their timeline ------------------------------------------------------------

export interface TimelineEntry {
  readonly at: string;
  readonly atText: string;
  readonly kind: 'opened' | 'event' | 'resolved' | 'ongoing';
  readonly text: string;
}

export interface RegionView {
  readonly name: string;
  readonly health: string;
  readonly code: string | null;
  readonly sinceText: string;
  readonly counted: boolean;
  readonly excluded: string | null;
}

export interface IncidentTimeline extends IncidentView {
  readonly entries: readonly TimelineEntry[];
  readonly regions: readonly RegionView[];
}

/** What each event says on a timeline; `full` viewers read raw details. */
const EVENT_TEXT = {
  incident_opened: (e, full) => `Opened: ${e.code} ${full ? e.detail : failureSummary(e.code)}`,
  incident_resolved: () => 'Resolved',
  incident_updated: (e, full) => `Now failing with ${e.code} ${full ? e.detail : failureSummary(e.code)}`,
  cert_changed: (e) => `Certificate changed (now expires ${formatUtc(e.notAfter)})`,
  protocol_changed: (e) => `Protocol changed: ${eraLabel(e.fromEra)} ${e.fromVersion ?? ''} → ${eraLabel(e.toEra)} ${e.toVersion}`.replace(/\s+/g, ' '),
  tools_changed: (e) => `Tool list changed (${plural(e.count, 'tool')})`,
  auth_required_entered: () => 'Started asking for credentials',
  auth_required_left: () => 'Stopped asking for credentials',
  partial_outage_started: (e) => `Partial outage: down in ${e.regions.join(', ')} (${e.counted} of ${e.needed} needed)`,
  partial_outage_ended: () => 'Partial outage ended',
} satisfies { [K in HealthEvent['kind']]: (event: Extract<HealthEvent, { kind: K }>, full: boolean) => string };

export function eventText(event: HealthEvent, full: boolean): string {
  return (EVENT_TEXT[event.kind] as (e: HealthEvent, full: boolean) => string)(event, full);
}

function regionViews(regions: IncidentRegions | undefined): RegionView[] {
  return Object.entries(regions ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, r]) => ({ name, health: r.health, code: r.code, sinceText: r.since === null ? '—' : formatUtc(r.since), counted: r.counted, excluded: r.excluded ?? null }));
}

/** An incident with what happened in between: the opening, other changes inside it, the last failure, the end. */
export function incidentTimeline(incident: Incident, events: readonly StoredEvent[], now: number, full: boolean): IncidentTimeline {
  const view = incidentView(incident, now);
  const start = Date.parse(incident.startedAt);
  const end = incident.resolvedAt === null ? Number.POSITIVE_INFINITY : Date.parse(incident.resolvedAt);
  const detail = (code: FailureCode, text: string): string => `${code} ${full ? text : failureSummary(code)}`;
  const inside = events
    .filter((e) => e.kind !== 'incident_opened' && e.kind !== 'incident_resolved')
    .filter((e) => {
      const at = Date.parse(e.at);
      return at > start && at < end;
    })
    .sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)
    .slice(0, TIMELINE_EVENTS)
    .map((e): TimelineEntry => ({ at: e.at, atText: formatUtc(e.at), kind: 'event', text: eventText(e.data, full) }));
  const entries: TimelineEntry[] = [{ at: incident.startedAt, atText: view.startedText, kind: 'opened', text: `Opened: ${detail(incident.firstCode, incident.firstDetail)}` }, ...inside];
  // The store keeps the last failure, not when it happened: it goes with the end (or "still open").
  const last = incident.lastCode !== incident.firstCode || (full && incident.lastDetail !== incident.firstDetail) ? `; last failure ${detail(incident.lastCode, incident.lastDetail)}` : '';
  entries.push(
    incident.resolvedAt === null
      ? { at: new Date(now).toISOString(), atText: formatUtc(now), kind: 'ongoing', text: `Still open (${view.durationText})${last}` }
      : { at: incident.resolvedAt, atText: view.resolvedText, kind: 'resolved', text: `Resolved after ${view.durationText}${last}` },
  );
  return { ...view, entries, regions: regionViews(incident.regions) };
}

// --- certificate in full ----------------------------------------------------------------------

export interface CertDetail {
  readonly subject: string;
  readonly issuer: string;
  readonly sans: readonly string[];
  /** SANs beyond SAN_LIMIT, not listed. */
  readonly moreSans: number;
  readonly notBeforeText: string;
  readonly fingerprint: string;
  readonly seenText: string;
}

export function certDetail(cert: CertObservation | undefined): CertDetail | null {
  if (cert === undefined) return null;
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: cert.sans.slice(0, SAN_LIMIT),
    moreSans: Math.max(0, cert.sans.length - SAN_LIMIT),
    notBeforeText: formatUtc(cert.notBefore),
    fingerprint: cert.fingerprint256,
    seenText: formatUtc(cert.ts),
  };
}

// --- alert deliveries -------------------------------------------------------------------------

export interface DeliveryView {
  readonly id: number;
  readonly channel: string;
  readonly kind: string;
  readonly status: OutboxEntry['status'];
  readonly statusText: string;
  readonly attempts: number;
  readonly createdAt: string;
  readonly createdText: string;
  readonly deliveredText: string | null;
}

const DELIVERY_STATUS_TEXT = {
  pending: 'waiting to be sent',
  delivered: 'delivered',
  dead: 'gave up (dead letter)',
  suppressed: 'not sent',
} as const satisfies Record<OutboxEntry['status'], string>;

/**
 * An outbox entry as the page shows it: the channel's name, never its address or the last error
 * (a webhook URL or an SMTP reply can carry a secret); those stay with the alerts API.
 */
export function deliveryView(entry: OutboxEntry): DeliveryView {
  const suppressed = entry.status === 'suppressed' && entry.suppressedReason !== null ? ` (${entry.suppressedReason.replace('_', ' ')})` : '';
  return {
    id: entry.id,
    channel: entry.channel,
    kind: entry.kind.replace(/_/g, ' '),
    status: entry.status,
    statusText: `${DELIVERY_STATUS_TEXT[entry.status]}${suppressed}`,
    attempts: entry.attempts,
    createdAt: entry.createdAt,
    createdText: formatUtc(entry.createdAt),
    deliveredText: entry.deliveredAt === null ? null : formatUtc(entry.deliveredAt),
  };
}

// --- the page ---------------------------------------------------------------------------------

export interface EndpointPageFacts {
  readonly now: number;
  readonly range: LatencyRange;
  /** The endpoint's check interval: it sets the raw chart's slot. */
  readonly intervalMs: number;
  /** The range's rollup slots (unused for 24 h, which is drawn from raw rounds). */
  readonly rollupLatency: readonly LatencyPoint[];
  /** How far back `rows` were read (rawWindowMs: a day, less for a large fleet). */
  readonly rawWindowMs: number;
  /** Raw rounds of the last `rawWindowMs`, newest first, at most RAW_ROWS_LIMIT. */
  readonly rows: readonly ResultRow[];
  readonly incidents: readonly Incident[];
  readonly events: readonly StoredEvent[];
  readonly certificate: CertObservation | undefined;
  /** null: the viewer may not see deliveries (or alerting is off). */
  readonly deliveries: readonly OutboxEntry[] | null;
  /** The viewer may see private data (raw details, deliveries). */
  readonly full: boolean;
}

export interface EndpointPageView {
  readonly detail: StatusDetailView;
  readonly strip: Strip;
  /** Set when less than a day of checks was read (a large fleet): how far back the strip reaches. */
  readonly rawWindowText: string | null;
  readonly latency: {
    readonly range: LatencyRange;
    readonly ranges: ReadonlyArray<{ readonly key: LatencyRange; readonly href: string; readonly active: boolean }>;
    readonly chart: LatencyChart;
    readonly points: readonly LatencyPoint[];
    readonly sourceText: string;
  };
  readonly incidents: readonly IncidentTimeline[];
  readonly cert: CertDetail | null;
  readonly deliveries: readonly DeliveryView[] | null;
  readonly full: boolean;
  readonly pageUrl: string;
  readonly statusPage: string | null;
}

export function buildEndpointPage(detail: StatusDetailView, facts: EndpointPageFacts, options: { readonly published: boolean }): EndpointPageView {
  const pageUrl = endpointPageUrl(detail.slug);
  const plan = latencyPlan(facts.range, facts.now, facts.intervalMs, facts.rawWindowMs);
  const points = pageLatency(facts.range, facts.now, facts.rollupLatency, facts.rows, facts.intervalMs, facts.rawWindowMs);
  const rawText = facts.rawWindowMs >= RAW_WINDOW_MS ? 'the last 24 h' : `the last ${formatDuration(facts.rawWindowMs / 1000)}`;
  const stepText = plan.stepMs === HOUR_MS ? 'hourly' : plan.stepMs === DAY_MS ? 'daily' : `${plan.stepMs / 60_000}-minute`;
  return {
    detail,
    strip: checkStrip(facts.rows, facts.full),
    // A large fleet's page reads less than a day of raw rounds (RAW_SCAN_BUDGET_ROWS): say so.
    rawWindowText: facts.rawWindowMs >= RAW_WINDOW_MS ? null : rawText,
    latency: {
      range: facts.range,
      ranges: LATENCY_RANGE_KEYS.map((key) => ({ key, href: key === '24h' ? pageUrl : `${pageUrl}?range=${key}`, active: key === facts.range })),
      chart: latencyChart(points, plan.stepMs),
      points,
      sourceText: plan.source === 'raw' ? `${stepText} slots from every check of the last 24 h` : `${stepText} slots from rollups; ${rawText} from every check`,
    },
    incidents: facts.incidents.slice(0, TIMELINE_INCIDENTS).map((i) => incidentTimeline(i, facts.events, facts.now, facts.full)),
    cert: certDetail(facts.certificate),
    deliveries: facts.full && facts.deliveries !== null ? facts.deliveries.slice(0, DELIVERY_LIMIT).map(deliveryView) : null,
    full: facts.full,
    pageUrl,
    statusPage: options.published ? `/status/${encodeURIComponent(detail.slug)}` : null,
  };
}

/** /endpoints/:slug.json: the same facts as data (raw values, no display text). */
export function endpointPageJson(view: EndpointPageView, statusJson: unknown): unknown {
  return {
    ...(statusJson as object),
    checks: view.strip.cells.map((c) => ({
      at: c.at,
      status: c.status,
      code: c.code,
      detail: c.detail,
      phases: Object.fromEntries(c.waterfall.phases.map((p) => [p.name.toLowerCase(), p.ms])),
    })),
    latency: {
      range: view.latency.range,
      source: view.latency.sourceText,
      points: view.latency.points.map((p) => ({ start: new Date(p.start).toISOString(), p50Ms: p.p50 === null ? null : Math.round(p.p50), p95Ms: p.p95 === null ? null : Math.round(p.p95) })),
    },
    incidents: view.incidents.map((i) => ({ startedAt: i.startedAt, resolvedAt: i.resolvedAt, code: i.code, timeline: i.entries.map((e) => ({ at: e.at, kind: e.kind, text: e.text })), regions: i.regions })),
    certificate: view.cert === null ? null : { ...view.cert, notAfter: view.detail.cert.notAfter, daysLeft: view.detail.cert.daysLeft },
    deliveries: view.deliveries?.map((d) => ({ id: d.id, channel: d.channel, kind: d.kind, status: d.status, attempts: d.attempts, createdAt: d.createdAt })) ?? null,
  };
}
