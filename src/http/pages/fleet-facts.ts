// The rollup facts every fleet page draws (uptime per window, the 24 h latency series, 90 daily
// bars, recent gaps, incidents), for the whole fleet, kept in memory and brought up to date off the
// request path, so a page only slices and serialises.
//
// Incremental from the database, not from this process's writes: a rollup bucket only changes
// while rounds can still land in it, i.e. the current and the previous hour and day (a round is
// stamped with its start, and the flush after an hour boundary still carries rounds started
// before it). Every other bucket a page reads is immutable, so it is summed once per hour into
// per-endpoint aggregates ("closed"); each refresh re-reads only the four mutable buckets (4 range
// scans of one row per endpoint) plus the recent gaps. Other nodes' writes on PostgreSQL are seen
// the same way, since every figure comes from the store, none from the recorder's memory.
//
// Cost (bench/pages.bench.ts, 90 days of history, SQLite, the shared 2-core box at load 18-38, so
// wall times there are mostly waiting for a core; CPU time is the figure that holds): at 2,000
// endpoints a full build (the hourly one: ~200 one-bucket scans) took 1.7 s of CPU, an incremental
// refresh (4 one-bucket scans, gaps, incidents of endpoints whose incident counters moved) 70-100 ms,
// both linear in the fleet: ~8 s an hour and ~0.4 s a refresh at 10,000. Every store read is one
// slice of ~CHUNK endpoints of one bucket, with a turn of the event loop between slices, so no step
// holds the loop for the fleet: a slice is a few ms of CPU.
import type { Endpoint } from '../../domain/endpoint.ts';
import type { EndpointState } from '../../domain/health.ts';
import { addAgg, alignDown, emptyAgg, summaryOf, uptimeParts, type Agg, type Granularity } from '../../store/rollup-math.ts';
import { type GapRow, type IdRange, type Incident, type Rollup, type Store, type UptimeSummary } from '../../store/store.ts';
import { percentileOf, type LatencyPoint } from './charts.ts';
import { BAR_DAYS, INCIDENT_LIMIT, LATENCY_RANGES, RECENT_GAPS_LIMIT, RECENT_GAPS_MS, type CardFacts, type DayCounts, type EndpointFacts } from './load.ts';
import { DAY_MS, HOUR_MS, UPTIME_WINDOWS, UPTIME_WINDOW_KEYS, utcDayStart, utcHourStart, type UptimeWindow } from './uptime.ts';

const SIZE: Record<Granularity, number> = { hour: HOUR_MS, day: DAY_MS };
const SERIES_SLOTS = LATENCY_RANGES['24h'].count;
/** Endpoints handled between two turns of the event loop (store reads are sliced by id to match). */
const CHUNK = 500;
/** Endpoints whose incidents may be read between two turns of the loop (one indexed query each). */
const INCIDENT_CHUNK = 100;

export interface FleetFactsSource {
  readonly store: Store;
  readonly state: (endpointId: number) => EndpointState;
  readonly endpoints: () => readonly Endpoint[];
  readonly clock: () => number;
}

interface Bucket {
  readonly granularity: Granularity;
  readonly start: number;
}

const bucketKey = (b: Bucket): string => `${b.granularity}:${b.start}`;

/** Which buckets the pages read at `now`, split into those that can still change and those that cannot. */
export interface Plan {
  readonly now: number;
  readonly mutable: readonly Bucket[];
  /** Per uptime window: the buckets uptime() sums, as the store splits the window (uptimeParts). */
  readonly windows: Readonly<Record<UptimeWindow, readonly Bucket[]>>;
  readonly seriesFrom: number;
  readonly barsFrom: number;
  /** Identifies the closed sets: equal keys, equal closed aggregates. */
  readonly closedKey: string;
}

