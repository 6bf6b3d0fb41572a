// What crosses between the main thread and a probe worker: plain data only (structured clone),
// in batches, so one message carries every job a scheduler tick started for that worker and
// every result one worker loop turn produced.
import type { Endpoint } from '../domain/endpoint.ts';
import type { Era, OverloadMark } from '../domain/probe-result.ts';
import type { ProbeSettings } from '../probe/run-probe.ts';
import type { RoundResult } from './round.ts';

/** workerData of a probe worker. */
export interface ProbeWorkerInit {
  readonly settings: ProbeSettings;
  readonly retryOnFailure: boolean;
  /** How often an idle worker still reports its loop delay and cache counts, ms. */
  readonly statsEveryMs: number;
}

export interface ProbeJob {
  /** Unique per pool; the outcome carries it back. */
  readonly seq: number;
  readonly endpoint: Endpoint;
  readonly hint: Era | null;
}

export type ToWorker = { readonly type: 'jobs'; readonly jobs: readonly ProbeJob[] } | { readonly type: 'abort' };

/** A round as the worker timed it; `round` null when shutdown cut it short (it measured the shutdown). */
export interface ProbeOutcome {
  readonly seq: number;
  readonly round: RoundResult | null;
  /** The worker's loop stalled while the round ran. */
  readonly stalled: boolean;
  /** The worker was overloaded while timing the round (its own loop monitor, see loop-monitor.ts). */
  readonly overload: OverloadMark | null;
}

export interface ProbeWorkerStats {
  /** The largest loop delay of the worker since its previous message, ms. */
  readonly loopDelayMaxMs: number;
  /** The same, counting of each delay only as much as the worker's loop worked (the governor's input, see governor.ts). */
  readonly loopOwnDelayMaxMs: number;
  /** Totals since the worker started. */
  readonly dnsCacheHits: number;
  readonly dnsCacheMisses: number;
}

export interface FromWorker {
  readonly type: 'batch';
  readonly outcomes: readonly ProbeOutcome[];
  readonly stats: ProbeWorkerStats;
}
