// One endpoint, several regions: when is it down? Pure: per-region evidence and `now` in, a verdict out.
//
// Every region probes every endpoint and keeps its own confirmed health for it (domain/health.ts).
// The overall status counts only regions whose word is worth having: a fresh result, a verdict
// (up or down, not yet unknown), and a region that is itself healthy. A region that reports
// nothing at all is `not_reporting`; one that sees (nearly) every endpoint fail while another
// region sees them up is `isolated`: its own network is cut off, and counting it would page for
// every endpoint at once. Both are left out of the quorum rather than counted as down.
import type { Health } from './health.ts';

export const OVERALL_STATUSES = ['up', 'down', 'partial_outage', 'unknown'] as const;
export type OverallStatus = (typeof OVERALL_STATUSES)[number];

export const REGION_HEALTHS = ['reporting', 'not_reporting', 'isolated'] as const;
export type RegionHealth = (typeof REGION_HEALTHS)[number];

/** Why a region's word on an endpoint was not counted. */
export const EXCLUSIONS = ['stale', 'no_verdict', 'not_reporting', 'isolated'] as const;
export type Exclusion = (typeof EXCLUSIONS)[number];

export const QUORUM_FLAGS = ['no_eligible_region', 'regions_excluded', 'quorum_unreachable'] as const;
export type QuorumFlag = (typeof QUORUM_FLAGS)[number];

// ---------------------------------------------------------------------------------------------
// Region health

export interface RegionResult {
  /** Whether the region's latest round of this endpoint failed (the raw round, not the confirmed health). */
  readonly failed: boolean;
  /** When that round ran, ms since the epoch. */
  readonly at: number;
  /** This endpoint's own freshness window (its cadence), overriding IsolationOptions.freshnessMs. */
  readonly freshnessMs?: number;
}

export interface RegionResults {
  readonly region: string;
  /** The region's latest round per endpoint it probes, by endpoint id. */
  readonly latest: ReadonlyMap<number, RegionResult>;
}

export interface IsolationOptions {
  /** A result older than this (ms before now) is not evidence of anything. */
  readonly freshnessMs: number;
  /** Share of a region's fresh endpoints that must have failed for it to look cut off; (0, 1], default 1. */
  readonly isolationShare?: number;
  /** Fewer fresh endpoints than this never make a region isolated: two failures are not a pattern. Default 3. */
  readonly isolationMinEndpoints?: number;
}

export const DEFAULT_ISOLATION_SHARE = 1;
export const DEFAULT_ISOLATION_MIN_ENDPOINTS = 3;

export interface RegionVerdict {
  readonly region: string;
  readonly health: RegionHealth;
  /** The region's newest result for any endpoint, or null when it has none. */
  readonly lastResultAt: number | null;
  /** Endpoints with a fresh result, and how many of those failed. */
  readonly fresh: number;
  readonly failed: number;
}

function checkFreshness(freshnessMs: number): void {
  if (!Number.isFinite(freshnessMs) || freshnessMs <= 0) throw new RangeError(`freshnessMs must be a positive number, got ${freshnessMs}`);
}

function isFresh(at: number | null, now: number, freshnessMs: number): at is number {
  return at !== null && now - at <= freshnessMs;
}

interface RegionTally {
  readonly region: string;
  readonly lastResultAt: number | null;
  /** Fresh results only: endpoint id → failed. */
  readonly fresh: ReadonlyMap<number, boolean>;
  readonly failed: number;
  /** Enough of its fresh endpoints failed that the region looks cut off, if nobody contradicts it. */
  readonly allFailing: boolean;
}

function tally(results: RegionResults, now: number, freshnessMs: number, share: number, minEndpoints: number): RegionTally {
  let lastResultAt: number | null = null;
  const fresh = new Map<number, boolean>();
  let failed = 0;
  for (const [endpointId, result] of results.latest) {
    if (lastResultAt === null || result.at > lastResultAt) lastResultAt = result.at;
    if (!isFresh(result.at, now, result.freshnessMs ?? freshnessMs)) continue;
    fresh.set(endpointId, result.failed);
    if (result.failed) failed++;
  }
  const allFailing = fresh.size >= minEndpoints && failed >= share * fresh.size;
  return { region: results.region, lastResultAt, fresh, failed, allFailing };
}

/** `other` sees more than half of the endpoints `cutOff` saw fail (those it has fresh results for) up. */
function contradicts(other: RegionTally, cutOff: RegionTally): boolean {
  let overlap = 0;
  let up = 0;
  for (const [endpointId, failed] of cutOff.fresh) {
    if (!failed) continue;
    const seen = other.fresh.get(endpointId);
    if (seen === undefined) continue;
    overlap++;
    if (!seen) up++;
  }
  return overlap > 0 && up * 2 > overlap;
}

/**
 * Each region's health from its latest rounds.
 *
 * - `not_reporting`: no fresh result for any endpoint.
 * - `isolated`: at least `isolationMinEndpoints` fresh endpoints, at least `isolationShare` of them
 *   failed, and either a reporting region that does not look cut off itself sees most of those
 *   endpoints up, or every reporting region (two or more) looks cut off. The second case is "the
 *   whole fleet fails from everywhere at once": more likely our side than every server at once,
 *   so nothing is counted (overall `unknown`, flagged) instead of paging for every endpoint; it
 *   wants one alert about the monitor, which is the caller's to raise.
 * - `reporting` otherwise. A single region is never isolated: it has no second opinion, and one
 *   region must keep behaving as one node did before regions existed.
 */
