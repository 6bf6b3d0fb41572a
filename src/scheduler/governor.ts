// How many probes may run at once, given how late the event loop is. A loop too busy to read its
// sockets times its own probes out: at concurrency 1000 on a busy 2-core box, 4,368 of 6,363 rounds
// were not up against healthy servers. So the limit backs off multiplicatively when the loop is
// late and grows back slowly when it is not (AIMD, as TCP does with its window): work is delayed
// and spread, and a slot that cannot start before the next one is skipped, never timed out.
// Only lateness the loop's own work can explain counts: a loop that did not work while late was
// kept off the CPU by other threads or processes, and probing less does not cure that (a shared
// 2-core box at load 13–20 made serve's loops late by 100–1,400 ms every few seconds, mostly
// preempted mid-callback, and held the limit at its floor, 8 of 64: 130–209 rounds/s of the 833
// scheduled, at 40–57 % of one core).
// Pure: delays and times in, a limit out.

export interface GovernorOptions {
  /** The configured concurrency: the limit never exceeds it. */
  readonly max: number;
  /**
   * The limit never goes below it (default max/8, at least 1): a loop made late by other processes
   * on a shared box is not cured by probing less, so backing off stops at a level that still probes.
   */
  readonly min?: number;
  /** A loop later than this, ms, is overloaded (default 100: the loop monitor's stall threshold). */
  readonly targetDelayMs?: number;
  /** How often the limit may change, ms (default 1000). */
  readonly stepMs?: number;
}

export interface GovernorState {
  readonly limit: number;
  /** The loop was late in the last step, or the limit is still held below max because it was. */
  readonly overloaded: boolean;
  /** The largest delay in the last complete step that the loop's own work explains, ms. */
  readonly lastDelayMs: number;
}

export class ConcurrencyGovernor {
  readonly #max: number;
  readonly #min: number;
  readonly #target: number;
  readonly #step: number;
  #limit: number;
  #worst = 0;
  #lastDelay = 0;
  #stepStartedAt: number | null = null;
  #late = false;

  constructor(options: GovernorOptions) {
    this.#max = options.max;
    this.#min = Math.min(options.max, Math.max(1, options.min ?? Math.ceil(options.max / 8)));
    this.#target = options.targetDelayMs ?? 100;
    this.#step = options.stepMs ?? 1000;
    this.#limit = options.max;
  }

  get limit(): number {
    return this.#limit;
  }

  get state(): GovernorState {
    return { limit: this.#limit, overloaded: this.#late || this.#limit < this.#max, lastDelayMs: this.#lastDelay };
  }

  /**
   * One loop-delay sample; at most once per step the limit moves. `workedMs`: how long the loop
   * worked over the sample (default: all of the delay); only that much of the delay counts.
   */
  observe(delayMs: number, nowMs: number, workedMs: number = delayMs): void {
    const own = Math.min(delayMs, workedMs);
    this.#worst = Math.max(this.#worst, own);
    this.#stepStartedAt ??= nowMs;
    // A stall longer than a step ends the step at once: waiting longer only lets the backlog grow.
    if (nowMs - this.#stepStartedAt < this.#step && own <= this.#step) return;
    this.#lastDelay = this.#worst;
    this.#late = this.#worst > this.#target;
    if (this.#late) {
      this.#limit = Math.max(this.#min, Math.floor(this.#limit / 2));
    } else if (this.#worst <= this.#target / 2) {
      this.#limit = Math.min(this.#max, this.#limit + Math.max(1, Math.ceil(this.#limit / 10)));
    }
    this.#worst = 0;
    this.#stepStartedAt = nowMs;
  }
}
