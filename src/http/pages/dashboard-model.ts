// The operator dashboard: one row per endpoint with everything worth a glance, plus the filter.
// Pure: facts in, a view model out. The JSON twin carries the raw values and, under `display`,
// the same strings the table shows, so the refresh script formats nothing itself.
import { daysLeft } from '../../domain/certificate.ts';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { EndpointState, HealthPolicy } from '../../domain/health.ts';
import { sparkline, type Sparkline } from './charts.ts';
import { endpointPageUrl } from './endpoint-urls.ts';
import { formatUptime, uptimeOf } from '../../domain/uptime.ts';
import { DASH, eraLabel, formatDuration, formatMs, formatRelative, formatUtc, plural } from './format.ts';
import type { EndpointFacts } from './load.ts';
import { pageLinks, pageOf, parsePage, type Page, type PageLinks } from './paging.ts';
import { DISPLAY_STATUSES, STATUS_META, isDisplayStatus, liveStatus, type DisplayStatus } from './status-display.ts';
import { UPTIME_WINDOW_KEYS, uptimeLevel, type UptimeLevel, type UptimeWindow } from './uptime.ts';

export interface DashboardFilter {
  readonly status: DisplayStatus | null;
  readonly tag: string | null;
  /** 1-based; a page past the last shows the last. */
  readonly page: number;
}

/**
 * Rows per page. Each row costs ~0.4 ms of rollup reads and arithmetic (bench/pages.bench.ts), so
 * a page, not the fleet, bounds how long one load holds the event loop the probes time themselves on.
 */
export const DASHBOARD_PAGE_SIZE = 100;

const MAX_TAG_LENGTH = 100;

/** Query parameters to a filter; anything unrecognised means "no filter" rather than an error page. */
export function parseDashboardFilter(query: unknown): DashboardFilter {
  const q = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  const status = isDisplayStatus(q.status) ? q.status : null;
  const tag = typeof q.tag === 'string' && q.tag !== '' && q.tag.length <= MAX_TAG_LENGTH ? q.tag : null;
  return { status, tag, page: parsePage(q.page) };
}

export function filterQuery(filter: DashboardFilter): string {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.tag) params.set('tag', filter.tag);
  if (filter.page > 1) params.set('page', String(filter.page));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export type CertLevel = 'ok' | 'warn' | 'bad' | 'none';

export interface CertView {
  readonly notAfter: string | null;
  readonly daysLeft: number | null;
  readonly text: string;
  readonly expiresText: string;
  readonly title: string;
  readonly level: CertLevel;
}

export function certView(notAfter: string | null, now: number, warnDays: number): CertView {
  const at = notAfter === null ? Number.NaN : Date.parse(notAfter);
  if (notAfter === null || Number.isNaN(at)) return { notAfter: null, daysLeft: null, text: DASH, expiresText: DASH, title: 'no certificate seen (plain HTTP or not reached yet)', level: 'none' };
  const days = daysLeft(new Date(at), new Date(now));
  const text = days < 0 ? 'expired' : plural(days, 'day');
  const level: CertLevel = days < 0 ? 'bad' : days < warnDays ? 'warn' : 'ok';
  const expiresText = formatUtc(notAfter);
  return { notAfter, daysLeft: days, text, expiresText, title: `${days < 0 ? 'expired' : 'expires'} ${expiresText}`, level };
}

export interface UptimeCell {
  readonly window: UptimeWindow;
  readonly ratio: number | null;
  readonly text: string;
  readonly level: UptimeLevel;
  readonly title: string;
}

export interface DashboardRow {
  readonly slug: string;
  readonly name: string;
  readonly url: string;
  readonly tags: readonly string[];
  readonly public: boolean;
  readonly statusPage: string | null;
  /** The endpoint's full page (/endpoints/:slug); linked only for viewers who may open it (linkedPage). */
  readonly detailPage: string;
  readonly status: DisplayStatus;
  readonly statusLabel: string;
  readonly confirmed: boolean;
  /** Shown under the status: why it is not up (code, detail), why it is paused, or that it is unconfirmed. */
  readonly code: string | null;
  readonly detail: string | null;
  readonly note: string | null;
  /** Monitoring gaps in the last 24 h (ms since the epoch), newest first. */
  readonly gaps: ReadonlyArray<{ readonly from: number; readonly to: number }>;
  readonly uptime: readonly UptimeCell[];
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p50Text: string;
  readonly p95Text: string;
  readonly hourlyP50Ms: readonly (number | null)[];
  readonly sparkline: Sparkline;
  readonly cert: CertView;
  readonly era: string | null;
  readonly protocolVersion: string | null;
  readonly protocolText: string;
  readonly serverName: string | null;
  readonly serverVersion: string | null;
  readonly serverText: string;
  readonly toolsCount: number | null;
  readonly toolsText: string;
  readonly lastCheckedAt: string | null;
  readonly lastCheckedText: string;
  readonly lastCheckedTitle: string;
}

