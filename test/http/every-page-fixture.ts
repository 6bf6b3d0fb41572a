// Every HTML page of the web app, over one real app (real SQLite file) wired with every surface
// (accounts, alert settings, the outbox, status pages) and seeded the way a running service
// would have filled it: endpoints up, down, degraded, auth-required and private, an open and a
// resolved incident, a status page with an incident post. The look-and-feel browser test walks
// EVERY_PAGE; so can anything else that wants "each page once".
import assert from 'node:assert/strict';
import { Accounts } from '../../src/accounts/accounts.ts';
import { testMessage } from '../../src/alerts/message.ts';
import { AlertSettings } from '../../src/alerts/settings.ts';
import { DEFAULT_ACCOUNTS, DEFAULT_ALERTS } from '../../src/config/schema.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { StatusPageHosts } from '../../src/http/status-page-hosts.ts';
import { SqliteAccounts } from '../../src/store/sqlite/accounts.ts';
import { SqliteAlertSettings } from '../../src/store/sqlite/alert-settings.ts';
import { SqliteOutbox } from '../../src/store/sqlite/outbox.ts';
import { SqliteStatusPages } from '../../src/store/sqlite/status-pages.ts';
import { EMPTY_TICK } from '../store/helper.ts';
import { TEST_SCRYPT } from './accounts-fixture.ts';
import { buildTestApp, type TestApp } from './helper.ts';
import { DAY, HOUR, seedEndpoint } from './page-seed.ts';

/** Who looks at a page: nobody signed in, nobody at all yet (first run), or the admin. */
export type Visitor = 'first-run' | 'anonymous' | 'admin';

export interface PageVisit {
  /** A file-name-safe name, used for screenshots and in messages. */
  readonly name: string;
  readonly path: string;
  readonly as: Visitor;
  /** The HTTP status the page answers with (error pages are pages too). */
  readonly status?: number;
}

/**
 * Every page, once. A page added to the app is one line here.
 * `setup` must come first: it exists only while no user does. The badge is an SVG, not a page.
 */
export const EVERY_PAGE: readonly PageVisit[] = [
  { name: 'setup', path: '/setup?token=SETUP', as: 'first-run' },
  { name: 'dashboard', path: '/', as: 'anonymous' },
  { name: 'status-index', path: '/status', as: 'anonymous' },
  { name: 'status-endpoint', path: '/status/weather', as: 'anonymous' },
  { name: 'status-endpoint-down', path: '/status/maps', as: 'anonymous' },
  { name: 'status-page', path: '/status/p/acme', as: 'anonymous' },
  { name: 'endpoint-public', path: '/endpoints/weather', as: 'anonymous' },
  { name: 'login', path: '/login', as: 'anonymous' },
  { name: 'not-found', path: '/status/no-such-endpoint', as: 'anonymous', status: 404 },
  { name: 'setup-used', path: '/setup?token=gone', as: 'anonymous', status: 404 },
  { name: 'dashboard-signed-in', path: '/', as: 'admin' },
  { name: 'endpoint-private', path: '/endpoints/vault', as: 'admin' },
  { name: 'endpoint-down', path: '/endpoints/maps', as: 'admin' },
  { name: 'account', path: '/account', as: 'admin' },
  { name: 'manage-users', path: '/manage/users', as: 'admin' },
  { name: 'manage-tokens', path: '/manage/tokens', as: 'admin' },
  { name: 'manage-audit', path: '/manage/audit', as: 'admin' },
  { name: 'manage-endpoints', path: '/manage/endpoints', as: 'admin' },
  { name: 'manage-endpoint', path: '/manage/endpoints/1', as: 'admin' },
  { name: 'manage-endpoint-new', path: '/manage/endpoints/new', as: 'admin' },
  { name: 'manage-endpoints-import', path: '/manage/endpoints/import', as: 'admin' },
  { name: 'manage-alerts', path: '/manage/alerts', as: 'admin' },
  { name: 'manage-maintenance', path: '/manage/maintenance', as: 'admin' },
  { name: 'manage-status-pages', path: '/manage/status-pages', as: 'admin' },
  { name: 'manage-status-page', path: '/manage/status-pages/acme', as: 'admin' },
];

