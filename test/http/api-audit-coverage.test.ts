// Every write route of /api/v1 leaves an audit row (issue 16: "audit log of every change"). The
// routes are not listed by hand: the audit plugin reports every write route the app registered
// (apiWriteRoutes), and each must be exercised by one request below, succeed, and show up in the
// audit log with its method, path and token. A new write route without a request here fails the
// test; so does one that succeeds without a row. The app has every optional surface wired
// (outbox, alert settings, status pages, compliance), so no write route hides behind an absent dep.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testMessage } from '../../src/alerts/message.ts';
import type { AuditEntry } from '../../src/store/accounts.ts';
import { apiWriteRoutes } from '../../src/http/accounts/api-audit.ts';
import { StatusPageHosts } from '../../src/http/status-page-hosts.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { SqliteStatusPages } from '../../src/store/sqlite/status-pages.ts';
import { SqliteRegistries } from '../../src/store/sqlite/registries.ts';
import { definition } from '../store/helper.ts';
import { addUser, buildAccountsApp, type AccountsApp } from './accounts-fixture.ts';
import { complianceDeps, sampleReport } from './compliance-fixture.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const SECRET_URL = 'https://hooks.example.com/services/secret-path-token-0815';
const SMTP_PASS = 'smtp-password-never-audited';

/** Writes that change nothing stored, deliberately not audited. A new one needs a reason here. */
const NOT_AUDITED = ['POST /api/v1/check', 'POST /api/v1/alerts/channels/:name/test'];

interface Step {
  /** The route as registered: "METHOD /api/v1/…/:param". */
  readonly route: string;
  readonly path: string;
  readonly payload?: object | Buffer;
  readonly contentType?: string;
}

