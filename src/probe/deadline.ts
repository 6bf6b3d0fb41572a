import type { FailureCode } from '../domain/failure-codes.ts';

export type Clock = () => number;

/** Thrown inside a bounded wait when its timer fires; carries the code the wait stands for. */
export class WaitTimeout extends Error {
  constructor(readonly code: FailureCode, readonly waitedMs: number, readonly cancelled = false) {
    super(cancelled ? 'cancelled' : `timed out after ${Math.round(waitedMs)} ms`);
    this.name = 'WaitTimeout';
  }
}

/**
 * What a bounded wait hands its work: the signal that aborts when the wait ends early. Built on
 * first use only: most waits (DNS, TCP, TLS) clean up after a rejected wait instead of listening,
 * and an AbortController per wait, linked to the probe's by event listeners, cost ~3 % of a
 * probe's CPU (6 waits per probe; `npm run bench -- probe-cost`, see the commit).
 */
export class WaitScope {
  #controller: AbortController | undefined;
  #reason: unknown;
  #ended = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the wait has ended (timed out or cancelled), without building a signal to ask. */
  get aborted(): boolean {
    return this.#ended;
  }

  /** Ends the wait early; a signal handed out (or asked for later) aborts with `reason`. */
  abort(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * The probe's overall time budget. Every wait takes the smaller of its own limit and what is
 * left of the budget; when the budget is what cut a wait short, the wait reports PROBE_TIMEOUT
 * instead of its phase's code, so the result names the real limit that was hit.
 */
export class Deadline {
  // Built on first use, like a wait's (WaitScope): only HTTP+SSE reconnect delays and the
  // compliance checks ask for the probe's own signal.
  #controller: AbortController | undefined;
  #reason: WaitTimeout | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #endsAt: number;
  /** The waits in progress, ended with the budget: a Set instead of an event listener per wait. */
  readonly #waits = new Set<(reason: unknown) => void>();
  #detach: () => void = () => undefined;

  constructor(readonly clock: Clock, readonly totalMs: number, parent?: AbortSignal) {
    this.#endsAt = clock() + totalMs;
    this.#timer = setTimeout(() => this.#end(new WaitTimeout('PROBE_TIMEOUT', totalMs)), totalMs);
    this.#timer.unref?.();
    if (parent) {
      // A cancelled probe (shutdown, Ctrl-C) ends like a timed-out one, saying why.
      const cancel = (): void => this.#end(new WaitTimeout('PROBE_TIMEOUT', clock() - (this.#endsAt - totalMs), true));
      if (parent.aborted) cancel();
      else {
        parent.addEventListener('abort', cancel, { once: true });
        // The parent (the service's shutdown signal) outlives thousands of probes: unhook on dispose.
        this.#detach = () => parent.removeEventListener('abort', cancel);
      }
    }
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  #end(reason: WaitTimeout): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const end of this.#waits) end(reason);
  }

  remaining(): number {
    return Math.max(0, this.#endsAt - this.clock());
  }

  /** The timeout for one wait, and the code to report if it fires. */
  budget(phaseMs: number, phaseCode: FailureCode): { ms: number; code: FailureCode } {
    const left = this.remaining();
    return phaseMs < left ? { ms: phaseMs, code: phaseCode } : { ms: left, code: 'PROBE_TIMEOUT' };
  }

  /**
   * Runs `fn` with a scope whose signal aborts at min(phaseMs, remaining budget). Rejects with
   * WaitTimeout even if `fn` ignores its signal, so no wait can outlive its limit.
   */
  async wait<T>(phaseMs: number, phaseCode: FailureCode, fn: (scope: WaitScope) => Promise<T>): Promise<T> {
    const { ms, code } = this.budget(phaseMs, phaseCode);
    const scope = new WaitScope();
    let reject!: (reason: unknown) => void;
    const expired = new Promise<never>((_, fail) => {
      reject = fail;
    });
    // The loser of the race must not surface later as an unhandled rejection.
    expired.catch(() => undefined);
    const end = (reason: unknown): void => {
      scope.abort(reason);
      reject(reason instanceof Error ? reason : new WaitTimeout(code, ms));
    };
    let timer: NodeJS.Timeout | undefined;
    if (this.#reason !== undefined) end(this.#reason);
    else {
      this.#waits.add(end);
      // Built only when it fires: an Error's stack capture is a measurable share of a probe's CPU.
      timer = setTimeout(() => end(new WaitTimeout(code, ms)), ms);
    }
    try {
      return await Promise.race([fn(scope), expired]);
    } finally {
      clearTimeout(timer);
      this.#waits.delete(end);
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#detach();
  }
}
