// Alert channels, routes and maintenance windows through the API, over a real app and a real
// SQLite file: what is accepted and refused (with the file's own messages), that secrets never come
// back, that the file's items are read-only, that changes reach the settings in force at once and
// survive a restart, and that a window made here shows on the public status page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AlertSettings } from '../../src/alerts/settings.ts';
import { DEFAULT_ALERTS } from '../../src/config/schema.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { SqliteAlertSettings } from '../../src/store/sqlite/alert-settings.ts';
import { startHttpReceiver, type HttpReceiver } from '../alerts/fixtures/receivers.ts';
import { buildTestApp, testConfig, type TestApp } from './helper.ts';
import { seedEndpoint } from './page-seed.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0);
const SLACK_URL = 'https://hooks.slack.com/services/T0000/B0000/slack-path-token-4711';
const HOOK_SECRET = 'hmac-key-0815-never-shown';

const YAML = `
probe:
  allowPrivate: true
alerts:
  channels:
    - name: ops-mail
      type: email
      smtp: { host: smtp.example.com, from: alerts@example.com, to: [ops@example.com] }
  maintenance:
    - weekly: { day: sunday, start: "03:00", durationMinutes: 60 }
`;

interface ChannelJson {
  name: string;
  type: string;
  source: string;
  target: string;
  secretsSet: string[];
  allowPrivate: boolean;
  warnings?: string[];
}
interface ErrorJson {
  code: string;
  message: string;
  fields?: Array<{ field: string; message: string }>;
}

