import type { PhaseName, PhaseTiming } from '../domain/probe-result.ts';
import type { Clock } from './deadline.ts';

/** Collects the waterfall: each step's start offset and duration, in the order they ran. */
export class PhaseRecorder {
  readonly #timings: PhaseTiming[] = [];
  readonly #origin: number;
  #interrupted: PhaseName | null = null;

  constructor(readonly clock: Clock) {
    this.#origin = clock();
  }

  elapsed(): number {
    return this.clock() - this.#origin;
  }

  async time<T extends { ok: boolean }>(phase: PhaseName, fn: () => Promise<T>): Promise<T> {
    const start = this.clock();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // The innermost step sees the exception first: that is the one it interrupted.
      this.#interrupted ??= phase;
      this.#push(phase, start, false);
      throw err;
    }
    this.#push(phase, start, result.ok);
    return result;
  }

  #push(phase: PhaseName, start: number, ok: boolean): void {
    const timing: PhaseTiming = { phase, startMs: round(start - this.#origin), ms: round(this.clock() - start), ok };
    // Kept in start order: a step timed inside another (a reconnect inside the discover it
    // resumes) ends first but belongs after its parent in the waterfall.
    const at = this.#timings.findIndex((t) => t.startMs > timing.startMs);
    if (at < 0) this.#timings.push(timing);
    else this.#timings.splice(at, 0, timing);
  }

  /** The step an unexpected exception interrupted, if one did. */
  get interrupted(): PhaseName | null {
    return this.#interrupted;
  }

  get timings(): readonly PhaseTiming[] {
    return this.#timings;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
