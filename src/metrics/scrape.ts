// One scrape: the per-endpoint block brought up to date (only endpoints whose state or result
// changed are rendered again, see endpoint-blocks.ts) and joined, then the service block from
// prom-client. Scrapes within `maxAgeMs` of the last one share its text, and concurrent scrapes
// share one render: several Prometheus replicas cost one render per second, not one each.
//
// After the first scrape a timer keeps the block current every `refreshMs`, so the rendering of
// new results is spread over the interval instead of landing on the next scrape; a process nobody
// scrapes pays nothing, and one nobody has scraped for `idleStopMs` stops paying (the next scrape
// starts the timer again and catches up). Its ticks look only at the endpoints due by then, every
// tenth at every endpoint. While the timer keeps up (its last full sweep began at most 11 ticks
// ago, in real time like the ticks) a scrape serves the block as the timer left it and only joins:
// a result shows within a tick (1 s), what changed off schedule (a pause, a rename, a "check now"
// result, a compliance report) within ten. Taking in the last second's results at the scrape cost
// it ~10 ms at 10,000 endpoints (167 rendered, their segments joined and deflated), and its full
// sweep another ~5 ms (20-33 ms at 50,000); Prometheus scrapes every 15-60 s and cannot tell.
// Otherwise (no timer: refreshMs 0, the first scrape, or a timer not keeping up) a scrape sweeps
// every endpoint first.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Endpoint } from '../domain/endpoint.ts';
import type { EndpointState, HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import { EndpointBlocks, type Piece, type SyncFigures } from './endpoint-blocks.ts';
import { ENDPOINT_FAMILIES, FAMILY_KEYS, type ComplianceSeriesInput } from './endpoint-series.ts';
import { familySelected, selectFamilies } from './exposition.ts';
import { gzipBody, pack } from './gzip-body.ts';
import { ServiceMetrics, type ServiceMetricsSource } from './service-metrics.ts';

export interface ScrapeSource extends ServiceMetricsSource {
  readonly listEndpoints: () => readonly Endpoint[];
  readonly state: (endpointId: number) => EndpointState;
  readonly latestResult: (endpointId: number) => ProbeResult | undefined;
  /** The latest compliance report and grade of an endpoint (see EndpointBlockSource). */
  readonly compliance?: (endpointId: number) => ComplianceSeriesInput | undefined;
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly policy: HealthPolicy;
  /** The node's region on a PostgreSQL cluster: labels every per-endpoint series. */
  readonly region?: string;
}

export interface ScrapeOptions {
  /** Longest stretch of rendering before yielding to the event loop, ms (the loop monitor calls 100 ms a stall). */
  readonly sliceMs?: number;
  /** A render younger than this is served again, ms. */
  readonly maxAgeMs?: number;
  /** How often the per-endpoint block is brought up to date between scrapes, ms; 0 only at scrapes. */
  readonly refreshMs?: number;
  /** The refresh timer stops when no scrape came for this long, ms (by the source's clock). */
  readonly idleStopMs?: number;
  /** zlib level of gzip answers. */
  readonly gzipLevel?: number;
  /** Endpoints per segment of the per-endpoint block (tests make it small). */
  readonly segmentSize?: number;
}

export interface ScrapeFigures {
  /** Wall time of the last render, start to finish, ms. */
  readonly totalMs: number;
  /** The sweep that brought the per-endpoint block up to date for this scrape (all zero when the refresh timer had). */
  readonly sync: SyncFigures;
  /** Joining the per-endpoint block (next to nothing when the last one still holds), wall ms. */
  readonly joinMs: number;
  /** Segments the scrape itself joined again (the refresh timer should have left next to none). */
  readonly joinedSegments: number;
  readonly endpoints: number;
  readonly bytes: number;
}

// Level 1. The whole text at 10,000 endpoints (20.2 MiB) deflated at once, CPU → bytes on this
// 2-core machine: level 1 27.5 ms → 1.24 MiB, 3 30.2 ms → 1.25 MiB, 6 96 ms → 1.15 MiB, 9 489 ms →
// 1.12 MiB (bench/metrics.bench.ts prints the table). 7 % fewer bytes are not worth 3.5× the CPU;
// deflated piece by piece (~2,100 pieces, each once) the body is 1.34 MiB.
const DEFAULT_GZIP_LEVEL = 1;

// At 50,000 endpoints a full sweep costs 20–33 ms on 2 loaded cores: every 10 s, ~0.3 % of a core.
const FULL_SWEEP_EVERY = 10;

interface Snapshot {
  readonly at: number;
  readonly pieces: readonly Piece[];
  /** The same pieces by family (FAMILY_KEYS order), for `name[]` selections. */
  readonly byFamily: readonly (readonly Piece[])[];
  readonly tail: Buffer;
  gzip?: Promise<Buffer>;
}

export class MetricsScraper {
  readonly service: ServiceMetrics;
  readonly #source: ScrapeSource;
  readonly #blocks: EndpointBlocks;
  readonly #sliceMs: number;
  readonly #maxAgeMs: number;
  readonly #refreshMs: number;
  readonly #idleStopMs: number;
  readonly #gzipLevel: number;
  #snapshot: Snapshot | undefined;
  #pending: Promise<Snapshot> | undefined;
  #syncing: Promise<SyncFigures> | undefined;
  #syncingFull = false;
  /** When the timer's last full sweep started, performance.now(). */
  #timerSweptAt = Number.NEGATIVE_INFINITY;
  #ticks = 0;
  /** Set by the first gzip scrape: from then on the refresh packs what it joined. */
  #gzipWanted = false;
  #timer: NodeJS.Timeout | undefined;
  #lastScrapeAt = 0;
  #closed = false;
  #figures: ScrapeFigures | undefined;

  constructor(source: ScrapeSource, options: ScrapeOptions = {}) {
    this.#source = source;
    this.#sliceMs = options.sliceMs ?? 8;
    this.#blocks = new EndpointBlocks(source.policy, {
      sliceMs: this.#sliceMs,
      ...(options.segmentSize === undefined ? {} : { segmentSize: options.segmentSize }),
      ...(source.region === undefined ? {} : { region: source.region }),
    });
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#refreshMs = options.refreshMs ?? 1000;
    this.#idleStopMs = options.idleStopMs ?? 300_000;
    this.#gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
    this.service = new ServiceMetrics(source);
  }

  /** Bumped whenever the per-endpoint block's text changes. */
  get version(): number {
    return this.#blocks.version;
  }

  /** Figures of the last completed render (for the benchmark and the render-time gauge). */
  get figures(): ScrapeFigures | undefined {
    return this.#figures;
  }

  /** The exposition, UTF-8 encoded. */
  async render(): Promise<Buffer> {
    return Buffer.concat(await this.renderParts());
  }

  /**
   * The exposition as the buffers to write one after another. GET /metrics streams these: joining
   * 20 MB into one buffer per plain scrape at 10,000 endpoints made V8 count it as external
   * memory and run full collections, ~100 ms of the scrape.
   */
  async renderParts(): Promise<readonly Buffer[]> {
    const snapshot = await this.#current();
    return [...snapshot.pieces.map((piece) => piece.data), snapshot.tail];
  }

  /**
   * The parts to write one after another, a turn of the event loop every ~sliceMs of writing: a
   * loopback socket took the 20 MiB of 10,000 endpoints ~1,100 writes in one go, 50-75 ms of loop.
   */
  async *paced(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
    let sliceStart = performance.now();
    for (const part of parts) {
      yield part;
      if (performance.now() - sliceStart >= this.#sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
  }

  /** The exposition as one gzip member. */
  async renderGzip(): Promise<Buffer> {
    this.#gzipWanted = true;
    const snapshot = await this.#current();
    snapshot.gzip ??= this.#packAll(snapshot.pieces)
      .then(() => yieldToLoop())
      .then(() => gzipBody(snapshot.pieces, snapshot.tail, this.#gzipLevel));
    return snapshot.gzip;
  }

  /**
   * Only the families `names` selects (GET /metrics?name[]=…), as buffers to write one after
   * another, or gzipped. A selection without per-endpoint families never touches the per-endpoint
   * block: it costs what mcpwatch's own metrics cost (a few ms at any fleet size), and neither starts
   * the refresh timer nor keeps it running. Measured at 50,000 endpoints: a full scrape is a 100 MiB
   * text (6.4 MiB gzipped); bench/capacity.bench.ts polls its counters this way.
   */
  async renderSelected(names: ReadonlySet<string>, options: { readonly gzip: boolean }): Promise<readonly Buffer[]> {
    const families: number[] = [];
    FAMILY_KEYS.forEach((key, f) => {
      if (familySelected(ENDPOINT_FAMILIES[key].name, names)) families.push(f);
    });
    let pieces: readonly Piece[] = [];
    if (families.length > 0) {
      if (options.gzip) this.#gzipWanted = true;
      const snapshot = await this.#current();
      pieces = families.flatMap((f) => snapshot.byFamily[f] ?? []);
    }
    const tail = Buffer.from(selectFamilies(await this.service.render(), names));
    if (!options.gzip) return [...pieces.map((piece) => piece.data), tail];
    await this.#packAll(pieces);
    return [gzipBody(pieces, tail, this.#gzipLevel)];
  }

  /**
   * Brings the per-endpoint block up to date now (the refresh timer calls this): renders what
   * changed and joins the segments it touched, so a scrape finds little left to do. `dueOnly`
   * looks only at the endpoints whose results were due (EndpointBlocks.syncDue), as most ticks do.
   */
  refresh(options: { readonly dueOnly?: boolean } = {}): Promise<SyncFigures> {
    const full = options.dueOnly !== true;
    const running = this.#syncing;
    // A full sweep asked for while a due-only one runs must still happen: it follows it.
    if (running !== undefined && (!full || this.#syncingFull)) return running;
    const next = (async () => {
      if (running !== undefined) await running.catch(() => undefined);
      return this.#refreshNow(full);
    })().finally(() => {
      if (this.#syncing === next) this.#syncing = undefined;
    });
    this.#syncing = next;
    this.#syncingFull = full;
    return next;
  }

  async #refreshNow(full: boolean): Promise<SyncFigures> {
    const sync = full ? await this.#blocks.sync(this.#source) : await this.#blocks.syncDue(this.#source, this.#source.clock());
    // Each stage slices its own work; a turn of the loop between stages keeps one stage's last
    // slice from running on into the next one's first (chained, a scrape held the loop 20-34 ms
    // at 10,000 endpoints with 8 ms slices).
    await yieldToLoop();
    const started = performance.now();
    const joined = await this.#blocks.joinChanged({ settledOnly: true });
    const joinMs = performance.now() - started;
    if (joined.length > 0 && this.#gzipWanted) await yieldToLoop();
    const packMs = this.#gzipWanted ? await this.#packAll(joined) : 0;
    return { ...sync, cpuMs: sync.cpuMs + joinMs + packMs };
  }

  /** Deflates the pieces not deflated yet, yielding once a slice has run ~sliceMs. Returns the CPU ms. */
  async #packAll(pieces: readonly Piece[]): Promise<number> {
    let sliceStart = performance.now();
    let cpuMs = 0;
    for (const piece of pieces) {
      if (pack(piece, this.#gzipLevel) > 0 && performance.now() - sliceStart >= this.#sliceMs) {
        cpuMs += performance.now() - sliceStart;
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    return cpuMs + performance.now() - sliceStart;
  }

  /** Stops the refresh timer. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  #current(): Promise<Snapshot> {
    this.#lastScrapeAt = this.#source.clock();
    const snapshot = this.#snapshot;
    if (snapshot && this.#source.clock() - snapshot.at < this.#maxAgeMs) return Promise.resolve(snapshot);
    this.#pending ??= this.#renderFresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #renderFresh(): Promise<Snapshot> {
    const started = performance.now();
    this.#startRefreshing();
    const sync = this.#timerKeepsUp() ? await this.#settled() : await this.refresh();
    await yieldToLoop();
    const joinStarted = performance.now();
    const joinsBefore = this.#blocks.joins;
    const { all: pieces, byFamily } = await this.#blocks.pieces();
    const joinMs = performance.now() - joinStarted;
    this.service.recordRender(sync.cpuMs + joinMs);
    await yieldToLoop();
    const tail = Buffer.from(await this.service.render());
    const snapshot: Snapshot = { at: this.#source.clock(), pieces, byFamily, tail };
    let bytes = tail.length;
    for (const piece of pieces) bytes += piece.data.length;
    this.#figures = { totalMs: performance.now() - started, sync, joinMs, joinedSegments: this.#blocks.joins - joinsBefore, endpoints: sync.endpoints, bytes };
    this.#snapshot = snapshot;
    return snapshot;
  }

  #timerKeepsUp(): boolean {
    return this.#timer !== undefined && performance.now() - this.#timerSweptAt <= this.#refreshMs * (FULL_SWEEP_EVERY + 1);
  }

  /** Waits for a refresh under way (the block is whole between its slices, but half taken in). */
  async #settled(): Promise<SyncFigures> {
    await this.#syncing?.catch(() => undefined);
    return { cpuMs: 0, longestSliceMs: 0, endpoints: this.#blocks.size, rendered: 0 };
  }

  #startRefreshing(): void {
    if (this.#timer !== undefined || this.#closed || this.#refreshMs <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#source.clock() - this.#lastScrapeAt > this.#idleStopMs) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#timerSweptAt = Number.NEGATIVE_INFINITY;
        return;
      }
      // A failed sweep (the store closing under it) is retried by the next tick or scrape, which reports it.
      // Every tick takes in the results due by now; every FULL_SWEEP_EVERY-th also looks at every
      // endpoint, so what changed off schedule is not all left to the scrape.
      const full = ++this.#ticks % FULL_SWEEP_EVERY === 0;
      const startedAt = performance.now();
      void this.refresh({ dueOnly: !full }).then(
        () => {
          if (full) this.#timerSweptAt = startedAt;
        },
        () => undefined,
      );
    }, this.#refreshMs);
    // A scraper must never keep the process alive.
    this.#timer.unref();
  }
}