describe('alert settings API', () => {
  let t: TestApp;
  let settings: AlertSettings;
  let full: Record<string, string>;
  let ro: Record<string, string>;
  let clock = NOW;

  before(async () => {
    const config = testConfig(YAML);
    t = await buildTestApp({
      config,
      clock: () => clock,
      withStore: async (store) => {
        settings = await AlertSettings.open({ base: config.alerts!, store: new SqliteAlertSettings(store.database, { clock: () => clock }), allowPrivate: config.probe.allowPrivate, clock: () => clock });
        return { alertSettings: settings };
      },
    });
    const fullToken = generateToken();
    const roToken = generateToken();
    await t.store.createToken('full', hashToken(fullToken), false);
    await t.store.createToken('ro', hashToken(roToken), true);
    full = { authorization: `Bearer ${fullToken}` };
    ro = { authorization: `Bearer ${roToken}` };
  });
  after(() => t.close());

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = full) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

  test('reading needs a token; changing needs a full one, and a refused change stores nothing', async () => {
    assert.equal((await inject('GET', '/alerts/channels', undefined, {})).statusCode, 401);
    assert.equal((await inject('GET', '/alerts/maintenance', undefined, {})).statusCode, 401);
    const listed = await inject('GET', '/alerts/channels', undefined, ro);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json<{ channels: ChannelJson[] }>().channels.map((c) => [c.name, c.source, c.target]),
      [['ops-mail', 'config', 'smtp.example.com:587']],
    );
    const refused = await inject('POST', '/alerts/channels', { name: 'chat', type: 'slack', url: SLACK_URL }, ro);
    assert.equal(refused.statusCode, 403);
    assert.equal(settings.channel('chat'), undefined);
    assert.equal((await inject('POST', '/alerts/channels', { name: 'chat', type: 'slack', url: SLACK_URL }, {})).statusCode, 401);
  });

  test('a channel is created, listed and in force at once; its secret never comes back', async () => {
    const created = await inject('POST', '/alerts/channels', { name: 'chat', type: 'slack', url: SLACK_URL });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json<ChannelJson>();
    assert.deepEqual([body.name, body.type, body.source, body.target, body.secretsSet, body.allowPrivate, body.warnings], ['chat', 'slack', 'api', 'https://hooks.slack.com', ['url'], false, []]);
    assert.ok(!created.body.includes('slack-path-token'), 'the webhook path is the credential');
    const one = await inject('GET', '/alerts/channels/chat', undefined, ro);
    assert.ok(!one.body.includes('slack-path-token'));
    assert.deepEqual(one.json<ChannelJson>().secretsSet, ['url']);
    // In force: the merged settings hold the channel with the secret, and an address policy.
    const inForce = settings.current().channels.find((c) => c.name === 'chat');
    assert.ok(inForce?.type === 'slack');
    assert.equal(inForce.secrets.url, SLACK_URL);
    assert.deepEqual(inForce.addressPolicy, { allowPrivate: false });
  });

  const refusals: ReadonlyArray<{ name: string; body: Record<string, unknown>; status: number; code: string; fields?: Array<[string, string]>; message?: RegExp }> = [
    { name: 'a key the type does not use', body: { name: 'x1', type: 'slack', url: SLACK_URL, topic: 'alerts' }, status: 400, code: 'VALIDATION_FAILED', fields: [['body.topic', 'not used by slack channels (they take url)']] },
    { name: 'a missing url', body: { name: 'x2', type: 'discord' }, status: 400, code: 'VALIDATION_FAILED', fields: [['body.url', 'required for discord channels']] },
    {
      name: 'a non-http URL (the value is not echoed)',
      body: { name: 'x3', type: 'webhook', url: 'ftp://files.example.com/secret-path-0815' },
      status: 400,
      code: 'VALIDATION_FAILED',
      fields: [['body.url', 'only http and https URLs can receive alerts, not ftp']],
    },
    { name: 'a name that is not a slug', body: { name: 'Ops Chat', type: 'slack', url: SLACK_URL }, status: 400, code: 'VALIDATION_FAILED', fields: [['body.name', 'expected lowercase letters, digits and dashes (at most 64, no dash at either end), got "Ops Chat"']] },
    { name: 'an unknown field', body: { name: 'x4', type: 'slack', url: SLACK_URL, urll: 'x' }, status: 400, code: 'VALIDATION_FAILED', fields: [['body.urll', 'unknown field']] },
    { name: 'an environment reference', body: { name: 'x5', type: 'slack', url: { env: 'HOME' } }, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'the name of a channel from the file', body: { name: 'ops-mail', type: 'slack', url: SLACK_URL }, status: 409, code: 'NAME_TAKEN', message: /defined in the configuration file/ },
    {
      name: 'a loopback literal without allowPrivate on the channel',
      body: { name: 'x6', type: 'webhook', url: 'http://127.0.0.1:9/hook' },
      status: 400,
      code: 'VALIDATION_FAILED',
      fields: [['body.url', 'alerts cannot be sent there: 127.0.0.1 is a loopback address (private addresses need probe.allowPrivate in the configuration file and allowPrivate on the channel)']],
    },
    {
      name: 'the cloud metadata address, whatever allowPrivate says',
      body: { name: 'x7', type: 'webhook', url: 'http://169.254.169.254/latest', allowPrivate: true },
      status: 400,
      code: 'VALIDATION_FAILED',
      message: /body\.url: alerts cannot be sent there: 169\.254\.169\.254 is a cloud metadata/,
    },
    {
      name: 'an SMTP host given as a private address',
      body: { name: 'x8', type: 'email', smtp: { host: '10.1.2.3', from: 'a@example.com', to: ['b@example.com'] } },
      status: 400,
      code: 'VALIDATION_FAILED',
      message: /body\.smtp\.host: alerts cannot be sent there: 10\.1\.2\.3 is a private/,
    },
  ];
  for (const r of refusals) {
    test(`refused: ${r.name}`, async () => {
      const before = settings.channels().length;
      const response = await inject('POST', '/alerts/channels', r.body);
      assert.equal(response.statusCode, r.status, response.body);
      const error = response.json<ErrorJson>();
      assert.equal(error.code, r.code);
      if (r.fields) assert.deepEqual(error.fields?.map((f) => [f.field, f.message]), r.fields);
      if (r.message) assert.match(error.message, r.message);
      assert.ok(!response.body.includes('secret-path-0815') && !response.body.includes('slack-path-token'), 'no secret in an error');
      assert.equal(settings.channels().length, before, 'nothing stored');
    });
  }

  test('allowPrivate on a channel needs probe.allowPrivate in the file', async () => {
    const strict = await AlertSettings.open({ base: testConfig(YAML).alerts!, store: new SqliteAlertSettings(t.store.database), allowPrivate: false });
    await assert.rejects(async () => await strict.createChannel({ name: 'lan', type: 'webhook', url: 'https://hooks.example.com/x', allowPrivate: true }), {
      message: 'body.allowPrivate: private addresses can only be allowed in the configuration file (probe.allowPrivate), not through the API',
    });
  });

  test('replacing keeps secrets left out, refuses a rename, and the file owns its channels', async () => {
    const hook = await inject('POST', '/alerts/channels', { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/in/abc', secret: HOOK_SECRET });
    assert.equal(hook.statusCode, 201, hook.body);
    assert.deepEqual(hook.json<ChannelJson>().secretsSet, ['url', 'secret']);
    assert.ok(!hook.body.includes(HOOK_SECRET));

    const kept = await inject('PUT', '/alerts/channels/hook', { type: 'webhook' });
    assert.equal(kept.statusCode, 200, kept.body);
    const inForce = settings.current().channels.find((c) => c.name === 'hook');
    assert.ok(inForce?.type === 'webhook');
    assert.deepEqual(inForce.secrets, { url: 'https://hooks.example.com/in/abc', hmacSecret: HOOK_SECRET });

    const cleared = await inject('PUT', '/alerts/channels/hook', { type: 'webhook', secret: null });
    assert.deepEqual(cleared.json<ChannelJson>().secretsSet, ['url']);
    assert.match(cleared.json<ChannelJson>().warnings?.join('\n') ?? '', /not signed/);

    const renamed = await inject('PUT', '/alerts/channels/hook', { name: 'other', type: 'webhook' });
    assert.equal(renamed.statusCode, 400);
    assert.equal(renamed.json<ErrorJson>().fields?.[0]?.field, 'body.name');
    const owned = await inject('PUT', '/alerts/channels/ops-mail', { type: 'slack', url: SLACK_URL });
    assert.equal(owned.statusCode, 409);
    assert.equal(owned.json<ErrorJson>().code, 'CONFIG_OWNED');
    assert.equal((await inject('DELETE', '/alerts/channels/ops-mail')).statusCode, 409);
    assert.equal((await inject('PUT', '/alerts/channels/nope', { type: 'slack', url: SLACK_URL })).statusCode, 404);
    // A type change does not carry secrets over: the new type must be given its own.
    const retyped = await inject('PUT', '/alerts/channels/hook', { type: 'discord' });
    assert.equal(retyped.statusCode, 400);
    assert.deepEqual(retyped.json<ErrorJson>().fields?.map((f) => f.field), ['body.url']);
  });

  test('routes: checked channel names, a warning when the first one narrows who hears what, in-use channels kept', async () => {
    const typo = await inject('POST', '/alerts/routes', { channels: ['chta'] });
    assert.equal(typo.statusCode, 400);
    assert.deepEqual(typo.json<ErrorJson>().fields?.map((f) => [f.field, f.message]), [['body.channels[0]', 'no channel named "chta" (did you mean "chat"?)']]);

    const first = await inject('POST', '/alerts/routes', { channels: ['chat'], tags: ['prod'], events: ['incident_opened', 'incident_resolved'] });
    assert.equal(first.statusCode, 201, first.body);
    const route = first.json<{ id: number; channels: string[]; tags: string[]; events: string[]; source: string; warnings: string[] }>();
    assert.deepEqual([route.channels, route.tags, route.events, route.source], [['chat'], ['prod'], ['incident_opened', 'incident_resolved'], 'api']);
    assert.deepEqual(route.warnings, ['with a route defined, channels reach only the alerts routed to them: ops-mail, hook now receive nothing (add routes for them)']);
    assert.deepEqual(settings.current().routes, [{ channels: ['chat'], endpoints: null, tags: ['prod'], events: ['incident_opened', 'incident_resolved'] }]);

    const inUse = await inject('DELETE', '/alerts/channels/chat');
    assert.equal(inUse.statusCode, 409);
    assert.deepEqual([inUse.json<ErrorJson>().code, inUse.json<ErrorJson>().message], ['IN_USE', `alert channel "chat" is used by route ${route.id}; change or delete it first`]);

    const replaced = await inject('PUT', `/alerts/routes/${route.id}`, { channels: ['chat', 'hook'] });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual(settings.current().routes[0]?.channels, ['chat', 'hook']);
    const listed = (await inject('GET', '/alerts/routes', undefined, ro)).json<{ items: Array<{ id: number }> }>();
    assert.deepEqual(listed.items.map((i) => i.id), [route.id]);

    const last = await inject('DELETE', `/alerts/routes/${route.id}`);
    assert.equal(last.statusCode, 200);
    assert.deepEqual(last.json<{ warnings: string[] }>().warnings, ['no routes are left: every channel now receives every alert']);
    assert.equal((await inject('DELETE', `/alerts/routes/${route.id}`)).statusCode, 404);
    assert.equal((await inject('DELETE', '/alerts/channels/chat')).statusCode, 200);
    assert.equal(settings.channel('chat'), undefined);
  });

  test('a maintenance window made here silences, shows on the status page, and goes away when deleted', async () => {
    await seedEndpoint(t.store, NOW, { slug: 'weather', days: 1, definition: { public: true, tags: ['prod'] } });
    t.store.checkpoint();
    const bad = await inject('POST', '/alerts/maintenance', { start: '2026-11-25T13:00:00Z', end: '2026-11-25T12:00:00Z' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json<ErrorJson>().fields?.map((f) => [f.field, f.message]), [['body.end', 'must be after start (2026-11-25T13:00:00.000Z), got 2026-11-25T12:00:00.000Z']]);

    // Only an end: it starts now (a deploy script's "silence weather for 30 minutes").
    const created = await inject('POST', '/alerts/maintenance', { endpoints: ['weather'], end: '2026-11-25T12:30:00Z' });
    assert.equal(created.statusCode, 201, created.body);
    const window = created.json<{ id: number; start: string; end: string; active: boolean; source: string }>();
    assert.deepEqual([window.start, window.end, window.active, window.source], ['2026-11-25T12:00:00.000Z', '2026-11-25T12:30:00.000Z', true, 'api']);
    const listed = (await inject('GET', '/alerts/maintenance', undefined, ro)).json<{ items: Array<{ id: number | null; source: string; weekly?: unknown }> }>();
    assert.deepEqual(listed.items.map((i) => [i.id, i.source]), [[null, 'config'], [window.id, 'api']]);

    clock = NOW + 60_000; // past the status page's view cache of the previous test's state
    const page = await t.app.inject({ url: '/status/weather.json' });
    // The file's weekly window (every endpoint, Sunday 03:00) is the next one after this.
    assert.deepEqual(page.json<{ maintenance: unknown }>().maintenance, { activeUntil: '2026-11-25T12:30:00.000Z', next: { start: '2026-11-29T03:00:00.000Z', end: '2026-11-29T04:00:00.000Z' } });

    const past = await inject('PUT', `/alerts/maintenance/${window.id}`, { endpoints: ['weather'], start: '2026-11-20T12:00:00Z', end: '2026-11-20T13:00:00Z' });
    assert.equal(past.statusCode, 200);
    assert.deepEqual(past.json<{ warnings: string[] }>().warnings, ['body.end: 2026-11-20T13:00:00Z has already passed; this window silences nothing']);
    assert.equal((await inject('DELETE', `/alerts/maintenance/${window.id}`)).statusCode, 200);
    clock = NOW + 120_000;
    const after = await t.app.inject({ url: '/status/weather.json' });
    assert.equal(after.json<{ maintenance: { activeUntil: string | null } }>().maintenance.activeUntil, null);
  });

  test('what the API made survives a restart: a new AlertSettings on the same database reads it back', async () => {
    const created = await inject('POST', '/alerts/channels', { name: 'phone', type: 'ntfy', topic: 'mcpwatch-alerts-7f3a', token: 'tk_secret_ntfy' });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json<ChannelJson>().secretsSet, ['url', 'topic', 'token']);
    const route = await inject('POST', '/alerts/routes', { channels: ['phone'] });
    const window = await inject('POST', '/alerts/maintenance', { weekly: { day: 'monday', start: '01:00', durationMinutes: 30 }, tags: ['prod'] });
    assert.equal(window.statusCode, 201, window.body);
    const reopened = await AlertSettings.open({ base: testConfig(YAML).alerts!, store: new SqliteAlertSettings(t.store.database), allowPrivate: true });
    assert.deepEqual(reopened.current(), settings.current());
    assert.deepEqual(
      reopened.routes().map((r) => [r.id, r.source]),
      [[route.json<{ id: number }>().id, 'api']],
    );
  });
});

