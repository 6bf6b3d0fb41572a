// The role × route matrix: anonymous, viewer, editor and admin against every /manage route (as
// signed-in sessions with valid CSRF tokens) and the write API routes (as bearer tokens of that
// role), with exact status codes; and proof by row counts that a viewer changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../../src/domain/roles.ts';
import { FORM, PASSWORD, addUser, buildAccountsApp, form, rowCounts, signIn, type AccountsApp, type SignedIn } from './accounts-fixture.ts';

type Who = 'anonymous' | Role;
const WHO: readonly Who[] = ['anonymous', 'viewer', 'editor', 'admin'];

describe('role × route matrix', () => {
  let t: AccountsApp;
  const sessions = new Map<Who, SignedIn>();
  const tokens = new Map<Who, string>();
  let victim = 0;
  let tokenId = 0;

  before(async () => {
    t = await buildAccountsApp();
    for (const role of ['viewer', 'editor', 'admin'] as const) {
      const id = await addUser(t, role, role);
      sessions.set(role, await signIn(t, role));
      tokens.set(role, (await t.accounts.createToken({ userId: id, name: role }, `${role}-token`, role, id)).token);
    }
    victim = await addUser(t, 'victim', 'viewer');
    tokenId = (await t.accounts.createToken({ userId: null, name: 'test' }, 'victim-token', 'viewer', null)).created.id;
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${tokens.get('admin')}` }, payload: { slug: 'kept', name: 'Kept', url: 'https://kept.example/mcp' } });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => t.close());

  function page(who: Who, method: 'GET' | 'POST', url: string, fields: Record<string, string> = {}) {
    const s = sessions.get(who);
    return t.app.inject({
      method,
      url,
      headers: { ...(method === 'POST' ? FORM : {}), ...(s ? { cookie: s.cookie } : {}) },
      ...(method === 'POST' ? { payload: form({ ...(s ? { _csrf: s.csrf } : {}), ...fields }) } : {}),
    });
  }

  const MANAGE_GETS = ['/manage/users', '/manage/tokens', '/manage/audit'];

  test('GET /manage/*: anonymous is sent to sign in, viewer and editor are refused, admin sees the page', async () => {
    const expected: Record<Who, number> = { anonymous: 303, viewer: 403, editor: 403, admin: 200 };
    for (const url of MANAGE_GETS) {
      for (const who of WHO) {
        const r = await page(who, 'GET', url);
        assert.equal(r.statusCode, expected[who], `${who} GET ${url}`);
        if (who === 'anonymous') assert.equal(r.headers.location, `/login?next=${encodeURIComponent(url)}`);
      }
    }
  });

  const managePosts = (): Array<[string, Record<string, string>]> => [
    ['/manage/users', { name: 'newbie', password: PASSWORD, role: 'admin' }],
    [`/manage/users/${victim}/role`, { role: 'admin' }],
    [`/manage/users/${victim}/password`, { password: 'another password 1' }],
    [`/manage/users/${victim}/unlock`, {}],
    ['/manage/tokens', { name: 'sneaky', role: 'admin' }],
    [`/manage/tokens/${tokenId}/revoke`, {}],
    [`/manage/users/${victim}/remove`, {}],
  ];

  const apiWrites = (): Array<{ method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: object; action: 'endpoints' | 'alerts' | 'maintenance' }> => [
    { method: 'POST', url: '/api/v1/endpoints', payload: { slug: 'new-one', name: 'New', url: 'https://new.example/mcp' }, action: 'endpoints' },
    { method: 'PATCH', url: '/api/v1/endpoints/kept', payload: { name: 'Renamed' }, action: 'endpoints' },
    { method: 'POST', url: '/api/v1/endpoints/kept/pause', payload: {}, action: 'endpoints' },
    { method: 'POST', url: '/api/v1/alerts/channels', payload: { name: 'hook', type: 'webhook', url: 'https://hooks.example/in', allowPrivate: false }, action: 'alerts' },
    { method: 'POST', url: '/api/v1/alerts/maintenance', payload: { end: '2099-01-01T00:00:00Z' }, action: 'maintenance' },
  ];

  function api(who: Who, w: ReturnType<typeof apiWrites>[number]) {
    const token = tokens.get(who);
    return t.app.inject({ method: w.method, url: w.url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(w.payload ? { payload: w.payload } : {}) });
  }

  test('a viewer (session and token) changes nothing: every write refused with 403, row counts unchanged', async () => {
    const before = rowCounts(t);
    for (const [url, fields] of managePosts()) assert.equal((await page('viewer', 'POST', url, fields)).statusCode, 403, `viewer POST ${url}`);
    for (const w of apiWrites()) {
      const r = await api('viewer', w);
      assert.equal(r.statusCode, 403, `viewer token ${w.method} ${w.url}: ${r.body}`);
    }
    assert.deepEqual(rowCounts(t), before);
  });

  test('anonymous and editor change nothing through /manage; anonymous gets 401 from the API', async () => {
    const before = rowCounts(t);
    for (const who of ['anonymous', 'editor'] as const) {
      for (const [url, fields] of managePosts()) assert.equal((await page(who, 'POST', url, fields)).statusCode, 403, `${who} POST ${url}`);
    }
    for (const w of apiWrites()) assert.equal((await api('anonymous', w)).statusCode, 401, `anonymous ${w.method} ${w.url}`);
    assert.deepEqual(rowCounts(t), before);
  });

  test('an editor token writes endpoints, channels and maintenance windows, each change audited with the token and its owner', async () => {
    const editorId = (await t.accounts.store.credentialsByName('editor'))!.id;
    const since = (await t.accounts.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
    for (const w of apiWrites()) {
      const r = await api('editor', w);
      assert.ok(r.statusCode >= 200 && r.statusCode < 300, `editor token ${w.method} ${w.url}: ${r.statusCode} ${r.body}`);
    }
    // Written after the response: give the hooks a moment.
    let rows: Awaited<ReturnType<typeof t.accounts.store.listAudit>> = [];
    for (let i = 0; i < 50 && rows.length < apiWrites().length; i++) {
      rows = (await t.accounts.store.listAudit({ limit: 20 })).filter((e) => e.id > since);
      if (rows.length < apiWrites().length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(rows.map((e) => [e.action, e.target]).reverse(), apiWrites().map((w) => [`api.${w.method.toLowerCase()}`, w.url]));
    assert.ok(rows.every((e) => e.actorUserId === editorId && /^token:\d+$/.test(e.actor)), JSON.stringify(rows));
  });

  test('an admin does every /manage change, each with its audit row', async () => {
    const auditBefore = rowCounts(t).audit_log ?? 0;
    const expected = [303, 303, 303, 303, 201, 303, 303];
    const codes: number[] = [];
    for (const [url, fields] of managePosts()) codes.push((await page('admin', 'POST', url, fields)).statusCode);
    assert.deepEqual(codes, expected);
    const rows = await t.accounts.store.listAudit({ limit: 7 });
    assert.equal((rowCounts(t).audit_log ?? 0) - auditBefore, 7);
    assert.deepEqual(rows.map((e) => e.action).reverse(), ['user.create', 'user.role', 'user.password', 'user.unlock', 'token.create', 'token.revoke', 'user.remove']);
    assert.ok(rows.every((e) => e.actor === 'admin' && e.actorUserId !== null));
    const audit = await page('admin', 'GET', '/manage/audit');
    assert.match(audit.body, /user\.remove/);
  });
});
