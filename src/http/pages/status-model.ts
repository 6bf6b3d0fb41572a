// Public status pages: the overview (public endpoints grouped by tag) and one endpoint's page.
// Pure: facts in, view models and JSON twins out. Nothing here depends on the wall clock except
// through `now`, and nothing shows a relative time, so a cached page stays true.
import type { Endpoint } from '../../domain/endpoint.ts';
import { failureSummary } from '../../domain/failure-summary.ts';
import type { EndpointState, HealthPolicy } from '../../domain/health.ts';
import { EMPTY_UPTIME, type Incident, type ToolSnapshot, type UptimeSummary } from '../../store/store.ts';
import { dailyBars, latencyChart, type DayBars, type DayInput, type LatencyChart, type LatencyPoint } from './charts.ts';
import { certView, type CertView, type UptimeCell } from './dashboard-model.ts';
import { formatUptime, uptimeOf } from '../../domain/uptime.ts';
import { eraLabel, formatDuration, formatMs, formatUtc, plural } from './format.ts';
import { LATENCY_RANGES, LATENCY_RANGE_KEYS, type CardFacts, type DailyFacts, type DayCounts, type DetailFacts, type LatencyRange } from './load.ts';
import { OVERALL_TEXT, STATUS_META, overallStatus, publicStatus, type DisplayStatus, type OverallStatus } from './status-display.ts';
import { maintenanceOutlook, type MaintenanceOutlook } from '../../alerts/maintenance.ts';
import type { MaintenanceWindowConfig } from '../../config/schema.ts';
import { pageLinks, pageOf, parsePage, type Page, type PageLinks } from './paging.ts';
import { DEFAULT_LATENCY_BUDGET_MS, gradeOfSummary } from '../../domain/grade.ts';
import { gradeView, type GradeView, type SpecLinks } from './grade-view.ts';
import { DAY_MS, UPTIME_WINDOW_KEYS, uptimeLevel, uptimeRatioOf, type UptimeWindow } from './uptime.ts';

export interface StatusContext {
  readonly now: number;
  /** Maintenance windows from the alerts configuration, shown on the endpoint's page. */
  readonly maintenance?: readonly MaintenanceWindowConfig[];
  readonly policy: HealthPolicy;
  readonly certWarnDays: number;
  /** The grade's latency budget (config compliance.latencyBudgetMs). */
  readonly latencyBudgetMs?: number;
  /** Where each compliance check's requirement is written, by check id. */
  readonly specLink?: SpecLinks;
}

export const UNTAGGED = 'Other';

/** How many incidents overlap each UTC day from `fromDay`; an open incident runs until `now`. */
export function incidentsPerDay(incidents: readonly Incident[], fromDay: number, days: number, now: number): number[] {
  const counts = new Array<number>(days).fill(0);
  for (const incident of incidents) {
    const start = Date.parse(incident.startedAt);
    const end = incident.resolvedAt === null ? now : Date.parse(incident.resolvedAt);
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    const first = Math.max(0, Math.floor((start - fromDay) / DAY_MS));
    const last = Math.min(days - 1, Math.floor((Math.max(start, end - 1) - fromDay) / DAY_MS));
    for (let i = first; i <= last; i++) counts[i]!++;
  }
  return counts;
}

export function dayInputs(daily: DailyFacts, now: number): DayInput[] {
  const byStart = new Map<number, DayCounts>(daily.rollups.map((r) => [r.start, r]));
  const incidents = incidentsPerDay(daily.incidents, daily.fromDay, daily.days, now);
  return Array.from({ length: daily.days }, (_, i) => {
    const dayStart = daily.fromDay + i * DAY_MS;
    return { dayStart, counts: byStart.get(dayStart) ?? null, incidents: incidents[i] ?? 0 };
  });
}

function latestCheck(values: ReadonlyArray<string | null>): string | null {
  let best: string | null = null;
  for (const v of values) if (v !== null && (best === null || v > best)) best = v;
  return best;
}

// --- overview ------------------------------------------------------------------------------

