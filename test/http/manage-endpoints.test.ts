// /manage/endpoints through inject, on the real app and a real SQLite file: every action with its
// guard (role, CSRF, Origin), the API's own messages for the same bad input, config-owned endpoints
// refused with the API's words, the audit log, a "check now" preview against a real MCP server on
// loopback, and a server.json import (preview, confirm, refusals, size limits).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startV2Server, type RunningServer } from '../fixtures/mcp-servers.ts';
import { FORM, addUser, buildAccountsApp, form, rowCounts, signIn, type AccountsApp, type SignedIn } from './accounts-fixture.ts';
import { FILE_ENDPOINT, buildFormsApp, location, multipart, pageFieldErrors } from './endpoint-forms-fixture.ts';

type Who = 'viewer' | 'editor' | 'admin';

function auditRows(t: AccountsApp, like = 'endpoint.%'): Array<{ actor: string; action: string; target: string; detail: string }> {
  return t.store.database.prepare('SELECT actor, action, target, detail FROM audit_log WHERE action LIKE ? ORDER BY id').all(like) as Array<{ actor: string; action: string; target: string; detail: string }>;
}

function endpointRow(t: AccountsApp, slug: string): Record<string, unknown> | undefined {
  return t.store.database.prepare('SELECT * FROM endpoints WHERE slug = ?').get(slug) as Record<string, unknown> | undefined;
}

