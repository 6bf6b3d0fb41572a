// Compliance reports for the surface tests: a report with every outcome and hostile evidence, the
// app's compliance deps on the test app's own SQLite database, and rounds to grade.
//
// Runs go through a plain function standing in for the ComplianceRunner port: these tests are about
// what the surfaces show and who may ask for a run; the end-to-end test runs the real checks.
import { pino } from 'pino';
import type { Config } from '../../src/config/schema.ts';
import type { ComplianceReport, ComplianceRunner } from '../../src/domain/compliance.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { ComplianceBook } from '../../src/service/compliance-book.ts';
import { complianceRecorder } from '../../src/service/compliance-schedule.ts';
import { SqliteCompliance } from '../../src/store/sqlite/compliance.ts';
import type { SqliteStore } from '../../src/store/sqlite/store.ts';
import { EMPTY_TICK, result } from '../store/helper.ts';

/** Evidence a hostile server could make a check quote: markup, a quote, an ampersand, a newline. */
export const HOSTILE = `<script>alert("pwned")</script><img src=x onerror=alert(1)> & 'quoted' \n<b>bold</b>`;
export const HOSTILE_ID = 'legacy.origin.<svg onload=alert(2)>';

export function sampleReport(checkedAt: string): ComplianceReport {
  return {
    checkedAt,
    era: 'streamable',
    protocolVersion: '2025-06-18',
    durationMs: 840,
    results: [
      { id: 'legacy.notification.202', level: 'MUST', outcome: 'pass', evidence: 'POST notifications/initialized → 202' },
      { id: HOSTILE_ID, level: 'MUST', outcome: 'fail', evidence: HOSTILE },
      { id: 'legacy.get.405', level: 'SHOULD', outcome: 'fail', evidence: 'GET → 200 text/html' },
      { id: 'auth.prm', level: 'MUST', outcome: 'not_applicable', evidence: 'no 401' },
      { id: 'tools.schemas', level: 'SHOULD', outcome: 'error', evidence: 'timed out after 5000 ms' },
    ],
  };
}

export interface ComplianceHarness {
  readonly reports: SqliteCompliance;
  readonly book: ComplianceBook;
  readonly deps: Partial<AppDeps>;
}

/** The compliance deps on `store`'s database; `run` enables POST …/compliance/run. */
export function complianceDeps(store: SqliteStore, config: Config, run?: ComplianceRunner): ComplianceHarness {
  const reports = new SqliteCompliance(store.database);
  const book = new ComplianceBook({
    reports,
    history: store,
    clock: Date.now,
    policy: config.health,
    latencyBudgetMs: config.compliance.latencyBudgetMs,
    log: pino({ level: 'silent' }),
  });
  const runNow = run ? complianceRecorder({ run, store: reports, onReport: (id, report) => book.put(id, report), timeoutMs: 10_000 }) : undefined;
  return { reports, book, deps: { compliance: { reports, latest: (id) => book.get(id), ...(runNow ? { runNow } : {}) } } };
}

/** `up` good and `down` failed rounds one minute apart, ending a minute before `now`, 120 ms each. */
export async function seedRounds(store: SqliteStore, endpointId: number, now: number, up: number, down: number): Promise<void> {
  const rows = Array.from({ length: up + down }, (_, i) => result(endpointId, now - (up + down - i) * 60_000, { status: i < down ? 'down' : 'up' }));
  await store.writeTick({ ...EMPTY_TICK, results: rows });
  await store.flush();
}
