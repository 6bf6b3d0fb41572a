// Probe worker threads, seen from the main thread. The scheduler stays here and decides what runs
// when (global and per-host caps, "never twice at once", the governor); a due round goes to the
// worker that owns its endpoint (domain/worker-share.ts) and comes back as plain data. A worker
// that dies is replaced at once: its rounds in flight resolve as lost (null), which records
// nothing, so a crash of mcpwatch's own thread never counts against a server.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Endpoint } from '../domain/endpoint.ts';
import type { Era } from '../domain/probe-result.ts';
import { workerFor } from '../domain/worker-share.ts';
import type { ProbeSettings } from '../probe/run-probe.ts';
import type { FromWorker, ProbeJob, ProbeOutcome, ProbeWorkerInit, ToWorker } from './probe-messages.ts';

/** The worker module: compiled JS next to this file in dist/, TypeScript under tsx (tests, `npm run bench`). */
export const PROBE_WORKER_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './probe-worker-entry.ts' : './probe-worker-entry.js', import.meta.url);

/**
 * A worker running a TypeScript entry under tsx (tests, `npm run bench` from the sources). Node 20
 * does not apply the parent's `--import tsx` hooks to a worker's .ts entry (ERR_UNKNOWN_FILE_EXTENSION,
 * inherited or explicit execArgv alike), so the thread registers tsx itself, then imports the entry.
 */
function tsxWorker(entry: URL, options: WorkerOptions): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true, execArgv: [] });
}

/** A worker that dies sooner than this after starting is restarted after RESTART_BACKOFF_MS, not at once (a crash loop). */
const QUICK_DEATH_MS = 1_000;
const RESTART_BACKOFF_MS = 1_000;

export interface ProbePoolOptions {
  readonly workers: number;
  readonly settings: ProbeSettings;
  readonly retryOnFailure: boolean;
  readonly logger: Logger;
  /** Every loop-delay report of a worker, for the concurrency governor: the largest delay and the largest its own work explains. */
  readonly onLoopDelay?: (delayMs: number, ownDelayMs: number) => void;
  /** The module the threads run (tests start instrumented workers); default PROBE_WORKER_ENTRY. */
  readonly entry?: URL;
  /** How often an idle worker reports, ms (default 250). */
  readonly statsEveryMs?: number;
}

export interface ProbePoolStats {
  readonly workers: number;
  /** Workers replaced after they died. */
  readonly restarts: number;
  /** Rounds in flight on a worker when it died (recorded as nothing). */
  readonly lost: number;
  readonly dnsCacheHits: number;
  readonly dnsCacheMisses: number;
}

interface Pending {
  readonly resolve: (outcome: ProbeOutcome | null) => void;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  startedAt: number;
  /** Jobs not yet posted: a tick's jobs go in one message. */
  outbox: ProbeJob[];
  flushQueued: boolean;
  readonly pending: Map<number, Pending>;
  /** Cache counts of this slot's earlier (dead) workers, so the totals never go down. */
  retiredHits: number;
  retiredMisses: number;
  hits: number;
  misses: number;
}

export class ProbePool {
  readonly #options: ProbePoolOptions;
  readonly #slots: Slot[];
  readonly #init: ProbeWorkerInit;
  #seq = 0;
  #restarts = 0;
  #lost = 0;
  #maxDelay = 0;
  #closing = false;

