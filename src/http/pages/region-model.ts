// Per-region status on the public pages (issue 14): what each region sees of an endpoint and the
// quorum's verdict, on the endpoint's page; each region's view of the public fleet and the
// endpoints down somewhere, on the overview. Pure: a RegionBoard (src/domain/region-board.ts) in,
// display rows and JSON out. Shown only where more than one region has fresh results: with one
// region (and always on SQLite, which has no board) these return null and the pages are as before.
import type { Endpoint } from '../../domain/endpoint.ts';
import type { HealthPolicy } from '../../domain/health.ts';
import type { Exclusion, OverallStatus as QuorumStatus, QuorumVerdict } from '../../domain/quorum.ts';
import type { RegionBoard, RegionWord } from '../../domain/region-board.ts';
import { formatMs, formatUtc, plural } from './format.ts';
import { STATUS_META, publicStatus, type DisplayStatus } from './status-display.ts';

/** Why a region's word is not counted, in words: the label in the status column, and its explanation. */
export const EXCLUSION_LABELS = {
  stale: ['Not reporting', 'no fresh result from this region for this endpoint: not counted'],
  no_verdict: ['Pending', 'not confirmed up or down in this region yet: not counted'],
  not_reporting: ['Not reporting', 'the region has no fresh results: left out of the quorum'],
  isolated: ['Isolated', 'the region sees every endpoint fail while another region sees them up: left out of the quorum'],
} as const satisfies Record<Exclusion, readonly [string, string]>;

function regionsText(n: number): string {
  if (n === 1) return 'the one region counted';
  return n === 2 ? 'both regions' : `all ${n} regions`;
}

/** The quorum's verdict in words, e.g. "Down in 1 of 3 regions: partial outage". */
const VERDICT_TEXT = {
  up: (v) => `Up in ${regionsText(v.counted)}`,
  down: (v) => `Down in ${v.down} of ${plural(v.counted, 'region')}: outage`,
  partial_outage: (v) => `Down in ${v.down} of ${plural(v.counted, 'region')}: partial outage`,
  unknown: () => 'No region counts yet: status unknown',
} as const satisfies Record<QuorumStatus, (verdict: QuorumVerdict) => string>;

export function verdictText(verdict: QuorumVerdict): string {
  const left = verdict.regions.filter((v) => !v.counted).length;
  return `${VERDICT_TEXT[verdict.status](verdict)}${left === 0 ? '' : ` (${plural(left, 'region')} not counted)`}`;
}

/** Several regions have something to compare: otherwise the pages show no region at all. */
export function showsRegions(board: RegionBoard | undefined): board is RegionBoard {
  return board !== undefined && board.freshRegions > 1;
}

/** A round's duration is a latency only when the round answered: a failure's is time to fail. */
function latencyOf(word: RegionWord | undefined): number | null {
  const status = word?.state.lastStatus ?? null;
  if (status === null || status === 'down') return null;
  return word?.state.lastDurationMs ?? null;
}

// --- one endpoint --------------------------------------------------------------------------

export interface RegionRow {
  readonly name: string;
  readonly status: DisplayStatus;
  readonly statusLabel: string;
  /** Counted in the quorum, or why not (a region without a word on this endpoint: stale). */
  readonly excluded: Exclusion | null;
  readonly excludedTitle: string | null;
  readonly latencyMs: number | null;
  readonly latencyText: string;
  readonly checkedAt: string | null;
  readonly checkedText: string;
}

export interface EndpointRegionsView {
  readonly verdict: QuorumStatus;
  readonly verdictText: string;
  readonly needed: number;
  readonly counted: number;
  readonly down: number;
  readonly rows: readonly RegionRow[];
}

/** The endpoint's region table, or null when the page shows none (one region, or no word yet). */
export function endpointRegionsView(board: RegionBoard | undefined, endpoint: Pick<Endpoint, 'id' | 'paused' | 'archivedAt'>, policy: HealthPolicy): EndpointRegionsView | null {
  if (!showsRegions(board)) return null;
  const own = board.endpoints.get(endpoint.id);
  if (own === undefined) return null;
  const votes = new Map(own.verdict.regions.map((v) => [v.region, v]));
  const rows = [...board.regions.keys()].map((name): RegionRow => {
    const word = own.words.get(name);
    const vote = votes.get(name);
    const excluded: Exclusion | null = vote === undefined ? 'stale' : vote.counted ? null : vote.excluded;
    // A word that does not count shows why, not the status it last had (a cut-off region's "down").
    const status: DisplayStatus = excluded !== null || word === undefined ? 'unknown' : publicStatus(word.state, endpoint, policy);
    const latencyMs = latencyOf(word);
    const checkedAt = word?.state.lastCheckedAt ?? null;
    return {
      name,
      status,
      statusLabel: excluded === null ? STATUS_META[status].label : EXCLUSION_LABELS[excluded][0],
      excluded,
      excludedTitle: excluded === null ? null : EXCLUSION_LABELS[excluded][1],
      latencyMs,
      latencyText: formatMs(latencyMs),
      checkedAt,
      checkedText: checkedAt === null ? 'never' : formatUtc(checkedAt),
    };
  });
  const { status, needed, counted, down } = own.verdict;
  return { verdict: status, verdictText: verdictText(own.verdict), needed, counted, down, rows };
}

