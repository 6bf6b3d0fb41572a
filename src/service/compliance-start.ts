// The compliance parts of a serve, put together (issue 15): the in-memory book every node keeps,
// the recorder the API's on-demand runs use, and the hourly schedule, which is singleton work.
// src/main.ts supplies the runner (src/compliance/) and decides where each part runs.
import type { Logger } from 'pino';
import type { ComplianceConfig } from '../config/schema.ts';
import type { ComplianceRunner } from '../domain/compliance.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { HealthPolicy } from '../domain/health.ts';
import type { ComplianceSurface } from '../http/deps.ts';
import type { ComplianceStore } from '../store/compliance.ts';
import type { HistoryReader } from '../store/store.ts';
import { ComplianceBook } from './compliance-book.ts';
import { ComplianceSchedule, complianceRecorder } from './compliance-schedule.ts';
import type { Running } from './singleton-work.ts';

/** How often every node reads the reports and 30-day figures again for its grades. */
export const BOOK_REFRESH_MS = 300_000;
/** A run longer than this is aborted: the runner bounds itself (~90 s); this is the backstop. */
export const RUN_TIMEOUT_MS = 180_000;

export interface ComplianceParts {
  /** For AppDeps.compliance. */
  readonly surface: ComplianceSurface;
  /** Starts the book's refresh on this node; stop it on shutdown. */
  startBook(): Running;
  /** The hourly schedule, for the singleton work; nothing when checks are off or no runner is wired. */
  startSchedule(): Promise<Running[]>;
}

export interface CompliancePartsOptions {
  readonly config: ComplianceConfig;
  readonly policy: HealthPolicy;
  readonly reports: ComplianceStore;
  readonly history: Pick<HistoryReader, 'uptime' | 'uptimeAll'>;
  /** The checks; undefined leaves grades pending until reports arrive from elsewhere. */
  readonly runner: ComplianceRunner | undefined;
  readonly specLink?: (checkId: string) => string | undefined;
  readonly endpoints: () => readonly Endpoint[];
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly log: Logger;
}

export function complianceParts(o: CompliancePartsOptions): ComplianceParts {
  const book = new ComplianceBook({ reports: o.reports, history: o.history, clock: o.clock, policy: o.policy, latencyBudgetMs: o.config.latencyBudgetMs, log: o.log });
  const record = o.runner ? complianceRecorder({ run: o.runner, store: o.reports, onReport: (id, report) => book.put(id, report), timeoutMs: RUN_TIMEOUT_MS }) : undefined;
  return {
    surface: { reports: o.reports, latest: (id) => book.get(id), ...(record ? { runNow: record } : {}), ...(o.specLink ? { specLink: o.specLink } : {}) },
    startBook: () => book.start(BOOK_REFRESH_MS),
    async startSchedule() {
      if (!o.config.enabled || record === undefined) return [];
      const schedule = new ComplianceSchedule({
        record,
        reports: o.reports,
        endpoints: o.endpoints,
        intervalMs: o.config.intervalS * 1000,
        concurrency: o.config.concurrency,
        clock: o.clock,
        log: o.log,
      });
      await schedule.start();
      return [schedule];
    },
  };
}
