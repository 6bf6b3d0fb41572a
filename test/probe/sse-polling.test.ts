// SSE polling (SEP-1699) and the -32022 corrective retry, against a real server on loopback
// (test/fixtures/polling-server.ts) that closes response streams after a priming event and
// serves the response to GET + Last-Event-ID. Time is only bounded from below where the
// protocol demands a wait (the client MUST NOT reconnect before `retry`), and from above with
// the probe's own limits plus a wide margin.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { formatCheck } from '../../src/cli/format-check.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { DEFAULT_RETRY_MS, MAX_RECONNECTS } from '../../src/domain/sse-resumption.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeRequest, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { startPollingServer, type PollingServer, type PollingServerOptions } from '../fixtures/polling-server.ts';

/** Timer granularity: how much sooner than asked a wait may be measured to end (the suite allows 50). */
const EARLY_MS = 50;
/** Slack for a loaded 2-core runner on top of the limit that ends a probe. */
// Bounds, not measurements: they tell "stopped at the deadline" from "waited out a 60 s retry or
// looped", with room for a loaded 2-core runner where a process can stall for seconds.
const MARGIN_MS = 10_000;

const SETTINGS: ProbeSettings = Object.freeze({ ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, timeoutMs: 6000, sseEventMs: 4000 });

const servers: PollingServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function probe(options: PollingServerOptions, request: Omit<ProbeRequest, 'url'> = {}, settings: ProbeSettings = SETTINGS) {
  const server = await startPollingServer(options);
  servers.push(server);
  const started = performance.now();
  const result = await runProbe({ url: server.url, ...request }, settings);
  return { server, result, wallMs: performance.now() - started };
}

function gets(server: PollingServer) {
  return server.requests.filter((r) => r.httpMethod === 'GET');
}

function reconnectRows(result: ProbeResult) {
  return result.phases.filter((p) => p.phase === 'reconnect');
}

/**
 * Every GET came back with the id of the stream it resumes, no sooner than `retry` after it
 * closed; `unresumed` streams at the end were given up on.
 */
function assertResumedInOrder(server: PollingServer, retryMs: number, unresumed = 0): void {
  const resumed = gets(server);
  assert.ok(resumed.length > 0, 'the client never reconnected');
  assert.equal(resumed.length, server.primed.length - unresumed, 'one GET per closed stream');
  resumed.forEach((get, i) => {
    const primed = server.primed[i]!;
    assert.equal(get.lastEventId, primed.id, `GET #${i + 1} Last-Event-ID`);
    assert.match(get.accept ?? '', /text\/event-stream/);
    assert.ok(get.at - primed.closedAt >= retryMs - EARLY_MS, `GET #${i + 1} came ${Math.round(get.at - primed.closedAt)} ms after the close; retry was ${retryMs} ms`);
  });
}