export interface StatusCard {
  readonly slug: string;
  readonly name: string;
  readonly href: string;
  readonly status: DisplayStatus;
  readonly statusLabel: string;
  readonly uptime90d: number | null;
  readonly uptime90dText: string;
  readonly bars: DayBars;
}

export interface StatusGroup {
  readonly name: string;
  readonly endpoints: readonly StatusCard[];
}

/** Cards per page of the overview: each carries 90 bars, so a page, not the fleet, bounds its cost. */
export const STATUS_PAGE_SIZE = 50;

export interface StatusPageView extends Omit<Page, 'size'>, PageLinks {
  /** Cards on every page (an endpoint with two tags has two). */
  readonly cards: number;
}

export interface StatusIndexView {
  readonly overall: OverallStatus;
  readonly overallText: string;
  readonly groups: readonly StatusGroup[];
  /** Public endpoints, on every page. */
  readonly count: number;
  readonly page: StatusPageView;
  readonly updatedAt: string | null;
  readonly updatedText: string;
}

export interface PublicEntry {
  readonly endpoint: Endpoint;
  readonly state: EndpointState;
}

/** One card's place: an endpoint appears under each of its tags, untagged ones under "Other". */
export interface Placement {
  readonly group: string;
  readonly endpoint: Endpoint;
}

/** Every card of the overview in page order: groups alphabetically with Other last, names within. */
export function placements(endpoints: readonly Endpoint[]): Placement[] {
  const out: Placement[] = [];
  for (const endpoint of endpoints) {
    for (const group of endpoint.tags.length === 0 ? [UNTAGGED] : [...new Set(endpoint.tags)]) out.push({ group, endpoint });
  }
  return out.sort(
    (a, b) =>
      (a.group === UNTAGGED ? 1 : 0) - (b.group === UNTAGGED ? 1 : 0) ||
      a.group.localeCompare(b.group) ||
      a.endpoint.name.localeCompare(b.endpoint.name) ||
      a.endpoint.slug.localeCompare(b.endpoint.slug),
  );
}

/** `?page=` of the overview; anything else is page 1. */
export function parseStatusPage(query: unknown): number {
  return parsePage(typeof query === 'object' && query !== null ? (query as Record<string, unknown>).page : undefined);
}

export interface StatusPageSelection extends Page {
  readonly placements: readonly Placement[];
  /** The distinct endpoints on the page, whose facts the caller loads. */
  readonly endpoints: readonly Endpoint[];
  readonly cards: number;
}

export function selectStatusPage(endpoints: readonly Endpoint[], page: number, size = STATUS_PAGE_SIZE): StatusPageSelection {
  const all = placements(endpoints);
  const { start, end, ...at } = pageOf(all.length, page, size);
  const onPage = all.slice(start, end);
  return { ...at, placements: onPage, endpoints: [...new Set(onPage.map((p) => p.endpoint))], cards: all.length };
}

export function statusCard(facts: CardFacts, ctx: StatusContext): StatusCard {
  const status = publicStatus(facts.state, facts.endpoint, ctx.policy);
  const u = uptimeOf(facts.uptime90d, ctx.policy);
  return {
    slug: facts.endpoint.slug,
    name: facts.endpoint.name,
    href: `/status/${encodeURIComponent(facts.endpoint.slug)}`,
    status,
    statusLabel: STATUS_META[status].label,
    uptime90d: u.ratio,
    uptime90dText: formatUptime(u),
    bars: dailyBars(dayInputs(facts.daily, ctx.now), ctx.policy),
  };
}

export interface StatusIndexInput {
  /** Every public endpoint with its live state: the overall status and the last check. */
  readonly all: readonly PublicEntry[];
  readonly selection: StatusPageSelection;
  /** Facts for selection.endpoints. */
  readonly facts: readonly CardFacts[];
  /** publicSummary(all): pass it when it is kept up to date elsewhere. */
  readonly summary?: PublicSummary;
}

/** What the overview says about every public endpoint whatever the page. */
export interface PublicSummary {
  readonly count: number;
  readonly overall: OverallStatus;
  readonly updatedAt: string | null;
}

export function publicSummary(all: readonly PublicEntry[], policy: HealthPolicy): PublicSummary {
  return { count: all.length, overall: overallStatus(all.map((e) => publicStatus(e.state, e.endpoint, policy))), updatedAt: latestCheck(all.map((e) => e.state.lastCheckedAt)) };
}

