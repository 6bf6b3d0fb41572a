// When the compliance checks run: once per interval per endpoint at its own phase, a bounded
// number at once, never for paused or archived endpoints, read back from the stored reports on
// start, and stopped with the singleton work.
//
// The runner here is a plain function standing in for the ComplianceRunner port (a test double of
// the port, not a mock of a module): this file tests WHEN checks run, and a real runner would make
// every case wait on real servers and their timeouts. The checks themselves are tested against
// real fault servers next to them, and the end-to-end test (test/service/serve-compliance.test.ts)
// runs the real runner against a real MCP server. The store is a real SQLite database.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ComplianceReport, ComplianceRunner } from '../../src/domain/compliance.ts';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { phaseMs } from '../../src/domain/phase.ts';
import { ComplianceBook } from '../../src/service/compliance-book.ts';
import { ComplianceSchedule, complianceRecorder } from '../../src/service/compliance-schedule.ts';
import { openSqliteStorage } from '../../src/store/sqlite/open.ts';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { definition, manualClock, tempDir } from '../store/helper.ts';

const tmp = tempDir();
after(tmp.cleanup);
const log = pino({ level: 'silent' });
const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-02T00:00:00.000Z');
let n = 0;

function reportAt(at: number): ComplianceReport {
  return { checkedAt: new Date(at).toISOString(), era: 'streamable', protocolVersion: '2025-06-18', results: [{ id: 'x.pass', level: 'MUST', outcome: 'pass', evidence: 'ok' }], durationMs: 5 };
}

/** A runner whose runs end when the test says so; it records what it was asked to check. */
function gatedRunner(clock: () => number) {
  const calls: Array<{ slug: string; signal: AbortSignal | undefined; finish: () => void }> = [];
  const run: ComplianceRunner = (endpoint, signal) =>
    new Promise((resolve) => {
      const at = clock();
      const finish = () => resolve(reportAt(at));
      signal?.addEventListener('abort', finish, { once: true });
      calls.push({ slug: endpoint.slug, signal, finish });
    });
  return { run, calls };
}

async function setup(options: { concurrency?: number; slugs?: string[] } = {}) {
  const clock = manualClock(T0);
  const storage = openSqliteStorage(join(tmp.dir, `schedule-${n++}.db`), { clock: clock.now });
  after(() => storage.close());
  const endpoints: Endpoint[] = [];
  for (const slug of options.slugs ?? ['a', 'b', 'c']) endpoints.push(await storage.store.createEndpoint(definition(slug)));
  const runner = gatedRunner(clock.now);
  const book = new ComplianceBook({ reports: storage.compliance, history: storage.store, clock: clock.now, policy: DEFAULT_HEALTH_POLICY, latencyBudgetMs: 1000, log });
  const record = complianceRecorder({ run: runner.run, store: storage.compliance, onReport: (id, report) => book.put(id, report), timeoutMs: 60_000 });
  let list = endpoints;
  const schedule = new ComplianceSchedule({
    record,
    reports: storage.compliance,
    endpoints: () => list,
    intervalMs: HOUR,
    concurrency: options.concurrency ?? 2,
    clock: clock.now,
    log,
    tickMs: 0,
  });
  after(() => schedule.stop());
  return { clock, storage, endpoints, runner, schedule, book, record, setList: (next: Endpoint[]) => (list = next) };
}