describe('SSE polling: a stream closed after a priming event is resumed by GET + Last-Event-ID', () => {
  test('modern era: server/discover answered on the resumed stream → up, a reconnect row', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll' });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'modern');
    assert.equal(result.protocolVersion, '2026-07-28');
    assertResumedInOrder(server, 100);
    assert.equal(gets(server)[0]!.protocolVersion, '2026-07-28');
    assert.equal(reconnectRows(result).length, 1);
    assert.ok(reconnectRows(result).every((p) => p.ok));
    // The waterfall lists the reconnect after the step it resumed, and the CLI shows it.
    const order = result.phases.map((p) => p.phase);
    assert.ok(order.indexOf('discover') < order.indexOf('reconnect'), order.join(' '));
    assert.match(formatCheck(result), /^ {2}reconnect /m);
  });

  test('modern era with tools/list: each polled request is resumed on its own', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll' }, { listTools: true });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.tools?.count, 1);
    assertResumedInOrder(server, 100);
    assert.equal(reconnectRows(result).length, 2);
  });

  test('legacy streamable era: initialize, ping and tools/list resumed, session carried on every GET', async () => {
    const { server, result } = await probe({ era: 'streamable', reply: 'poll' }, { listTools: true });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'streamable');
    assert.equal(result.tools?.count, 1);
    assertResumedInOrder(server, 100);
    assert.equal(reconnectRows(result).length, 3);
    // The initialize stream is resumed with the session the POST's reply just issued.
    assert.deepEqual(gets(server).map((g) => g.sessionId), ['polling-session-1', 'polling-session-1', 'polling-session-1']);
    assert.deepEqual(gets(server).map((g) => g.protocolVersion), [undefined, '2025-11-25', '2025-11-25']);
    assert.ok(server.requests.some((r) => r.httpMethod === 'DELETE'), 'the session is still ended');
  });

  test('a resumed stream closed again is resumed again, with the newer event id', async () => {
    const { server, result } = await probe({ era: 'streamable', reply: 'poll-twice', pollMethods: ['ping'] });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assertResumedInOrder(server, 100);
    assert.equal(gets(server).length, 2);
    assert.notEqual(gets(server)[0]!.lastEventId, gets(server)[1]!.lastEventId);
    assert.equal(reconnectRows(result).length, 2);
  });

  test(`no retry field: waits the default ${DEFAULT_RETRY_MS} ms before reconnecting`, async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll', retryMs: null });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assertResumedInOrder(server, DEFAULT_RETRY_MS);
  });

  test(`a server that closes forever: ${MAX_RECONNECTS} reconnects, then SSE_NO_RESPONSE (streamable era)`, async () => {
    const { server, result, wallMs } = await probe({ era: 'streamable', reply: 'poll-forever', pollMethods: ['ping'] });
    assert.equal(result.status, 'down');
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.match(result.detail, new RegExp(`gave up after ${MAX_RECONNECTS} reconnects`));
    assert.equal(gets(server).length, MAX_RECONNECTS);
    assertResumedInOrder(server, 100, 1);
    assert.equal(reconnectRows(result).length, MAX_RECONNECTS);
    assert.ok(wallMs < SETTINGS.timeoutMs + MARGIN_MS, `took ${Math.round(wallMs)} ms`);
  });

  test(`a server that closes forever: ${MAX_RECONNECTS} reconnects, then SSE_NO_RESPONSE (modern era, detected)`, async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll-forever' });
    assert.equal(result.code, 'SSE_NO_RESPONSE', result.detail);
    assert.match(result.detail, new RegExp(`gave up after ${MAX_RECONNECTS} reconnects`));
    // Detection went on to initialize, which the modern-only server refused: the broken
    // discover stream is still what is reported, in the modern era.
    assert.equal(result.era, 'modern');
    assert.deepEqual(server.requests.filter((r) => r.httpMethod === 'POST').map((r) => r.rpcMethod), ['server/discover', 'initialize']);
    assert.equal(gets(server).length, MAX_RECONNECTS);
    assertResumedInOrder(server, 100, 1);
  });

  test('reconnects stop when the next retry wait no longer fits the SSE deadline', async () => {
    const settings = { ...SETTINGS, sseEventMs: 1000 };
    const { server, result, wallMs } = await probe({ era: 'streamable', reply: 'poll-forever', pollMethods: ['ping'], retryMs: 400 }, {}, settings);
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.match(result.detail, /asked to reconnect after 400 ms, more than the \d+ ms left/);
    assert.ok(gets(server).length >= 1 && gets(server).length < MAX_RECONNECTS, `${gets(server).length} GETs`);
    assertResumedInOrder(server, 400, 1);
    assert.ok(wallMs < settings.sseEventMs + MARGIN_MS, `took ${Math.round(wallMs)} ms`);
  });

  test('reconnects stop when the next retry wait no longer fits the probe deadline', async () => {
    const settings = { ...SETTINGS, timeoutMs: 1500, sseEventMs: 10_000 };
    const { server, result, wallMs } = await probe({ era: 'streamable', reply: 'poll-forever', pollMethods: ['ping'], retryMs: 500 }, {}, settings);
    assert.equal(result.code, 'SSE_NO_RESPONSE', result.detail);
    assert.match(result.detail, /asked to reconnect after 500 ms, more than the \d+ ms left/);
    assert.ok(gets(server).length < MAX_RECONNECTS, `${gets(server).length} GETs`);
    assert.ok(wallMs < settings.timeoutMs + MARGIN_MS, `took ${Math.round(wallMs)} ms`);
  });

  test('a retry longer than the time left is not waited out', async () => {
    const { server, result, wallMs } = await probe({ era: 'streamable', reply: 'poll', pollMethods: ['ping'], retryMs: 60_000 });
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.match(result.detail, /asked to reconnect after 60000 ms/);
    assert.equal(gets(server).length, 0);
    // The retry asked for is 60 s; anything near it means the probe waited it out.
    assert.ok(wallMs < SETTINGS.sseEventMs + MARGIN_MS, `took ${Math.round(wallMs)} ms`);
  });

  test('modern era forced (--era modern): the same bounded give-up', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll-forever' }, { era: 'modern' });
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.equal(gets(server).length, MAX_RECONNECTS);
  });

  test('a modern server that cannot resume (GET → 405) → SSE_NO_RESPONSE in the modern era', async () => {
    const { result } = await probe({ era: 'modern', reply: 'poll-no-resume' });
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.equal(result.era, 'modern');
    assert.match(result.detail, /with HTTP 405/);
  });

  test('a server that cannot resume (GET → 405) → SSE_NO_RESPONSE naming the 405', async () => {
    const { server, result } = await probe({ era: 'streamable', reply: 'poll-no-resume', pollMethods: ['ping'] });
    assert.equal(result.code, 'SSE_NO_RESPONSE');
    assert.match(result.detail, /reconnecting GET .* with HTTP 405/);
    assert.equal(gets(server).length, 1);
    assert.equal(reconnectRows(result).length, 1);
    assert.equal(reconnectRows(result)[0]!.ok, false);
  });
});

describe('-32022 corrective retry on server/discover', () => {
  test('refused once although listed → retried with the same revision → up', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'json', refuseDiscover: 1 });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assert.equal(result.era, 'modern');
    const discovers = server.requests.filter((r) => r.rpcMethod === 'server/discover');
    assert.equal(discovers.length, 2);
    for (const d of discovers) {
      assert.equal(d.protocolVersion, '2026-07-28');
      assert.equal(d.metaVersion, '2026-07-28');
    }
    assert.deepEqual(result.phases.filter((p) => p.phase === 'discover').map((p) => p.ok), [true, true]);
  });

  test('refused twice → PROTOCOL_VERSION_UNSUPPORTED after exactly two requests, no legacy fallback', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'json', refuseDiscover: 2 });
    assert.equal(result.status, 'down');
    assert.equal(result.code, 'PROTOCOL_VERSION_UNSUPPORTED');
    assert.equal(result.era, 'modern');
    assert.match(result.detail, /refused 2026-07-28 on the retry too/);
    assert.deepEqual(server.requests.map((r) => r.rpcMethod), ['server/discover', 'server/discover']);
  });

  test('the retry also works when the answer then comes by SSE polling', async () => {
    const { server, result } = await probe({ era: 'modern', reply: 'poll', refuseDiscover: 1 });
    assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
    assertResumedInOrder(server, 100);
  });
});