export function planFor(now: number): Plan {
  const hour = utcHourStart(now);
  const day = utcDayStart(now);
  const mutable: Bucket[] = [
    { granularity: 'hour', start: hour - HOUR_MS },
    { granularity: 'hour', start: hour },
    { granularity: 'day', start: day - DAY_MS },
    { granularity: 'day', start: day },
  ];
  const windows = {} as Record<UptimeWindow, Bucket[]>;
  for (const key of UPTIME_WINDOW_KEYS) {
    const buckets: Bucket[] = [];
    // The store reads the buckets whose start lies in [alignDown(from), to) for each part.
    for (const [granularity, from, to] of uptimeParts(now - UPTIME_WINDOWS[key], now)) {
      for (let start = alignDown(from, SIZE[granularity]); start < to; start += SIZE[granularity]) buckets.push({ granularity, start });
    }
    windows[key] = buckets;
  }
  const seriesFrom = hour - (SERIES_SLOTS - 1) * HOUR_MS;
  const barsFrom = day - (BAR_DAYS - 1) * DAY_MS;
  const isMutable = new Set(mutable.map(bucketKey));
  const closed = UPTIME_WINDOW_KEYS.map((key) => windows[key].filter((b) => !isMutable.has(bucketKey(b))).map(bucketKey).join(','));
  return { now, mutable, windows, seriesFrom, barsFrom, closedKey: `${seriesFrom}|${barsFrom}|${closed.join('|')}` };
}

/** One endpoint's sums over the immutable buckets of a plan. */
interface Closed {
  readonly windows: Agg[];
  /** p50, p95 per hourly slot; NaN where null. */
  readonly series: Float64Array;
  /** up, degraded, authRequired, down per day; -1 in `up` where no rollup row exists. */
  readonly days: Int32Array;
}

function emptyClosed(): Closed {
  return { windows: UPTIME_WINDOW_KEYS.map(() => emptyAgg()), series: new Float64Array(SERIES_SLOTS * 2).fill(Number.NaN), days: new Int32Array(BAR_DAYS * 4).fill(0).map((v, i) => (i % 4 === 0 ? -1 : v)) };
}

/** What one bucket contributes to: uptime windows (indices), a series slot, a bar. */
interface Target {
  readonly bucket: Bucket;
  readonly windows: readonly number[];
  readonly slot: number | null;
  readonly bar: number | null;
}

function targetsOf(plan: Plan, buckets: readonly Bucket[]): Target[] {
  return buckets.map((bucket) => {
    const key = bucketKey(bucket);
    const windows = UPTIME_WINDOW_KEYS.flatMap((w, i) => (plan.windows[w].some((b) => bucketKey(b) === key) ? [i] : []));
    const slotAt = (bucket.start - plan.seriesFrom) / HOUR_MS;
    const barAt = (bucket.start - plan.barsFrom) / DAY_MS;
    return {
      bucket,
      windows,
      slot: bucket.granularity === 'hour' && slotAt >= 0 && slotAt < SERIES_SLOTS ? slotAt : null,
      bar: bucket.granularity === 'day' && barAt >= 0 && barAt < BAR_DAYS ? barAt : null,
    };
  });
}

function closedTargets(plan: Plan): Target[] {
  const mutable = new Set(plan.mutable.map(bucketKey));
  const seen = new Map<string, Bucket>();
  const add = (b: Bucket): void => {
    const key = bucketKey(b);
    if (!mutable.has(key)) seen.set(key, b);
  };
  for (const key of UPTIME_WINDOW_KEYS) plan.windows[key].forEach(add);
  for (let i = 0; i < SERIES_SLOTS; i++) add({ granularity: 'hour', start: plan.seriesFrom + i * HOUR_MS });
  for (let i = 0; i < BAR_DAYS; i++) add({ granularity: 'day', start: plan.barsFrom + i * DAY_MS });
  return targetsOf(plan, [...seen.values()]);
}

const asAgg = (r: Rollup): Agg => r as unknown as Agg;

/**
 * Id ranges of about CHUNK endpoints each, covering every id (those created since included), so
 * a fleet-wide read is CHUNK rows per call with a turn of the event loop between calls.
 */
function idSlices(endpoints: readonly Endpoint[]): IdRange[] {
  const ids = endpoints.map((e) => e.id).sort((a, b) => a - b);
  const bounds = [Number.MIN_SAFE_INTEGER];
  for (let i = CHUNK; i < ids.length; i += CHUNK) bounds.push(ids[i]!);
  bounds.push(Number.MAX_SAFE_INTEGER);
  return bounds.slice(1).map((to, i) => ({ from: bounds[i]!, to }));
}

