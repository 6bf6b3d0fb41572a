// What every ComplianceStore must do, written against the interface only, so the contract suite
// runs the same cases on every backend (compliance.contract.test.ts supplies the subject).
import assert from 'node:assert/strict';
import type { CheckResult, ComplianceReport } from '../../../src/domain/compliance.ts';
import { COMPLIANCE_HISTORY, MAX_EVIDENCE_CHARS, MAX_REPORT_JSON_BYTES, MAX_RESULTS, type ComplianceStore } from '../../../src/store/compliance.ts';
import type { EndpointStore } from '../../../src/store/store.ts';
import { definition } from '../helper.ts';

export interface ComplianceSubject {
  readonly compliance: ComplianceStore;
  readonly endpoints: EndpointStore;
}

export type ComplianceCase = (subject: ComplianceSubject) => Promise<void>;

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const HOUR = 3_600_000;

function report(at: number, results: readonly CheckResult[] = [{ id: 'legacy.notification.202', level: 'MUST', outcome: 'pass', evidence: 'POST notifications/initialized → 202' }]): ComplianceReport {
  return { checkedAt: new Date(at).toISOString(), era: 'streamable', protocolVersion: '2025-06-18', results, durationMs: 321 };
}

export const COMPLIANCE_CASES: Record<string, ComplianceCase> = {
  async 'nothing stored: no latest, no history'({ compliance, endpoints }) {
    const e = await endpoints.createEndpoint(definition('alpha'));
    assert.equal(await compliance.latestReport(e.id), undefined);
    assert.deepEqual(await compliance.reportHistory(e.id, 10), []);
    assert.deepEqual(await compliance.latestReports(), new Map());
  },

  async 'the latest report per endpoint, read back as saved'({ compliance, endpoints }) {
    const a = await endpoints.createEndpoint(definition('alpha'));
    const b = await endpoints.createEndpoint(definition('beta'));
    const failing: CheckResult[] = [
      { id: 'origin.foreign-refused', level: 'MUST', outcome: 'fail', evidence: 'Origin: https://evil.example → 200' },
      { id: 'tools.names-valid', level: 'SHOULD', outcome: 'not_applicable', evidence: 'no tools' },
      { id: 'auth.prm', level: 'SHOULD', outcome: 'error', evidence: 'timed out after 5000 ms' },
    ];
    assert.equal(await compliance.saveReport(a.id, report(T0)), true);
    assert.equal(await compliance.saveReport(a.id, report(T0 + HOUR, failing)), true);
    assert.equal(await compliance.saveReport(b.id, report(T0 + 2 * HOUR)), true);
    assert.deepEqual(await compliance.latestReport(a.id), report(T0 + HOUR, failing));
    assert.deepEqual(await compliance.latestReports(), new Map([[a.id, report(T0 + HOUR, failing)], [b.id, report(T0 + 2 * HOUR)]]));
    assert.deepEqual(await compliance.reportHistory(a.id, 10), [report(T0 + HOUR, failing), report(T0)], 'newest first');
    assert.deepEqual(await compliance.reportHistory(a.id, 1), [report(T0 + HOUR, failing)]);
  },

  async 'a report with no handshake (era and version null) reads back the same'({ compliance, endpoints }) {
    const e = await endpoints.createEndpoint(definition('alpha'));
    const none: ComplianceReport = { checkedAt: new Date(T0).toISOString(), era: null, protocolVersion: null, results: [], durationMs: 0 };
    await compliance.saveReport(e.id, none);
    assert.deepEqual(await compliance.latestReport(e.id), none);
  },

  async [`only the newest ${COMPLIANCE_HISTORY} reports are kept per endpoint`]({ compliance, endpoints }) {
    const a = await endpoints.createEndpoint(definition('alpha'));
    const b = await endpoints.createEndpoint(definition('beta'));
    await compliance.saveReport(b.id, report(T0));
    for (let i = 0; i < COMPLIANCE_HISTORY + 5; i++) await compliance.saveReport(a.id, report(T0 + i * HOUR));
    const history = await compliance.reportHistory(a.id, 1000);
    assert.equal(history.length, COMPLIANCE_HISTORY);
    assert.equal(history[0]?.checkedAt, new Date(T0 + (COMPLIANCE_HISTORY + 4) * HOUR).toISOString());
    assert.equal(history.at(-1)?.checkedAt, new Date(T0 + 5 * HOUR).toISOString());
    assert.equal((await compliance.reportHistory(b.id, 1000)).length, 1, "another endpoint's reports are untouched");
  },

  async 'an endpoint deleted: nothing saved, and its reports go with it'({ compliance, endpoints }) {
    const e = await endpoints.createEndpoint(definition('alpha'));
    await compliance.saveReport(e.id, report(T0));
    assert.equal(await endpoints.deleteEndpoint(e.id), true);
    assert.equal(await compliance.latestReport(e.id), undefined);
    assert.deepEqual(await compliance.latestReports(), new Map());
    assert.equal(await compliance.saveReport(e.id, report(T0 + HOUR)), false);
    assert.equal(await compliance.saveReport(999_999, report(T0)), false);
  },

  async 'hostile evidence is stored capped and cleaned, the same on every backend'({ compliance, endpoints }) {
    const e = await endpoints.createEndpoint(definition('alpha'));
    const hostile = '<script>alert(1)</script>\u0000\nforged line \ud800 "quoted" & ' + 'x'.repeat(5000);
    const many: CheckResult[] = Array.from({ length: MAX_RESULTS + 50 }, (_, i) => ({ id: `check.${i}`, level: i % 2 === 0 ? 'MUST' : 'SHOULD', outcome: 'fail', evidence: hostile }));
    await compliance.saveReport(e.id, report(T0, many));
    const stored = await compliance.latestReport(e.id);
    assert.ok(stored);
    assert.equal(stored.results.length, MAX_RESULTS);
    const evidence = stored.results[0]!.evidence;
    assert.equal([...evidence].length, MAX_EVIDENCE_CHARS);
    assert.ok(evidence.startsWith('<script>alert(1)</script>\ufffd\ufffdforged line \ufffd "quoted" & x'), evidence.slice(0, 60));
    assert.ok(evidence.endsWith('…'));
    assert.ok(Buffer.byteLength(JSON.stringify(stored)) <= MAX_REPORT_JSON_BYTES);
  },
};
