// The fleet pages' state, maintained off the request path: the rollup facts (fleet-facts.ts), the
// dashboard's order and counts, the overview's card order and banner, and the /status.json body,
// all as of one refresh. A request takes the current FleetView and only slices a page out of it,
// builds that page's rows and serialises them (the routes cache the bytes per view version).
//
// Cadence: an incremental refresh costs ~0.4 s of CPU at 10,000 endpoints (fleet-facts.ts has the
// measurements; here: the live states, an integer sort, the counts and /status.json). Every
// REFRESH_MS that is ~4 % of one core, for figures at most REFRESH_MS old — what the former 10 s
// view cache gave large fleets, now for every request and without a slow first load. A flush-driven
// refresh (every second) would cost ten times that for freshness no page needs.
import type { Endpoint } from '../../domain/endpoint.ts';
import type { EndpointState, HealthPolicy } from '../../domain/health.ts';
import { fleetSummary, type EndpointEntry, type FleetSummary } from './dashboard-model.ts';
import { FleetFacts, type FleetFactsSource, type FleetSnapshot, type RefreshStats } from './fleet-facts.ts';
import { STATUS_META, liveStatus, publicStatus, type DisplayStatus, type LiveStatus } from './status-display.ts';
import { UNTAGGED, publicSummary, statusJsonEntry, statusJsonHead, type Placement, type PublicEntry, type PublicSummary } from './status-model.ts';

export const REFRESH_MS = 10_000;
/** Items sorted or serialised between two turns of the event loop. */
const CHUNK = 1000;

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface RankedEntry extends EndpointEntry {
  readonly live: LiveStatus;
  /** Position in (name, slug) collation order, as the pages sort with localeCompare. */
  readonly rank: number;
}

export interface FleetView {
  readonly version: number;
  readonly now: number;
  readonly facts: FleetSnapshot;
  /** Every endpoint in the dashboard's order (most in need of attention first). */
  readonly dashboardOrder: readonly RankedEntry[];
  readonly dashboardSummary: FleetSummary;
  /** Every card of the overview in page order, and its public entries. */
  readonly placements: readonly Placement[];
  readonly publicEntries: readonly PublicEntry[];
  readonly publicSummary: PublicSummary;
  /** The /status.json body. */
  readonly statusJson: string;
  state(endpointId: number): EndpointState;
}

export interface FleetPagesSource extends FleetFactsSource {
  readonly policy: HealthPolicy;
}

/** Sorted copy, in slices with a turn of the event loop between them (a 10k localeCompare sort holds it ~30 ms). */
async function sortChunked<T>(items: readonly T[], compare: (a: T, b: T) => number): Promise<T[]> {
  let runs: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    runs.push(items.slice(i, i + CHUNK).sort(compare));
    await yieldLoop();
  }
  while (runs.length > 1) {
    const next: T[][] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const a = runs[i]!;
      const b = runs[i + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const merged: T[] = [];
      let x = 0;
      let y = 0;
      // Stable: a tie takes the earlier run's item first, as Array.prototype.sort would.
      while (x < a.length && y < b.length) merged.push(compare(b[y]!, a[x]!) < 0 ? b[y++]! : a[x++]!);
      while (x < a.length) merged.push(a[x++]!);
      while (y < b.length) merged.push(b[y++]!);
      next.push(merged);
      await yieldLoop();
    }
    runs = next;
  }
  return runs[0] ?? [];
}

interface Ranking {
  readonly signature: string;
  readonly rank: ReadonlyMap<number, number>;
  readonly placements: readonly Placement[];
}

export class FleetPages {
  readonly facts: FleetFacts;
  readonly #source: FleetPagesSource;
  #ranking: Ranking | undefined;
  #view: FleetView | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RefreshStats> | undefined;

  constructor(source: FleetPagesSource) {
    this.#source = source;
    this.facts = new FleetFacts(source);
  }

  /** The latest view, or undefined until the first refresh has finished. */
  get view(): FleetView | undefined {
    return this.#view;
  }

