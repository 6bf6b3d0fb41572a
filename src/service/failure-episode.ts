// A job that fails every time it runs while the database is away (a poll, a derivation pass, a
// delivery cycle) would write one error line per attempt: hundreds for a short outage, burying the
// line that matters. An episode logs the first failure, a reminder at most every `remindMs`, and
// one line when the job works again, with how long it failed and how often.
import type { Logger } from 'pino';

export class FailureEpisode {
  readonly #log: Logger;
  readonly #what: string;
  readonly #clock: () => number;
  readonly #remindMs: number;
  #since: number | null = null;
  #lastLogged = 0;
  #failures = 0;

  /** `what` names the job in the log: "deriving alerts", "reading endpoint changes". */
  constructor(log: Logger, what: string, options: { readonly clock?: () => number; readonly remindMs?: number } = {}) {
    this.#log = log;
    this.#what = what;
    this.#clock = options.clock ?? Date.now;
    this.#remindMs = options.remindMs ?? 60_000;
  }

  get failing(): boolean {
    return this.#since !== null;
  }

  failed(err: unknown): void {
    const now = this.#clock();
    this.#failures++;
    if (this.#since === null) {
      this.#since = now;
      this.#lastLogged = now;
      this.#log.error({ err }, `${this.#what} failed; retrying, and saying when it works again`);
    } else if (now - this.#lastLogged >= this.#remindMs) {
      this.#lastLogged = now;
      this.#log.error({ err, failures: this.#failures, failingForMs: now - this.#since }, `${this.#what} still failing`);
    }
  }

  succeeded(): void {
    if (this.#since === null) return;
    this.#log.info({ failedForMs: this.#clock() - this.#since, failures: this.#failures }, `${this.#what} works again`);
    this.#since = null;
    this.#failures = 0;
  }
}