describe('alert settings API: test messages', () => {
  let receiver: HttpReceiver;
  let t: TestApp;
  let full: Record<string, string>;
  before(async () => {
    receiver = await startHttpReceiver();
    t = await buildTestApp({
      config: testConfig('probe:\n  allowPrivate: true\n'),
      withStore: async (store) => ({ alertSettings: await AlertSettings.open({ base: DEFAULT_ALERTS, store: new SqliteAlertSettings(store.database), allowPrivate: true }) }),
    });
    const token = generateToken();
    await t.store.createToken('full', hashToken(token), false);
    full = { authorization: `Bearer ${token}` };
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  test('a channel made through the API sends a test message to a loopback receiver it is allowed to reach', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/alerts/channels', headers: full, payload: { name: 'lan-hook', type: 'webhook', url: `${receiver.url}/in`, secret: HOOK_SECRET, allowPrivate: true } });
    assert.equal(created.statusCode, 201, created.body);
    const before = receiver.requests.length;
    const sent = await t.app.inject({ method: 'POST', url: '/api/v1/alerts/channels/lan-hook/test', headers: full });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.equal(sent.json<{ ok: boolean }>().ok, true);
    assert.equal(receiver.requests.length, before + 1);
    assert.match(receiver.requests.at(-1)?.body ?? '', /mcpwatch test message/);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/alerts/channels/nope/test', headers: full })).statusCode, 404);
  });
});
