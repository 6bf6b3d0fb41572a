// Part 5 of issue 15: mcpwatch's compliance checks and the official conformance suite, run
// against the same real servers (SDK v2 modern-only and dual-era, server-everything's Streamable
// HTTP, supergateway, mcpwatch's own /mcp). For every requirement both judge (CORRESPONDENCES in agreement.ts), the
// verdicts must agree; the table is printed and written to a file for the closing note.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCompliance } from '../../src/compliance/run.ts';
import type { ComplianceReport } from '../../src/domain/compliance.ts';
import type { Era } from '../../src/domain/probe-result.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../src/probe/run-probe.ts';
import { buildTestApp } from '../http/helper.ts';
import { startEverything, startSupergateway, startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { CORRESPONDENCES, compared, eraOfRevision, formatAgreement, mcpwatchVerdict, suiteVerdict, type AgreementRow } from './agreement.ts';
import { locateSuite, readChecks, runCli, suiteOrSkip, type Check, type Suite } from './suite.ts';

const SERVERS: readonly { readonly name: string; readonly start: () => Promise<RunningServer> }[] = [
  { name: 'sdk-v2 modern-only', start: () => startV2Server({ era: 'modern' }) },
  { name: 'sdk-v2 dual-era', start: () => startV2Server({ era: 'dual' }) },
  { name: 'server-everything streamableHttp', start: () => startEverything('streamableHttp') },
  { name: 'supergateway streamableHttp', start: () => startSupergateway('streamableHttp') },
  // The one server here that validates Origin (and Host): the refusing side of the DNS-rebinding checks.
  { name: "mcpwatch's own /mcp", start: ownMcp },
];

async function ownMcp(): Promise<RunningServer> {
  const t = await buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/mcp`, close: () => t.close() };
}

/**
 * Disagreements investigated and explained, by `server|check|revision`. Each must still disagree
 * exactly so (a stale entry fails), and each says whose reading of the spec differs and why.
 */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {};

const SETTINGS = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 15_000 };
const SUITE_TIMEOUT_MS = 60_000;
const PARALLEL_SCENARIOS = 3;
export const AGREEMENT_FILE = join(tmpdir(), 'mcpwatch-conformance-agreement.md');

const located = suiteOrSkip(locateSuite());
if (located.fail !== undefined) {
  const reason = located.fail;
  test('the MCP conformance suite is installed', () => assert.fail(reason));
}

async function suiteChecks(suite: Suite, url: string, scenario: string, revision: string): Promise<{ checks: Check[]; note: string }> {
  const out = mkdtempSync(join(tmpdir(), 'mcpwatch-agreement-'));
  try {
    const run = await runCli(suite, ['server', '--url', url, '--scenario', scenario, '--spec-version', revision, '--timeout', '20000', '-o', out], SUITE_TIMEOUT_MS);
    try {
      return { checks: readChecks(out), note: '' };
    } catch (err) {
      // The suite wrote no checks we can read (e.g. an error message past its own schema's cap).
      return { checks: [], note: `suite output unreadable (exit ${run.code}): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}

describe(`conformance agreement: mcpwatch compliance checks vs the official suite ${located.suite?.version ?? ''}`, { skip: located.skip ?? located.fail !== undefined }, () => {
  const suite = located.suite as Suite;
  const rows: AgreementRow[] = [];
  const seenKnown = new Set<string>();

  after(() => {
    const table = formatAgreement(rows);
    writeFileSync(AGREEMENT_FILE, `${table}\n`);
    console.log(`\nConformance agreement (also in ${AGREEMENT_FILE}):\n\n${table}\n`);
  });

  for (const { name, start } of SERVERS) {
    test(name, async (t) => {
      const server = await start();
      try {
        // mcpwatch judges each era's requirements in that era: forced, so a dual-era server is
        // judged as a 2025 server too, as the suite's 2025-11-25 runs judge it. A report is kept
        // only when the server spoke the era asked for.
        const eras: Era[] = ['modern', 'streamable'];
        const reports = new Map<Era, ComplianceReport>();
        await Promise.all(
          eras.map(async (era) => {
            const report = await runCompliance({ url: server.url, era, listTools: true }, SETTINGS, { hosts: null });
            if (report.era === era) reports.set(era, report);
          }),
        );
        // The suite runs only where mcpwatch found the era spoken: elsewhere no requirement can be
        // judged by both, and the suite's runs are most of this test's time.
        const runs = [...new Set(CORRESPONDENCES.filter((c) => reports.has(eraOfRevision(c.revision))).map((c) => `${c.scenario}@${c.revision}`))];
        const suiteRuns = new Map(
          await inBatches(runs, PARALLEL_SCENARIOS, async (key) => {
            const [scenario, revision] = key.split('@') as [string, string];
            return [key, await suiteChecks(suite, server.url, scenario, revision)] as const;
          }),
        );
        for (const c of CORRESPONDENCES) {
          const report = reports.get(eraOfRevision(c.revision));
          const result = report?.results.find((r) => r.id === c.check);
          const run = suiteRuns.get(`${c.scenario}@${c.revision}`);
          const row: AgreementRow = {
            server: name,
            check: c.check,
            suite: `${c.scenario}@${c.revision}: ${c.suiteChecks.join(', ')}`,
            mcpwatch: mcpwatchVerdict(result?.outcome),
            suiteVerdict: suiteVerdict(run?.checks ?? [], c.suiteChecks),
            note: !report
              ? `the server does not speak ${eraOfRevision(c.revision)}; suite not run`
              : result?.outcome === 'pass' || result?.outcome === 'fail'
                ? run?.note || 'suite gave no verdict'
                : `mcpwatch: ${result?.outcome ?? 'missing'}`,
          };
          rows.push(row);
          t.diagnostic(`${c.check} @ ${c.revision}: mcpwatch ${row.mcpwatch ?? '—'} (${result?.evidence ?? ''}) · suite ${row.suiteVerdict ?? '—'}`);
          if (!compared(row)) continue;
          const key = `${name}|${c.check}|${c.revision}`;
          const known = KNOWN_DISAGREEMENTS[key];
          if (known !== undefined) {
            seenKnown.add(key);
            assert.notEqual(row.mcpwatch, row.suiteVerdict, `${key} is listed as a known disagreement (${known}) but now agrees: remove it`);
          } else {
            assert.equal(row.mcpwatch, row.suiteVerdict, `${key}: mcpwatch says ${row.mcpwatch} (${result?.evidence ?? ''}), the suite says ${row.suiteVerdict}`);
          }
        }
      } finally {
        await server.close();
      }
    });
  }

  test('every correspondence was judged by both sides on at least one server', () => {
    const judged = new Set(rows.filter(compared).map((r) => `${r.check}|${r.suite}`));
    const never = CORRESPONDENCES.filter((c) => ![...judged].some((j) => j.startsWith(`${c.check}|${c.scenario}@${c.revision}:`)));
    assert.deepEqual(never.map((c) => `${c.check} ↔ ${c.scenario}@${c.revision}`), []);
  });

  test('every known disagreement still occurs', () => {
    assert.deepEqual(Object.keys(KNOWN_DISAGREEMENTS).filter((k) => !seenKnown.has(k)), []);
  });
});
