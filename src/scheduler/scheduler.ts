// The dispatch loop: which endpoints are due, which may start now, which wait.
//
// Due times live in a min-heap, so a tick pops only what is due (≈ endpoints / interval per
// second) instead of scanning the fleet. Jobs that cannot start wait in one FIFO lane per host;
// a second heap orders the lanes that could start a job by their oldest job's planned time, so a
// host at its cap never blocks other hosts and the queue stays FIFO by plannedAt across hosts.
import { schedule, type ScheduledTask } from 'node-cron';
import { MinHeap } from './min-heap.ts';
import { nextDue } from '../domain/phase.ts';

/** One run of one endpoint, handed to `run`. */
export interface Job {
  readonly endpointId: number;
  readonly host: string;
  readonly intervalMs: number;
  /** The slot this run belongs to, ms since the epoch; lag = actual start − plannedAt. */
  readonly plannedAt: number;
}

export interface ScheduledEndpoint {
  readonly id: number;
  /** The per-host cap applies to this key (a hostname, or host:port if the caller prefers). */
  readonly host: string;
  readonly intervalMs: number;
  readonly paused: boolean;
}

export interface SchedulerOptions {
  /** ms since the epoch; the only source of time in the scheduler. */
  readonly clock: () => number;
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly run: (job: Job) => Promise<void>;
  /** The concurrency in force now, at most `concurrency` (a ConcurrencyGovernor backing off an overloaded process). */
  readonly concurrencyLimit?: () => number;
  readonly onLag?: (lagMs: number, job: Job) => void;
  /** A run that rejected or threw (a bug: probes report failures as results), or a throwing onLag. */
  readonly onError?: (err: unknown, job: Job) => void;
  /**
   * Whether this process probes the endpoint's slot starting at `slotAt` (several nodes divide the
   * endpoints); a slot it does not own is neither run nor counted as dispatched. Absent: all.
   */
  readonly owns?: (endpointId: number, slotAt: number) => boolean;
}

export interface SchedulerStats {
  /** Runs started. */
  readonly dispatched: number;
  /** Slots skipped because the endpoint's previous run was still going (or still waiting). */
  readonly skippedOverlap: number;
  /** Slots left to another node (SchedulerOptions.owns said no). */
  readonly notOwned: number;
  /** Slots dropped because the next slot had passed too (a stalled process or a clock jump). */
  readonly missed: number;
  /** Runs whose promise rejected. */
  readonly runErrors: number;
  /** Endpoints known, paused ones included. */
  readonly endpoints: number;
  readonly lastLagMs: number | null;
  /** Lags of the last LAG_WINDOW dispatches, oldest first. */
  readonly recentLagsMs: readonly number[];
}

export interface DrainResult {
  /** Runs in flight when drain began that finished within the timeout. */
  readonly finished: number;
  /** Runs still going when the timeout passed. */
  readonly abandoned: number;
}

/** Six fields: node-cron's optional seconds field first, so this fires every second. */
export const TICK_CRON = '* * * * * *';
export const LAG_WINDOW = 1024;

interface EndpointSlot {
  readonly id: number;
  host: string;
  intervalMs: number;
  paused: boolean;
  dueAt: number | null;
  /** Matches the heap entry that is current; older entries for this id are stale and skipped. */
  gen: number;
  waiting: QueueEntry | null;
}

interface DueEntry {
  readonly dueAt: number;
  readonly id: number;
  readonly gen: number;
}

interface QueueEntry {
  readonly job: Job;
  readonly seq: number;
  cancelled: boolean;
}

interface HostLane {
  running: number;
  waiting: QueueEntry[];
  /** Index of the first entry not yet taken (an array with a moving head instead of shift()). */
  head: number;
  /** Whether this lane has an entry in the ready heap. */
  ready: boolean;
}

