// Sign-in attempts per key (an address, a user name) in a sliding minute, in memory: cheap, and
// the lock-out in the database is what holds across restarts and nodes. Pure over an injected clock.

export const ATTEMPT_WINDOW_MS = 60_000;
/** Keys kept at most; the oldest go first, so a flood of fresh addresses cannot grow memory. */
const MAX_KEYS = 10_000;

export class AttemptLimiter {
  readonly #perWindow: number;
  readonly #clock: () => number;
  readonly #hits = new Map<string, number[]>();

  constructor(perWindow: number, clock: () => number) {
    this.#perWindow = perWindow;
    this.#clock = clock;
  }

  /** Counts one attempt for every key; returns the seconds to wait when any key is over, else 0. */
  hit(keys: readonly string[]): number {
    const now = this.#clock();
    let waitMs = 0;
    for (const key of keys) {
      const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < ATTEMPT_WINDOW_MS);
      if (recent.length >= this.#perWindow) waitMs = Math.max(waitMs, recent[0]! + ATTEMPT_WINDOW_MS - now);
      else recent.push(now);
      this.#hits.delete(key);
      this.#hits.set(key, recent);
    }
    while (this.#hits.size > MAX_KEYS) this.#hits.delete(this.#hits.keys().next().value!);
    return Math.ceil(waitMs / 1000);
  }
}
