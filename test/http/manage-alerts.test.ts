// /manage/alerts and /manage/maintenance over a real app and a real SQLite file: every action as a
// signed-in editor (with its audit row), refusals by role, CSRF token and origin with row counts
// unchanged, the API's own words for the same bad input, the file's items read-only, and "send
// test" reaching a real webhook receiver on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testMessage } from '../../src/alerts/message.ts';
import type { AuditEntry } from '../../src/store/accounts.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { signatureValid, startHttpReceiver, type HttpReceiver } from '../alerts/fixtures/receivers.ts';
import { FORM, addUser, buildAccountsApp, form, rowCounts, signIn, type AccountsApp, type SignedIn } from './accounts-fixture.ts';

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
const HOOK_PATH = '/in/secret-path-token-4711';
const HOOK_SECRET = 'hmac-key-never-shown-0815';
const XSS = '<img src=x onerror=alert(1)>';

type Who = 'viewer' | 'editor';

/** The texts of the form-errors list, unescaped as a browser shows them. */
function shownErrors(html: string): string[] {
  const block = /<div class="form-errors"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...block.matchAll(/<li data-field="[^"]*">([\s\S]*?)<\/li>/g)].map((m) => unescape(m[1]!));
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('alert and maintenance forms', () => {
  let t: AccountsApp;
  let outbox: SqliteOutbox;
  let receiver: HttpReceiver;
  const sessions = new Map<Who, SignedIn>();
  let api: Record<string, string>;

  before(async () => {
    receiver = await startHttpReceiver({ secret: HOOK_SECRET });
    t = await buildAccountsApp({
      yaml: YAML,
      withStore: (store) => {
        outbox = new SqliteOutbox(store.database);
        return { alerts: outbox };
      },
    });
    for (const role of ['viewer', 'editor'] as const) {
      await addUser(t, role, role);
      sessions.set(role, await signIn(t, role));
    }
    const adminId = await addUser(t, 'boss', 'admin');
    api = { authorization: `Bearer ${(await t.accounts.createToken({ userId: adminId, name: 'boss' }, 'compare', 'admin', adminId)).token}` };
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  function get(who: Who | 'anonymous', url: string) {
    const s = who === 'anonymous' ? undefined : sessions.get(who);
    return t.app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });
  }

  function post(who: Who, url: string, fields: Record<string, string>, options: { csrf?: string; origin?: string } = {}) {
    const s = sessions.get(who)!;
    return t.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, cookie: s.cookie, ...(options.origin ? { origin: options.origin } : {}) },
      payload: form({ _csrf: options.csrf ?? s.csrf, ...fields }),
    });
  }

  async function auditSince(since: number): Promise<AuditEntry[]> {
    return (await t.accounts.store.listAudit({ limit: 50 })).filter((e) => e.id > since).reverse();
  }
  async function lastAuditId(): Promise<number> {
    return (await t.accounts.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
  }

  test('a viewer reads both pages, without a form or a button; anonymous is sent to sign in', async () => {
    for (const url of ['/manage/alerts', '/manage/maintenance']) {
      const page = await get('viewer', url);
      assert.equal(page.statusCode, 200, url);
      assert.doesNotMatch(page.body, /<form method="post" action="\/manage\/(alerts|maintenance)/, `${url}: no change form for a viewer`);
      assert.ok(!page.body.includes('href="/manage/users"'), 'no links to the admins\' pages');
      const anonymous = await get('anonymous', url);
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(url)}`);
    }
    const alerts = (await get('viewer', '/manage/alerts')).body;
    assert.match(alerts, /<tr data-channel="ops-mail">[\s\S]*?smtp\.example\.com:587[\s\S]*?configuration file/);
    const windows = (await get('viewer', '/manage/maintenance')).body;
    assert.match(windows, /every sunday at 03:00 UTC for 60 min[\s\S]*?every endpoint[\s\S]*?configuration file/);
  });

  test('an editor adds a webhook channel: the page shows scheme and host only, an edit keeps the secret, the audit row holds none', async () => {
    const since = await lastAuditId();
    const created = await post('editor', '/manage/alerts/channels', { name: 'lan-hook', type: 'webhook', url: `${receiver.url}${HOOK_PATH}`, secret: HOOK_SECRET, allowPrivate: 'on' });
    assert.equal(created.statusCode, 303, created.body.slice(0, 500));
    const page = (await get('editor', '/manage/alerts')).body;
    assert.match(page, new RegExp(`<tr data-channel="lan-hook">[\\s\\S]*?${receiver.url.replace(/\./g, '\\.')}</td>[\\s\\S]*?url, secret</td>`));
    const edit = await get('editor', '/manage/alerts/channels/lan-hook');
    assert.equal(edit.statusCode, 200);
    for (const body of [page, edit.body]) {
      assert.ok(!body.includes('secret-path-token') && !body.includes(HOOK_SECRET), 'a secret on a page');
    }
    // Saved with the secret fields empty: both are kept (the API's PUT rule).
    const saved = await post('editor', '/manage/alerts/channels/lan-hook', { type: 'webhook', allowPrivate: 'on' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const channel = t.app.inject({ method: 'GET', url: '/api/v1/alerts/channels/lan-hook', headers: api });
    assert.deepEqual((await channel).json<{ secretsSet: string[] }>().secretsSet, ['url', 'secret']);
    // The "remove" box takes an optional secret away (null in the API); the URL stays.
    const unsigned = await post('editor', '/manage/alerts/channels/lan-hook', { type: 'webhook', allowPrivate: 'on', 'remove.secret': 'on' });
    assert.equal(unsigned.statusCode, 200, 'shown: the change warns that bodies are no longer signed');
    assert.match(unsigned.body, /secret: not set; webhook bodies from channel &quot;lan-hook&quot; are not signed/);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/alerts/channels/lan-hook', headers: api });
    assert.deepEqual(after.json<{ secretsSet: string[] }>().secretsSet, ['url']);
    assert.equal((await post('editor', '/manage/alerts/channels/lan-hook', { type: 'webhook', allowPrivate: 'on', secret: HOOK_SECRET })).statusCode, 303);
    const rows = await auditSince(since);
    assert.deepEqual(
      rows.map((e) => [e.actor, e.action, e.target, e.detail]),
      [
        ['editor', 'alert-channel.create', 'alert-channel:lan-hook', { type: 'webhook' }],
        ['editor', 'alert-channel.update', 'alert-channel:lan-hook', { type: 'webhook' }],
        ['editor', 'alert-channel.update', 'alert-channel:lan-hook', { type: 'webhook' }],
        ['editor', 'alert-channel.update', 'alert-channel:lan-hook', { type: 'webhook' }],
      ],
    );
    assert.ok(!JSON.stringify(rows).includes('secret-path-token') && !JSON.stringify(rows).includes(HOOK_SECRET));
  });

  test('"send test" goes through the channel to a real loopback receiver, signed; the page says so', async () => {
    const before = receiver.requests.length;
    const sent = await post('editor', '/manage/alerts/channels/lan-hook/test', {});
    assert.equal(sent.statusCode, 200, sent.body.slice(0, 500));
    assert.match(sent.body, /<section class="card notice alert-notice notice-ok" role="status">\s*<p>Test message sent through lan-hook/);
    assert.equal(receiver.requests.length, before + 1);
    const received = receiver.requests.at(-1)!;
    assert.equal(received.path, HOOK_PATH);
    assert.match(received.body, /mcpwatch test message/);
    assert.ok(signatureValid(HOOK_SECRET, received.headers, received.body), 'signed with the stored secret');
    assert.equal(receiver.forged.length, 0);
    // The file's email channel points at a host that does not resolve here: the failure is shown, not a 500.
    const failed = await post('editor', '/manage/alerts/channels/ops-mail/test', {});
    assert.equal(failed.statusCode, 200);
    assert.match(failed.body, /notice-fail[\s\S]*?Test message through ops-mail failed: /);
    assert.equal((await post('editor', '/manage/alerts/channels/nope/test', {})).statusCode, 404);
  });

  // The same bad input through the form and the API: the page lists the API's field messages.
  const refusals: Array<{ what: string; url: string; api: string; fields: Record<string, string>; body: object }> = [
    { what: 'a hostile channel name', url: '/manage/alerts/channels', api: '/alerts/channels', fields: { name: XSS, type: 'slack', url: 'https://hooks.slack.com/x' }, body: { name: XSS, type: 'slack', url: 'https://hooks.slack.com/x' } },
    { what: 'a Slack channel without its URL', url: '/manage/alerts/channels', api: '/alerts/channels', fields: { name: 'chat', type: 'slack' }, body: { name: 'chat', type: 'slack' } },
    { what: 'an ntfy topic on a Slack channel', url: '/manage/alerts/channels', api: '/alerts/channels', fields: { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/x', topic: 'alerts' }, body: { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/x', topic: 'alerts' } },
    { what: 'a loopback webhook without allowPrivate', url: '/manage/alerts/channels', api: '/alerts/channels', fields: { name: 'lo', type: 'webhook', url: 'http://127.0.0.1:9/hook' }, body: { name: 'lo', type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
    {
      what: 'an email channel with a port that is not a number and no sender',
      url: '/manage/alerts/channels',
      api: '/alerts/channels',
      fields: { name: 'mail', type: 'email', 'smtp.host': 'smtp.example.com', 'smtp.port': 'twenty-five', 'smtp.to': 'a@example.com' },
      body: { name: 'mail', type: 'email', smtp: { host: 'smtp.example.com', port: 'twenty-five', to: ['a@example.com'] } },
    },
    { what: 'a route with no channel', url: '/manage/alerts/routes', api: '/alerts/routes', fields: { tags: 'prod' }, body: { channels: [], tags: ['prod'] } },
    { what: 'a route to a channel that does not exist', url: '/manage/alerts/routes', api: '/alerts/routes', fields: { 'channel.nope': 'on' }, body: { channels: ['nope'] } },
    { what: 'a window that ends before it starts', url: '/manage/maintenance', api: '/alerts/maintenance', fields: { kind: 'once', start: '2099-01-02T00:00', end: '2099-01-01T00:00' }, body: { start: '2099-01-02T00:00Z', end: '2099-01-01T00:00Z' } },
    { what: 'a start that is not a time', url: '/manage/maintenance', api: '/alerts/maintenance', fields: { kind: 'once', start: 'tomorrow <b>', end: '2099-01-01T00:00' }, body: { start: 'tomorrow <b>', end: '2099-01-01T00:00Z' } },
    {
      what: 'a weekly window at 25:00 for no time',
      url: '/manage/maintenance',
      api: '/alerts/maintenance',
      fields: { kind: 'weekly', 'weekly.day': 'sunday', 'weekly.start': '25:00', 'weekly.durationMinutes': '0' },
      body: { weekly: { day: 'sunday', start: '25:00', durationMinutes: 0 } },
    },
  ];
  for (const r of refusals) {
    test(`the form says what the API says: ${r.what}`, async () => {
      const before = rowCounts(t);
      const fromApi = await t.app.inject({ method: 'POST', url: `/api/v1${r.api}`, headers: api, payload: r.body });
      assert.equal(fromApi.statusCode, 400, fromApi.body);
      const expected = fromApi.json<{ fields: Array<{ field: string; message: string }> }>().fields.map((f) => `${f.field.replace(/^body\./, '')}: ${f.message}`);
      const page = await post('editor', r.url, r.fields);
      assert.equal(page.statusCode, 400, page.body.slice(0, 500));
      assert.deepEqual(shownErrors(page.body), expected);
      assert.ok(!page.body.includes('<img src=x') && !page.body.includes('<b>'), 'hostile input rendered as text');
      assert.deepEqual(rowCounts(t), before, 'nothing stored');
    });
  }

  test('a viewer, a stale CSRF token and another site change nothing: 403 for every action, row counts unchanged', async () => {
    const made = await post('editor', '/manage/maintenance', { kind: 'once', end: '2099-01-01T00:00' });
    assert.equal(made.statusCode, 303);
    const windowId = (t.store.database.prepare('SELECT max(id) AS id FROM maintenance_windows').get() as { id: number }).id;
    const actions: Array<[string, Record<string, string>]> = [
      ['/manage/alerts/channels', { name: 'sneaky', type: 'slack', url: 'https://hooks.slack.com/x' }],
      ['/manage/alerts/channels/lan-hook', { type: 'slack', url: 'https://hooks.slack.com/x' }],
      ['/manage/alerts/channels/lan-hook/test', {}],
      ['/manage/alerts/channels/lan-hook/delete', {}],
      ['/manage/alerts/routes', { 'channel.lan-hook': 'on' }],
      ['/manage/alerts/dead-letters/1/retry', {}],
      ['/manage/maintenance', { kind: 'once', end: '2099-01-01T00:00' }],
      [`/manage/maintenance/${windowId}`, { kind: 'once', end: '2099-02-01T00:00' }],
      [`/manage/maintenance/${windowId}/end`, {}],
      [`/manage/maintenance/${windowId}/delete`, {}],
    ];
    const before = rowCounts(t);
    const requestsBefore = receiver.requests.length;
    for (const [url, fields] of actions) {
      assert.equal((await post('viewer', url, fields)).statusCode, 403, `viewer ${url}`);
      assert.equal((await post('editor', url, fields, { csrf: 'x'.repeat(43) })).statusCode, 403, `stale token ${url}`);
      assert.equal((await post('editor', url, fields, { origin: 'https://evil.example' })).statusCode, 403, `other origin ${url}`);
    }
    assert.deepEqual(rowCounts(t), before);
    assert.equal(receiver.requests.length, requestsBefore, 'no test message went out');
  });

  test('the file owns its items: read-only on the pages, and a forged change gets the API\'s 409 words', async () => {
    const page = await get('editor', '/manage/alerts/channels/ops-mail');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /the configuration file \(read-only here/);
    assert.doesNotMatch(page.body, /<form method="post" action="\/manage\/alerts\/channels\/ops-mail"/);
    assert.doesNotMatch((await get('editor', '/manage/alerts')).body, /action="\/manage\/alerts\/channels\/ops-mail\/delete"/);
    const fromApi = await t.app.inject({ method: 'PUT', url: '/api/v1/alerts/channels/ops-mail', headers: api, payload: { type: 'slack', url: 'https://hooks.slack.com/x' } });
    assert.equal(fromApi.statusCode, 409);
    const before = rowCounts(t);
    for (const url of ['/manage/alerts/channels/ops-mail', '/manage/alerts/channels/ops-mail/delete']) {
      const forged = await post('editor', url, { type: 'slack', url: 'https://hooks.slack.com/x' });
      assert.equal(forged.statusCode, 409, url);
      assert.deepEqual(shownErrors(forged.body), [fromApi.json<{ message: string }>().message]);
    }
    assert.deepEqual(rowCounts(t), before);
  });

  test('routes: the first one warns who now hears nothing; edit; a channel in use stays; delete; each audited', async () => {
    const since = await lastAuditId();
    const extra = await post('editor', '/manage/alerts/channels', { name: 'quiet', type: 'slack', url: 'https://hooks.slack.com/services/T/B/quiet-token' });
    assert.equal(extra.statusCode, 303);
    const first = await post('editor', '/manage/alerts/routes', { 'channel.lan-hook': 'on', endpoints: 'weather, maps', tags: `prod, ${XSS}`, 'event.incident_opened': 'on' });
    assert.equal(first.statusCode, 200, 'shown, not redirected: the change warns');
    assert.match(first.body, /notice-warn[\s\S]*?with a route defined, channels reach only the alerts routed to them: ops-mail, quiet now receive nothing/);
    const id = (t.store.database.prepare('SELECT max(id) AS id FROM alert_routes').get() as { id: number }).id;
    const listed = (await get('viewer', '/manage/alerts')).body;
    assert.match(listed, new RegExp(`<tr data-route="${id}">[\\s\\S]*?lan-hook</td>[\\s\\S]*?weather, maps</td>[\\s\\S]*?prod, &lt;img src=x onerror=alert\\(1\\)&gt;</td>[\\s\\S]*?incident_opened</td>`));
    // The edit form comes filled in; a viewer gets the route as text, without a form.
    const form = (await get('editor', `/manage/alerts/routes/${id}`)).body;
    assert.match(form, /<input type="checkbox" name="channel\.lan-hook" checked>/);
    assert.match(form, /<input type="checkbox" name="channel\.quiet">/);
    assert.match(form, /<input type="checkbox" name="event\.incident_opened" checked>/);
    assert.match(form, /id="rt-tags" name="tags" value="prod, &lt;img src=x onerror=alert\(1\)&gt;"/);
    const readOnly = await get('viewer', `/manage/alerts/routes/${id}`);
    assert.equal(readOnly.statusCode, 200);
    assert.doesNotMatch(readOnly.body, /id="route-form"/);
    assert.match(readOnly.body, /<dt>Endpoints<\/dt><dd class="wrap-anywhere">weather, maps<\/dd>/);
    assert.equal((await get('viewer', '/manage/alerts/routes/999')).statusCode, 404);
    const edited = await post('editor', `/manage/alerts/routes/${id}`, { 'channel.lan-hook': 'on', 'channel.quiet': 'on' });
    assert.equal(edited.statusCode, 303, edited.body.slice(0, 500));
    const inUse = await post('editor', '/manage/alerts/channels/quiet/delete', {});
    assert.equal(inUse.statusCode, 409);
    assert.deepEqual(shownErrors(inUse.body), [`alert channel "quiet" is used by route ${id}; change or delete it first`]);
    const removed = await post('editor', `/manage/alerts/routes/${id}/delete`, {});
    assert.equal(removed.statusCode, 200, 'the last route going widens who hears what: said on the page');
    assert.match(removed.body, /no routes are left: every channel now receives every alert/);
    assert.equal((await post('editor', '/manage/alerts/channels/quiet/delete', {})).statusCode, 303);
    assert.deepEqual(
      (await auditSince(since)).map((e) => [e.action, e.target]),
      [
        ['alert-channel.create', 'alert-channel:quiet'],
        ['alert-route.create', `alert-route:${id}`],
        ['alert-route.update', `alert-route:${id}`],
        ['alert-route.delete', `alert-route:${id}`],
        ['alert-channel.delete', 'alert-channel:quiet'],
      ],
    );
  });

  test('a dead letter is sent again from the page, audited', async () => {
    await outbox.commit({ entries: [{ idempotencyKey: '00000000-0000-4000-8000-0000000000b1', channel: 'lan-hook', endpointId: null, message: testMessage('lan-hook', 'k9', Date.now(), null), suppressed: null }], states: [] });
    const [entry] = await outbox.due(Date.now() + 1, 10);
    await outbox.markFailed(entry!.id, `HTTP 410 from ${XSS}`, null);
    const page = (await get('viewer', '/manage/alerts')).body;
    assert.match(page, new RegExp(`<tr data-dead-letter="${entry!.id}">[\\s\\S]*?HTTP 410 from &lt;img src=x onerror=alert\\(1\\)&gt;`));
    const since = await lastAuditId();
    const retried = await post('editor', `/manage/alerts/dead-letters/${entry!.id}/retry`, {});
    assert.equal(retried.statusCode, 303);
    assert.equal((await outbox.counts()).dead, 0);
    assert.deepEqual((await auditSince(since)).map((e) => [e.action, e.target]), [['dead-letter.retry', `dead-letter:${entry!.id}`]]);
    assert.equal((await post('editor', `/manage/alerts/dead-letters/${entry!.id}/retry`, {})).statusCode, 404, 'not dead any more');
  });

  test('maintenance: a one-off window in UTC, a weekly one, edit, end now, delete; hostile tags are text; each audited', async () => {
    const since = await lastAuditId();
    const once = await post('editor', '/manage/maintenance', { kind: 'once', start: '2099-03-01T02:00', end: '2099-03-01T04:30', tags: `db, ${XSS}` });
    assert.equal(once.statusCode, 303, once.body.slice(0, 500));
    const weekly = await post('editor', '/manage/maintenance', { kind: 'weekly', 'weekly.day': 'tuesday', 'weekly.start': '22:15', 'weekly.durationMinutes': '45', endpoints: 'weather' });
    assert.equal(weekly.statusCode, 303, weekly.body.slice(0, 500));
    const now = await post('editor', '/manage/maintenance', { kind: 'once', end: '2099-01-01T00:00', endpoints: 'maps' });
    assert.equal(now.statusCode, 303);
    const ids = (t.store.database.prepare('SELECT id FROM maintenance_windows ORDER BY id DESC LIMIT 3').all() as Array<{ id: number }>).map((r) => r.id).reverse();
    const [onceId, weeklyId, nowId] = ids as [number, number, number];
    const fromApi = (await t.app.inject({ url: '/api/v1/alerts/maintenance', headers: api })).json<{ items: Array<{ id: number; start?: string; end?: string; weekly?: object; tags: string[] | null; active: boolean }> }>().items;
    const byId = new Map(fromApi.map((w) => [w.id, w]));
    assert.deepEqual([byId.get(onceId)?.start, byId.get(onceId)?.end, byId.get(onceId)?.tags], ['2099-03-01T02:00:00.000Z', '2099-03-01T04:30:00.000Z', ['db', XSS]]);
    assert.deepEqual(byId.get(weeklyId)?.weekly, { day: 'tuesday', start: '22:15', durationMinutes: 45 });
    assert.equal(byId.get(nowId)?.active, true, 'no start: it starts now');
    const page = (await get('viewer', '/manage/maintenance')).body;
    assert.match(page, new RegExp(`<tr data-window="${onceId}">[\\s\\S]*?2099-03-01 02:00 → 2099-03-01 04:30 UTC[\\s\\S]*?tag db, tag &lt;img src=x onerror=alert\\(1\\)&gt;[\\s\\S]*?scheduled`));
    assert.ok(!page.includes('<img src=x'));
    // The edit form comes filled in, in the fields' own formats.
    const edit = (await get('editor', `/manage/maintenance/${onceId}`)).body;
    assert.match(edit, /id="mw-start" name="start" type="datetime-local" value="2099-03-01T02:00"/);
    const saved = await post('editor', `/manage/maintenance/${onceId}`, { kind: 'once', start: '2099-03-01T02:00', end: '2099-03-01T06:00', tags: 'db' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    assert.match((await get('viewer', '/manage/maintenance')).body, /<td>2099-03-01 02:00 → 2099-03-01 06:00 UTC<\/td>/);
    assert.equal((await post('editor', `/manage/maintenance/${weeklyId}/end`, {})).statusCode, 409, 'only an open one-off window ends now');
    const ended = await post('editor', `/manage/maintenance/${nowId}/end`, {});
    assert.equal(ended.statusCode, 303);
    assert.match((await get('viewer', '/manage/maintenance')).body, new RegExp(`<tr data-window="${nowId}">[\\s\\S]*?<td>ended</td>`));
    for (const id of ids) assert.equal((await post('editor', `/manage/maintenance/${id}/delete`, {})).statusCode, 303);
    assert.deepEqual(
      (await auditSince(since)).map((e) => [e.action, e.target]),
      [
        ['maintenance.create', `maintenance:${onceId}`],
        ['maintenance.create', `maintenance:${weeklyId}`],
        ['maintenance.create', `maintenance:${nowId}`],
        ['maintenance.update', `maintenance:${onceId}`],
        ['maintenance.end', `maintenance:${nowId}`],
        ...ids.map((id) => ['maintenance.delete', `maintenance:${id}`]),
      ],
    );
  });

  test('the audit log page shows the form changes to an admin', async () => {
    const admin = await signIn(t, 'boss');
    const page = await t.app.inject({ url: '/manage/audit', headers: { cookie: admin.cookie } });
    assert.equal(page.statusCode, 200);
    for (const action of ['alert-channel.create', 'alert-route.delete', 'dead-letter.retry', 'maintenance.end']) assert.match(page.body, new RegExp(action.replace('.', '\\.')));
  });

  test('"send test" is limited per user: the seventh in a minute gets a page saying so', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await post('editor', '/manage/alerts/channels/lan-hook/test', {})).statusCode);
    const limited = await post('editor', '/manage/alerts/channels/lan-hook/test', {});
    assert.equal(codes.filter((c) => c === 429).length >= 1, true, codes.join(','));
    assert.equal(limited.statusCode, 429);
    assert.match(String(limited.headers['content-type']), /^text\/html/);
    assert.match(limited.body, /Too many test messages/);
  });
});
