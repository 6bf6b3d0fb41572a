import type { PhaseName, PhaseTiming } from '../domain/probe-result.ts';
import type { Clock } from './deadline.ts';

/** Collects the waterfall: each step's start offset and duration, in the order they ran. */
export class PhaseRecorder {
  readonly #timings: PhaseTiming[] = [];
  readonly #origin: number;

  constructor(readonly clock: Clock) {
    this.#origin = clock();
  }

  elapsed(): number {
    return this.clock() - this.#origin;
  }

  async time<T extends { ok: boolean }>(phase: PhaseName, fn: () => Promise<T>): Promise<T> {
    const start = this.clock();
    const result = await fn();
    const timing: PhaseTiming = { phase, startMs: round(start - this.#origin), ms: round(this.clock() - start), ok: result.ok };
    // Kept in start order: a step timed inside another (a reconnect inside the discover it
    // resumes) ends first but belongs after its parent in the waterfall.
    const at = this.#timings.findIndex((t) => t.startMs > timing.startMs);
    if (at < 0) this.#timings.push(timing);
    else this.#timings.splice(at, 0, timing);
    return result;
  }

  get timings(): readonly PhaseTiming[] {
    return this.#timings;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