/** One page of the overview: its cards grouped under their tags, the overall status from every endpoint. */
export function buildStatusIndex(input: StatusIndexInput, ctx: StatusContext): StatusIndexView {
  const cards = new Map(input.facts.map((f) => [f.endpoint.id, statusCard(f, ctx)]));
  const groups: Array<{ name: string; endpoints: StatusCard[] }> = [];
  for (const p of input.selection.placements) {
    const c = cards.get(p.endpoint.id);
    if (!c) continue;
    const last = groups.at(-1);
    if (last?.name === p.group) last.endpoints.push(c);
    else groups.push({ name: p.group, endpoints: [c] });
  }
  const { overall, updatedAt, count } = input.summary ?? publicSummary(input.all, ctx.policy);
  const { number, pages, cards: total } = input.selection;
  const links = pageLinks(input.selection, input.selection.placements.length, (n) => (n === 1 ? '/status' : `/status?page=${n}`));
  return {
    overall,
    overallText: OVERALL_TEXT[overall],
    groups,
    count,
    page: { number, pages, cards: total, ...links },
    updatedAt,
    updatedText: updatedAt === null ? 'never' : formatUtc(updatedAt),
  };
}

/**
 * /status.json: every public endpoint on one document (CI gates on it), without the bars, so it
 * needs only the live states and one 90-day uptime figure each.
 */
export function statusIndexJson(all: readonly PublicEntry[], uptime90d: ReadonlyMap<number, UptimeSummary>, ctx: StatusContext): unknown {
  const statuses = all.map((e) => publicStatus(e.state, e.endpoint, ctx.policy));
  const sorted = all.map((e, i) => ({ e, status: statuses[i]! })).sort((a, b) => a.e.endpoint.name.localeCompare(b.e.endpoint.name) || a.e.endpoint.slug.localeCompare(b.e.endpoint.slug));
  return { ...statusJsonHead(publicSummary(all, ctx.policy)), endpoints: sorted.map(({ e, status }) => statusJsonEntry(e.endpoint, status, uptime90d.get(e.endpoint.id) ?? EMPTY_UPTIME, ctx)) };
}

/** /status.json without its `endpoints`, which come last (so a caller may serialise them in parts). */
export function statusJsonHead(summary: PublicSummary): { status: OverallStatus; description: string; updatedAt: string | null } {
  return { status: summary.overall, description: OVERALL_TEXT[summary.overall], updatedAt: summary.updatedAt };
}

/** One endpoint of /status.json, in name order there. */
export function statusJsonEntry(endpoint: Endpoint, status: DisplayStatus, uptime90d: UptimeSummary, ctx: Pick<StatusContext, 'policy'>): unknown {
  return {
    slug: endpoint.slug,
    name: endpoint.name,
    tags: [...new Set(endpoint.tags)].sort((a, b) => a.localeCompare(b)),
    status,
    ok: status === 'up' || status === 'auth_required',
    uptime90d: uptimeRatioOf(uptime90d, ctx.policy),
    url: `/status/${encodeURIComponent(endpoint.slug)}`,
  };
}

// --- one endpoint --------------------------------------------------------------------------

export interface IncidentView {
  readonly id: number;
  readonly startedAt: string;
  readonly startedText: string;
  readonly resolvedAt: string | null;
  readonly resolvedText: string;
  readonly ongoing: boolean;
  readonly durationS: number;
  readonly durationText: string;
  readonly code: string;
  /** The code in words. Never the probe's detail: that quotes addresses and server bytes (operators only). */
  readonly summary: string;
  /** The last failure, when its code differs from the first. */
  readonly lastCode: string | null;
  readonly lastSummary: string | null;
}

