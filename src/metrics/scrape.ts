// One scrape: the per-endpoint block rendered in time slices (yielding to the event loop between
// them, so probes being timed are not stalled by a scrape), then the service block from
// prom-client. Scrapes within `maxAgeMs` of the last one share its text, and concurrent scrapes
// share one render: several Prometheus replicas cost one render per second, not one each.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isIdle, type Endpoint } from '../domain/endpoint.ts';
import type { EndpointState, HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import { EndpointSeriesWriter } from './endpoint-series.ts';
import { ServiceMetrics, type ServiceMetricsSource } from './service-metrics.ts';

export interface ScrapeSource extends ServiceMetricsSource {
  readonly listEndpoints: () => readonly Endpoint[];
  readonly state: (endpointId: number) => EndpointState;
  readonly latestResult: (endpointId: number) => ProbeResult | undefined;
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly policy: HealthPolicy;
}

export interface ScrapeOptions {
  /** Longest stretch of rendering before yielding to the event loop, ms (the loop monitor calls 100 ms a stall). */
  readonly sliceMs?: number;
  /** A render younger than this is served again, ms. */
  readonly maxAgeMs?: number;
}

export interface ScrapeFigures {
  /** Wall time of the last render, start to finish, ms. */
  readonly totalMs: number;
  /** The store's endpoint listing, one synchronous call, ms. */
  readonly listMs: number;
  /** CPU time spent rendering the per-endpoint block (slices only, without the waits between them), ms. */
  readonly endpointBlockMs: number;
  /** The longest slice of the per-endpoint block, ms: how long rendering held the loop at once. */
  readonly longestSliceMs: number;
  readonly slices: number;
  readonly endpoints: number;
  readonly bytes: number;
}

const CHECK_EVERY = 32;

export class MetricsScraper {
  readonly service: ServiceMetrics;
  readonly #source: ScrapeSource;
  readonly #sliceMs: number;
  readonly #maxAgeMs: number;
  #cached: { readonly at: number; readonly body: Buffer } | undefined;
  #pending: Promise<Buffer> | undefined;
  /** Last known earliest certificate expiry per endpoint id (ms): kept while later probes never reach TLS. */
  #certExpiry = new Map<number, number>();
  #figures: ScrapeFigures | undefined;

  constructor(source: ScrapeSource, options: ScrapeOptions = {}) {
    this.#source = source;
    this.#sliceMs = options.sliceMs ?? 8;
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.service = new ServiceMetrics(source);
  }

  /** Figures of the last completed render (for the benchmark and the render-time gauge). */
  get figures(): ScrapeFigures | undefined {
    return this.#figures;
  }

  /** The exposition, UTF-8 encoded. */
  render(): Promise<Buffer> {
    const cached = this.#cached;
    if (cached && this.#source.clock() - cached.at < this.#maxAgeMs) return Promise.resolve(cached.body);
    this.#pending ??= this.#renderFresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #renderFresh(): Promise<Buffer> {
    const started = performance.now();
    const source = this.#source;
    const writer = new EndpointSeriesWriter(source.policy);
    const certExpiry = new Map<number, number>();
    let sliceStart = 0;
    let blockMs = 0;
    let longest = 0;
    let slices = 1;
    const endSlice = (): void => {
      const ms = performance.now() - sliceStart;
      blockMs += ms;
      if (ms > longest) longest = ms;
    };

    // Listing is one synchronous store read (~50 ms at 10k endpoints): a slice of its own.
    const endpoints = source.listEndpoints();
    const listMs = performance.now() - started;
    await yieldToLoop();
    sliceStart = performance.now();
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[i];
      // A paused or archived endpoint is not probed: its last values would read as current, so it has no series.
      if (endpoint === undefined || isIdle(endpoint)) continue;
      const state = source.state(endpoint.id);
      const latest = source.latestResult(endpoint.id);
      const expiry = this.#certExpiryOf(endpoint.id, state, latest);
      if (expiry !== null) certExpiry.set(endpoint.id, expiry);
      writer.add({ slug: endpoint.slug, state, latest, certExpiryMs: expiry });
      if (i % CHECK_EVERY === CHECK_EVERY - 1 && performance.now() - sliceStart >= this.#sliceMs) {
        writer.flush();
        endSlice();
        await yieldToLoop();
        slices++;
        sliceStart = performance.now();
      }
    }
    const block = writer.finish();
    endSlice();
    // Endpoints that were deleted (or paused) drop out of the memory here.
    this.#certExpiry = certExpiry;
    this.service.recordRender(listMs + blockMs);

    const body = Buffer.concat([block, Buffer.from(await this.service.render())]);
    this.#figures = {
      totalMs: performance.now() - started,
      listMs,
      endpointBlockMs: blockMs,
      longestSliceMs: longest,
      slices,
      endpoints: endpoints.length,
      bytes: body.length,
    };
    this.#cached = { at: source.clock(), body };
    return body;
  }

  #certExpiryOf(endpointId: number, state: EndpointState, latest: ProbeResult | undefined): number | null {
    const fromProbe = latest?.certificate ? Date.parse(latest.certificate.earliestNotAfter) : Number.NaN;
    if (Number.isFinite(fromProbe)) return fromProbe;
    const remembered = this.#certExpiry.get(endpointId);
    if (remembered !== undefined) return remembered;
    // After a restart only the leaf's notAfter survives (endpoint_state); usually the same date.
    const fromState = state.certNotAfter === null ? Number.NaN : Date.parse(state.certNotAfter);
    return Number.isFinite(fromState) ? fromState : null;
  }
}
