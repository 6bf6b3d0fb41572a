// Delivers due outbox entries: a few at a time, each attempt bounded by its own timeout, failures
// retried with exponential backoff (30 s · 2^n, capped) until the attempt limit makes them dead
// letters. Delivery is at least once: an attempt cut short by a crash is made again after the
// restart, with the same idempotency key, so receivers can drop the repeat.
import type { Logger } from 'pino';
import type { AlertOutbox, OutboxEntry } from '../store/outbox.ts';
import type { Channel } from './channels/index.ts';
import type { DeliveryOutcome } from './types.ts';

export interface DispatcherOptions {
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** Limit of one attempt (connect, send, answer). */
  readonly attemptTimeoutMs: number;
  /** Wait after the first failure; doubled after each further one. */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Attempts before an entry becomes a dead letter. */
  readonly maxAttempts: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = Object.freeze({
  concurrency: 4,
  attemptTimeoutMs: 15_000,
  baseBackoffMs: 30_000,
  maxBackoffMs: 3_600_000,
  maxAttempts: 8,
});

/** Wait before the next attempt after `failures` failed ones (1 for the first failure). */
export function backoffMs(failures: number, options: Pick<DispatcherOptions, 'baseBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** Math.max(0, failures - 1));
}

export interface DispatcherDeps {
  readonly outbox: AlertOutbox;
  /** The channels in force now (the API may add, change or remove one at any time). */
  readonly channels: () => ReadonlyMap<string, Channel>;
  readonly logger: Logger;
  /** ms since the epoch. */
  readonly clock: () => number;
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #options: DispatcherOptions;
  readonly #inFlight = new Map<number, Promise<void>>();
  readonly #shutdown = new AbortController();
  #stopping = false;
  /** Picking due entries, one pass at a time: two overlapping picks would start one entry twice. */
  #picking: Promise<unknown> = Promise.resolve();

  constructor(deps: DispatcherDeps, options: Partial<DispatcherOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULT_DISPATCHER_OPTIONS, ...options };
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts the due entries that fit in the free slots; resolves when those attempts are over. */
  async runDue(): Promise<number> {
    if (this.#stopping) return 0;
    const picked = this.#picking.then(() => this.#startDue());
    this.#picking = picked.catch(() => undefined);
    const started = await picked;
    await Promise.all(started);
    return started.length;
  }

  async #startDue(): Promise<Promise<void>[]> {
    if (this.#stopping) return [];
    const free = this.#options.concurrency - this.#inFlight.size;
    const entries = await this.#deps.outbox.due(this.#deps.clock(), free, new Set(this.#inFlight.keys()));
    // stop() may have begun while the query ran: what it did not see must not start.
    if (this.#stopping) return [];
    return entries.map((entry) => {
      const attempt = this.#deliver(entry).finally(() => this.#inFlight.delete(entry.id));
      this.#inFlight.set(entry.id, attempt);
      return attempt;
    });
  }

  /** Resolves when every attempt in flight now is over. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.values());
  }

  /**
   * Starts nothing new, gives attempts in flight `graceMs` to finish, then cancels the rest (they
   * stay pending, not counted as attempts, and are made again after the restart).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const all = Promise.all(this.#inFlight.values());
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, grace]);
    clearTimeout(timer);
    this.#shutdown.abort();
    await all;
  }

  async #deliver(entry: OutboxEntry): Promise<void> {
    const { outbox, logger } = this.#deps;
    const channel = this.#deps.channels().get(entry.channel);
    const about = { alert: entry.kind, channel: entry.channel, endpoint: entry.message.endpoint?.slug ?? null, id: entry.id, attempt: entry.attempts + 1 };
    if (!channel) {
      await outbox.markFailed(entry.id, `channel "${entry.channel}" is no longer configured`, null);
      logger.warn(about, 'alert dead-lettered: its channel is no longer configured');
      return;
    }
    if (channel.disabledReason !== null) {
      await outbox.markFailed(entry.id, `channel disabled: ${channel.disabledReason}`, null);
      logger.warn({ ...about, reason: channel.disabledReason }, 'alert dead-lettered: its channel is disabled');
      return;
    }

    const signal = AbortSignal.any([this.#shutdown.signal, AbortSignal.timeout(this.#options.attemptTimeoutMs)]);
    let outcome: DeliveryOutcome;
    try {
      outcome = await channel.send(entry.message, signal);
    } catch (err) {
      // Channels return outcomes; a throw is a bug in one, retried like any failure.
      logger.error({ ...about, err }, 'alert channel threw');
      outcome = { ok: false, retryable: true, detail: `channel failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!outcome.ok && this.#shutdown.signal.aborted) return;

    if (outcome.ok) {
      await outbox.markDelivered(entry.id);
      logger.info(about, 'alert delivered');
      return;
    }
    const failures = entry.attempts + 1;
    if (!outcome.retryable || failures >= this.#options.maxAttempts) {
      await outbox.markFailed(entry.id, outcome.detail, null);
      logger.warn({ ...about, detail: outcome.detail, retryable: outcome.retryable }, 'alert dead-lettered');
      return;
    }
    const waitMs = Math.min(this.#options.maxBackoffMs, Math.max(backoffMs(failures, this.#options), outcome.retryAfterMs ?? 0));
    await outbox.markFailed(entry.id, outcome.detail, this.#deps.clock() + waitMs);
    logger.warn({ ...about, detail: outcome.detail, retryInMs: waitMs }, 'alert delivery failed; will retry');
  }
}
