// Public status pages: the overview (public endpoints grouped by tag) and one endpoint's page.
// Pure: facts in, view models and JSON twins out. Nothing here depends on the wall clock except
// through `now`, and nothing shows a relative time, so a cached page stays true.
import type { HealthPolicy } from '../../domain/health.ts';
import type { Incident, Rollup, ToolSnapshot } from '../../store/store.ts';
import { dailyBars, latencyChart, type DayBars, type DayInput, type LatencyChart, type LatencyPoint } from './charts.ts';
import { certView, type CertView, type UptimeCell } from './dashboard-model.ts';
import { eraLabel, formatDuration, formatMs, formatPercent, formatUtc, plural } from './format.ts';
import { LATENCY_RANGES, LATENCY_RANGE_KEYS, type CardFacts, type DailyFacts, type DetailFacts, type LatencyRange } from './load.ts';
import { OVERALL_TEXT, STATUS_META, overallStatus, publicStatus, type DisplayStatus, type OverallStatus } from './status-display.ts';
import { maintenanceOutlook, type MaintenanceOutlook } from '../../alerts/maintenance.ts';
import type { MaintenanceWindowConfig } from '../../config/schema.ts';
import { DAY_MS, UPTIME_WINDOW_KEYS, uptimeLevel, uptimeOf, type UptimeWindow } from './uptime.ts';

export interface StatusContext {
  readonly now: number;
  /** Maintenance windows from the alerts configuration, shown on the endpoint's page. */
  readonly maintenance?: readonly MaintenanceWindowConfig[];
  readonly policy: HealthPolicy;
  readonly certWarnDays: number;
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
  const byStart = new Map<number, Rollup>(daily.rollups.map((r) => [r.start, r]));
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

export interface StatusIndexView {
  readonly overall: OverallStatus;
  readonly overallText: string;
  readonly groups: readonly StatusGroup[];
  readonly count: number;
  readonly updatedAt: string | null;
  readonly updatedText: string;
}

function card(facts: CardFacts, ctx: StatusContext): StatusCard {
  const status = publicStatus(facts.state, facts.endpoint.paused, ctx.policy);
  const ratio = uptimeOf(facts.uptime90d, ctx.policy);
  return {
    slug: facts.endpoint.slug,
    name: facts.endpoint.name,
    href: `/status/${encodeURIComponent(facts.endpoint.slug)}`,
    status,
    statusLabel: STATUS_META[status].label,
    uptime90d: ratio,
    uptime90dText: formatPercent(ratio),
    bars: dailyBars(dayInputs(facts.daily, ctx.now), ctx.policy),
  };
}

/** Endpoints grouped under each of their tags (alphabetical), untagged ones last under "Other". */
export function buildStatusIndex(items: readonly CardFacts[], ctx: StatusContext): StatusIndexView {
  const cards = new Map(items.map((f) => [f.endpoint.id, card(f, ctx)]));
  const groups = new Map<string, StatusCard[]>();
  const sorted = [...items].sort((a, b) => a.endpoint.name.localeCompare(b.endpoint.name) || a.endpoint.slug.localeCompare(b.endpoint.slug));
  for (const facts of sorted) {
    const names = facts.endpoint.tags.length === 0 ? [UNTAGGED] : [...new Set(facts.endpoint.tags)];
    for (const name of names) {
      const list = groups.get(name) ?? [];
      list.push(cards.get(facts.endpoint.id)!);
      groups.set(name, list);
    }
  }
  const ordered = [...groups.entries()]
    .sort(([a], [b]) => (a === UNTAGGED ? 1 : b === UNTAGGED ? -1 : a.localeCompare(b)))
    .map(([name, endpoints]) => ({ name, endpoints }));
  const overall = overallStatus([...cards.values()].map((c) => c.status));
  const updatedAt = latestCheck(items.map((f) => f.state.lastCheckedAt));
  return {
    overall,
    overallText: OVERALL_TEXT[overall],
    groups: ordered,
    count: items.length,
    updatedAt,
    updatedText: updatedAt === null ? 'never' : formatUtc(updatedAt),
  };
}

export function statusIndexJson(view: StatusIndexView): unknown {
  const seen = new Map<string, StatusCard & { tags: string[] }>();
  for (const group of view.groups) {
    for (const c of group.endpoints) {
      const entry = seen.get(c.slug) ?? { ...c, tags: [] };
      if (group.name !== UNTAGGED) entry.tags.push(group.name);
      seen.set(c.slug, entry);
    }
  }
  return {
    status: view.overall,
    description: view.overallText,
    updatedAt: view.updatedAt,
    endpoints: [...seen.values()].map((c) => ({
      slug: c.slug,
      name: c.name,
      tags: c.tags,
      status: c.status,
      ok: c.status === 'up' || c.status === 'auth_required',
      uptime90d: c.uptime90d,
      url: c.href,
    })),
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
  readonly detail: string;
  /** The last failure, when it differs from the first. */
  readonly lastCode: string | null;
  readonly lastDetail: string | null;
}

export function incidentView(incident: Incident, now: number): IncidentView {
  const start = Date.parse(incident.startedAt);
  const ongoing = incident.resolvedAt === null;
  const durationS = incident.durationS ?? Math.max(0, (now - start) / 1000);
  const changed = incident.lastCode !== incident.firstCode || incident.lastDetail !== incident.firstDetail;
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
    detail: incident.firstDetail,
    lastCode: changed ? incident.lastCode : null,
    lastDetail: changed ? incident.lastDetail : null,
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
}

export function buildStatusDetail(facts: DetailFacts, ctx: StatusContext): StatusDetailView {
  const { endpoint, state } = facts;
  const status = publicStatus(state, endpoint.paused, ctx.policy);
  const slug = encodeURIComponent(endpoint.slug);
  const uptime = UPTIME_WINDOW_KEYS.map((window: UptimeWindow): UptimeCell => {
    const summary = facts.uptime[window];
    const ratio = uptimeOf(summary, ctx.policy);
    return { window, ratio, text: formatPercent(ratio), level: uptimeLevel(ratio), title: `${window}: ${plural(summary.rounds, 'check')}` };
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
      detail: i.detail,
      lastCode: i.lastCode ?? i.code,
      lastDetail: i.lastDetail ?? i.detail,
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
  };
}