export function incidentView(incident: Incident, now: number): IncidentView {
  const start = Date.parse(incident.startedAt);
  const ongoing = incident.resolvedAt === null;
  const durationS = incident.durationS ?? Math.max(0, (now - start) / 1000);
  const changed = incident.lastCode !== incident.firstCode;
  return {
    id: incident.id,
    startedAt: incident.startedAt,
    startedText: formatUtc(incident.startedAt),
    resolvedAt: incident.resolvedAt,
    resolvedText: incident.resolvedAt === null ? 'ongoing' : formatUtc(incident.resolvedAt),
    ongoing,
    durationS: Math.round(durationS),
    durationText: ongoing ? `${formatDuration(durationS)} so far` : formatDuration(durationS),
    code: incident.firstCode,
    summary: failureSummary(incident.firstCode),
    lastCode: changed ? incident.lastCode : null,
    lastSummary: changed ? failureSummary(incident.lastCode) : null,
  };
}

export interface ToolChange {
  readonly at: number;
  readonly atText: string;
  readonly count: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The oldest snapshot shown: its list is a baseline, not a change. */
  readonly baseline: boolean;
}

/** Snapshots (newest first) to changes: what each added and removed against the one before it. */
export function toolChanges(snapshots: readonly ToolSnapshot[]): ToolChange[] {
  return snapshots.map((snapshot, i) => {
    const previous = snapshots[i + 1];
    const before = new Set(previous?.names ?? []);
    const now = new Set(snapshot.names);
    return {
      at: snapshot.ts,
      atText: formatUtc(snapshot.ts),
      count: snapshot.count,
      added: previous ? snapshot.names.filter((n) => !before.has(n)) : [],
      removed: previous ? previous.names.filter((n) => !now.has(n)) : [],
      baseline: previous === undefined,
    };
  });
}

export interface StatusDetailView {
  readonly slug: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly status: DisplayStatus;
  readonly statusLabel: string;
  readonly sinceText: string | null;
  readonly lastCheckedAt: string | null;
  readonly lastCheckedText: string;
  readonly uptime: readonly UptimeCell[];
  readonly bars: DayBars;
  readonly latency: {
    readonly range: LatencyRange;
    readonly ranges: ReadonlyArray<{ readonly key: LatencyRange; readonly href: string; readonly active: boolean }>;
    readonly chart: LatencyChart;
    readonly points: readonly LatencyPoint[];
    readonly p50Text: string;
    readonly p95Text: string;
  };
  readonly incidents: readonly IncidentView[];
  readonly openIncident: IncidentView | null;
  /** Maintenance open now (until when) or the next one within a week, as UTC text. */
  readonly maintenance: { readonly activeUntil: string | null; readonly next: { readonly start: string; readonly end: string } | null };
  readonly cert: CertView & { readonly issuer: string | null; readonly subject: string | null };
  readonly protocol: { readonly era: string | null; readonly eraText: string; readonly version: string | null };
  readonly server: { readonly name: string | null; readonly version: string | null };
  readonly tools: { readonly count: number | null; readonly names: readonly string[]; readonly changes: readonly ToolChange[] };
  readonly badge: { readonly svg: string; readonly json: string };
  readonly grade: GradeView;
}