const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The facts as of one refresh. */
export interface FleetSnapshot {
  readonly version: number;
  readonly now: number;
  endpointFacts(endpoint: Endpoint, state: EndpointState): EndpointFacts;
  cardFacts(endpoint: Endpoint, state: EndpointState): CardFacts;
  uptime90d(endpointId: number): UptimeSummary;
}

interface IncidentEntry {
  readonly key: string;
  readonly list: readonly Incident[];
}

export interface RefreshStats {
  readonly full: boolean;
  readonly ms: number;
}

export class FleetFacts {
  readonly #source: FleetFactsSource;
  #closedKey: string | null = null;
  #closed = new Map<number, Closed>();
  #incidents = new Map<number, IncidentEntry>();
  #snapshot: FleetSnapshot | undefined;
  #version = 0;
  #running: Promise<RefreshStats> | undefined;

  constructor(source: FleetFactsSource) {
    this.#source = source;
  }

  /** The latest facts, or undefined before the first refresh finished. */
  get snapshot(): FleetSnapshot | undefined {
    return this.#snapshot;
  }

  /** Brings the facts up to date; concurrent calls share one refresh. */
  refresh(): Promise<RefreshStats> {
    this.#running ??= this.#refresh().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #refresh(): Promise<RefreshStats> {
    const started = performance.now();
    const now = this.#source.clock();
    const plan = planFor(now);
    const slices = idSlices(this.#source.endpoints());
    const full = plan.closedKey !== this.#closedKey;
    if (full) {
      this.#closed = await this.#buildClosed(plan, slices);
      this.#closedKey = plan.closedKey;
    }
    const mutable = new Map<string, Map<number, Rollup>>();
    for (const bucket of plan.mutable) {
      const byEndpoint = new Map<number, Rollup>();
      await this.#readBucket(bucket, slices, (id, rollup) => byEndpoint.set(id, rollup));
      mutable.set(bucketKey(bucket), byEndpoint);
    }
    const gaps = await this.#source.store.gapsAll(now - RECENT_GAPS_MS, now);
    await this.#refreshIncidents(full);
    this.#snapshot = this.#snapshotOf(plan, this.#closed, mutable, gaps, this.#incidents);
    return { full, ms: performance.now() - started };
  }

  /** Every endpoint's row of one bucket, a slice of ids at a time. */
  async #readBucket(bucket: Bucket, slices: readonly IdRange[], each: (endpointId: number, rollup: Rollup) => void): Promise<void> {
    for (const slice of slices) {
      const rows = await this.#source.store.rollupsAll(bucket.granularity, bucket.start, bucket.start + SIZE[bucket.granularity], slice);
      for (const [id, list] of rows) if (list[0]) each(id, list[0]);
      await yieldLoop();
    }
  }