/** Yields to the loop until `done` holds, for at most a few thousand turns. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(done(), 'condition never held');
}

describe('compliance schedule', () => {
  test('never-checked endpoints are due at once, at most `concurrency` at a time; a freed slot is used at once', async () => {
    const s = await setup();
    await s.schedule.start();
    assert.equal(s.runner.calls.length, 2);
    assert.equal(s.schedule.inFlight, 2);
    assert.deepEqual(s.schedule.tick(), [], 'no slot free');
    s.runner.calls[0]!.finish();
    await until(() => s.runner.calls.length === 3);
    assert.deepEqual(s.runner.calls.map((c) => c.slug).sort(), ['a', 'b', 'c'], 'each once');
    for (const c of s.runner.calls) c.finish();
    await s.schedule.idle();
    assert.deepEqual([...(await s.storage.compliance.latestReports()).keys()].sort(), s.endpoints.map((e) => e.id).sort(), 'every report stored');
    assert.ok(s.book.get(s.endpoints[0]!.id), 'and handed to the book');
  });

  test('once checked, an endpoint waits for its own phase in the next interval', async () => {
    const s = await setup({ slugs: ['solo'] });
    await s.schedule.start();
    s.runner.calls[0]!.finish();
    await s.schedule.idle();
    const id = s.endpoints[0]!.id;
    const phase = phaseMs(id, HOUR);
    // T0 is on the hour: the next slot is T0 + phase (or the next hour's if the phase is 0).
    const nextSlot = phase === 0 ? T0 + HOUR : T0 + phase;
    s.clock.set(nextSlot - 1000);
    assert.deepEqual(s.schedule.tick(), [], 'not before its slot');
    s.clock.set(nextSlot);
    assert.deepEqual(s.schedule.tick(), [id], 'at its slot');
  });

  test('phases spread a fleet over the interval', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => phaseMs(i + 1, HOUR));
    const quarters = [0, 0, 0, 0];
    for (const p of phases) quarters[Math.floor(p / (HOUR / 4))]!++;
    for (const q of quarters) assert.ok(q > 150 && q < 350, `each quarter of the hour holds about a quarter: ${quarters.join(', ')}`);
  });

  test('paused and archived endpoints are never checked', async () => {
    const s = await setup();
    const [a, b, c] = s.endpoints as [Endpoint, Endpoint, Endpoint];
    s.setList([{ ...a, paused: true }, { ...b, archivedAt: new Date(T0).toISOString() }, c]);
    await s.schedule.start();
    assert.deepEqual(
      s.runner.calls.map((x) => x.slug),
      ['c'],
    );
  });

  test('a restart reads the last checks back: an endpoint checked in its current slot is not checked again', async () => {
    const s = await setup({ slugs: ['done', 'todo'] });
    const [done] = s.endpoints as [Endpoint, Endpoint];
    s.clock.set(T0 + 2 * HOUR);
    await s.storage.compliance.saveReport(done.id, reportAt(T0 + 2 * HOUR - 1));
    // The slot of `done` that started last; its report is after it, so it is not due.
    const slotStart = T0 + 2 * HOUR - ((T0 + 2 * HOUR - phaseMs(done.id, HOUR)) % HOUR);
    await s.storage.compliance.saveReport(done.id, reportAt(Math.max(slotStart, T0 + HOUR)));
    await s.schedule.start();
    assert.deepEqual(
      s.runner.calls.map((x) => x.slug),
      ['todo'],
    );
  });

  test('stop aborts the runs in flight and stores nothing of them', async () => {
    const s = await setup({ slugs: ['a'] });
    await s.schedule.start();
    const call = s.runner.calls[0]!;
    await s.schedule.stop();
    assert.equal(call.signal?.aborted, true);
    assert.equal(await s.storage.compliance.latestReport(s.endpoints[0]!.id), undefined);
    assert.deepEqual(s.schedule.tick(), [], 'a stopped schedule starts nothing');
  });

  test('on demand: the recorder stores and grades at once; an endpoint deleted meanwhile is not graded', async () => {
    const s = await setup({ slugs: ['a', 'gone'] });
    const [a, gone] = s.endpoints as [Endpoint, Endpoint];
    const pending = s.record(a);
    s.runner.calls[0]!.finish();
    const report = await pending;
    assert.deepEqual(await s.storage.compliance.latestReport(a.id), report);
    assert.deepEqual(s.book.get(a.id)?.grade.pending, ['no-rounds'], 'graded (pending: no rounds yet)');
    await s.storage.store.deleteEndpoint(gone.id);
    const late = s.record(gone);
    s.runner.calls[1]!.finish();
    await late;
    assert.equal(s.book.get(gone.id), undefined);
  });
});