describe('endpoint forms', { timeout: 240_000 }, () => {
  let t: AccountsApp;
  let mcp: RunningServer;
  const sessions = new Map<Who, SignedIn>();
  let editorToken = '';
  let fileId = 0;

  before(async () => {
    mcp = await startV2Server({ era: 'dual' });
    t = await buildFormsApp();
    for (const role of ['viewer', 'editor', 'admin'] as const) {
      const id = await addUser(t, role, role);
      sessions.set(role, await signIn(t, role));
      if (role === 'editor') editorToken = (await t.accounts.createToken({ userId: id, name: role }, 'editor-token', 'editor', id)).token;
    }
    fileId = (await t.store.getEndpointBySlug(FILE_ENDPOINT.slug))!.id;
  });
  after(async () => {
    await t?.close();
    await mcp?.close();
  });

  function get(who: Who | 'anonymous', url: string) {
    const s = who === 'anonymous' ? undefined : sessions.get(who);
    return t.app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });
  }

  /**
   * `from`: the client address. The check routes are rate-limited per signed-in user (6 a minute),
   * so tests that check several times sign in an editor of their own (`as`).
   */
  function post(who: Who, url: string, fields: Record<string, string> = {}, extra: { csrf?: string | null; headers?: Record<string, string>; from?: string; as?: SignedIn } = {}) {
    const s = extra.as ?? sessions.get(who)!;
    const csrf = extra.csrf === undefined ? s.csrf : extra.csrf;
    return t.app.inject({
      method: 'POST',
      url,
      remoteAddress: extra.from ?? '127.0.0.1',
      headers: { ...FORM, cookie: s.cookie, ...extra.headers },
      payload: form({ ...(csrf === null ? {} : { _csrf: csrf }), ...fields }),
    });
  }

  /** An editor of the test's own, so its checks spend its own budget. */
  async function ownEditor(name: string): Promise<SignedIn> {
    await addUser(t, name, 'editor');
    return signIn(t, name);
  }

  function api(method: 'POST' | 'PATCH', url: string, payload: object) {
    return t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${editorToken}` }, payload });
  }

  async function created(slug: string, fields: Record<string, string> = {}): Promise<number> {
    const r = await post('editor', '/manage/endpoints', { name: `Endpoint ${slug}`, slug, url: `https://${slug}.example/mcp`, intervalS: '60', timeoutMs: '5000', era: 'auto', listTools: 'on', ...fields });
    assert.equal(r.statusCode, 303, r.body.slice(0, 2000));
    const match = /^\/manage\/endpoints\/(\d+)\?done=created$/.exec(location(r));
    assert.ok(match, location(r));
    return Number(match[1]);
  }

  test('the list: anonymous is sent to sign in; a viewer sees every endpoint with its owner, read-only ones marked', async () => {
    const anonymous = await get('anonymous', '/manage/endpoints');
    assert.equal(anonymous.statusCode, 303);
    assert.equal(location(anonymous), '/login?next=%2Fmanage%2Fendpoints');
    const page = await get('viewer', '/manage/endpoints');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`<tr data-endpoint="${fileId}" data-source="config">`));
    assert.match(page.body, /Configuration file <span class="tag">read-only<\/span>/);
    assert.match(page.body, /href="\/endpoints\/filed"/);
    assert.doesNotMatch(page.body, /href="\/manage\/endpoints\/new"/, 'a viewer is not offered the add form');
    assert.match((await get('editor', '/manage/endpoints')).body, /href="\/manage\/endpoints\/new"/);
  });

  test('add: the form saves what the API would, the audit log says who and what', async () => {
    const id = await created('weather', { name: 'Weather', public: 'on', tags: 'prod, eu', headers: 'X-Api-Key: s3cret\nX-Team: blue', bearerToken: '' });
    const stored = await t.store.getEndpoint(id);
    assert.ok(stored);
    assert.deepEqual(
      { name: stored.name, slug: stored.slug, url: stored.url, intervalS: stored.intervalS, timeoutMs: stored.timeoutMs, public: stored.public, listTools: stored.listTools, tags: stored.tags, source: stored.source, secrets: stored.secrets },
      { name: 'Weather', slug: 'weather', url: 'https://weather.example/mcp', intervalS: 60, timeoutMs: 5000, public: true, listTools: true, tags: ['prod', 'eu'], source: 'api', secrets: { headers: { 'X-Api-Key': 's3cret', 'X-Team': 'blue' }, bearerToken: null } },
    );
    const page = await get('editor', `/manage/endpoints/${id}?done=created`);
    assert.match(page.body, /Endpoint created\./);
    assert.match(page.body, /X-Api-Key, X-Team/);
    assert.doesNotMatch(page.body, /s3cret/, 'header values are never shown');
    const [row] = auditRows(t, 'endpoint.create');
    assert.ok(row);
    assert.equal(row.actor, 'editor');
    assert.equal(row.target, 'endpoint:weather');
    assert.deepEqual(JSON.parse(row.detail), { id, via: 'web', url: 'https://weather.example/mcp', name: 'Weather' });
    assert.doesNotMatch(row.detail, /s3cret/);
  });

  // The same bad input through the form and through the API: the same fields, the same words.
  const BAD: ReadonlyArray<{ name: string; form: Record<string, string>; json: Record<string, unknown> }> = [
    { name: 'a URL of another scheme', form: { name: 'Bad', url: 'ftp://bad.example/mcp' }, json: { name: 'Bad', url: 'ftp://bad.example/mcp' } },
    { name: 'an interval below the minimum', form: { name: 'Bad', url: 'https://bad.example/mcp', intervalS: '5' }, json: { name: 'Bad', url: 'https://bad.example/mcp', intervalS: 5 } },
    { name: 'an interval that is not a number', form: { name: 'Bad', url: 'https://bad.example/mcp', intervalS: 'often' }, json: { name: 'Bad', url: 'https://bad.example/mcp', intervalS: 'often' } },
    { name: 'an empty name', form: { name: '', url: 'https://bad.example/mcp' }, json: { name: '', url: 'https://bad.example/mcp' } },
    { name: 'a bad slug', form: { name: 'Bad', slug: 'Not A Slug', url: 'https://bad.example/mcp' }, json: { name: 'Bad', slug: 'Not A Slug', url: 'https://bad.example/mcp' } },
    {
      name: 'a reserved header and a header name with a space',
      form: { name: 'Bad', url: 'https://bad.example/mcp', tags: 'ok, <b>fine</b>', headers: 'Host: evil.example\nX Bad: 1' },
      json: { name: 'Bad', url: 'https://bad.example/mcp', tags: ['ok', '<b>fine</b>'], headers: { Host: 'evil.example', 'X Bad': '1' } },
    },
    { name: 'a tag too long', form: { name: 'Bad', url: 'https://bad.example/mcp', tags: `ok, ${'t'.repeat(65)}` }, json: { name: 'Bad', url: 'https://bad.example/mcp', tags: ['ok', 't'.repeat(65)] } },
    {
      name: 'an era that does not exist',
      form: { name: 'Bad', url: 'https://bad.example/mcp', era: 'quantum' },
      json: { name: 'Bad', url: 'https://bad.example/mcp', era: 'quantum' },
    },
    { name: 'a bearer token and an Authorization header', form: { name: 'Bad', url: 'https://bad.example/mcp', headers: 'Authorization: Basic x', bearerToken: 'tok' }, json: { name: 'Bad', url: 'https://bad.example/mcp', headers: { Authorization: 'Basic x' }, bearerToken: 'tok' } },
    { name: 'a slug the configuration file holds', form: { name: 'Clash', slug: 'filed', url: 'https://clash.example/mcp' }, json: { name: 'Clash', slug: 'filed', url: 'https://clash.example/mcp' } },
  ];
  for (const c of BAD) {
    test(`validation, ${c.name}: the form shows the API's messages and nothing is stored`, async () => {
      const before = rowCounts(t);
      const viaApi = await api('POST', '/endpoints', c.json);
      assert.ok(viaApi.statusCode === 400 || viaApi.statusCode === 409, viaApi.body);
      const body = viaApi.json<{ fields?: Array<{ field: string; message: string }>; message: string }>();
      const expected = body.fields ?? [{ field: '', message: body.message }];
      const viaForm = await post('editor', '/manage/endpoints', { era: 'auto', ...c.form });
      assert.equal(viaForm.statusCode, viaApi.statusCode, viaForm.body.slice(0, 500));
      assert.deepEqual(pageFieldErrors(viaForm.body), expected);
      assert.deepEqual(rowCounts(t), before);
    });
  }

  test('validation when editing: the same messages as PATCH', async () => {
    const id = await created('patchme');
    const viaApi = await api('PATCH', `/endpoints/${id}`, { name: 'Patch me', url: 'https://patchme.example/mcp', timeoutMs: 5 });
    assert.equal(viaApi.statusCode, 400);
    const viaForm = await post('editor', `/manage/endpoints/${id}`, { name: 'Patch me', url: 'https://patchme.example/mcp', timeoutMs: '5', era: 'auto' });
    assert.equal(viaForm.statusCode, 400);
    assert.deepEqual(pageFieldErrors(viaForm.body), viaApi.json<{ fields: unknown }>().fields);
  });

  test('edit: saved as a PATCH, secrets kept when left empty, the audit log names the fields changed', async () => {
    const id = await created('editme', { headers: 'X-Key: keep-me' });
    const r = await post('editor', `/manage/endpoints/${id}`, { name: 'Edited', slug: 'editme', url: 'https://editme.example/v2/mcp', intervalS: '120', timeoutMs: '5000', era: 'streamable', tags: 'a', headers: '' });
    assert.equal(r.statusCode, 303, r.body.slice(0, 1000));
    assert.equal(location(r), `/manage/endpoints/${id}?done=saved`);
    const stored = (await t.store.getEndpoint(id))!;
    assert.deepEqual([stored.name, stored.url, stored.intervalS, stored.era, stored.tags, stored.secrets.headers, stored.listTools], ['Edited', 'https://editme.example/v2/mcp', 120, 'streamable', ['a'], { 'X-Key': 'keep-me' }, false]);
    const row = auditRows(t, 'endpoint.update').at(-1)!;
    assert.deepEqual(JSON.parse(row.detail), { id, via: 'web', changed: ['name', 'url', 'intervalS', 'era', 'tags', 'listTools'] });
  });

  test('pause with a reason, resume, archive, restore: stored and audited', async () => {
    const id = await created('lifecycle');
    const long = await post('editor', `/manage/endpoints/${id}/pause`, { reason: 'x'.repeat(201) });
    assert.equal(long.statusCode, 400);
    const viaApi = await t.app.inject({ method: 'POST', url: `/api/v1/endpoints/${id}/pause`, headers: { authorization: `Bearer ${editorToken}` }, payload: { reason: 'x'.repeat(201) } });
    assert.deepEqual(pageFieldErrors(long.body), viaApi.json<{ fields: unknown }>().fields);
    assert.equal((await t.store.getEndpoint(id))!.paused, false);

    assert.equal(location(await post('editor', `/manage/endpoints/${id}/pause`, { reason: 'migrating <db>' })), `/manage/endpoints/${id}?done=paused`);
    let stored = (await t.store.getEndpoint(id))!;
    assert.deepEqual([stored.paused, stored.pausedReason], [true, 'migrating <db>']);
    assert.match((await get('viewer', `/manage/endpoints/${id}`)).body, /paused: migrating &lt;db&gt;/);
    assert.equal(location(await post('editor', `/manage/endpoints/${id}/resume`)), `/manage/endpoints/${id}?done=resumed`);
    assert.equal((await t.store.getEndpoint(id))!.paused, false);

    assert.equal(location(await post('editor', `/manage/endpoints/${id}/archive`)), `/manage/endpoints/${id}?done=archived`);
    stored = (await t.store.getEndpoint(id))!;
    assert.ok(stored.archivedAt !== null);
    assert.match((await get('viewer', `/manage/endpoints/${id}`)).body, /archived since/);
    assert.equal(location(await post('editor', `/manage/endpoints/${id}/restore`)), `/manage/endpoints/${id}?done=restored`);
    assert.equal((await t.store.getEndpoint(id))!.archivedAt, null);
    const actions = auditRows(t).filter((r) => r.target === 'endpoint:lifecycle').map((r) => [r.action, (JSON.parse(r.detail) as { reason?: string }).reason ?? null]);
    assert.deepEqual(actions, [
      ['endpoint.create', null],
      ['endpoint.pause', 'migrating <db>'],
      ['endpoint.resume', null],
      ['endpoint.archive', null],
      ['endpoint.restore', null],
    ]);
  });

  test('delete takes a confirmation step: the page first, then only its own button deletes', async () => {
    const id = await created('doomed');
    const confirm = await get('editor', `/manage/endpoints/${id}/delete`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Delete Endpoint doomed\?/);
    const unconfirmed = await post('editor', `/manage/endpoints/${id}/delete`);
    assert.equal(unconfirmed.statusCode, 200, 'without the confirmation: the question again');
    assert.ok(endpointRow(t, 'doomed'));
    const done = await post('editor', `/manage/endpoints/${id}/delete`, { confirm: 'delete' });
    assert.equal(done.statusCode, 303);
    assert.equal(location(done), '/manage/endpoints?done=deleted');
    assert.equal(endpointRow(t, 'doomed'), undefined);
    const row = auditRows(t, 'endpoint.delete').at(-1)!;
    assert.equal(row.target, 'endpoint:doomed');
    assert.equal(row.actor, 'editor');
  });

  test('a config-owned endpoint: shown read-only saying where it comes from; every change refused with the API words', async () => {
    const page = await get('editor', `/manage/endpoints/${fileId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /id="read-only"/);
    assert.match(page.body, /Configuration file — the configuration file/);
    assert.doesNotMatch(page.body, /id="endpoint-form"/);
    const apiMessage = (await api('PATCH', `/endpoints/${fileId}`, { name: 'x' })).json<{ message: string }>().message;
    const before = JSON.stringify(endpointRow(t, FILE_ENDPOINT.slug));
    const counts = rowCounts(t);
    for (const [path, fields] of [
      ['', { name: 'Renamed', url: 'https://renamed.example/mcp' }],
      ['/pause', { reason: 'no' }],
      ['/resume', {}],
      ['/archive', {}],
      ['/delete', { confirm: 'delete' }],
      ['/check', { name: 'x', url: 'https://x.example/mcp' }],
    ] as const) {
      const r = await post('editor', `/manage/endpoints/${fileId}${path}`, fields);
      assert.equal(r.statusCode, 409, `POST ${path}: ${r.body.slice(0, 300)}`);
      const errors = pageFieldErrors(r.body);
      const expected = path === '/delete' ? apiMessage.replace(/ and is read-only.*/, '') : apiMessage;
      assert.ok(errors.some((e) => e.message.startsWith(expected)), `${path}: ${JSON.stringify(errors)}`);
    }
    assert.equal((await get('editor', `/manage/endpoints/${fileId}/delete`)).statusCode, 409);
    assert.equal(JSON.stringify(endpointRow(t, FILE_ENDPOINT.slug)), before);
    assert.deepEqual(rowCounts(t), counts);
  });

  test('CSRF and Origin: a form without the token, with a wrong one, or from another site changes nothing (403)', async () => {
    const id = await created('guarded');
    const posts: Array<[string, Record<string, string>]> = [
      ['/manage/endpoints', { name: 'Sneaky', url: 'https://sneaky.example/mcp' }],
      ['/manage/endpoints/new/check', { name: 'Sneaky', url: mcp.url }],
      [`/manage/endpoints/${id}`, { name: 'Sneaky', url: 'https://sneaky.example/mcp' }],
      [`/manage/endpoints/${id}/check`, { name: 'Sneaky', url: 'https://sneaky.example/mcp' }],
      [`/manage/endpoints/${id}/pause`, { reason: 'x' }],
      [`/manage/endpoints/${id}/archive`, {}],
      [`/manage/endpoints/${id}/delete`, { confirm: 'delete' }],
    ];
    const before = rowCounts(t);
    const row = JSON.stringify(endpointRow(t, 'guarded'));
    const from = '127.0.0.2';
    for (const [url, fields] of posts) {
      assert.equal((await post('editor', url, fields, { csrf: null, from })).statusCode, 403, `no token: ${url}`);
      assert.equal((await post('editor', url, fields, { csrf: sessions.get('admin')!.csrf, from })).statusCode, 403, `another session's token: ${url}`);
      assert.equal((await post('editor', url, fields, { headers: { origin: 'https://evil.example' }, from })).statusCode, 403, `another origin: ${url}`);
      assert.equal((await post('editor', url, fields, { headers: { 'sec-fetch-site': 'cross-site' }, from })).statusCode, 403, `cross-site: ${url}`);
    }
    const imported = await multipart({ _csrf: 'wrong', step: 'import', text: JSON.stringify({ name: 'io.example/sneaky', remotes: [{ type: 'streamable-http', url: 'https://sneaky.example/mcp' }] }) });
    const upload = await t.app.inject({ method: 'POST', url: '/manage/endpoints/import', headers: { ...imported.headers, cookie: sessions.get('editor')!.cookie }, payload: imported.payload });
    assert.equal(upload.statusCode, 403);
    assert.deepEqual(rowCounts(t), before);
    assert.equal(JSON.stringify(endpointRow(t, 'guarded')), row);
  });

  test('a viewer: the pages show, every write and check is 403, and nothing changes', async () => {
    const id = await created('watched');
    assert.equal((await get('viewer', `/manage/endpoints/${id}`)).statusCode, 200);
    for (const url of ['/manage/endpoints/new', `/manage/endpoints/${id}/delete`, '/manage/endpoints/import']) assert.equal((await get('viewer', url)).statusCode, 403, url);
    const before = rowCounts(t);
    const row = JSON.stringify(endpointRow(t, 'watched'));
    for (const [url, fields] of [
      ['/manage/endpoints', { name: 'Mine', url: 'https://mine.example/mcp' }],
      ['/manage/endpoints/new/check', { name: 'Mine', url: mcp.url }],
      [`/manage/endpoints/${id}`, { name: 'Mine', url: 'https://mine.example/mcp' }],
      [`/manage/endpoints/${id}/check`, { name: 'Mine', url: mcp.url }],
      [`/manage/endpoints/${id}/pause`, { reason: 'mine' }],
      [`/manage/endpoints/${id}/resume`, {}],
      [`/manage/endpoints/${id}/archive`, {}],
      [`/manage/endpoints/${id}/restore`, {}],
      [`/manage/endpoints/${id}/delete`, { confirm: 'delete' }],
    ] as const) {
      const r = await post('viewer', url, fields, { from: '127.0.0.3' });
      assert.equal(r.statusCode, 403, url);
      assert.match(r.body, /Your role \(viewer\) does not allow this\./);
    }
    const imported = await multipart({ _csrf: sessions.get('viewer')!.csrf, step: 'import', text: JSON.stringify({ name: 'io.example/mine', remotes: [{ type: 'streamable-http', url: 'https://mine.example/mcp' }] }) });
    const upload = await t.app.inject({ method: 'POST', url: '/manage/endpoints/import', headers: { ...imported.headers, cookie: sessions.get('viewer')!.cookie }, payload: imported.payload });
    assert.equal(upload.statusCode, 403);
    // An upload is refused before it is read: a body the parser would reject (no boundary) or
    // refuse for size (413) gets the same 403, so nobody without the role makes the server parse.
    const unreadable = { 'content-type': 'multipart/form-data', origin: 'http://localhost:80' };
    for (const [who, payload] of [
      ['viewer', 'not multipart at all'],
      ['viewer', 'x'.repeat(2 * 1024 * 1024)],
      [null, 'not multipart at all'],
    ] as const) {
      const cookie = who === null ? {} : { cookie: sessions.get(who)!.cookie };
      const r = await t.app.inject({ method: 'POST', url: '/manage/endpoints/import', headers: { ...unreadable, ...cookie }, payload });
      assert.equal(r.statusCode, 403, `${who ?? 'anonymous'}, ${payload.length} bytes: ${r.body.slice(0, 200)}`);
      assert.match(r.body, who === null ? /Sign in first/ : /Your role \(viewer\) does not allow this\./);
    }
    assert.deepEqual(rowCounts(t), before);
    assert.equal(JSON.stringify(endpointRow(t, 'watched')), row);
  });

  test('check now: a real MCP server on loopback is probed, the result and its phases shown, nothing stored', async () => {
    const before = rowCounts(t);
    // By name (localhost is always loopback, RFC 6761), so the waterfall starts with DNS.
    const r = await post('editor', '/manage/endpoints/new/check', { name: 'Local <b>MCP</b>', url: mcp.url.replace('127.0.0.1', 'localhost'), era: 'auto', listTools: 'on', intervalS: '60', timeoutMs: '10000' });
    assert.equal(r.statusCode, 200, r.body.slice(0, 2000));
    assert.match(r.body, /<h2 id="preview-title">Check result<\/h2>/);
    assert.match(r.body, /data-status="up"/);
    for (const phase of ['dns', 'connect']) assert.match(r.body, new RegExp(`data-phase="${phase}"`), phase);
    assert.match(r.body, /data-phase="(discover|initialize)"/);
    assert.match(r.body, /data-phase="tools_list"/);
    assert.match(r.body, /<dt>Server<\/dt><dd class="wrap-anywhere">v2-probe-target 1\.0\.0<\/dd>/);
    assert.match(r.body, /<rect class="ph ph-tcp" x="[\d.]+" width="[\d.]+" height="10">/);
    // The form comes back filled in, with a save button, escaped.
    assert.match(r.body, /value="Local &lt;b&gt;MCP&lt;\/b&gt;"/);
    assert.match(r.body, /<button type="submit" class="ep-save">Save<\/button>/);
    assert.deepEqual(rowCounts(t), before);
  });

  test('check now for an endpoint being edited: the stored bearer token goes to the stored origin only', async () => {
    const guarded = await startV2Server({ era: 'dual', bearerToken: 'stored-token' });
    try {
      const id = await created('checked', { url: guarded.url, bearerToken: 'stored-token' });
      const as = await ownEditor('edith');
      const same = await post('editor', `/manage/endpoints/${id}/check`, { name: 'Checked', url: guarded.url, era: 'auto' }, { as });
      assert.equal(same.statusCode, 200, same.body.slice(0, 1000));
      assert.match(same.body, /data-status="up"/, 'the stored token was sent');
      assert.doesNotMatch(same.body, /Checked without the stored headers/);
      // The same server under another name is another origin: the stored token stays home.
      const elsewhere = await post('editor', `/manage/endpoints/${id}/check`, { name: 'Checked', url: guarded.url.replace('127.0.0.1', 'localhost'), era: 'auto' }, { as });
      assert.equal(elsewhere.statusCode, 200);
      assert.match(elsewhere.body, /Checked without the stored headers/);
      assert.match(elsewhere.body, /data-status="auth_required"/);
      // Typed into the form, it goes with the URL typed beside it.
      const typed = await post('editor', `/manage/endpoints/${id}/check`, { name: 'Checked', url: guarded.url.replace('127.0.0.1', 'localhost'), era: 'auto', bearerToken: 'stored-token' }, { as });
      assert.match(typed.body, /data-status="up"/);
    } finally {
      await guarded.close();
    }
  });

  test('check now is rate-limited like the API (6 a minute per user, wherever from), with a page saying so', async () => {
    const fields = { name: 'Busy', url: 'http://127.0.0.1:9/mcp', era: 'auto' };
    const as = await ownEditor('busy');
    for (let i = 0; i < 6; i++) assert.equal((await post('editor', '/manage/endpoints/new/check', fields, { from: `127.0.0.${10 + i}`, as })).statusCode, 200, `check ${i + 1}`);
    const refused = await post('editor', '/manage/endpoints/new/check', fields, { from: '127.0.0.4', as });
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /<title>Too many checks · mcpwatch<\/title>/);
    assert.match(refused.body, /at most 6 requests a minute/);
    // Another user behind the same address has a budget of their own.
    assert.equal((await post('editor', '/manage/endpoints/new/check', fields, { from: '127.0.0.4', as: await ownEditor('colleague') })).statusCode, 200);
  });

  test('check now refuses an address the policy refuses (no probe.allowPrivate): ADDRESS_BLOCKED, not weakened by the form', async () => {
    const strict = await buildFormsApp({ allowPrivate: false });
    try {
      await addUser(strict, 'ed', 'editor');
      const s = await signIn(strict, 'ed');
      const r = await strict.app.inject({ method: 'POST', url: '/manage/endpoints/new/check', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, name: 'Local', url: mcp.url, era: 'auto' }) });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /<span class="code">ADDRESS_BLOCKED<\/span>/);
      // And asking for private addresses in the form is the API's refusal.
      const asked = await strict.app.inject({ method: 'POST', url: '/manage/endpoints', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, name: 'Local', url: mcp.url, allowPrivate: 'on' }) });
      assert.equal(asked.statusCode, 400);
      assert.deepEqual(pageFieldErrors(asked.body), [{ field: 'body.allowPrivate', message: 'private addresses can only be allowed in the configuration file (probe.allowPrivate), not through the API' }]);
    } finally {
      await strict.close();
    }
  });

  test('the list comes 100 a page, in id order, with a link to the next page', async () => {
    const base = { url: 'https://paged.example/mcp', intervalS: 60, timeoutMs: 5000, era: 'auto', public: false, paused: false, pausedReason: null, tags: [], listTools: true, allowPrivate: false, source: 'api', secrets: { headers: {}, bearerToken: null } } as const;
    for (let i = 0; i < 101; i++) await t.store.createEndpoint({ ...base, slug: `paged-${i}`, name: `Paged ${i}` });
    const first = await get('viewer', '/manage/endpoints');
    assert.equal([...first.body.matchAll(/<tr data-endpoint="/g)].length, 100);
    const next = /<a href="(\/manage\/endpoints\?after=\d+)" rel="next">/.exec(first.body);
    assert.ok(next, 'a next-page link');
    const second = await get('viewer', next[1]!);
    assert.match(second.body, /Paged 100/);
    assert.doesNotMatch(second.body, /Paged 0</);
    assert.doesNotMatch(second.body, /rel="next"/);
    for (let i = 0; i < 101; i++) await t.store.deleteEndpoint((await t.store.getEndpointBySlug(`paged-${i}`))!.id);
  });

  test('a failure that is not a refusal goes on to the app\'s error handler: a 500 naming the request id, no detail', async () => {
    const failing = await buildAccountsApp({ deps: { checkNow: () => Promise.reject(new Error('secret internal detail')) } });
    try {
      await addUser(failing, 'ed', 'editor');
      const s = await signIn(failing, 'ed');
      const r = await failing.app.inject({ method: 'POST', url: '/manage/endpoints/new/check', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, name: 'X', url: 'https://x.example/mcp' }) });
      assert.equal(r.statusCode, 500);
      assert.equal(r.json<{ code: string }>().code, 'INTERNAL');
      assert.doesNotMatch(r.body, /secret internal detail/);
    } finally {
      await failing.close();
    }
  });

  const SERVER_JSON = {
    name: 'io.example/atlas',
    title: 'Atlas <script>alert(1)</script>',
    remotes: [
      { type: 'streamable-http', url: 'https://atlas.example/mcp', headers: [{ name: 'X-Api-Key', isRequired: true, isSecret: true }] },
      { type: 'sse', url: 'https://atlas.example/sse' },
    ],
  };

  async function upload(who: Who, fields: Record<string, string | { file: string; name: string }>) {
    const s = sessions.get(who)!;
    const body = await multipart({ _csrf: s.csrf, ...fields });
    return t.app.inject({ method: 'POST', url: '/manage/endpoints/import', headers: { ...body.headers, cookie: s.cookie }, payload: body.payload });
  }

  test('import: a server.json file shows what would be created, then imports it on confirmation, audited', async () => {
    const before = rowCounts(t);
    const preview = await upload('editor', { step: 'preview', file: { file: JSON.stringify(SERVER_JSON), name: 'server.json' }, text: '' });
    assert.equal(preview.statusCode, 200, preview.body.slice(0, 1000));
    assert.match(preview.body, /What the import would do/);
    assert.match(preview.body, /<tr data-slug="atlas" data-kind="add">/);
    assert.match(preview.body, /<tr data-slug="atlas-sse" data-kind="add">/);
    assert.match(preview.body, /paused: environment variable MCPWATCH_HEADER_X_API_KEY is not set \(required header X-Api-Key\)/);
    assert.match(preview.body, /Atlas &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(preview.body, /<script>alert/);
    assert.deepEqual(rowCounts(t), before, 'a preview writes nothing');

    const done = await upload('editor', { step: 'import', text: JSON.stringify(SERVER_JSON) });
    assert.equal(done.statusCode, 200, done.body.slice(0, 1000));
    assert.match(done.body, /<tr data-slug="atlas" data-kind="added">/);
    const atlas = await t.store.getEndpointBySlug('atlas');
    assert.ok(atlas);
    assert.deepEqual([atlas.source, atlas.paused, atlas.era], ['import', true, 'auto']);
    assert.equal((await t.store.getEndpointBySlug('atlas-sse'))?.era, 'sse');
    assert.deepEqual(
      auditRows(t, 'endpoint.import').map((r) => [r.actor, r.target, (JSON.parse(r.detail) as { outcome: string }).outcome]),
      [
        ['editor', 'endpoint:atlas', 'added'],
        ['editor', 'endpoint:atlas-sse', 'added'],
      ],
    );
    // Again: nothing new (unchanged), nothing audited.
    const again = await upload('editor', { step: 'import', text: JSON.stringify(SERVER_JSON) });
    assert.match(again.body, /<tr data-slug="atlas" data-kind="unchanged">/);
    assert.equal(auditRows(t, 'endpoint.import').length, 2);
  });

  test('import: a slug another owner holds is refused by name; a bad file lists its errors; nothing changes', async () => {
    const clash = { name: 'io.example/filed', remotes: [{ type: 'streamable-http', url: 'https://other.example/mcp' }] };
    const before = rowCounts(t);
    const preview = await upload('editor', { step: 'preview', text: JSON.stringify(clash) });
    assert.match(preview.body, /<tr data-slug="filed" data-kind="refused">/);
    assert.match(preview.body, /owned by the configuration file/);
    const bad = { name: 'io.example/bad', remotes: [{ type: 'websocket', url: 'https://bad.example/ws' }, { type: 'streamable-http', url: 'ftp://bad.example/' }] };
    const refused = await upload('editor', { step: 'import', text: JSON.stringify(bad) });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /remotes\[0\]\.type: must be &quot;streamable-http&quot; or &quot;sse&quot;, got &quot;websocket&quot;/);
    assert.match(refused.body, /remotes\[1\]\.url: /);
    const notJson = await upload('editor', { step: 'preview', text: '{ nope' });
    assert.equal(notJson.statusCode, 400);
    assert.match(notJson.body, /not valid JSON/);
    const empty = await upload('editor', { step: 'preview', text: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /choose a server\.json file or paste its content/);
    assert.deepEqual(rowCounts(t), before);
  });

  test('import: oversize input is refused with a clear message (above the cap, and above what the form body may carry)', async () => {
    const before = rowCounts(t);
    const big = JSON.stringify({ ...SERVER_JSON, description: 'x'.repeat(300 * 1024) });
    const over = await upload('editor', { step: 'preview', text: big });
    assert.equal(over.statusCode, 413);
    assert.match(over.body, /the server\.json is 3\d\d KiB; at most 256 KiB is accepted/);
    const huge = await upload('editor', { step: 'preview', text: big, file: { file: big, name: 'server.json' } });
    assert.equal(huge.statusCode, 413);
    assert.match(huge.body, /larger than this page accepts \(a server\.json of at most 256 KiB\)\. Nothing was changed\./);
    assert.match(String(huge.headers['content-type']), /^text\/html/);
    assert.deepEqual(rowCounts(t), before);
  });
});