export interface StatusCount {
  readonly status: DisplayStatus;
  readonly label: string;
  readonly count: number;
  readonly href: string;
  readonly active: boolean;
}

export interface PageView extends Page, PageLinks {
  /** Endpoints that pass the filter, on every page. */
  readonly matched: number;
}

export interface DashboardView {
  readonly rows: readonly DashboardRow[];
  readonly page: PageView;
  readonly counts: readonly StatusCount[];
  readonly tags: ReadonlyArray<{ readonly name: string; readonly selected: boolean }>;
  readonly statuses: ReadonlyArray<{ readonly value: DisplayStatus; readonly label: string; readonly selected: boolean }>;
  readonly filter: DashboardFilter;
  readonly filtered: boolean;
  readonly total: number;
  readonly updatedAt: string;
  readonly jsonUrl: string;
}

export interface EndpointEntry {
  readonly endpoint: Endpoint;
  readonly state: EndpointState;
}

export interface DashboardInput {
  readonly now: number;
  readonly policy: HealthPolicy;
  readonly certWarnDays: number;
  readonly filter: DashboardFilter;
  /** Every endpoint with its live state: for the counts and the tag list. */
  readonly all: readonly EndpointEntry[];
  /** fleetSummary(all): pass it when it is kept up to date elsewhere, so a page does not walk the fleet. */
  readonly summary?: FleetSummary;
  /** Facts for the endpoints on this page, in selectPage's order, loaded by the caller. */
  readonly facts: readonly EndpointFacts[];
  readonly page: Pick<PageView, 'number' | 'pages' | 'size' | 'matched'>;
}

export interface PageSelection {
  readonly endpoints: readonly Endpoint[];
  readonly page: Pick<PageView, 'number' | 'pages' | 'size' | 'matched'>;
}

/**
 * The endpoints of one page, most in need of attention first, chosen and ordered from live state
 * alone: only these rows then load rollups, and the rows keep this order.
 */
export function selectPage(all: readonly EndpointEntry[], filter: DashboardFilter, policy: HealthPolicy, size = DASHBOARD_PAGE_SIZE): PageSelection {
  const keyed = all
    .filter((e) => matchesFilter(e, filter, policy))
    .map((e) => ({ e, live: liveStatus(e.state, e.endpoint, policy) }))
    .sort(
      (a, b) =>
        STATUS_META[a.live.status].severity - STATUS_META[b.live.status].severity ||
        Number(a.live.confirmed) - Number(b.live.confirmed) ||
        a.e.endpoint.name.localeCompare(b.e.endpoint.name) ||
        a.e.endpoint.slug.localeCompare(b.e.endpoint.slug),
    );
  const { start, end, ...page } = pageOf(keyed.length, filter.page, size);
  return { endpoints: keyed.slice(start, end).map((k) => k.e.endpoint), page: { ...page, matched: keyed.length } };
}

export function matchesTag(entry: EndpointEntry, filter: DashboardFilter): boolean {
  return filter.tag === null || entry.endpoint.tags.includes(filter.tag);
}

/** Whether a row belongs on the page, from live state alone (so only those rows load rollups). */
export function matchesFilter(entry: EndpointEntry, filter: DashboardFilter, policy: HealthPolicy): boolean {
  return matchesTag(entry, filter) && (filter.status === null || liveStatus(entry.state, entry.endpoint, policy).status === filter.status);
}

/** Host and path only: a query string may carry an API key, and userinfo a password. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

/** "not monitored 10:07–10:13 UTC (6 min)": mcpwatch's own silence, said plainly (the latest one, and how many). */
function gapNote(gaps: EndpointFacts['gaps']): string {
  const latest = gaps[0]!;
  const span = `${formatUtc(latest.fromMs).slice(11, 16)}–${formatUtc(latest.toMs).slice(11)}`;
  const more = gaps.length > 1 ? `; ${plural(gaps.length, 'gap')} in 24 h` : '';
  return `not monitored ${span} (${formatDuration((latest.toMs - latest.fromMs) / 1000)})${more}`;
}

