// The whole path on real parts: Recorder → SQLite events → rules → outbox → dispatcher → a real
// loopback receiver. The clock is injected, so backoff is stepped, not waited for.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAlerts, type AlertLoopOptions, type AlertsService } from '../../src/alerts/start.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { startHttpReceiver, type HttpReceiver } from './fixtures/receivers.ts';
import { MIN, openWorld, T0, type World } from './fixtures/world.ts';

const SECRET = 'hmac-secret-4711';
const PATH_TOKEN = 'T000/B000/path-token-0815';

export function hookYaml(extra = ''): string {
  return `
publicUrl: https://status.example.com
endpoints:
  - name: Weather
    slug: weather
    url: https://weather.example.com/mcp
    public: true
    tags: [prod]
  - name: Internal
    slug: internal
    url: https://internal.example.com/mcp
alerts:
  channels:
    - name: hook
      type: webhook
      url: { env: HOOK_URL }
      secret: { env: HOOK_SECRET }
${extra}`;
}

const FAST: Partial<AlertLoopOptions> = {
  // The test drives every pass itself with runOnce().
  pollMs: 3_600_000,
  wakeDelayMs: 3_600_000,
  stopGraceMs: 500,
  dispatch: { baseBackoffMs: 1000, maxBackoffMs: 8000, attemptTimeoutMs: 2000, maxAttempts: 4 },
};

function start(world: World, options: Partial<AlertLoopOptions> = FAST): Promise<AlertsService> {
  return startAlerts({ store: world.store, outbox: new SqliteOutbox(world.store.database, { clock: world.clock }), config: world.config, recorder: world.recorder, logger: world.logger, clock: world.clock, options });
}

/** Up, then two failed rounds a minute apart: an incident opens at T0+2 min. */
async function outage(world: World, slug = 'weather'): Promise<void> {
  await world.round(slug, 'up');
  world.now += MIN;
  await world.round(slug, 'down');
  world.now += MIN;
  await world.round(slug, 'down');
}

interface WebhookBody {
  id: string;
  kind: string;
  endpoint: { slug: string } | null;
  status: string | null;
  code: string | null;
  detail: string | null;
  at: string;
  link: string | null;
  title: string;
  data: Record<string, unknown>;
}

const body = (r: { body: string }): WebhookBody => JSON.parse(r.body) as WebhookBody;

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function setup(
  respond?: NonNullable<Parameters<typeof startHttpReceiver>[0]>['respond'],
  extraYaml = '',
  options: Partial<AlertLoopOptions> = FAST,
): Promise<{ world: World; receiver: HttpReceiver; alerts: AlertsService }> {
  const receiver = await startHttpReceiver({ secret: SECRET, ...(respond ? { respond } : {}) });
  const world = await openWorld(hookYaml(extraYaml), { HOOK_URL: `${receiver.url}/hooks/${PATH_TOKEN}`, HOOK_SECRET: SECRET });
  const alerts = await start(world, options);
  cleanup.push(
    () => receiver.close(),
    () => world.close(),
    () => alerts.stop(),
  );
  return { world, receiver, alerts };
}

function assertNoSecrets(world: World): void {
  const text = world.logs.join('\n');
  for (const secret of [SECRET, PATH_TOKEN]) assert.ok(!text.includes(secret), `a log line contains ${secret}`);
  for (const entry of world.store.database.prepare<[], { message: string; last_error: string | null }>('SELECT message, last_error FROM alert_outbox').all()) {
    for (const secret of [SECRET, PATH_TOKEN]) assert.ok(!`${entry.message}${entry.last_error ?? ''}`.includes(secret), `the outbox holds ${secret}`);
  }
}