describe('every API write is audited', () => {
  let t: AccountsApp;
  let outbox: SqliteOutbox;
  let auth: Record<string, string>;
  let tokenId = 0;
  let ownerId = 0;
  let deadLetterId = 0;

  before(async () => {
    t = await buildAccountsApp({
      withStore: async (store, config) => {
        outbox = new SqliteOutbox(store.database);
        const pages = new SqliteStatusPages(store.database);
        const hosts = new StatusPageHosts(pages);
        await hosts.refresh();
        const compliance = complianceDeps(store, config, () => Promise.resolve(sampleReport(new Date().toISOString())));
        const registries = new SqliteRegistries(store.database);
        return { alerts: outbox, statusPages: { store: pages, hosts }, archiveEndpoint: (id, atIso) => registries.setArchived(id, atIso), ...compliance.deps };
      },
    });
    ownerId = await addUser(t, 'owner', 'admin');
    const made = await t.accounts.createToken({ userId: ownerId, name: 'owner' }, 'audit-test', 'admin', ownerId);
    tokenId = made.created.id;
    auth = { authorization: `Bearer ${made.token}` };
    await t.store.createEndpoint(definition('probe-me', { public: true }));
    await outbox.commit({ entries: [{ idempotencyKey: '00000000-0000-4000-8000-0000000000a1', channel: 'gone', endpointId: null, message: testMessage('gone', 'k1', Date.now(), null), suppressed: null }], states: [] });
    const [entry] = await outbox.due(Date.now() + 1, 10);
    await outbox.markFailed(entry!.id, 'HTTP 410', null);
    deadLetterId = entry!.id;
  });
  after(() => t.close());

  /** In order: what a step changes exists by then (created before replaced before deleted). */
  const steps = (): Step[] => [
    { route: 'POST /api/v1/endpoints', path: '/api/v1/endpoints', payload: { slug: 'made', name: 'Made', url: 'https://made.example/mcp', headers: { 'X-Api-Key': 'header-secret-never-audited' } } },
    { route: 'PUT /api/v1/endpoints/:ref', path: '/api/v1/endpoints/made', payload: { slug: 'made', name: 'Made again', url: 'https://made.example/mcp' } },
    { route: 'PATCH /api/v1/endpoints/:ref', path: '/api/v1/endpoints/made', payload: { name: 'Patched' } },
    { route: 'POST /api/v1/endpoints/:ref/pause', path: '/api/v1/endpoints/made/pause', payload: { reason: 'deploy' } },
    { route: 'POST /api/v1/endpoints/:ref/resume', path: '/api/v1/endpoints/made/resume', payload: {} },
    { route: 'POST /api/v1/endpoints/:ref/archive', path: '/api/v1/endpoints/made/archive' },
    { route: 'POST /api/v1/endpoints/:ref/restore', path: '/api/v1/endpoints/made/restore' },
    { route: 'POST /api/v1/endpoints/:ref/compliance/run', path: '/api/v1/endpoints/probe-me/compliance/run' },
    { route: 'DELETE /api/v1/endpoints/:ref', path: '/api/v1/endpoints/made' },
    { route: 'POST /api/v1/alerts/dead-letters/:id/retry', path: `/api/v1/alerts/dead-letters/${deadLetterId}/retry` },
    { route: 'POST /api/v1/alerts/channels', path: '/api/v1/alerts/channels', payload: { name: 'hook', type: 'webhook', url: SECRET_URL, secret: 'hmac-never-audited' } },
    {
      route: 'PUT /api/v1/alerts/channels/:name',
      path: '/api/v1/alerts/channels/hook',
      payload: { type: 'email', smtp: { host: 'smtp.example.com', user: 'ops', pass: SMTP_PASS, from: 'a@example.com', to: ['b@example.com'] } },
    },
    { route: 'POST /api/v1/alerts/routes', path: '/api/v1/alerts/routes', payload: { channels: ['hook'], tags: ['prod'] } },
    { route: 'PUT /api/v1/alerts/routes/:id', path: '/api/v1/alerts/routes/1', payload: { channels: ['hook'] } },
    { route: 'DELETE /api/v1/alerts/routes/:id', path: '/api/v1/alerts/routes/1' },
    { route: 'DELETE /api/v1/alerts/channels/:name', path: '/api/v1/alerts/channels/hook' },
    { route: 'POST /api/v1/alerts/maintenance', path: '/api/v1/alerts/maintenance', payload: { end: '2099-01-01T00:00:00Z' } },
    { route: 'PUT /api/v1/alerts/maintenance/:id', path: '/api/v1/alerts/maintenance/1', payload: { tags: ['prod'], end: '2099-01-02T00:00:00Z', start: '2099-01-01T00:00:00Z' } },
    { route: 'DELETE /api/v1/alerts/maintenance/:id', path: '/api/v1/alerts/maintenance/1' },
    { route: 'POST /api/v1/status-pages', path: '/api/v1/status-pages', payload: { slug: 'acme', title: 'Acme' } },
    { route: 'PUT /api/v1/status-pages/:ref', path: '/api/v1/status-pages/acme', payload: { slug: 'acme', title: 'Acme status' } },
    { route: 'PUT /api/v1/status-pages/:ref/groups', path: '/api/v1/status-pages/acme/groups', payload: { groups: [{ name: 'Tools', endpoints: ['probe-me'] }] } },
    { route: 'PUT /api/v1/status-pages/:ref/logo', path: '/api/v1/status-pages/acme/logo', payload: PNG, contentType: 'image/png' },
    { route: 'DELETE /api/v1/status-pages/:ref/logo', path: '/api/v1/status-pages/acme/logo' },
    { route: 'POST /api/v1/status-pages/:ref/posts', path: '/api/v1/status-pages/acme/posts', payload: { title: 'Slow', status: 'investigating', body: 'Looking.' } },
    { route: 'PATCH /api/v1/status-pages/:ref/posts/:id', path: '/api/v1/status-pages/acme/posts/1', payload: { title: 'Slow tools/list' } },
    { route: 'POST /api/v1/status-pages/:ref/posts/:id/updates', path: '/api/v1/status-pages/acme/posts/1/updates', payload: { status: 'resolved', body: 'Fixed.' } },
    { route: 'PATCH /api/v1/status-pages/:ref/posts/:id/updates/:updateId', path: '/api/v1/status-pages/acme/posts/1/updates/1', payload: { body: 'Looking (corrected).' } },
    { route: 'DELETE /api/v1/status-pages/:ref/posts/:id', path: '/api/v1/status-pages/acme/posts/1' },
    { route: 'DELETE /api/v1/status-pages/:ref', path: '/api/v1/status-pages/acme' },
  ];

  test('the app registers the write routes this test knows, and exempts only the known ones', () => {
    const registered = apiWriteRoutes(t.app);
    assert.ok(registered.length > 20, `only ${registered.length} write routes seen: is the audit plugin registered before the API?`);
    const exercised = new Set(steps().map((s) => s.route));
    const missing = registered.filter((r) => r.audited && !exercised.has(`${r.method} ${r.url}`)).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], 'write routes without a request in this test: add one, so their audit row is proved');
    const unknown = [...exercised].filter((route) => !registered.some((r) => `${r.method} ${r.url}` === route));
    assert.deepEqual(unknown, [], 'steps for routes the app does not register');
    assert.deepEqual(
      registered.filter((r) => !r.audited).map((r) => `${r.method} ${r.url}`),
      NOT_AUDITED,
    );
  });

  test('each write succeeds and leaves one audit row naming the token, its owner and the path; no secret in the log', async () => {
    for (const step of steps()) {
      const [method] = step.route.split(' ') as ['POST' | 'PUT' | 'PATCH' | 'DELETE'];
      const since = (await t.accounts.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
      const headers = { ...auth, ...(step.contentType ? { 'content-type': step.contentType } : {}) };
      const response = await t.app.inject({ method, url: step.path, headers, ...(step.payload !== undefined ? { payload: step.payload } : {}) });
      assert.ok(response.statusCode >= 200 && response.statusCode < 300, `${step.route}: ${response.statusCode} ${response.body.slice(0, 300)}`);
      const rows = await auditAfter(since, 1);
      assert.deepEqual(
        rows.map((e) => [e.action, e.target, e.actor, e.actorUserId, e.detail.route]),
        [[`api.${method.toLowerCase()}`, step.path, `token:${tokenId}`, ownerId, step.route.split(' ')[1]]],
        step.route,
      );
    }
    const all = JSON.stringify(await t.accounts.store.listAudit({ limit: 1000 }));
    for (const secret of ['secret-path-token-0815', 'hmac-never-audited', SMTP_PASS, 'header-secret-never-audited']) assert.ok(!all.includes(secret), `${secret} in the audit log`);
  });

  test('a refused write leaves no row', async () => {
    const since = (await t.accounts.store.listAudit({ limit: 1 }))[0]?.id ?? 0;
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/alerts/channels', headers: auth, payload: { name: 'Bad Name', type: 'slack' } });
    assert.equal(refused.statusCode, 400);
    // The row, were there one, is written after the response: give it the time a real one gets.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual((await t.accounts.store.listAudit({ limit: 5 })).filter((e) => e.id > since), []);
  });

  /** Rows after `since`, oldest first, once `count` are there (they are written after the response). */
  async function auditAfter(since: number, count: number): Promise<AuditEntry[]> {
    let rows: AuditEntry[] = [];
    for (let i = 0; i < 100; i++) {
      rows = (await t.accounts.store.listAudit({ limit: 20 })).filter((e) => e.id > since).reverse();
      if (rows.length >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return rows;
  }
});