/** `regions` of /status/:slug.json (absent where the page shows no region). */
export function endpointRegionsJson(view: EndpointRegionsView): unknown {
  return {
    verdict: view.verdict,
    description: view.verdictText,
    needed: view.needed,
    counted: view.counted,
    down: view.down,
    regions: view.rows.map((r) => ({ region: r.name, status: r.status, counted: r.excluded === null, excluded: r.excluded, latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs), lastCheckedAt: r.checkedAt })),
  };
}

// --- the overview --------------------------------------------------------------------------

export interface RegionSummaryRow {
  readonly name: string;
  /** The worst status the region sees among the public endpoints, or `unknown` when the region does not count. */
  readonly status: DisplayStatus;
  readonly statusLabel: string;
  readonly excluded: 'not_reporting' | 'isolated' | null;
  readonly excludedTitle: string | null;
  /** "5 up, 1 down" over the public endpoints the region has a word on. */
  readonly countsText: string;
  /** Median of the region's latest answered rounds of the public endpoints. */
  readonly latencyMs: number | null;
  readonly latencyText: string;
  readonly checkedAt: string | null;
  readonly checkedText: string;
}

export interface IndexRegionsView {
  readonly summaryText: string;
  readonly rows: readonly RegionSummaryRow[];
  /** Public endpoints down in some region, by slug: the verdict in words, under the endpoint's card. */
  readonly notes: ReadonlyMap<string, { readonly verdict: QuorumStatus; readonly text: string }>;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The most severe status measured; `unknown` (pending) only when nothing is measured yet. */
function worst(statuses: readonly DisplayStatus[]): DisplayStatus {
  let out: DisplayStatus | null = null;
  for (const s of statuses) if (s !== 'unknown' && (out === null || STATUS_META[s].severity < STATUS_META[out].severity)) out = s;
  return out ?? 'unknown';
}

/** The overview's region table over the published endpoints, or null when it shows none. */
export function indexRegionsView(board: RegionBoard | undefined, published: ReadonlyArray<Pick<Endpoint, 'id' | 'slug' | 'paused' | 'archivedAt'>>, policy: HealthPolicy): IndexRegionsView | null {
  if (!showsRegions(board)) return null;
  const watched = published.filter((e) => !e.paused && e.archivedAt === null);
  const notes = new Map<string, { verdict: QuorumStatus; text: string }>();
  let down = 0;
  let partial = 0;
  for (const endpoint of watched) {
    const verdict = board.endpoints.get(endpoint.id)?.verdict;
    if (verdict === undefined || (verdict.status !== 'down' && verdict.status !== 'partial_outage')) continue;
    if (verdict.status === 'down') down++;
    else partial++;
    notes.set(endpoint.slug, { verdict: verdict.status, text: verdictText(verdict) });
  }
  const rows = [...board.regions.values()].map((region): RegionSummaryRow => {
    const statuses: DisplayStatus[] = [];
    const latencies: number[] = [];
    let checkedAt: string | null = null;
    for (const endpoint of watched) {
      const word = board.endpoints.get(endpoint.id)?.words.get(region.region);
      if (word === undefined) continue;
      statuses.push(publicStatus(word.state, endpoint, policy));
      const latency = latencyOf(word);
      if (latency !== null) latencies.push(latency);
      const at = word.state.lastCheckedAt;
      if (at !== null && (checkedAt === null || at > checkedAt)) checkedAt = at;
    }
    const excluded = region.health === 'reporting' ? null : region.health;
    const status = excluded === null ? worst(statuses) : 'unknown';
    const counts = new Map<DisplayStatus, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    const countsText = [...counts].sort(([a], [b]) => STATUS_META[a].severity - STATUS_META[b].severity).map(([s, n]) => `${n} ${STATUS_META[s].label.toLowerCase()}`).join(', ');
    const latencyMs = median(latencies);
    return {
      name: region.region,
      status,
      statusLabel: excluded === null ? STATUS_META[status].label : EXCLUSION_LABELS[excluded][0],
      excluded,
      excludedTitle: excluded === null ? null : EXCLUSION_LABELS[excluded][1],
      countsText: countsText === '' ? 'no results' : countsText,
      latencyMs,
      latencyText: formatMs(latencyMs),
      checkedAt,
      checkedText: checkedAt === null ? 'never' : formatUtc(checkedAt),
    };
  });
  const parts = [...(down > 0 ? [`${plural(down, 'endpoint')} down in enough regions to count as an outage`] : []), ...(partial > 0 ? [`${plural(partial, 'endpoint')} down in some regions (partial outage)`] : [])];
  return { summaryText: parts.length === 0 ? 'No endpoint is down in any region that counts' : parts.join('; '), rows, notes };
}

/** `regions` of /status.json (absent where the overview shows no region). */
export function indexRegionsJson(view: IndexRegionsView): unknown {
  return {
    description: view.summaryText,
    regions: view.rows.map((r) => ({ region: r.name, status: r.status, excluded: r.excluded, latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs), lastCheckedAt: r.checkedAt })),
    endpoints: [...view.notes].map(([slug, note]) => ({ slug, verdict: note.verdict, description: note.text })),
  };
}