describe('delivery', () => {
  test('a receiver that fails twice then succeeds gets the message once, signed, with the same key each time', async () => {
    let calls = 0;
    const { world, receiver, alerts } = await setup(() => (++calls <= 2 ? { status: 500, body: 'try later' } : { status: 204 }));
    await outage(world);

    await alerts.runOnce();
    const [entry] = await alerts.outbox.entries({ limit: 10 });
    assert.deepEqual([entry?.status, entry?.attempts, entry?.dueMs, entry?.lastError], ['pending', 1, world.now + 1000, 'HTTP 500: try later']);
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 1, 'not due yet: no second attempt');

    world.now += 1000;
    await alerts.runOnce();
    assert.equal((await alerts.outbox.get(entry!.id))?.dueMs, world.now + 2000, 'backoff doubles');
    world.now += 2000;
    await alerts.runOnce();

    assert.equal(receiver.requests.length, 3);
    assert.equal(receiver.forged.length, 0, 'every attempt carries a valid signature');
    assert.equal(receiver.accepted.length, 1);
    assert.equal(new Set(receiver.requests.map((r) => r.headers['idempotency-key'])).size, 1);
    const sent = body(receiver.accepted[0]!);
    assert.equal(receiver.accepted[0]!.path, `/hooks/${PATH_TOKEN}`);
    assert.equal(receiver.accepted[0]!.headers['idempotency-key'], sent.id);
    assert.deepEqual(
      [sent.kind, sent.endpoint?.slug, sent.status, sent.code, sent.detail, sent.at, sent.link, sent.title],
      ['incident_opened', 'weather', 'down', 'HTTP_5XX', 'HTTP 503 from the server', new Date(T0 + 2 * MIN).toISOString(), 'https://status.example.com/status/weather', 'Weather is down'],
    );
    const done = await alerts.outbox.get(entry!.id);
    assert.deepEqual([done?.status, done?.attempts, done?.lastError], ['delivered', 3, null]);

    await alerts.runOnce();
    assert.equal(receiver.requests.length, 3, 'delivered means delivered: nothing more is sent');
    assertNoSecrets(world);
  });

  test('the retry limit makes a dead letter; a refusal (4xx) makes one at once', async () => {
    const { world, receiver, alerts } = await setup((r) => (r.path.includes('internal') || body(r).endpoint?.slug === 'internal' ? { status: 404, body: 'no_service' } : { status: 503, body: 'down for maintenance' }));
    await outage(world, 'weather');
    await outage(world, 'internal');
    for (let i = 0; i < 6; i++) {
      await alerts.runOnce();
      world.now += 10_000;
    }
    const dead = await alerts.outbox.deadLetters({ limit: 10 });
    assert.deepEqual(
      dead.map((d) => [d.message.endpoint?.slug, d.attempts, d.lastError]),
      [
        ['internal', 1, 'HTTP 404: no_service'],
        ['weather', 4, 'HTTP 503: down for maintenance'],
      ],
    );
    assert.equal(receiver.requests.length, 5);
    assert.deepEqual(await alerts.outbox.counts(), { pending: 0, delivered: 0, dead: 2, suppressed: 0 });

    assert.equal(await alerts.outbox.retry(dead[1]!.id), true, 'a dead letter can be queued again (for the API)');
    assert.equal((await alerts.outbox.get(dead[1]!.id))?.status, 'pending');
  });

  test('an attempt that times out is made again with the same key, and the receiver drops the repeat', async () => {
    let calls = 0;
    const { world, receiver, alerts } = await setup(() => (++calls === 1 ? { status: 200, delayMs: 1000 } : { status: 200 }), '', {
      ...FAST,
      dispatch: { ...FAST.dispatch, attemptTimeoutMs: 150 },
    });
    await outage(world);
    await alerts.runOnce();
    const [entry] = await alerts.outbox.entries({ limit: 1 });
    assert.deepEqual([entry?.status, entry?.lastError], ['pending', 'no answer within the time limit']);
    world.now += 1000;
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 2);
    assert.equal(receiver.requests[0]!.headers['idempotency-key'], receiver.requests[1]!.headers['idempotency-key']);
    assert.equal(receiver.accepted.length, 1);
    assert.equal((await alerts.outbox.get(entry!.id))?.status, 'delivered');
  });

  test('an incident, a reminder an hour later, and the resolution with its duration', async () => {
    const { world, receiver, alerts } = await setup();
    await outage(world);
    await alerts.runOnce();
    world.now += 59 * MIN;
    await world.round('weather', 'down');
    await alerts.runOnce();
    world.now += MIN;
    await alerts.runOnce();
    world.now += 30 * MIN;
    await world.round('weather', 'up');
    await alerts.runOnce();
    assert.deepEqual(
      receiver.accepted.map((r) => [body(r).kind, body(r).title]),
      [
        ['incident_opened', 'Weather is down'],
        ['incident_reminder', 'Weather is still down (1 h 1 min)'],
        ['incident_resolved', 'Weather is back up after 1 h 31 min'],
      ],
    );
    // The internal endpoint is not public: its link is the dashboard.
    await outage(world, 'internal');
    await alerts.runOnce();
    assert.equal(body(receiver.accepted.at(-1)!).link, 'https://status.example.com/');
  });

  test('a maintenance window suppresses, and its end resumes', async () => {
    const window = `  maintenance:\n    - tags: [prod]\n      start: "${new Date(T0 + 10 * MIN).toISOString()}"\n      end: "${new Date(T0 + 70 * MIN).toISOString()}"\n`;
    const { world, receiver, alerts } = await setup(undefined, window);
    await world.round('weather', 'up');
    world.now = T0 + 15 * MIN;
    await world.round('weather', 'down');
    world.now += MIN;
    await world.round('weather', 'down');
    await alerts.runOnce();
    world.now = T0 + 40 * MIN;
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 0, 'nothing is sent inside the window');
    assert.deepEqual(
      (await alerts.outbox.entries({ limit: 10 })).map((e) => [e.kind, e.status, e.suppressedReason]),
      [['incident_opened', 'suppressed', 'maintenance']],
    );

    world.now = T0 + 70 * MIN;
    await alerts.runOnce();
    world.now += MIN;
    await world.round('weather', 'up');
    await alerts.runOnce();
    assert.deepEqual(
      receiver.accepted.map((r) => [body(r).kind, body(r).title, body(r).data.late]),
      [
        ['incident_opened', 'Weather is still down', true],
        ['incident_resolved', 'Weather is back up after 56 min', false],
      ],
    );
    // The internal endpoint is not tagged prod: the window never covered it.
    await outage(world, 'internal');
    await alerts.runOnce();
    assert.equal(body(receiver.accepted.at(-1)!).endpoint?.slug, 'internal');
  });

  test('a channel whose secret is unset dead-letters its messages; the others still deliver', async () => {
    const receiver = await startHttpReceiver({ secret: SECRET });
    const world = await openWorld(hookYaml('    - name: chat\n      type: slack\n      url: { env: SLACK_URL }\n'), { HOOK_URL: `${receiver.url}/h`, HOOK_SECRET: SECRET });
    const alerts = await start(world);
    cleanup.push(
      () => receiver.close(),
      () => world.close(),
      () => alerts.stop(),
    );
    await outage(world);
    await alerts.runOnce();
    assert.deepEqual(
      (await alerts.outbox.entries({ limit: 10 })).map((e) => [e.channel, e.status, e.lastError]),
      [
        ['chat', 'dead', 'channel disabled: environment variable SLACK_URL is not set'],
        ['hook', 'delivered', null],
      ],
    );
  });

  test('alerting starts from now on a database with history, and derives nothing twice', async () => {
    const receiver = await startHttpReceiver({ secret: SECRET });
    const world = await openWorld(hookYaml(), { HOOK_URL: `${receiver.url}/h`, HOOK_SECRET: SECRET });
    cleanup.push(
      () => receiver.close(),
      () => world.close(),
    );
    await outage(world);
    const alerts = await start(world);
    await alerts.runOnce();
    await alerts.stop();
    assert.equal(receiver.requests.length, 0, 'history before the first start is not announced');

    world.now += MIN;
    await world.round('weather', 'up');
    world.now += MIN;
    await outage(world);
    const again = await start(world);
    await again.runOnce();
    await again.runOnce();
    await again.stop();
    const third = await start(world);
    await third.runOnce();
    await third.stop();
    assert.deepEqual(
      receiver.accepted.map((r) => body(r).kind),
      ['incident_opened'],
    );
    assert.deepEqual(await alerts.outbox.counts(), { pending: 0, delivered: 1, dead: 0, suppressed: 1 });
  });
});

