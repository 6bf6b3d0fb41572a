// Alert settings changed while alerting runs, on real parts: a channel, a route and a maintenance
// window made through AlertSettings (what the API calls) take effect on the next pass without a
// restart, deleting a channel stops its deliveries, and a channel made through the API cannot be
// pointed at a loopback receiver unless it is allowed to (the receiver sees no request at all).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AlertSettings } from '../../src/alerts/settings.ts';
import { startAlerts, type AlertsService } from '../../src/alerts/start.ts';
import { DEFAULT_ALERTS } from '../../src/config/schema.ts';
import { SqliteAlertSettings } from '../../src/store/sqlite/alert-settings.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { startHttpReceiver, type HttpReceiver } from './fixtures/receivers.ts';
import { MIN, openWorld, type World } from './fixtures/world.ts';

const SECRET = 'hmac-key-api-channel-0815';

const YAML = `
probe:
  allowPrivate: true
endpoints:
  - name: Weather
    slug: weather
    url: https://weather.example.com/mcp
    tags: [prod]
  - name: Search
    slug: search
    url: https://search.example.com/mcp
`;

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function setup(): Promise<{ world: World; receiver: HttpReceiver; settings: AlertSettings; alerts: AlertsService }> {
  const receiver = await startHttpReceiver({ secret: SECRET });
  const world = await openWorld(YAML);
  const settings = await AlertSettings.open({ base: DEFAULT_ALERTS, store: new SqliteAlertSettings(world.store.database), allowPrivate: true, clock: world.clock, logger: world.logger });
  const alerts = await startAlerts({
    store: world.store,
    outbox: new SqliteOutbox(world.store.database, { clock: world.clock }),
    config: world.config,
    settings,
    recorder: world.recorder,
    logger: world.logger,
    clock: world.clock,
    options: { pollMs: 3_600_000, wakeDelayMs: 3_600_000, stopGraceMs: 500, dispatch: { attemptTimeoutMs: 2000 } },
  });
  cleanup.push(
    () => receiver.close(),
    () => world.close(),
    () => alerts.stop(),
  );
  return { world, receiver, settings, alerts };
}

/** An outage that opens an incident, then its recovery; returns after the opening. */
async function down(world: World, slug: string): Promise<void> {
  await world.round(slug, 'up');
  world.now += MIN;
  await world.round(slug, 'down');
  world.now += MIN;
  await world.round(slug, 'down');
}

async function up(world: World, slug: string): Promise<void> {
  world.now += MIN;
  await world.round(slug, 'up');
}

const kinds = (receiver: HttpReceiver): string[] => receiver.accepted.map((r) => `${(JSON.parse(r.body) as { kind: string; endpoint: { slug: string } }).endpoint.slug}:${(JSON.parse(r.body) as { kind: string }).kind}`);

describe('alert settings while alerting runs', () => {
  test('a channel, a route and a window made at run time apply from the next pass; a deleted channel hears nothing more', async () => {
    const { world, receiver, settings, alerts } = await setup();
    await settings.createChannel({ name: 'lan-hook', type: 'webhook', url: `${receiver.url}/in`, secret: SECRET, allowPrivate: true });
    await down(world, 'weather');
    await alerts.runOnce();
    assert.deepEqual(kinds(receiver), ['weather:incident_opened']);
    assert.equal(receiver.forged.length, 0, 'signed with the secret given through the API');

    // A route narrows the channel to prod; search is not prod.
    await settings.createRoute({ channels: ['lan-hook'], tags: ['prod'] });
    await down(world, 'search');
    await alerts.runOnce();
    assert.deepEqual(kinds(receiver), ['weather:incident_opened'], 'search is routed nowhere');

    // A window over weather holds its recovery back until the window ends.
    await settings.createWindow({ endpoints: ['weather'], end: new Date(world.now + 30 * MIN).toISOString() });
    await up(world, 'weather');
    await alerts.runOnce();
    assert.deepEqual(kinds(receiver), ['weather:incident_opened'], 'held back inside the window');
    assert.equal((await alerts.outbox.counts()).suppressed, 1);
    world.now += 30 * MIN;
    await alerts.runOnce();
    assert.deepEqual(kinds(receiver), ['weather:incident_opened', 'weather:incident_resolved'], 'announced once the window is over');

    // Deleting the route and then the channel: nothing is enqueued for it any more.
    const route = settings.routes().find((r) => r.source === 'api');
    await settings.deleteRoute(route!.id!);
    await settings.deleteChannel('lan-hook');
    await down(world, 'weather');
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 2);
    assert.equal((await alerts.outbox.counts()).pending, 0);
    assert.ok(world.logs.some((l) => l.includes('alert settings changed')));
    assert.ok(!world.logs.join('\n').includes(SECRET), 'the secret is in no log line');
  });

  test('a channel made through the API that names loopback without allowPrivate is refused at delivery, and the receiver sees nothing', async () => {
    const { world, receiver, settings, alerts } = await setup();
    // localhost is a name (the literal 127.0.0.1 is refused when the channel is made): judged
    // on the address it resolves to, at delivery.
    await settings.createChannel({ name: 'sneaky', type: 'webhook', url: `http://localhost:${new URL(receiver.url).port}/in`, secret: SECRET });
    await down(world, 'weather');
    await alerts.runOnce();
    assert.equal(receiver.requests.length, 0);
    const [dead] = await alerts.outbox.deadLetters({ limit: 5 });
    assert.equal(dead?.channel, 'sneaky');
    assert.match(dead?.lastError ?? '', /refusing to deliver to localhost: .*loopback/);
  });
});