export function regionHealth(regions: readonly RegionResults[], options: IsolationOptions, now: number): Map<string, RegionVerdict> {
  checkFreshness(options.freshnessMs);
  const share = options.isolationShare ?? DEFAULT_ISOLATION_SHARE;
  const minEndpoints = options.isolationMinEndpoints ?? DEFAULT_ISOLATION_MIN_ENDPOINTS;
  if (!(share > 0 && share <= 1)) throw new RangeError(`isolationShare must be in (0, 1], got ${share}`);
  if (!Number.isSafeInteger(minEndpoints) || minEndpoints < 1) throw new RangeError(`isolationMinEndpoints must be a positive integer, got ${minEndpoints}`);

  const tallies = regions.map((r) => tally(r, now, options.freshnessMs, share, minEndpoints));
  const reporting = tallies.filter((t) => t.fresh.size > 0);
  const everyoneCutOff = reporting.length >= 2 && reporting.every((t) => t.allFailing);
  const witnesses = reporting.filter((t) => !t.allFailing);

  const verdicts = new Map<string, RegionVerdict>();
  for (const t of tallies) {
    let health: RegionHealth = 'reporting';
    if (t.fresh.size === 0) health = 'not_reporting';
    else if (t.allFailing && (everyoneCutOff || witnesses.some((w) => contradicts(w, t)))) health = 'isolated';
    verdicts.set(t.region, { region: t.region, health, lastResultAt: t.lastResultAt, fresh: t.fresh.size, failed: t.failed });
  }
  return verdicts;
}

// ---------------------------------------------------------------------------------------------
// Overall status of one endpoint

export interface RegionReport {
  readonly region: string;
  /** The region's confirmed health of the endpoint. */
  readonly health: Health;
  /** When the region's latest result for the endpoint ran, ms since the epoch; null if never. */
  readonly at: number | null;
}

export interface QuorumOptions {
  readonly freshnessMs: number;
  /** Regions that must report down for `down`; default a strict majority of the counted regions. */
  readonly quorum?: number;
}

export type RegionVote =
  | { readonly region: string; readonly health: Health; readonly at: number | null; readonly counted: true }
  | { readonly region: string; readonly health: Health; readonly at: number | null; readonly counted: false; readonly excluded: Exclusion };

export interface QuorumVerdict {
  readonly status: OverallStatus;
  /** Down reports needed for `down`. */
  readonly needed: number;
  /** Counted regions, and how many of them said down. */
  readonly counted: number;
  readonly down: number;
  /** Every region's word, by region name: which regions saw what and when, for incidents. */
  readonly regions: readonly RegionVote[];
  readonly flags: readonly QuorumFlag[];
}

/** Strict majority: 1 of 1, 2 of 2, 2 of 3, 3 of 4. Two regions must agree, so one alone is a partial outage. */
export function majority(counted: number): number {
  return Math.floor(counted / 2) + 1;
}

function exclusion(report: RegionReport, regionHealthOf: RegionHealth | undefined, now: number, freshnessMs: number): Exclusion | undefined {
  // Region-wide problems first: they explain a stale or failing result better than the result does.
  if (regionHealthOf === 'not_reporting' || regionHealthOf === 'isolated') return regionHealthOf;
  if (!isFresh(report.at, now, freshnessMs)) return 'stale';
  if (report.health === 'unknown') return 'no_verdict';
  return undefined;
}

/**
 * The endpoint's overall status. A region missing from `regions` counts as reporting: no evidence
 * against it. With a configured absolute `quorum` larger than the regions counted, the endpoint
 * cannot be `down` (flag `quorum_unreachable`): a quorum is a promise not to page on less.
 */
export function overallStatus(reports: readonly RegionReport[], regions: ReadonlyMap<string, RegionHealth>, options: QuorumOptions, now: number): QuorumVerdict {
  checkFreshness(options.freshnessMs);
  if (options.quorum !== undefined && (!Number.isSafeInteger(options.quorum) || options.quorum < 1)) {
    throw new RangeError(`quorum must be a positive integer, got ${options.quorum}`);
  }
  const votes: RegionVote[] = [...reports]
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0))
    .map((report) => {
      const excluded = exclusion(report, regions.get(report.region), now, options.freshnessMs);
      const base = { region: report.region, health: report.health, at: report.at };
      return excluded === undefined ? { ...base, counted: true as const } : { ...base, counted: false as const, excluded };
    });
  const counted = votes.filter((v) => v.counted);
  const down = counted.filter((v) => v.health === 'down').length;
  const needed = options.quorum ?? majority(counted.length);

  const flags: QuorumFlag[] = [];
  if (counted.length === 0) flags.push('no_eligible_region');
  if (votes.some((v) => !v.counted && (v.excluded === 'isolated' || v.excluded === 'not_reporting'))) flags.push('regions_excluded');
  if (counted.length > 0 && needed > counted.length) flags.push('quorum_unreachable');

  let status: OverallStatus;
  if (counted.length === 0) status = 'unknown';
  else if (down >= needed) status = 'down';
  else if (down > 0) status = 'partial_outage';
  else status = 'up';
  return { status, needed, counted: counted.length, down, regions: votes, flags };
}
