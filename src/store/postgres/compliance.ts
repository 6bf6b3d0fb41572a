// The PostgreSQL ComplianceStore. A save is one statement (the insert and the pruning of the old
// rows in CTEs), so its own transaction: two nodes saving at once each leave a whole report.
import type { ComplianceReport } from '../../domain/compliance.ts';
import { COMPLIANCE_HISTORY, capReport, decodeReport, type ComplianceStore } from '../compliance.ts';
import type { Pool } from './pool.ts';
import { jsonForPostgres } from './safe-text.ts';

interface Row {
  endpoint_id: string | number;
  report: unknown;
}

export class PgCompliance implements ComplianceStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async saveReport(endpointId: number, report: ComplianceReport): Promise<boolean> {
    const stored = capReport(report);
    // INSERT … SELECT: an endpoint deleted meanwhile inserts nothing instead of failing the foreign
    // key. The DELETE sees the table as it was before the insert, so it keeps one row fewer.
    const { rows } = await this.#pool.query<{ inserted: string }>(
      `WITH inserted AS (
         INSERT INTO compliance_reports (endpoint_id, checked_at, report)
         SELECT id, $2, $3 FROM endpoints WHERE id = $1
         RETURNING id
       ), pruned AS (
         DELETE FROM compliance_reports
         WHERE endpoint_id = $1 AND EXISTS (SELECT 1 FROM inserted)
           AND id NOT IN (SELECT id FROM compliance_reports WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $4)
       )
       SELECT count(*) AS inserted FROM inserted`,
      [endpointId, Date.parse(stored.checkedAt), jsonForPostgres(stored), COMPLIANCE_HISTORY - 1],
    );
    return Number(rows[0]?.inserted ?? 0) > 0;
  }

  async latestReport(endpointId: number): Promise<ComplianceReport | undefined> {
    const { rows } = await this.#pool.query<Row>('SELECT endpoint_id, report FROM compliance_reports WHERE endpoint_id = $1 ORDER BY id DESC LIMIT 1', [endpointId]);
    return rows[0] && decodeReport(rows[0].report);
  }

  async latestReports(): Promise<Map<number, ComplianceReport>> {
    const { rows } = await this.#pool.query<Row>('SELECT DISTINCT ON (endpoint_id) endpoint_id, report FROM compliance_reports ORDER BY endpoint_id, id DESC');
    const out = new Map<number, ComplianceReport>();
    for (const row of rows) {
      const report = decodeReport(row.report);
      if (report) out.set(Number(row.endpoint_id), report);
    }
    return out;
  }

  async reportHistory(endpointId: number, limit: number): Promise<ComplianceReport[]> {
    const { rows } = await this.#pool.query<Row>('SELECT endpoint_id, report FROM compliance_reports WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2', [
      endpointId,
      Math.max(0, Math.floor(limit)),
    ]);
    return rows.flatMap((row) => decodeReport(row.report) ?? []);
  }
}