export function buildRow(facts: EndpointFacts, now: number, policy: HealthPolicy, certWarnDays: number): DashboardRow {
  const { endpoint, state } = facts;
  const live = liveStatus(state, endpoint, policy);
  const failing = live.status !== 'up' && live.status !== 'paused' && live.status !== 'archived' && live.status !== 'unknown';
  let note: string | null = null;
  if (live.status === 'paused') note = endpoint.pausedReason ?? 'paused by the operator';
  else if (live.status === 'archived') note = `no longer in the configuration since ${formatUtc(endpoint.archivedAt ?? '')}; history kept (mcpwatch endpoints purge ${endpoint.slug} deletes it)`;
  else if (!live.confirmed) note = `not confirmed yet (${plural(state.consecutiveFailures, 'failed round')} of ${policy.downAfter})`;
  else if (live.status === 'unknown') note = 'waiting for the first check';
  else if (facts.gaps.length > 0) note = gapNote(facts.gaps);
  const uptime = UPTIME_WINDOW_KEYS.map((window): UptimeCell => {
    const summary = facts.uptime[window];
    const u = uptimeOf(summary, policy);
    return { window, ratio: u.ratio, text: formatUptime(u), level: uptimeLevel(u), title: `${window}: ${plural(summary.rounds, 'check')}, ${summary.down} down` };
  });
  const day = facts.uptime['24h'];
  const hourlyP50Ms = facts.hourly.map((p) => (p.p50 === null ? null : Math.round(p.p50)));
  const checkedMs = state.lastCheckedAt === null ? Number.NaN : Date.parse(state.lastCheckedAt);
  return {
    slug: endpoint.slug,
    name: endpoint.name,
    url: displayUrl(endpoint.url),
    tags: endpoint.tags,
    public: endpoint.public,
    statusPage: endpoint.public && endpoint.archivedAt === null ? `/status/${encodeURIComponent(endpoint.slug)}` : null,
    detailPage: endpointPageUrl(endpoint.slug),
    status: live.status,
    statusLabel: STATUS_META[live.status].label,
    confirmed: live.confirmed,
    code: failing ? state.lastCode : null,
    detail: failing ? state.lastDetail : null,
    note,
    gaps: facts.gaps.map((g) => ({ from: g.fromMs, to: g.toMs })),
    uptime,
    p50Ms: day.p50Ms === null ? null : Math.round(day.p50Ms),
    p95Ms: day.p95Ms === null ? null : Math.round(day.p95Ms),
    p50Text: formatMs(day.p50Ms),
    p95Text: formatMs(day.p95Ms),
    hourlyP50Ms,
    sparkline: sparkline(hourlyP50Ms),
    cert: certView(state.certNotAfter, now, certWarnDays),
    era: state.era,
    protocolVersion: state.protocolVersion,
    protocolText: state.era === null ? DASH : `${eraLabel(state.era)}${state.protocolVersion === null ? '' : ` · ${state.protocolVersion}`}`,
    serverName: state.serverName,
    serverVersion: state.serverVersion,
    serverText: state.serverName === null ? DASH : `${state.serverName}${state.serverVersion === null ? '' : ` ${state.serverVersion}`}`,
    toolsCount: state.toolsCount,
    toolsText: state.toolsCount === null ? DASH : String(state.toolsCount),
    lastCheckedAt: state.lastCheckedAt,
    lastCheckedText: Number.isNaN(checkedMs) ? 'never' : formatRelative(checkedMs, now),
    lastCheckedTitle: Number.isNaN(checkedMs) ? 'not checked yet' : formatUtc(checkedMs),
  };
}

/** What the dashboard shows about the whole fleet whatever the page: totals, counts per tag, tag names. */
export interface FleetSummary {
  readonly total: number;
  /** Sorted. */
  readonly tagNames: readonly string[];
  /** Live status counts of every endpoint (key null) and of those carrying each tag. */
  readonly counts: ReadonlyMap<string | null, Readonly<Record<DisplayStatus, number>>>;
}

const zeroCounts = (): Record<DisplayStatus, number> => Object.fromEntries(DISPLAY_STATUSES.map((s) => [s, 0])) as Record<DisplayStatus, number>;

/** `statusOf` lets a caller that already knows each live status pass it instead of recomputing it. */
export function fleetSummary(all: readonly EndpointEntry[], policy: HealthPolicy, statusOf = (e: EndpointEntry): DisplayStatus => liveStatus(e.state, e.endpoint, policy).status): FleetSummary {
  const counts = new Map<string | null, Record<DisplayStatus, number>>([[null, zeroCounts()]]);
  for (const e of all) {
    const status = statusOf(e);
    counts.get(null)![status]++;
    for (const tag of new Set(e.endpoint.tags)) {
      let perTag = counts.get(tag);
      if (!perTag) counts.set(tag, (perTag = zeroCounts()));
      perTag[status]++;
    }
  }
  const tagNames = [...counts.keys()].filter((t): t is string => t !== null).sort((a, b) => a.localeCompare(b));
  return { total: all.length, tagNames, counts };
}