export function buildStatusDetail(facts: DetailFacts, ctx: StatusContext): StatusDetailView {
  const { endpoint, state } = facts;
  const status = publicStatus(state, endpoint, ctx.policy);
  const slug = encodeURIComponent(endpoint.slug);
  const uptime = UPTIME_WINDOW_KEYS.map((window: UptimeWindow): UptimeCell => {
    const summary = facts.uptime[window];
    const u = uptimeOf(summary, ctx.policy);
    return { window, ratio: u.ratio, text: formatUptime(u), level: uptimeLevel(u), title: `${window}: ${plural(summary.rounds, 'check')}` };
  });
  const incidents = facts.daily.incidents.map((i) => incidentView(i, ctx.now));
  const cert = certView(facts.certificate?.notAfter ?? state.certNotAfter, ctx.now, ctx.certWarnDays);
  const day = facts.uptime['24h'];
  return {
    slug: endpoint.slug,
    name: endpoint.name,
    tags: endpoint.tags,
    status,
    statusLabel: STATUS_META[status].label,
    sinceText: state.healthSince === null || status === 'paused' ? null : formatUtc(state.healthSince),
    lastCheckedAt: state.lastCheckedAt,
    lastCheckedText: state.lastCheckedAt === null ? 'never' : formatUtc(state.lastCheckedAt),
    uptime,
    bars: dailyBars(dayInputs(facts.daily, ctx.now), ctx.policy),
    latency: {
      range: facts.latencyRange,
      ranges: LATENCY_RANGE_KEYS.map((key) => ({ key, href: key === '24h' ? `/status/${slug}` : `/status/${slug}?range=${key}`, active: key === facts.latencyRange })),
      chart: latencyChart(facts.latency, LATENCY_RANGES[facts.latencyRange].stepMs),
      points: facts.latency,
      p50Text: formatMs(day.p50Ms),
      p95Text: formatMs(day.p95Ms),
    },
    incidents,
    openIncident: incidents.find((i) => i.ongoing) ?? null,
    maintenance: maintenanceView(maintenanceOutlook(ctx.maintenance ?? [], { slug: endpoint.slug, tags: endpoint.tags }, ctx.now, 7 * DAY_MS)),
    cert: { ...cert, issuer: facts.certificate?.issuer ?? null, subject: facts.certificate?.subject ?? null },
    protocol: { era: state.era, eraText: eraLabel(state.era), version: state.protocolVersion },
    server: { name: state.serverName, version: state.serverVersion },
    tools: { count: state.toolsCount ?? facts.tools[0]?.count ?? null, names: facts.tools[0]?.names ?? [], changes: toolChanges(facts.tools) },
    badge: { svg: `/badge/${slug}.svg`, json: `/badge/${slug}.json` },
    grade: gradeView(
      gradeOfSummary(facts.uptime['30d'], facts.complianceReport ?? null, { policy: ctx.policy, latencyBudgetMs: ctx.latencyBudgetMs ?? DEFAULT_LATENCY_BUDGET_MS }),
      facts.complianceReport ?? null,
      ctx.policy,
      ctx.specLink,
    ),
  };
}

function maintenanceView(outlook: MaintenanceOutlook): StatusDetailView['maintenance'] {
  return {
    activeUntil: outlook.activeUntil === null ? null : new Date(outlook.activeUntil).toISOString(),
    next: outlook.next === null ? null : { start: new Date(outlook.next.start).toISOString(), end: new Date(outlook.next.end).toISOString() },
  };
}

export function statusDetailJson(view: StatusDetailView): unknown {
  return {
    slug: view.slug,
    name: view.name,
    tags: view.tags,
    status: view.status,
    ok: view.status === 'up' || view.status === 'auth_required',
    lastCheckedAt: view.lastCheckedAt,
    maintenance: view.maintenance,
    uptime: Object.fromEntries(view.uptime.map((u) => [u.window, u.ratio])),
    days: view.bars.bars.map((b) => ({ date: b.date, uptime: b.uptime, checks: b.rounds, incidents: b.incidents })),
    incidents: view.incidents.map((i) => ({
      startedAt: i.startedAt,
      resolvedAt: i.resolvedAt,
      durationS: i.durationS,
      code: i.code,
      summary: i.summary,
      lastCode: i.lastCode ?? i.code,
      lastSummary: i.lastSummary ?? i.summary,
    })),
    latency: {
      range: view.latency.range,
      points: view.latency.points.map((p) => ({
        start: new Date(p.start).toISOString(),
        p50Ms: p.p50 === null ? null : Math.round(p.p50),
        p95Ms: p.p95 === null ? null : Math.round(p.p95),
      })),
    },
    certificate: view.cert.notAfter === null ? null : { notAfter: view.cert.notAfter, daysLeft: view.cert.daysLeft, issuer: view.cert.issuer },
    protocol: { era: view.protocol.era, version: view.protocol.version },
    server: view.server,
    tools: {
      count: view.tools.count,
      names: view.tools.names,
      changes: view.tools.changes.map((c) => ({ at: new Date(c.at).toISOString(), count: c.count, added: c.added, removed: c.removed, baseline: c.baseline })),
    },
    grade: {
      score: view.grade.score,
      letter: view.grade.letter,
      pending: view.grade.pending,
      components: view.grade.rows,
      checkedAt: view.grade.checkedAt,
      failedChecks: view.grade.failed,
    },
  };
}