  async #buildClosed(plan: Plan, slices: readonly IdRange[]): Promise<Map<number, Closed>> {
    const out = new Map<number, Closed>();
    for (const target of closedTargets(plan)) {
      await this.#readBucket(target.bucket, slices, (id, rollup) => {
        let closed = out.get(id);
        if (!closed) out.set(id, (closed = emptyClosed()));
        for (const w of target.windows) addAgg(closed.windows[w]!, asAgg(rollup));
        if (target.slot !== null) {
          closed.series[target.slot * 2] = percentileOf(rollup, 0.5) ?? Number.NaN;
          closed.series[target.slot * 2 + 1] = percentileOf(rollup, 0.95) ?? Number.NaN;
        }
        if (target.bar !== null) closed.days.set([rollup.up, rollup.degraded, rollup.authRequired, rollup.down], target.bar * 4);
      });
    }
    return out;
  }

  /**
   * Incidents for the 90-day bars of public endpoints: read again when an endpoint's incident
   * counters moved (opened, resolved), and for all of them on a full build.
   */
  async #refreshIncidents(all: boolean): Promise<void> {
    const next = new Map<number, IncidentEntry>();
    const endpoints = this.#source.endpoints();
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[i]!;
      if (!endpoint.public || endpoint.archivedAt !== null) continue;
      const state = this.#source.state(endpoint.id);
      const key = `${state.incidentsOpened}:${state.openIncidentId ?? ''}`;
      const before = this.#incidents.get(endpoint.id);
      next.set(endpoint.id, !all && before?.key === key ? before : { key, list: await this.#source.store.incidents({ endpointId: endpoint.id, limit: INCIDENT_LIMIT }) });
      if (i % INCIDENT_CHUNK === INCIDENT_CHUNK - 1) await yieldLoop();
    }
    this.#incidents = next;
  }

  #snapshotOf(plan: Plan, closed: ReadonlyMap<number, Closed>, mutable: ReadonlyMap<string, ReadonlyMap<number, Rollup>>, gaps: ReadonlyMap<number, GapRow[]>, incidents: ReadonlyMap<number, IncidentEntry>): FleetSnapshot {
    const version = ++this.#version;
    const mutableTargets = targetsOf(plan, plan.mutable);
    const windowIndex = new Map(UPTIME_WINDOW_KEYS.map((w, i) => [w, i]));
    const fallback = emptyClosed();
    const uptime = (id: number, window: UptimeWindow): UptimeSummary => {
      const i = windowIndex.get(window)!;
      const total = emptyAgg();
      addAgg(total, (closed.get(id) ?? fallback).windows[i]!);
      for (const t of mutableTargets) {
        const rollup = t.windows.includes(i) ? mutable.get(bucketKey(t.bucket))?.get(id) : undefined;
        if (rollup) addAgg(total, asAgg(rollup));
      }
      return summaryOf(total);
    };
    const series = (id: number): LatencyPoint[] => {
      const c = (closed.get(id) ?? fallback).series;
      const points = Array.from({ length: SERIES_SLOTS }, (_, i): LatencyPoint => ({ start: plan.seriesFrom + i * HOUR_MS, p50: nullable(c[i * 2]!), p95: nullable(c[i * 2 + 1]!) }));
      for (const t of mutableTargets) {
        if (t.slot === null) continue;
        const rollup = mutable.get(bucketKey(t.bucket))?.get(id);
        points[t.slot] = { start: t.bucket.start, p50: rollup ? percentileOf(rollup, 0.5) : null, p95: rollup ? percentileOf(rollup, 0.95) : null };
      }
      return points;
    };
    const days = (id: number): DayCounts[] => {
      const d = (closed.get(id) ?? fallback).days;
      const out = new Map<number, DayCounts>();
      for (let i = 0; i < BAR_DAYS; i++) if (d[i * 4]! >= 0) out.set(plan.barsFrom + i * DAY_MS, { start: plan.barsFrom + i * DAY_MS, up: d[i * 4]!, degraded: d[i * 4 + 1]!, authRequired: d[i * 4 + 2]!, down: d[i * 4 + 3]! });
      for (const t of mutableTargets) {
        const rollup = t.bar === null ? undefined : mutable.get(bucketKey(t.bucket))?.get(id);
        if (rollup) out.set(rollup.start, { start: rollup.start, up: rollup.up, degraded: rollup.degraded, authRequired: rollup.authRequired, down: rollup.down });
      }
      return [...out.values()].sort((a, b) => a.start - b.start);
    };
    return {
      version,
      now: plan.now,
      uptime90d: (id) => uptime(id, '90d'),
      endpointFacts: (endpoint, state) => {
        const all = {} as Record<UptimeWindow, UptimeSummary>;
        for (const key of UPTIME_WINDOW_KEYS) all[key] = uptime(endpoint.id, key);
        return { endpoint, state, uptime: all, hourly: series(endpoint.id), gaps: (gaps.get(endpoint.id) ?? []).slice(0, RECENT_GAPS_LIMIT) };
      },
      cardFacts: (endpoint, state) => ({
        endpoint,
        state,
        uptime90d: uptime(endpoint.id, '90d'),
        daily: { fromDay: plan.barsFrom, days: BAR_DAYS, rollups: days(endpoint.id), incidents: incidents.get(endpoint.id)?.list ?? [] },
      }),
    };
  }
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
