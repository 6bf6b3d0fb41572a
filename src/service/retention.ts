import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { sealOnce, type SealStep } from './sealing.ts';

export interface RetentionOptions {
  readonly rawDays: number;
  readonly rollupDays: number;
  /** Hourly rollups; rollupDays when absent. */
  readonly hourlyRollupDays?: number;
  /** SQLite: seal past hours of raw rows into compressed blocks before pruning (store/sqlite/sealed-results.ts). */
  readonly seal?: SealStep;
  readonly cron: string;
  readonly batch: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes old rows in small batches, yielding to the event loop between them, so a prune of a
 * day's worth of rows (14 M at 10k endpoints) never stalls the probes timing themselves.
 */
export async function pruneOnce(store: Store, options: RetentionOptions, now: number): Promise<{ results: number; rollups: number; sealed: number; archivedEndpoints: string[] }> {
  const sealed = options.seal ? (await sealOnce(options.seal)).sealed : 0;
  let results = 0;
  let rollups = 0;
  for (;;) {
    const n = await store.pruneResults(now - options.rawDays * DAY_MS, options.batch);
    results += n;
    if (n < options.batch) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (;;) {
    const n = await store.pruneRollups(now - options.rollupDays * DAY_MS, options.batch, now - (options.hourlyRollupDays ?? options.rollupDays) * DAY_MS);
    rollups += n;
    if (n < options.batch) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // An endpoint archived longer than the longest window has nothing left to show: its row goes
  // too (with its incidents and events), so archives do not pile up forever.
  const archivedEndpoints = (await store.pruneArchivedEndpoints(now - Math.max(options.rawDays, options.rollupDays) * DAY_MS)).map((e) => e.slug);
  return { results, rollups, sealed, archivedEndpoints };
}

export function startRetention(store: Store, options: RetentionOptions, logger: Logger, clock: () => number = Date.now): ScheduledTask {
  let running = false;
  return schedule(options.cron, async () => {
    if (running) return;
    running = true;
    try {
      const pruned = await pruneOnce(store, options, clock());
      if (pruned.results + pruned.rollups + pruned.sealed + pruned.archivedEndpoints.length > 0) logger.info(pruned, 'pruned old rows');
    } catch (err) {
      logger.error({ err }, 'pruning failed');
    } finally {
      running = false;
    }
  });
}
