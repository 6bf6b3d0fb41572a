// End to end (issue 15): a real `mcpwatch serve` with the real compliance runner (src/compliance/)
// against a real loopback MCP server: the hourly schedule checks a never-checked endpoint at once,
// the report is stored, and the grade shows in the API, on the status page, as a badge and in
// /metrics. On PostgreSQL the checks run as the node's singleton work.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CHECKS } from '../../src/compliance/catalogue.ts';
import { startV2Server } from '../fixtures/mcp-servers.ts';
import { BACKENDS, serveDatabase } from '../fixtures/serve-database.ts';
import { SERVICE_WAIT_MS, servingPort, startServe, until, untilAsync, writeConfig } from '../fixtures/serve-process.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface ComplianceBody {
  report: { era: string | null; results: Array<{ id: string; level: string; outcome: string; evidence: string }> } | null;
  grade: { score: number | null; letter: string | null; text: string; pending: string[]; components: { compliance: { points: number | null } }; inputs: { rounds: number } };
}

describe('serve: compliance checks and the grade, end to end', () => {
  for (const backend of BACKENDS) {
    test(`[${backend}] a report from the real runner is stored and graded on every surface`, { timeout: 300_000 }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-grade-'));
      const db = await serveDatabase(t, backend, dir);
      if (!db) return;
      const server = await startV2Server({ era: 'modern' });
      try {
        const config = writeConfig(
          dir,
          `${db.yaml}probe: { allowPrivate: true, timeoutMs: 3000 }
scheduler: { minIntervalS: 1 }
compliance: { intervalS: 3600, concurrency: 2, latencyBudgetMs: 1000 }
endpoints:
  - { name: modern, url: "${server.url}", interval: 1s, timeout: 2000, public: true }
`,
        );
        const serve = startServe(config);
        children.push(serve.child);
        const port = await until('serve to listen', () => servingPort(serve), SERVICE_WAIT_MS, serve);
        const base = `http://127.0.0.1:${port}`;

        // Never checked: due at once. The report is in the database, written by the real runner.
        const rows = await untilAsync(
          'a stored compliance report',
          async () => {
            const found = await db.query<{ slug: string }>('SELECT e.slug FROM compliance_reports c JOIN endpoints e ON e.id = c.endpoint_id');
            return found.length > 0 ? found : undefined;
          },
          SERVICE_WAIT_MS,
          serve,
        );
        assert.deepEqual(
          rows.map((r) => r.slug),
          ['modern'],
        );

        // The grade once rounds are in too (the report may land before the first round is written).
        const body = await untilAsync(
          'a graded endpoint in the API',
          async () => {
            const res = await fetch(`${base}/api/v1/endpoints/modern/compliance`, { signal: AbortSignal.timeout(10_000) });
            const json = (await res.json()) as ComplianceBody;
            return json.grade.score !== null ? json : undefined;
          },
          SERVICE_WAIT_MS,
          serve,
        );
        assert.ok(body.report);
        assert.equal(body.report.era, 'modern');
        const ids = new Set<string>(CHECKS.map((c) => c.id));
        assert.ok(body.report.results.length > 0);
        for (const r of body.report.results) assert.ok(ids.has(r.id), `${r.id} is a catalogue check`);
        assert.ok(body.report.results.some((r) => r.outcome === 'pass'), 'the modern SDK server passes some checks');
        assert.ok(body.grade.inputs.rounds > 0);
        assert.ok(body.grade.letter !== null && /^[A-F]$/.test(body.grade.letter));
        assert.equal(body.grade.text, `${body.grade.letter} ${body.grade.score}`);

        const page = await (await fetch(`${base}/status/modern`, { signal: AbortSignal.timeout(10_000) })).text();
        assert.match(page, /id="grade-title"/);
        const badge = (await (await fetch(`${base}/badge/modern.json?type=grade`, { signal: AbortSignal.timeout(10_000) })).json()) as { message: string };
        assert.match(badge.message, /^([A-F] \d+|pending)$/);
        const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        // A PostgreSQL node labels its per-endpoint series with its region (README, Metrics).
        const region = backend === 'postgres' ? ',region="default"' : '';
        assert.match(metrics, new RegExp(`^mcp_compliance_check\\{slug="modern"${region},check="[^"]+",level="(MUST|SHOULD)"\\} [01]$`, 'm'));

        serve.child.kill('SIGTERM');
        const exit = await serve.exited;
        assert.equal(exit.code, 0, serve.output());
      } finally {
        await server.close();
      }
    });
  }
});