export function buildDashboard(input: DashboardInput): DashboardView {
  const { filter, policy } = input;
  const rows = input.facts.map((f) => buildRow(f, input.now, policy, input.certWarnDays));
  const summary = input.summary ?? fleetSummary(input.all, policy);
  const tagged = summary.counts.get(filter.tag) ?? zeroCounts();
  const counts = DISPLAY_STATUSES.map((status): StatusCount => {
    const active = filter.status === status;
    return { status, label: STATUS_META[status].label, count: tagged[status], active, href: `/${filterQuery({ status: active ? null : status, tag: filter.tag, page: 1 })}` };
  });
  const page: PageView = { ...input.page, ...pageLinks(input.page, rows.length, (n) => `/${filterQuery({ ...filter, page: n })}`) };
  const tagNames = [...summary.tagNames];
  if (filter.tag !== null && !tagNames.includes(filter.tag)) tagNames.push(filter.tag);
  return {
    rows,
    page,
    counts,
    tags: tagNames.map((name) => ({ name, selected: name === filter.tag })),
    statuses: DISPLAY_STATUSES.map((value) => ({ value, label: STATUS_META[value].label, selected: value === filter.status })),
    filter,
    filtered: filter.status !== null || filter.tag !== null,
    total: summary.total,
    updatedAt: new Date(input.now).toISOString(),
    jsonUrl: `/dashboard.json${filterQuery({ ...filter, page: page.number })}`,
  };
}

export interface DashboardJson {
  readonly updatedAt: string;
  readonly filter: DashboardFilter;
  readonly total: number;
  readonly page: Pick<PageView, 'number' | 'pages' | 'size' | 'matched'>;
  readonly counts: Readonly<Partial<Record<DisplayStatus, number>>>;
  readonly endpoints: readonly unknown[];
}

/**
 * Where a row's name links: the endpoint's full page when this viewer may open it (a published
 * endpoint's page is open to all; the rest need private access), else nowhere.
 */
export function linkedPage(row: Pick<DashboardRow, 'statusPage' | 'detailPage'>, canViewPrivate: boolean): string | null {
  return row.statusPage !== null || canViewPrivate ? row.detailPage : null;
}

export function dashboardJson(view: DashboardView, canViewPrivate = false): DashboardJson {
  return {
    updatedAt: view.updatedAt,
    filter: view.filter,
    total: view.total,
    page: { number: view.page.number, pages: view.page.pages, size: view.page.size, matched: view.page.matched },
    counts: Object.fromEntries(view.counts.map((c) => [c.status, c.count])),
    endpoints: view.rows.map((r) => ({
      slug: r.slug,
      name: r.name,
      url: r.url,
      tags: r.tags,
      public: r.public,
      statusPage: r.statusPage,
      detailPage: linkedPage(r, canViewPrivate),
      status: r.status,
      confirmed: r.confirmed,
      code: r.code,
      detail: r.detail,
      note: r.note,
      notMonitored: r.gaps,
      uptime: Object.fromEntries(r.uptime.map((u) => [u.window, u.ratio])),
      latency: { p50Ms: r.p50Ms, p95Ms: r.p95Ms, hourlyP50Ms: r.hourlyP50Ms },
      certificate: { notAfter: r.cert.notAfter, daysLeft: r.cert.daysLeft },
      protocol: { era: r.era, version: r.protocolVersion },
      server: { name: r.serverName, version: r.serverVersion },
      toolsCount: r.toolsCount,
      lastCheckedAt: r.lastCheckedAt,
      display: {
        statusLabel: r.statusLabel,
        uptime: r.uptime.map((u) => ({ window: u.window, text: u.text, level: u.level, title: u.title })),
        p50: r.p50Text,
        p95: r.p95Text,
        sparkline: { width: r.sparkline.width, height: r.sparkline.height, segments: r.sparkline.segments, dots: r.sparkline.dots, empty: r.sparkline.empty, label: r.sparkline.label },
        cert: { text: r.cert.text, title: r.cert.title, level: r.cert.level },
        protocol: r.protocolText,
        server: r.serverText,
        tools: r.toolsText,
        lastChecked: r.lastCheckedText,
        lastCheckedTitle: r.lastCheckedTitle,
      },
    })),
  };
}
