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
 * The probe's overall time budget. Every wait takes the smaller of its own limit and what is
 * left of the budget; when the budget is what cut a wait short, the wait reports PROBE_TIMEOUT
 * instead of its phase's code, so the result names the real limit that was hit.
 */
export class Deadline {
  readonly #controller = new AbortController();
  // AbortController.signal is a getter across the native boundary; read once (~1 % of a probe).
  readonly #signal = this.#controller.signal;
  readonly #timer: NodeJS.Timeout;
  readonly #endsAt: number;
  #detach: () => void = () => undefined;

  constructor(readonly clock: Clock, readonly totalMs: number, parent?: AbortSignal) {
    this.#endsAt = clock() + totalMs;
    this.#timer = setTimeout(() => this.#controller.abort(new WaitTimeout('PROBE_TIMEOUT', totalMs)), totalMs);
    this.#timer.unref?.();
    if (parent) {
      // A cancelled probe (shutdown, Ctrl-C) ends like a timed-out one, saying why.
      const cancel = (): void => this.#controller.abort(new WaitTimeout('PROBE_TIMEOUT', clock() - (this.#endsAt - totalMs), true));
      if (parent.aborted) cancel();
      else {
        parent.addEventListener('abort', cancel, { once: true });
        // The parent (the service's shutdown signal) outlives thousands of probes: unhook on dispose.
        this.#detach = () => parent.removeEventListener('abort', cancel);
      }
    }
  }

  get signal(): AbortSignal {
    return this.#signal;
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
   * Runs `fn` with a signal that aborts at min(phaseMs, remaining budget). Rejects with
   * WaitTimeout even if `fn` ignores its signal, so no wait can outlive its limit.
   */
  async wait<T>(phaseMs: number, phaseCode: FailureCode, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { ms, code } = this.budget(phaseMs, phaseCode);
    const controller = new AbortController();
    const signal = controller.signal;
    const parent = this.#signal;
    let timer: NodeJS.Timeout | undefined;
    const onParentAbort = (): void => controller.abort(parent.reason);
    if (parent.aborted) onParentAbort();
    else parent.addEventListener('abort', onParentAbort, { once: true });
    const expired = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new WaitTimeout(code, ms));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      // Built only when it fires: an Error's stack capture is a measurable share of a probe's CPU.
      timer = setTimeout(() => controller.abort(new WaitTimeout(code, ms)), ms);
    });
    // The loser of the race must not surface later as an unhandled rejection.
    expired.catch(() => undefined);
    try {
      return await Promise.race([fn(signal), expired]);
    } finally {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#detach();
  }
}