  constructor(options: ProbePoolOptions) {
    if (!Number.isSafeInteger(options.workers) || options.workers <= 0) throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
    this.#options = options;
    this.#init = { settings: options.settings, retryOnFailure: options.retryOnFailure, statsEveryMs: options.statsEveryMs ?? 250 };
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: null,
      startedAt: 0,
      outbox: [],
      flushQueued: false,
      pending: new Map<number, Pending>(),
      retiredHits: 0,
      retiredMisses: 0,
      hits: 0,
      misses: 0,
    }));
    for (const slot of this.#slots) this.#spawn(slot);
  }

  get stats(): ProbePoolStats {
    let hits = 0;
    let misses = 0;
    for (const s of this.#slots) {
      hits += s.retiredHits + s.hits;
      misses += s.retiredMisses + s.misses;
    }
    return { workers: this.#slots.length, restarts: this.#restarts, lost: this.#lost, dnsCacheHits: hits, dnsCacheMisses: misses };
  }

  /** The worker threads now (tests kill one). */
  get threads(): readonly (Worker | null)[] {
    return this.#slots.map((s) => s.worker);
  }

  /** The largest worker loop delay reported since the last call, ms. */
  takeMaxLoopDelayMs(): number {
    const value = this.#maxDelay;
    this.#maxDelay = 0;
    return value;
  }

  /** Probes a round on the endpoint's worker; null when the worker died or the pool closed first. */
  run(endpoint: Endpoint, hint: Era | null): Promise<ProbeOutcome | null> {
    if (this.#closing) return Promise.resolve(null);
    const slot = this.#slots[workerFor(endpoint.id, this.#slots.length)]!;
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      slot.pending.set(seq, { resolve });
      slot.outbox.push({ seq, endpoint, hint });
      if (slot.flushQueued) return;
      slot.flushQueued = true;
      // Every round the scheduler starts in one pump arrives before this runs: one message for them all.
      queueMicrotask(() => this.#flush(slot));
    });
  }

  /** Shutdown: every worker aborts its rounds in flight (they end as PROBE_TIMEOUT and come back as null). */
  abort(): void {
    for (const slot of this.#slots) slot.worker?.postMessage({ type: 'abort' } satisfies ToWorker);
  }

  /** Ends every worker; rounds still in flight resolve as null. */
  async close(): Promise<void> {
    this.#closing = true;
    const ending = this.#slots.map(async (slot) => {
      const worker = slot.worker;
      slot.worker = null;
      if (worker !== null) await worker.terminate();
      this.#settle(slot, false);
    });
    await Promise.all(ending);
  }

  #flush(slot: Slot): void {
    slot.flushQueued = false;
    if (slot.worker === null || slot.outbox.length === 0) return;
    const jobs = slot.outbox;
    slot.outbox = [];
    slot.worker.postMessage({ type: 'jobs', jobs } satisfies ToWorker);
  }

  #spawn(slot: Slot): void {
    const entry = this.#options.entry ?? PROBE_WORKER_ENTRY;
    const options = { workerData: this.#init, name: `mcpwatch-probe-${slot.index}` };
    const worker = entry.pathname.endsWith('.ts') ? tsxWorker(entry, options) : new Worker(entry, options);
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.hits = 0;
    slot.misses = 0;
    worker.on('message', (message: FromWorker) => this.#receive(slot, message));
    worker.on('error', (err) => this.#options.logger.error({ err, worker: slot.index }, 'a probe worker failed'));
    worker.on('exit', (code) => this.#exited(slot, worker, code));
    // Jobs that waited for this worker (a restart after a quick death) go now.
    if (slot.outbox.length > 0) this.#flush(slot);
  }

  #receive(slot: Slot, message: FromWorker): void {
    const { stats } = message;
    slot.hits = stats.dnsCacheHits;
    slot.misses = stats.dnsCacheMisses;
    this.#maxDelay = Math.max(this.#maxDelay, stats.loopDelayMaxMs);
    this.#options.onLoopDelay?.(stats.loopDelayMaxMs, stats.loopOwnDelayMaxMs);
    for (const outcome of message.outcomes) {
      const pending = slot.pending.get(outcome.seq);
      if (pending === undefined) continue;
      slot.pending.delete(outcome.seq);
      pending.resolve(outcome);
    }
  }

  #exited(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return; // closed on purpose
    slot.worker = null;
    slot.retiredHits += slot.hits;
    slot.retiredMisses += slot.misses;
    slot.hits = 0;
    slot.misses = 0;
    const lost = this.#settle(slot, true);
    if (this.#closing) return;
    this.#restarts++;
    const quick = Date.now() - slot.startedAt < QUICK_DEATH_MS;
    this.#options.logger.error({ worker: slot.index, code, lostRounds: lost, restartInMs: quick ? RESTART_BACKOFF_MS : 0 }, 'a probe worker died; its rounds in flight are not recorded and it is restarted');
    if (!quick) this.#spawn(slot);
    else
      setTimeout(() => {
        if (!this.#closing && slot.worker === null) this.#spawn(slot);
      }, RESTART_BACKOFF_MS).unref();
  }

  /** Resolves the slot's posted rounds as lost; with `keepQueued` the jobs not yet posted wait for the next worker. */
  #settle(slot: Slot, keepQueued: boolean): number {
    const queued = new Set(keepQueued ? slot.outbox.map((j) => j.seq) : []);
    if (!keepQueued) slot.outbox = [];
    let lost = 0;
    for (const [seq, pending] of slot.pending) {
      if (queued.has(seq)) continue;
      slot.pending.delete(seq);
      pending.resolve(null);
      lost++;
    }
    if (keepQueued) this.#lost += lost;
    return lost;
  }
}
