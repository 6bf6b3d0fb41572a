// The SQLite ComplianceStore, on the SqliteStore's own connection (see outbox.ts for why not a
// second one). A save is one transaction: the new row and the pruning of the old ones.
import type Database from 'better-sqlite3';
import type { ComplianceReport } from '../../domain/compliance.ts';
import { COMPLIANCE_HISTORY, capReport, decodeReport, type ComplianceStore } from '../compliance.ts';

type Db = Database.Database;

interface Row {
  endpoint_id: number;
  report: string;
}

export class SqliteCompliance implements ComplianceStore {
  readonly #save: (endpointId: number, report: ComplianceReport) => boolean;
  readonly #latest: Database.Statement<[number], Row>;
  readonly #latestAll: Database.Statement<[], Row>;
  readonly #history: Database.Statement<[number, number], Row>;

  constructor(db: Db) {
    // INSERT … SELECT: an endpoint deleted meanwhile inserts nothing instead of failing the foreign key.
    const insert = db.prepare<[number, string, number]>('INSERT INTO compliance_reports (endpoint_id, checked_at, report) SELECT id, ?, ? FROM endpoints WHERE id = ?');
    const prune = db.prepare<[number, number, number]>(
      'DELETE FROM compliance_reports WHERE endpoint_id = ? AND id NOT IN (SELECT id FROM compliance_reports WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?)',
    );
    this.#save = db.transaction((endpointId: number, report: ComplianceReport) => {
      const stored = capReport(report);
      if (insert.run(Date.parse(stored.checkedAt), JSON.stringify(stored), endpointId).changes === 0) return false;
      prune.run(endpointId, endpointId, COMPLIANCE_HISTORY);
      return true;
    });
    this.#latest = db.prepare('SELECT endpoint_id, report FROM compliance_reports WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1');
    this.#latestAll = db.prepare('SELECT endpoint_id, report FROM compliance_reports WHERE id IN (SELECT max(id) FROM compliance_reports GROUP BY endpoint_id)');
    this.#history = db.prepare('SELECT endpoint_id, report FROM compliance_reports WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?');
  }

  async saveReport(endpointId: number, report: ComplianceReport): Promise<boolean> {
    return this.#save(endpointId, report);
  }

  async latestReport(endpointId: number): Promise<ComplianceReport | undefined> {
    const row = this.#latest.get(endpointId);
    return row && decodeReport(row.report);
  }

  async latestReports(): Promise<Map<number, ComplianceReport>> {
    const out = new Map<number, ComplianceReport>();
    for (const row of this.#latestAll.all()) {
      const report = decodeReport(row.report);
      if (report) out.set(row.endpoint_id, report);
    }
    return out;
  }

  async reportHistory(endpointId: number, limit: number): Promise<ComplianceReport[]> {
    return this.#history.all(endpointId, Math.max(0, Math.floor(limit))).flatMap((row) => decodeReport(row.report) ?? []);
  }
}
