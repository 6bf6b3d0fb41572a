// What several regions say about each endpoint right now, for the pages (issue 14): every region's
// latest word, each region's own health, and each endpoint's quorum verdict. Pure: the words and
// `now` in, the board out. The verdicts are the arbiter's own functions (domain/quorum.ts) over
// the same inputs, so a page says what the arbiter decides, up to the age of the words read.
import type { Endpoint } from './endpoint.ts';
import type { EndpointState } from './health.ts';
import { freshnessFor } from './quorum-decision.ts';
import { overallStatus, regionHealth, type IsolationOptions, type QuorumVerdict, type RegionHealth, type RegionResult, type RegionResults, type RegionVerdict } from './quorum.ts';

/** The part of a region's state of an endpoint that a page shows or the quorum needs. */
export type RegionWordState = Pick<EndpointState, 'health' | 'healthSince' | 'lastStatus' | 'lastCheckedAt' | 'lastDurationMs' | 'consecutiveFailures'>;

/** One region's latest word on one endpoint. */
export interface RegionWord {
  readonly endpointId: number;
  readonly region: string;
  readonly state: RegionWordState;
  /** When the region last wrote it, ms on the database's clock (as `now`). */
  readonly at: number;
}

export interface BoardSettings extends Omit<IsolationOptions, 'freshnessMs'> {
  /** Regions that must see an endpoint down; null: a majority of those that count. */
  readonly quorum: number | null;
}

export interface EndpointRegions {
  readonly verdict: QuorumVerdict;
  /** Each region's word on this endpoint, by region name; a region that has none is absent. */
  readonly words: ReadonlyMap<string, RegionWord>;
}

export interface RegionBoard {
  /** The database's clock when the words were read, ms. */
  readonly now: number;
  /** Every region that wrote within the store's window, in name order, with its health. */
  readonly regions: ReadonlyMap<string, RegionVerdict>;
  /** Regions with a fresh result for some endpoint (reporting or isolated): not `not_reporting`. */
  readonly freshRegions: number;
  /** By endpoint id; endpoints no region has spoken of are absent. */
  readonly endpoints: ReadonlyMap<number, EndpointRegions>;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The fleet-wide part of a board: the words grouped by endpoint, and each region's health. */
export interface BoardBase {
  readonly now: number;
  readonly settings: BoardSettings;
  readonly regions: ReadonlyMap<string, RegionVerdict>;
  readonly health: ReadonlyMap<string, RegionHealth>;
  readonly freshRegions: number;
  /** By endpoint id, each region's word, with the endpoint's freshness window. */
  readonly words: ReadonlyMap<number, { readonly freshnessMs: number; readonly byRegion: ReadonlyMap<string, RegionWord> }>;
}

/** Groups the words of `endpoints` (others are ignored: deleted meanwhile) and judges each region. */
export function boardBase(words: readonly RegionWord[], endpoints: ReadonlyArray<Pick<Endpoint, 'id' | 'intervalS' | 'timeoutMs'>>, settings: BoardSettings, now: number): BoardBase {
  const freshness = new Map(endpoints.map((e) => [e.id, freshnessFor({ intervalMs: e.intervalS * 1000, timeoutMs: e.timeoutMs })]));
  const perEndpoint = new Map<number, { freshnessMs: number; byRegion: Map<string, RegionWord> }>();
  const perRegion = new Map<string, Map<number, RegionResult>>();
  for (const word of words) {
    const freshnessMs = freshness.get(word.endpointId);
    if (freshnessMs === undefined) continue;
    let own = perEndpoint.get(word.endpointId);
    if (own === undefined) perEndpoint.set(word.endpointId, (own = { freshnessMs, byRegion: new Map<string, RegionWord>() }));
    own.byRegion.set(word.region, word);
    let latest = perRegion.get(word.region);
    if (latest === undefined) perRegion.set(word.region, (latest = new Map<number, RegionResult>()));
    // As the arbiter judges it (regionResults): a failure streak is positive exactly when the latest round failed.
    latest.set(word.endpointId, { failed: word.state.consecutiveFailures > 0, at: word.at, freshnessMs });
  }
  const results: RegionResults[] = [...perRegion].sort(([a], [b]) => byName(a, b)).map(([region, latest]) => ({ region, latest }));
  // Every result carries its endpoint's own window; this one only satisfies the options' check.
  let fallback = 1;
  for (const ms of freshness.values()) if (ms > fallback) fallback = ms;
  const regions = regionHealth(results, { ...settings, freshnessMs: fallback }, now);
  const health = new Map([...regions].map(([name, verdict]) => [name, verdict.health]));
  return { now, settings, regions, health, freshRegions: [...regions.values()].filter((r) => r.health !== 'not_reporting').length, words: perEndpoint };
}

/** One endpoint's verdict from the base; undefined when no region has spoken of it. */
export function endpointRegions(base: BoardBase, endpointId: number): EndpointRegions | undefined {
  const own = base.words.get(endpointId);
  if (own === undefined) return undefined;
  const reports = [...own.byRegion.values()].map((w) => ({ region: w.region, health: w.state.health, at: w.at }));
  const { quorum } = base.settings;
  return { verdict: overallStatus(reports, base.health, { freshnessMs: own.freshnessMs, ...(quorum === null ? {} : { quorum }) }, base.now), words: own.byRegion };
}

/** The board for `endpoints` in one go (the service builds it in slices: src/service/region-boards.ts). */
export function regionBoard(words: readonly RegionWord[], endpoints: ReadonlyArray<Pick<Endpoint, 'id' | 'intervalS' | 'timeoutMs'>>, settings: BoardSettings, now: number): RegionBoard {
  const base = boardBase(words, endpoints, settings, now);
  const out = new Map<number, EndpointRegions>();
  for (const endpointId of base.words.keys()) out.set(endpointId, endpointRegions(base, endpointId)!);
  return { now, regions: base.regions, freshRegions: base.freshRegions, endpoints: out };
}