  /**
   * A refresh that fails (the database is away) drops the view: the pages are then built per
   * request again and answer as the database does (503 while it is away), rather than show
   * figures that silently stop moving. The next refresh that succeeds brings the view back.
   */
  refresh(): Promise<RefreshStats> {
    this.#running ??= this.#refresh()
      .catch((err: unknown) => {
        this.#view = undefined;
        throw err;
      })
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Refreshes now and then every `intervalMs`; a failed refresh keeps the last view and is retried. */
  start(intervalMs = REFRESH_MS, onError: (err: unknown) => void = () => {}): void {
    if (this.#timer) return;
    const tick = (): void => void this.refresh().catch(onError);
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  async #refresh(): Promise<RefreshStats> {
    const started = performance.now();
    const stats = await this.facts.refresh();
    const facts = this.facts.snapshot!;
    const endpoints = this.#source.endpoints();
    const states = new Map<number, EndpointState>();
    for (const e of endpoints) states.set(e.id, this.#source.state(e.id));
    const ranking = await this.#rank(endpoints);
    await yieldLoop();
    const { policy } = this.#source;
    const ranked: RankedEntry[] = endpoints.map((endpoint) => {
      const state = states.get(endpoint.id)!;
      return { endpoint, state, live: liveStatus(state, endpoint, policy), rank: ranking.rank.get(endpoint.id)! };
    });
    const dashboardOrder = ranked.sort(
      (a, b) => STATUS_META[a.live.status].severity - STATUS_META[b.live.status].severity || Number(a.live.confirmed) - Number(b.live.confirmed) || a.rank - b.rank,
    );
    const dashboardSummary = fleetSummary(dashboardOrder, policy, (e) => (e as RankedEntry).live.status);
    await yieldLoop();
    const publicEntries = endpoints.filter((e) => e.public && e.archivedAt === null).map((endpoint) => ({ endpoint, state: states.get(endpoint.id)! }));
    const summary = publicSummary(publicEntries, policy);
    const statusJson = await this.#statusJson(publicEntries, summary, ranking, facts);
    this.#view = {
      version: facts.version,
      now: facts.now,
      facts,
      dashboardOrder,
      dashboardSummary,
      placements: ranking.placements,
      publicEntries,
      publicSummary: summary,
      statusJson,
      state: (id) => states.get(id) ?? this.#source.state(id),
    };
    return { full: stats.full, ms: performance.now() - started };
  }

  /** Collation ranks and the overview's placements, recomputed only when names, slugs or tags change. */
  async #rank(endpoints: readonly Endpoint[]): Promise<Ranking> {
    const signature = endpoints.map((e) => `${e.id}\u0000${e.name}\u0000${e.slug}\u0000${e.tags.join('\u0001')}\u0000${e.public ? 1 : 0}${e.archivedAt === null ? 1 : 0}`).join('\u0002');
    if (this.#ranking?.signature === signature) return this.#ranking;
    const byName = await sortChunked(endpoints, (a, b) => a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug));
    const rank = new Map(byName.map((e, i) => [e.id, i]));
    const published = endpoints.filter((e) => e.public && e.archivedAt === null);
    const groups = [...new Set(published.flatMap((e) => (e.tags.length === 0 ? [UNTAGGED] : e.tags)))].sort((a, b) => (a === UNTAGGED ? 1 : 0) - (b === UNTAGGED ? 1 : 0) || a.localeCompare(b));
    const groupRank = new Map(groups.map((g, i) => [g, i]));
    const placements: Placement[] = [];
    for (const endpoint of published) for (const group of endpoint.tags.length === 0 ? [UNTAGGED] : [...new Set(endpoint.tags)]) placements.push({ group, endpoint });
    placements.sort((a, b) => groupRank.get(a.group)! - groupRank.get(b.group)! || rank.get(a.endpoint.id)! - rank.get(b.endpoint.id)!);
    this.#ranking = { signature, rank, placements };
    return this.#ranking;
  }

  async #statusJson(entries: readonly PublicEntry[], summary: PublicSummary, ranking: Ranking, facts: FleetSnapshot): Promise<string> {
    const { policy } = this.#source;
    const sorted = [...entries].sort((a, b) => ranking.rank.get(a.endpoint.id)! - ranking.rank.get(b.endpoint.id)!);
    const parts: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const { endpoint, state } = sorted[i]!;
      const status: DisplayStatus = publicStatus(state, endpoint, policy);
      parts.push(JSON.stringify(statusJsonEntry(endpoint, status, facts.uptime90d(endpoint.id), { policy })));
      if (i % CHUNK === CHUNK - 1) await yieldLoop();
    }
    // `endpoints` is the last key: the document is its head with the entries spliced in.
    const head = JSON.stringify({ ...statusJsonHead(summary), endpoints: [] });
    return `${head.slice(0, -2)}${parts.join(',')}]}`;
  }
}

/**
 * Values derived from one view version (a page's model, its bytes), dropped when the version
 * moves on: a request after the first one of a refresh only serialises, or not even that.
 */
export class PerVersion<T> {
  #version = -1;
  readonly #values = new Map<string, T>();
  readonly #maxEntries: number;

  constructor(maxEntries = 64) {
    this.#maxEntries = maxEntries;
  }

  get(version: number, key: string, build: () => T): T {
    if (version !== this.#version) {
      this.#values.clear();
      this.#version = version;
    }
    let value = this.#values.get(key);
    if (value === undefined) {
      value = build();
      if (this.#values.size >= this.#maxEntries) this.#values.delete(this.#values.keys().next().value!);
      this.#values.set(key, value);
    }
    return value;
  }
}