export const ADMIN = { name: 'ada', password: 'correct horse battery' } as const;

export interface EveryPageApp extends TestApp {
  readonly accounts: Accounts;
  /** The first-run setup token (valid until the first user exists). */
  readonly setupToken: string;
  /** Adds the admin and a viewer (ending first run); idempotent. */
  addUsers(): Promise<void>;
}

export async function buildEveryPageApp(now = Date.now()): Promise<EveryPageApp> {
  let accounts!: Accounts;
  let outbox!: SqliteOutbox;
  let pages!: SqliteStatusPages;
  const t = await buildTestApp({
    pageCacheMs: 0,
    // A browser loading every page in every scheme and width makes hundreds of requests a minute
    // from one address, past the anonymous rate limit: the test names a client per page visit
    // (X-Forwarded-For from loopback), as a proxy in front of mcpwatch would.
    appOptions: { trustProxy: ['127.0.0.1'] },
    withStore: async (store) => {
      accounts = new Accounts({
        store: new SqliteAccounts(store.database, { clock: Date.now }),
        tokens: store,
        clock: Date.now,
        settings: DEFAULT_ACCOUNTS,
        scryptCost: TEST_SCRYPT,
        mintToken: () => {
          const token = generateToken();
          return { token, hash: hashToken(token) };
        },
      });
      outbox = new SqliteOutbox(store.database);
      pages = new SqliteStatusPages(store.database);
      const hosts = new StatusPageHosts(pages);
      await hosts.refresh();
      return {
        accounts,
        alerts: outbox,
        alertSettings: await AlertSettings.open({ base: DEFAULT_ALERTS, store: new SqliteAlertSettings(store.database), allowPrivate: true }),
        statusPages: { store: pages, hosts },
      };
    },
  });

  const flaky = (ts: number): boolean => ts % (53 * HOUR) < 2 * HOUR;
  await seedEndpoint(t.store, now, {
    slug: 'weather',
    definition: { name: 'Weather tools', tags: ['prod', 'tools'] },
    row: (ts) => (flaky(ts) ? { status: 'down', code: 'TCP_REFUSED', detail: 'connect ECONNREFUSED 10.0.0.7:443' } : {}),
    incidents: [{ startedAt: now - 3 * DAY, resolvedAt: now - 3 * DAY + 40 * 60_000, code: 'TCP_REFUSED', detail: 'connect ECONNREFUSED 10.0.0.7:443' }],
    tools: [
      { ts: now - 20 * DAY, names: ['forecast'] },
      { ts: now - 2 * DAY, names: ['forecast', 'alerts', 'radar'] },
    ],
    cert: { notAfter: new Date(now + 64 * DAY).toISOString(), issuer: 'CN=R11, O=Let\'s Encrypt' },
  });
  await seedEndpoint(t.store, now, {
    slug: 'maps',
    definition: { name: 'Maps', tags: ['prod'] },
    row: (ts) => (ts > now - 5 * HOUR ? { status: 'down', code: 'HTTP_5XX', detail: 'HTTP 503 from the server' } : {}),
    incidents: [{ startedAt: now - 5 * HOUR, resolvedAt: null, code: 'HTTP_5XX', detail: 'HTTP 503 from the server' }],
    cert: { notAfter: new Date(now + 9 * DAY).toISOString(), issuer: 'CN=R10, O=Let\'s Encrypt' },
    state: { health: 'down', healthSince: new Date(now - 5 * HOUR).toISOString(), lastStatus: 'down', lastCode: 'HTTP_5XX', lastDetail: 'HTTP 503 from the server', consecutiveFailures: 5, consecutiveSuccesses: 0 },
  });
  await seedEndpoint(t.store, now, {
    slug: 'search',
    definition: { name: 'Search (beta)', tags: ['beta'] },
    days: 30,
    row: (ts) => (ts > now - 3 * HOUR ? { status: 'degraded', code: 'JSONRPC_ERROR', detail: 'tools/list answered -32603' } : {}),
    state: { health: 'up', lastStatus: 'degraded', lastCode: 'JSONRPC_ERROR', lastDetail: 'tools/list answered -32603' },
  });
  await seedEndpoint(t.store, now, {
    slug: 'billing',
    definition: { name: 'Billing (OAuth)' },
    days: 10,
    state: { health: 'up', lastStatus: 'auth_required', lastCode: 'AUTH_REQUIRED', lastDetail: 'HTTP 401 with a Bearer challenge' },
  });
  const { endpoint: vault } = await seedEndpoint(t.store, now, {
    slug: 'vault',
    definition: { name: 'Internal vault', public: false, tags: ['internal'] },
    days: 7,
    cert: { notAfter: new Date(now - 2 * DAY).toISOString(), issuer: 'CN=Internal CA' },
  });
  await seedEndpoint(t.store, now, { slug: 'fresh', definition: { name: 'Just added' }, days: 0, state: { health: 'unknown', lastStatus: null, lastCheckedAt: null } });
  await t.store.writeTick({
    ...EMPTY_TICK,
    results: Array.from({ length: 60 }, (_, i) => ({ endpointId: vault.id, ts: now - 60_000 - i * 15 * 60_000, status: 'up' as const, code: null, detail: null, durationMs: 90 + (i % 5) * 20, dnsMs: 3, connectMs: 7, tlsMs: 15, era: 'streamable' as const, retried: false, stalled: false, lagMs: 2 })),
  });
  await outbox.commit({
    entries: ['incident_opened', 'incident_resolved'].map((kind, i) => ({ idempotencyKey: `k${i}`, channel: 'ops-slack', endpointId: vault.id, message: { ...testMessage('ops-slack', `k${i}`, now, null), kind } as ReturnType<typeof testMessage>, suppressed: null })),
    states: [],
  });
  t.store.checkpoint();

  // A status page with two groups and an incident post, through the API as an operator makes it.
  const writer = generateToken();
  await t.store.createToken('fixture-writer', hashToken(writer), false);
  const api = async (method: 'POST' | 'PUT', url: string, payload: Record<string, unknown>): Promise<void> => {
    const response = await t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${writer}` }, payload });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  };
  await api('POST', '/status-pages', { slug: 'acme', title: 'Acme MCP status', description: 'Our public MCP servers.\nUpdated every minute.', footer: 'Questions: ops@acme.example' });
  await api('PUT', '/status-pages/acme/groups', { groups: [{ name: 'Tools', endpoints: ['weather', 'search'] }, { name: 'Platform', endpoints: ['maps', 'billing'] }] });
  await api('POST', '/status-pages/acme/posts', { title: 'Maps answer 503', status: 'identified', body: 'A database node is down; we are failing over.' });

  const setup = await accounts.openSetup();
  assert.ok(setup, 'no user exists yet, so there is a setup token');
  return Object.assign(t, {
    accounts,
    setupToken: setup.token,
    async addUsers() {
      if ((await accounts.store.countUsers()) > 0) return;
      for (const [name, role] of [[ADMIN.name, 'admin'], ['victor', 'viewer']] as const) {
        const created = await accounts.createUser({ userId: null, name: 'fixture' }, name, ADMIN.password, role);
        if (!created.ok) throw new Error(created.message);
      }
      // Something for the tokens page and the audit log to show.
      await accounts.createToken({ userId: null, name: 'fixture' }, 'grafana', 'viewer', null);
    },
  });
}
