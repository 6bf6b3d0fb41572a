// The latest compliance report and grade of every endpoint, in memory, for the surfaces that must
// not wait on the database (a /metrics scrape reads it synchronously, like the monitor's states).
//
// Every node keeps its own: the checks run on one node of a cluster (the singleton), so the others
// learn of new reports by refreshing from the database every `refreshMs`; the node that ran a
// check puts it in at once. The grade moves with uptime and latency too, so the refresh also
// brings those up to date: a grade here is at most `refreshMs` old. The pages and the API compute
// theirs from the database on each request instead (they read the 30-day uptime anyway).
//
// Entries are replaced, never changed in place, so a reader can tell a change by identity (the
// metrics block re-renders an endpoint only when its entry object changed).
import type { Logger } from 'pino';
import type { ComplianceReport } from '../domain/compliance.ts';
import { gradeOfSummary, type Grade } from '../domain/grade.ts';
import type { HealthPolicy } from '../domain/health.ts';
import type { ComplianceStore } from '../store/compliance.ts';
import { EMPTY_UPTIME, type HistoryReader } from '../store/store.ts';
import type { Running } from './singleton-work.ts';

export const GRADE_WINDOW_MS = 30 * 86_400_000;

export interface ComplianceEntry {
  readonly report: ComplianceReport;
  readonly grade: Grade;
}

export interface ComplianceBookDeps {
  readonly reports: Pick<ComplianceStore, 'latestReports'>;
  readonly history: Pick<HistoryReader, 'uptime' | 'uptimeAll'>;
  /** ms since the epoch. */
  readonly clock: () => number;
  readonly policy: HealthPolicy;
  readonly latencyBudgetMs: number;
  readonly log: Logger;
}

export class ComplianceBook {
  readonly #deps: ComplianceBookDeps;
  #entries = new Map<number, ComplianceEntry>();

  constructor(deps: ComplianceBookDeps) {
    this.#deps = deps;
  }

  get(endpointId: number): ComplianceEntry | undefined {
    return this.#entries.get(endpointId);
  }

  /** Every endpoint's latest report again, graded with the uptime of now. */
  async refresh(): Promise<void> {
    const now = this.#deps.clock();
    const [reports, uptime] = await Promise.all([this.#deps.reports.latestReports(), this.#deps.history.uptimeAll(now - GRADE_WINDOW_MS, now)]);
    const next = new Map<number, ComplianceEntry>();
    for (const [id, report] of reports) {
      const grade = gradeOfSummary(uptime.get(id) ?? EMPTY_UPTIME, report, this.#deps);
      const before = this.#entries.get(id);
      // The same object when nothing moved: readers that compare identity see no change.
      next.set(id, before !== undefined && before.report.checkedAt === report.checkedAt && sameGrade(before.grade, grade) ? before : { report, grade });
    }
    this.#entries = next;
  }

  /** A report this node just made (and stored). */
  async put(endpointId: number, report: ComplianceReport): Promise<ComplianceEntry> {
    const now = this.#deps.clock();
    const summary = await this.#deps.history.uptime(endpointId, now - GRADE_WINDOW_MS, now);
    const entry = { report, grade: gradeOfSummary(summary, report, this.#deps) };
    this.#entries.set(endpointId, entry);
    return entry;
  }

  /** Refreshes now and then every `refreshMs` until stopped; a failed refresh keeps what it had. */
  start(refreshMs: number): Running {
    const refresh = (): void => {
      this.refresh().catch((err: unknown) => this.#deps.log.warn({ err }, 'reading compliance reports failed; grades kept as they were'));
    };
    refresh();
    const timer = setInterval(refresh, refreshMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}

function sameGrade(a: Grade, b: Grade): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