interface ReadyEntry {
  readonly host: string;
  readonly plannedAt: number;
  readonly seq: number;
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export class Scheduler {
  readonly #clock: () => number;
  readonly #concurrency: number;
  readonly #perHost: number;
  readonly #run: (job: Job) => Promise<void>;
  readonly #limit: (() => number) | undefined;
  readonly #onLag: ((lagMs: number, job: Job) => void) | undefined;
  readonly #onError: ((err: unknown, job: Job) => void) | undefined;
  readonly #owns: ((endpointId: number, slotAt: number) => boolean) | undefined;

  readonly #endpoints = new Map<number, EndpointSlot>();
  readonly #due = new MinHeap<DueEntry>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id));
  // Kept apart from the slots so that removing and re-adding an id mid-run still cannot double it.
  readonly #runningIds = new Set<number>();
  readonly #lanes = new Map<string, HostLane>();
  readonly #ready = new MinHeap<ReadyEntry>((a, b) => a.plannedAt < b.plannedAt || (a.plannedAt === b.plannedAt && a.seq < b.seq));
  readonly #idleWaiters = new Set<() => void>();

  #gen = 0;
  #seq = 0;
  #inFlight = 0;
  #queued = 0;
  #stopped = false;
  #task: ScheduledTask | null = null;

  #dispatched = 0;
  #skippedOverlap = 0;
  #notOwned = 0;
  #missed = 0;
  #runErrors = 0;
  readonly #lags = new Float64Array(LAG_WINDOW);
  #lagCount = 0;

  constructor(options: SchedulerOptions) {
    checkPositiveInt('concurrency', options.concurrency);
    checkPositiveInt('perHostConcurrency', options.perHostConcurrency);
    this.#clock = options.clock;
    this.#concurrency = options.concurrency;
    this.#perHost = options.perHostConcurrency;
    this.#run = options.run;
    this.#limit = options.concurrencyLimit;
    this.#onLag = options.onLag;
    this.#onError = options.onError;
    this.#owns = options.owns;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queued;
  }

  get stats(): SchedulerStats {
    const n = Math.min(this.#lagCount, LAG_WINDOW);
    const recent: number[] = new Array<number>(n);
    const first = this.#lagCount - n;
    for (let i = 0; i < n; i++) recent[i] = this.#lags[(first + i) % LAG_WINDOW]!;
    return {
      dispatched: this.#dispatched,
      skippedOverlap: this.#skippedOverlap,
      notOwned: this.#notOwned,
      missed: this.#missed,
      runErrors: this.#runErrors,
      endpoints: this.#endpoints.size,
      lastLagMs: n === 0 ? null : recent[n - 1]!,
      recentLagsMs: recent,
    };
  }

  /** When the endpoint runs next, or null when it is unknown or paused. */
  nextDueAt(id: number): number | null {
    return this.#endpoints.get(id)?.dueAt ?? null;
  }

  /**
   * Adds or changes an endpoint. A new endpoint, a changed interval or an unpause schedules the
   * next phase slot after now; an unchanged endpoint keeps its due time, so re-upserting the
   * whole fleet (a config reload) moves nothing. `firstRunNow` puts a new endpoint's first run at
   * the next tick (then it follows its phase): one added while running should not wait a whole
   * interval to be seen, while the fleet loaded at start keeps its spread.
   */
  upsert(endpoint: ScheduledEndpoint, options: { readonly firstRunNow?: boolean } = {}): void {
    if (!Number.isSafeInteger(endpoint.id)) throw new RangeError(`endpoint id must be a safe integer, got ${endpoint.id}`);
    checkPositiveInt('intervalMs', endpoint.intervalMs);
    const existing = this.#endpoints.get(endpoint.id);
    if (existing === undefined) {
      const slot: EndpointSlot = { ...endpoint, dueAt: null, gen: 0, waiting: null };
      this.#endpoints.set(endpoint.id, slot);
      if (slot.paused) return;
      if (options.firstRunNow === true) {
        slot.gen = ++this.#gen;
        slot.dueAt = this.#clock();
        this.#due.push({ dueAt: slot.dueAt, id: slot.id, gen: slot.gen });
      } else this.#scheduleNext(slot, this.#clock());
      return;
    }
    // A new host applies from the next job; a job already waiting keeps the lane it is in.
    existing.host = endpoint.host;
    if (existing.intervalMs === endpoint.intervalMs && existing.paused === endpoint.paused) return;
    existing.intervalMs = endpoint.intervalMs;
    existing.paused = endpoint.paused;
    if (endpoint.paused) {
      this.#unschedule(existing);
      this.#cancelWaiting(existing);
    } else {
      this.#scheduleNext(existing, this.#clock());
    }
  }

  /** Forgets the endpoint; a run already in flight finishes, a waiting one is dropped. */
  remove(id: number): boolean {
    const slot = this.#endpoints.get(id);
    if (slot === undefined) return false;
    this.#endpoints.delete(id);
    this.#unschedule(slot);
    this.#cancelWaiting(slot);
    return true;
  }

  /** Dispatches everything due at clock(). Cost: O(due · log n), not O(endpoints). */
  tick(): void {
    if (this.#stopped) return;
    const now = this.#clock();
    for (let top = this.#due.peek(); top !== undefined && top.dueAt <= now; top = this.#due.peek()) {
      this.#due.pop();
      const slot = this.#endpoints.get(top.id);
      if (slot === undefined || slot.gen !== top.gen) continue;
      const plannedAt = top.dueAt;
      // The next slot strictly after now: a late tick never queues a catch-up burst.
      this.#scheduleNext(slot, now);
      if (now - plannedAt >= slot.intervalMs) {
        this.#missed++;
      } else if (this.#owns !== undefined && !this.#owns(slot.id, plannedAt)) {
        this.#notOwned++;
      } else if (this.#runningIds.has(slot.id) || slot.waiting !== null) {
        this.#skippedOverlap++;
      } else {
        this.#enqueue(slot, plannedAt);
      }
    }
    this.#pump();
  }

  /** Ticks every second on node-cron until stop(). */
  start(): void {
    this.#stopped = false;
    // Missed beats (a blocked loop) show up as schedule lag; node-cron's console warning would
    // only duplicate that outside the structured log.
    this.#task ??= schedule(TICK_CRON, () => this.tick(), { name: 'mcpwatch-scheduler-tick', suppressMissedWarning: true });
  }

  /** Stops dispatching: no tick runs and waiting jobs are dropped; runs in flight continue. */
  stop(): void {
    this.#stopped = true;
    if (this.#task !== null) {
      void this.#task.destroy();
      this.#task = null;
    }
    for (const [host, lane] of this.#lanes) {
      for (let i = lane.head; i < lane.waiting.length; i++) {
        const entry = lane.waiting[i]!;
        if (entry.cancelled) continue;
        entry.cancelled = true;
        const slot = this.#endpoints.get(entry.job.endpointId);
        if (slot?.waiting === entry) slot.waiting = null;
      }
      lane.waiting = [];
      lane.head = 0;
      lane.ready = false;
      if (lane.running === 0) this.#lanes.delete(host);
    }
    this.#ready.clear();
    this.#queued = 0;
  }

  /** Stops dispatching, then waits for the runs in flight, at most timeoutMs. */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.stop();
    const pending = this.#inFlight;
    if (pending > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, timeoutMs));
        this.#idleWaiters.add(done);
      });
    }
    const abandoned = Math.min(this.#inFlight, pending);
    return { finished: pending - abandoned, abandoned };
  }

  #scheduleNext(slot: EndpointSlot, now: number): void {
    slot.gen = ++this.#gen;
    slot.dueAt = nextDue(slot.id, slot.intervalMs, now);
    this.#due.push({ dueAt: slot.dueAt, id: slot.id, gen: slot.gen });
  }

  #unschedule(slot: EndpointSlot): void {
    // The heap entry stays and is skipped when popped (gen mismatch): O(1) instead of a search.
    slot.gen = ++this.#gen;
    slot.dueAt = null;
  }

  #cancelWaiting(slot: EndpointSlot): void {
    if (slot.waiting === null) return;
    slot.waiting.cancelled = true;
    slot.waiting = null;
    this.#queued--;
  }

  #enqueue(slot: EndpointSlot, plannedAt: number): void {
    const entry: QueueEntry = {
      job: { endpointId: slot.id, host: slot.host, intervalMs: slot.intervalMs, plannedAt },
      seq: ++this.#seq,
      cancelled: false,
    };
    slot.waiting = entry;
    this.#queued++;
    let lane = this.#lanes.get(slot.host);
    if (lane === undefined) {
      lane = { running: 0, waiting: [], head: 0, ready: false };
      this.#lanes.set(slot.host, lane);
    }
    lane.waiting.push(entry);
    if (!lane.ready && lane.running < this.#perHost) this.#markReady(slot.host, lane);
  }

  /** The lane's first live entry, dropping cancelled ones; compacts the array now and then. */
  #laneHead(lane: HostLane): QueueEntry | undefined {
    while (lane.head < lane.waiting.length && lane.waiting[lane.head]!.cancelled) lane.head++;
    if (lane.head >= lane.waiting.length) {
      lane.waiting = [];
      lane.head = 0;
      return undefined;
    }
    if (lane.head >= 1024 && lane.head * 2 >= lane.waiting.length) {
      lane.waiting = lane.waiting.slice(lane.head);
      lane.head = 0;
    }
    return lane.waiting[lane.head];
  }

  #markReady(host: string, lane: HostLane): void {
    const head = this.#laneHead(lane);
    if (head === undefined) {
      if (lane.running === 0) this.#lanes.delete(host);
      return;
    }
    lane.ready = true;
    this.#ready.push({ host, plannedAt: head.job.plannedAt, seq: head.seq });
  }

  #pump(): void {
    const cap = Math.max(1, Math.min(this.#concurrency, this.#limit?.() ?? this.#concurrency));
    while (!this.#stopped && this.#inFlight < cap) {
      const next = this.#ready.pop();
      if (next === undefined) return;
      const lane = this.#lanes.get(next.host);
      if (lane === undefined) continue;
      lane.ready = false;
      const head = this.#laneHead(lane);
      if (head === undefined) {
        if (lane.running === 0) this.#lanes.delete(next.host);
        continue;
      }
      // The entry this lane was ordered by was cancelled: re-order it by its new head.
      if (head.seq !== next.seq) {
        this.#markReady(next.host, lane);
        continue;
      }
      lane.head++;
      this.#start(head, lane);
      if (lane.running < this.#perHost) this.#markReady(next.host, lane);
    }
  }

  #start(entry: QueueEntry, lane: HostLane): void {
    const { job } = entry;
    const slot = this.#endpoints.get(job.endpointId);
    if (slot?.waiting === entry) slot.waiting = null;
    this.#queued--;
    this.#inFlight++;
    lane.running++;
    this.#runningIds.add(job.endpointId);
    this.#dispatched++;
    const lagMs = this.#clock() - job.plannedAt;
    this.#lags[this.#lagCount % LAG_WINDOW] = lagMs;
    this.#lagCount++;

    // The executor runs synchronously, so run() starts now, and a synchronous throw becomes a
    // rejection instead of escaping tick() with the counters already moved.
    const running = new Promise<void>((resolve) => resolve(this.#run(job)));
    running.then(
      () => this.#finish(job),
      (err: unknown) => {
        this.#runErrors++;
        this.#report(err, job);
        this.#finish(job);
      },
    );
    if (this.#onLag !== undefined) {
      try {
        this.#onLag(lagMs, job);
      } catch (err) {
        this.#report(err, job);
      }
    }
  }

  #report(err: unknown, job: Job): void {
    try {
      this.#onError?.(err, job);
    } catch {
      // A failing error hook must not wedge the in-flight count.
    }
  }

  #finish(job: Job): void {
    this.#inFlight--;
    this.#runningIds.delete(job.endpointId);
    const lane = this.#lanes.get(job.host);
    if (lane !== undefined) {
      lane.running--;
      if (!lane.ready) this.#markReady(job.host, lane);
    }
    if (this.#inFlight === 0) for (const wake of [...this.#idleWaiters]) wake();
    this.#pump();
  }
}
