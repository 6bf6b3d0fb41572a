// A round always ends in a result: a probe that throws (runProbe never does, but the round does
// not rely on it) is recorded with a code, and a throwing listener cannot cost a round its data.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_HEALTH_POLICY } from '../../src/domain/health.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../src/probe/run-probe.ts';
import { Recorder } from '../../src/service/recorder.ts';
import { runRound, type ProbeFn } from '../../src/service/round.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { definition, tempDir } from '../store/helper.ts';

const endpoint = { ...definition('thrower', { url: 'https://thrower.example/mcp' }), id: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archivedAt: null };
const wallClock = (): Date => new Date('2026-11-25T12:00:00.000Z');

describe('runRound', () => {
  const cases: ReadonlyArray<{ name: string; thrown: unknown; detail: RegExp }> = [
    { name: 'a RangeError', thrown: new RangeError('Maximum call stack size exceeded'), detail: /\(RangeError: Maximum call stack size exceeded\); this is a bug in mcpwatch/ },
    { name: 'a string', thrown: 'boom', detail: /\(boom\)/ },
    { name: 'undefined', thrown: undefined, detail: /\(a non-error value was thrown\)/ },
  ];
  for (const c of cases) {
    test(`a probe that throws ${c.name} still gives a recorded result, after the usual retry`, async () => {
      let calls = 0;
      const probe: ProbeFn = () => {
        calls += 1;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what is thrown is the case
        return Promise.reject(c.thrown);
      };
      const round = await runRound(probe, endpoint, null, DEFAULT_PROBE_SETTINGS, { wallClock }, true);
      assert.equal(calls, 2);
      assert.equal(round.retried, true);
      assert.deepEqual([round.result.status, round.result.code, round.result.url, round.result.startedAt], ['down', 'INVALID_JSONRPC', endpoint.url, '2026-11-25T12:00:00.000Z']);
      assert.match(round.result.detail, c.detail);
      assert.equal(round.firstAttempt?.code, 'INVALID_JSONRPC');
    });
  }

  test('a probe that throws synchronously is caught too', async () => {
    const probe: ProbeFn = () => {
      throw new TypeError('not a function');
    };
    const round = await runRound(probe, endpoint, null, DEFAULT_PROBE_SETTINGS, { wallClock }, false);
    assert.equal(round.result.code, 'INVALID_JSONRPC');
  });
});

describe('Recorder with a listener that throws', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('the round, its state and its tool snapshot are kept', async () => {
    const store = openSqliteStore(join(dir, 'mcpwatch.db'));
    try {
      const stored = await store.createEndpoint(definition('listener'));
      const recorder = await Recorder.open(store, { ...DEFAULT_HEALTH_POLICY, downAfter: 1 });
      recorder.onEvent(() => {
        throw new Error('alert engine bug');
      });
      const round = (hash: string) => ({ result: probeResult({ tools: { count: 1, hash, names: ['echo'], pages: 1, truncated: false } }), retried: false, firstAttempt: null });
      recorder.record(stored, round('h1'), { plannedAt: 0, startedAt: 1, stalled: false });
      // A changed tool list is an event: the listener fires and throws.
      assert.throws(() => recorder.record(stored, round('h2'), { plannedAt: 0, startedAt: 2, stalled: false }), /alert engine bug/);
      assert.equal(recorder.pending, 2);
      assert.equal(recorder.state(stored.id).toolsHash, 'h2');
      await recorder.flush();
      assert.deepEqual((await store.toolSnapshots(stored.id, 10)).map((s) => s.hash), ['h2', 'h1']);
    } finally {
      store.close();
    }
  });
});
