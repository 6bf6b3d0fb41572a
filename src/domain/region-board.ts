// What several regions say about each endpoint right now, for the pages (issue 14): every region's
// latest word, each region's own health, and each endpoint's quorum verdict. Pure: the words and
// `now` in, the board out. The verdicts are the arbiter's own functions (domain/quorum.ts) over
// the same inputs, so a page says what the arbiter decides, up to the age of the words read.
import type { Endpoint } from './endpoint.ts';
import type { EndpointState } from './health.ts';
import { freshnessFor } from './quorum-decision.ts';
import { overallStatus, regionHealth, type IsolationOptions, type QuorumVerdict, type RegionResults, type RegionVerdict } from './quorum.ts';

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

/** The board for `endpoints` (words of other endpoints are ignored: deleted meanwhile). */
export function regionBoard(words: readonly RegionWord[], endpoints: ReadonlyArray<Pick<Endpoint, 'id' | 'intervalS' | 'timeoutMs'>>, settings: BoardSettings, now: number): RegionBoard {
  const freshness = new Map(endpoints.map((e) => [e.id, freshnessFor({ intervalMs: e.intervalS * 1000, timeoutMs: e.timeoutMs })]));
  const perEndpoint = new Map<number, Map<string, RegionWord>>();
  const perRegion = new Map<string, Map<number, { failed: boolean; at: number; freshnessMs: number }>>();
  for (const word of words) {
    const freshnessMs = freshness.get(word.endpointId);
    if (freshnessMs === undefined) continue;
    const own = perEndpoint.get(word.endpointId) ?? new Map<string, RegionWord>();
    own.set(word.region, word);
    perEndpoint.set(word.endpointId, own);
    const latest = perRegion.get(word.region) ?? new Map<number, { failed: boolean; at: number; freshnessMs: number }>();
    // As the arbiter judges it (regionResults): a failure streak is positive exactly when the latest round failed.
    latest.set(word.endpointId, { failed: word.state.consecutiveFailures > 0, at: word.at, freshnessMs });
    perRegion.set(word.region, latest);
  }
  const results: RegionResults[] = [...perRegion].sort(([a], [b]) => byName(a, b)).map(([region, latest]) => ({ region, latest }));
  // Every result carries its endpoint's own window; this one only satisfies the options' check.
  const fallback = Math.max(1, ...freshness.values());
  const regions = regionHealth(results, { ...settings, freshnessMs: fallback }, now);
  const health = new Map([...regions].map(([name, verdict]) => [name, verdict.health]));
  const out = new Map<number, EndpointRegions>();
  for (const [endpointId, own] of perEndpoint) {
    const reports = [...own.values()].map((w) => ({ region: w.region, health: w.state.health, at: w.at }));
    const verdict = overallStatus(reports, health, { freshnessMs: freshness.get(endpointId)!, ...(settings.quorum === null ? {} : { quorum: settings.quorum }) }, now);
    out.set(endpointId, { verdict, words: own });
  }
  return { now, regions, freshRegions: [...regions.values()].filter((r) => r.health !== 'not_reporting').length, endpoints: out };
}