describe('delivery across a crash', () => {
  const script = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

  function runChild(dir: string, receiverUrl: string, mode: 'enqueue' | 'in-flight'): { exited: Promise<NodeJS.Signals | number | null>; kill(): void } {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, receiverUrl, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    return { exited, kill: () => child.kill('SIGKILL') };
  }

  test('a process killed after writing to the outbox, restarted, still delivers', async () => {
    const receiver = await startHttpReceiver({ secret: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-crash-'));
    cleanup.push(() => receiver.close());
    const child = runChild(dir, receiver.url, 'enqueue');
    assert.equal(await child.exited, 'SIGKILL');
    assert.equal(receiver.requests.length, 0, 'the child died before sending');

    const world = await openWorld(hookYaml(), { HOOK_URL: `${receiver.url}/h`, HOOK_SECRET: SECRET }, dir);
    world.now = T0 + 10 * MIN;
    const alerts = await start(world);
    cleanup.push(
      () => world.close(),
      () => alerts.stop(),
    );
    await alerts.runOnce();
    assert.deepEqual(
      receiver.accepted.map((r) => body(r).kind),
      ['incident_opened'],
    );
    assert.deepEqual(await alerts.outbox.counts(), { pending: 0, delivered: 1, dead: 0, suppressed: 0 });
  });

  test('a process killed while sending sends again after the restart, and the key makes it one message', async () => {
    let calls = 0;
    // The first request is taken in and never answered: the sender dies waiting.
    const receiver = await startHttpReceiver({ secret: SECRET, respond: () => (++calls === 1 ? { status: 200, hang: true } : { status: 200 }) });
    const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-crash-'));
    cleanup.push(() => receiver.close());
    const child = runChild(dir, receiver.url, 'in-flight');
    await receiver.waitFor(1, 20_000);
    child.kill();
    assert.equal(await child.exited, 'SIGKILL');

    const world = await openWorld(hookYaml(), { HOOK_URL: `${receiver.url}/h`, HOOK_SECRET: SECRET }, dir);
    world.now = T0 + 10 * MIN;
    const alerts = await start(world);
    cleanup.push(
      () => world.close(),
      () => alerts.stop(),
    );
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 2);
    assert.equal(receiver.requests[0]!.headers['idempotency-key'], receiver.requests[1]!.headers['idempotency-key']);
    assert.equal(receiver.accepted.length, 1);
    const [entry] = await alerts.outbox.entries({ limit: 1 });
    assert.deepEqual([entry?.status, entry?.attempts], ['delivered', 1]);
    assert.ok(readFileSync(join(dir, 'mcpwatch.db')).length > 0);
  });
});
