// Sealing old raw rows into compressed blocks (SQLite, store/sqlite/sealed-results.ts), off the
// write path: a bounded step at a time with a turn of the event loop between steps, so a whole
// hour of 10,000 endpoints (600,000 rows) never holds up the probes timing themselves.
import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { SealProgress } from '../store/store.ts';

export type SealStep = (budgetMs: number) => Promise<SealProgress>;

/** Each step's work budget: well under the 20 ms a probe's timing tolerates (loop-monitor). */
export const SEAL_STEP_BUDGET_MS = 10;

export interface SealReport {
  readonly sealed: number;
  readonly dropped: number;
  readonly steps: number;
  /** The longest step, wall ms: how long sealing held the event loop at once (a busy machine's preemption included). */
  readonly longestStepMs: number;
  /** The most process CPU one step used, ms: the step's own work. */
  readonly longestStepCpuMs: number;
  readonly totalMs: number;
}

/** Seals everything that is due, step by step. */
export async function sealOnce(step: SealStep, budgetMs = SEAL_STEP_BUDGET_MS): Promise<SealReport> {
  let sealed = 0;
  let dropped = 0;
  let steps = 0;
  let longestStepMs = 0;
  let longestStepCpuMs = 0;
  let totalMs = 0;
  for (;;) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const progress = await step(budgetMs);
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    longestStepMs = Math.max(longestStepMs, ms);
    longestStepCpuMs = Math.max(longestStepCpuMs, (cpu.user + cpu.system) / 1000);
    totalMs += ms;
    steps++;
    sealed += progress.sealed;
    dropped += progress.dropped;
    if (!progress.more) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { sealed, dropped, steps, longestStepMs, longestStepCpuMs, totalMs };
}

export function startSealing(step: SealStep, cron: string, logger: Logger): ScheduledTask {
  let running = false;
  return schedule(cron, async () => {
    if (running) return;
    running = true;
    try {
      const report = await sealOnce(step);
      if (report.sealed + report.dropped > 0) logger.info(report, 'sealed raw results into blocks');
    } catch (err) {
      logger.error({ err }, 'sealing raw results failed');
    } finally {
      running = false;
    }
  });
}
