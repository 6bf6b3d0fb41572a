import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCompliance } from '../../src/cli/format-compliance.ts';
import type { ComplianceReport } from '../../src/domain/compliance.ts';

const REPORT: ComplianceReport = {
  checkedAt: '2026-12-02T17:00:00.000Z',
  era: 'modern',
  protocolVersion: '2026-07-28',
  durationMs: 412.4,
  results: [
    { id: 'modern.discover.ttl-ms', level: 'MUST', outcome: 'pass', evidence: 'ttlMs 0' },
    { id: 'modern.http.get-405', level: 'SHOULD', outcome: 'fail', evidence: 'GET: HTTP 200 (text/event-stream); expected 405' },
    { id: 'http.origin.foreign-refused', level: 'MUST', outcome: 'fail', evidence: 'Origin …: HTTP 200' },
    { id: 'streamable.notification.202', level: 'MUST', outcome: 'not_applicable', evidence: 'applies to streamable; the server speaks modern' },
    { id: 'auth.prm.well-formed', level: 'MUST', outcome: 'error', evidence: 'request without credentials: timed out' },
  ],
};

test('every check is a row with its outcome, level, id, evidence and (when judged) spec link', () => {
  const text = formatCompliance(REPORT);
  const lines = text.split('\n');
  assert.equal(lines[0], 'compliance (modern 2026-07-28, 5 checks, 412 ms)');
  assert.ok(lines.some((l) => /^ {2}✓ pass {2}MUST {3}modern\.discover\.ttl-ms +ttlMs 0$/.test(l)), text);
  assert.ok(lines.some((l) => /✗ FAIL {2}SHOULD modern\.http\.get-405 +GET: HTTP 200/.test(l)), text);
  assert.ok(lines.some((l) => /^ +https:\/\/modelcontextprotocol\.io\/specification\/2026-07-28\/basic\/transports\/streamable-http#earlier-streamable-http-revisions$/.test(l)), text);
  // The spec link starts under the evidence column.
  const row = lines.find((l) => l.includes('modern.discover.ttl-ms'))!;
  const link = lines[lines.indexOf(row) + 1]!;
  assert.equal(link.indexOf('https://'), row.indexOf('ttlMs 0'));
  assert.ok(!text.includes('#cacheable-results') || text.includes('caching'));
  assert.ok(lines.some((l) => l.includes('– n/a') && l.includes('streamable.notification.202')));
  assert.ok(lines.some((l) => l.includes('? error') && l.includes('auth.prm.well-formed')));
  assert.match(text, /summary: 1 MUST failed · 1 SHOULD failed · 1 passed · 1 not applicable · 1 not observed$/);
});

test('the grade line prints when the grade is given', () => {
  assert.doesNotMatch(formatCompliance(REPORT), /grade:/);
  assert.match(formatCompliance(REPORT, '72 (C)'), /\n {2}grade: {3}72 \(C\)$/);
});
