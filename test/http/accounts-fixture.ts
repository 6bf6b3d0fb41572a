// A real app over a real SQLite file with accounts wired as serve wires them (a cheaper scrypt so
// tests stay quick), plus the steps tests repeat: create users, sign in, read a page's CSRF token.
import type { LightMyRequestResponse } from 'fastify';
import { Accounts } from '../../src/accounts/accounts.ts';
import { AlertSettings } from '../../src/alerts/settings.ts';
import { SqliteAlertSettings } from '../../src/store/sqlite/alert-settings.ts';
import type { ScryptCost } from '../../src/accounts/password.ts';
import type { AppOptions } from '../../src/http/app.ts';
import { DEFAULT_ACCOUNTS, DEFAULT_ALERTS, type AccountsConfig } from '../../src/config/schema.ts';
import type { Role } from '../../src/domain/roles.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { SqliteAccounts } from '../../src/store/sqlite/accounts.ts';
import type { SqliteStore } from '../../src/store/sqlite/store.ts';
import { buildTestApp, type TestApp } from './helper.ts';

/** 2^10 instead of 2^15: the same code path, a fraction of the CPU on a shared runner. */
export const TEST_SCRYPT: ScryptCost = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

export interface AccountsApp extends TestApp {
  readonly accounts: Accounts;
}

export async function buildAccountsApp(
  options: {
    clock?: () => number;
    settings?: Partial<AccountsConfig>;
    yaml?: string;
    appOptions?: AppOptions;
    /** More deps (a real checkNow, archiving), some built on the app's own store. */
    deps?: (store: SqliteStore) => Partial<AppDeps>;
  } = {},
): Promise<AccountsApp> {
  const clock = options.clock ?? Date.now;
  let accounts: Accounts | undefined;
  const t = await buildTestApp({
    clock,
    ...(options.yaml !== undefined ? { yaml: options.yaml } : {}),
    ...(options.appOptions !== undefined ? { appOptions: options.appOptions } : {}),
    withStore: async (store) => {
      accounts = new Accounts({
        store: new SqliteAccounts(store.database, { clock }),
        tokens: store,
        clock,
        settings: { ...DEFAULT_ACCOUNTS, ...options.settings },
        scryptCost: TEST_SCRYPT,
        mintToken: () => {
          const token = generateToken();
          return { token, hash: hashToken(token) };
        },
      });
      // Alert settings too, so the matrix covers the channel and maintenance write routes.
      return {
        accounts,
        alertSettings: await AlertSettings.open({ base: DEFAULT_ALERTS, store: new SqliteAlertSettings(store.database), allowPrivate: true }),
        ...options.deps?.(store),
      };
    },
  });
  return Object.assign(t, { accounts: accounts! });
}

export async function addUser(t: AccountsApp, name: string, role: Role, password = PASSWORD): Promise<number> {
  const created = await t.accounts.createUser({ userId: null, name: 'test' }, name, password, role);
  if (!created.ok) throw new Error(created.message);
  return created.value.id;
}

/** The session cookie pair ("name=value") a response sets, or undefined. */
export function sessionSet(response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  return first?.split(';')[0];
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

export interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
}

export async function signIn(t: AccountsApp, name: string, password = PASSWORD, extra: Record<string, string> = {}): Promise<SignedIn> {
  const response = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name, password, ...extra }) });
  const cookie = sessionSet(response);
  if (response.statusCode !== 303 || cookie === undefined) throw new Error(`sign-in of ${name} failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
  const page = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
  return { cookie, csrf: csrfOf(page.body) };
}

/** Rows in the tables a change could touch, to compare before and after. */
export function rowCounts(t: TestApp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of ['users', 'api_tokens', 'endpoints', 'audit_log', 'alert_channels', 'maintenance_windows']) {
    out[table] = (t.store.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  return out;
}
