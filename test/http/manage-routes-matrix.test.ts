// Every form route under /manage, found from the app's own route table rather than listed by hand:
// a viewer (valid session, valid CSRF token) and an anonymous visitor change nothing through any of
// them, and an editor changes nothing through the admin-only ones. A form route added later is in
// the matrix without a word from its author; the row counts of every table prove "nothing".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusPageHosts } from '../../src/http/status-page-hosts.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { SqliteStatusPages } from '../../src/store/sqlite/status-pages.ts';
import { definition } from '../store/helper.ts';
import { FORM, addUser, buildAccountsApp, form, signIn, type AccountsApp, type SignedIn } from './accounts-fixture.ts';

/** "METHOD /full/path" for every route in Fastify's printRoutes tree (commonPrefix: false). */
function routesOf(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (depth === 0 ? '' : stack[depth - 1]!) + m[2]!;
    stack.push(path);
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${path.startsWith('/') ? path : `/${path}`}`);
  }
  return out;
}

/** Admin-only sections (src/domain/roles.ts: users.manage, tokens.manage). */
const ADMIN_ONLY = /^\/manage\/(users|tokens)(\/|$)/;

/** Every table's row count: a refused request changes none. */
function everyCount(t: AccountsApp): Record<string, number> {
  const db = t.store.database;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

describe('every /manage form route refuses who may not change it', () => {
  let t: AccountsApp;
  let posts: string[] = [];
  const sessions = new Map<'viewer' | 'editor', SignedIn>();

  before(async () => {
    t = await buildAccountsApp({
      withStore: async (store) => {
        const pages = new SqliteStatusPages(store.database);
        const hosts = new StatusPageHosts(pages);
        await hosts.refresh();
        return { alerts: new SqliteOutbox(store.database), statusPages: { store: pages, hosts }, checkNow: () => Promise.reject(new Error('a refused request must not probe')) };
      },
    });
    for (const role of ['viewer', 'editor'] as const) {
      await addUser(t, role, role);
      sessions.set(role, await signIn(t, role));
    }
    await t.store.createEndpoint(definition('kept', { public: true }));
    posts = routesOf(t.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.startsWith('POST /manage/'))
      .map((r) => r.slice('POST '.length));
  });
  after(() => t.close());

  /** A concrete URL for a route: any id or name will do, the guard answers before the handler looks. */
  const concrete = (route: string): string => route.replace(/:id\b/g, '1').replace(/:[a-z]+/gi, 'kept');

  test('the route table was read: every section has its form routes', (t) => {
    for (const section of ['users', 'tokens', 'endpoints', 'alerts', 'maintenance', 'status-pages']) {
      assert.ok(
        posts.some((p) => p.startsWith(`/manage/${section}`)),
        `no POST route under /manage/${section} among ${posts.length}: ${posts.join(', ')}`,
      );
    }
    assert.ok(posts.length >= 30, `${posts.length} form routes found`);
    t.diagnostic(`${posts.length} form routes: ${posts.join(' ')}`);
  });

  test('a viewer with a valid session and CSRF token gets 403 from every one, and no table changes', async () => {
    const viewer = sessions.get('viewer')!;
    const before = everyCount(t);
    for (const route of posts) {
      const r = await t.app.inject({ method: 'POST', url: concrete(route), headers: { ...FORM, cookie: viewer.cookie }, payload: form({ _csrf: viewer.csrf, name: 'x', confirm: 'delete' }) });
      assert.equal(r.statusCode, 403, `viewer POST ${route}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    assert.deepEqual(everyCount(t), before);
  });

  test('an anonymous visitor is refused by every one (sent to sign in, or 403), and no table changes', async () => {
    const before = everyCount(t);
    for (const route of posts) {
      const r = await t.app.inject({ method: 'POST', url: concrete(route), headers: FORM, payload: form({ name: 'x', confirm: 'delete' }) });
      assert.ok([303, 403].includes(r.statusCode), `anonymous POST ${route}: ${r.statusCode}`);
      if (r.statusCode === 303) assert.match(String(r.headers.location), /^\/login/, route);
    }
    assert.deepEqual(everyCount(t), before);
  });

  test('an editor gets 403 from the admin-only ones (users, tokens), and no table changes', async () => {
    const editor = sessions.get('editor')!;
    const adminOnly = posts.filter((p) => ADMIN_ONLY.test(p));
    assert.ok(adminOnly.length >= 5, adminOnly.join(', '));
    const before = everyCount(t);
    for (const route of adminOnly) {
      const r = await t.app.inject({ method: 'POST', url: concrete(route), headers: { ...FORM, cookie: editor.cookie }, payload: form({ _csrf: editor.csrf, name: 'x', role: 'admin', password: 'another password 1' }) });
      assert.equal(r.statusCode, 403, `editor POST ${route}: ${r.statusCode}`);
    }
    assert.deepEqual(everyCount(t), before);
  });
});
