// A real app over a real SQLite file with status pages wired as main.ts wires them, and tokens.
import type { LightMyRequestResponse } from 'fastify';
import type { AppDeps } from '../../src/http/deps.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { StatusPageHosts } from '../../src/http/status-page-hosts.ts';
import { SqliteStatusPages } from '../../src/store/sqlite/status-pages.ts';
import { buildTestApp, type TestApp } from './helper.ts';

export interface PagesApp extends TestApp {
  readonly pages: SqliteStatusPages;
  readonly hosts: StatusPageHosts;
  readonly writer: Record<string, string>;
  readonly reader: Record<string, string>;
  /** A JSON request with the full token. */
  send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export async function buildPagesApp(overrides: Partial<AppDeps> & { yaml?: string } = {}): Promise<PagesApp> {
  let pages: SqliteStatusPages | undefined;
  let hosts: StatusPageHosts | undefined;
  const t = await buildTestApp({
    ...overrides,
    withStore: async (store) => {
      pages = new SqliteStatusPages(store.database);
      hosts = new StatusPageHosts(pages);
      await hosts.refresh();
      return { statusPages: { store: pages, hosts } };
    },
  });
  const token = async (readOnly: boolean): Promise<Record<string, string>> => {
    const value = generateToken();
    await t.store.createToken(readOnly ? 'reader' : 'writer', hashToken(value), readOnly);
    return { authorization: `Bearer ${value}` };
  };
  const writer = await token(false);
  const reader = await token(true);
  return Object.assign(t, {
    pages: pages!,
    hosts: hosts!,
    writer,
    reader,
    send: (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: unknown, headers: Record<string, string> = writer) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) }),
  });
}

export interface PageJson {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  readonly url: string;
  readonly feedUrl: string;
  readonly isDefault: boolean;
  readonly customDomain: string | null;
  readonly description: string | null;
  readonly logo: { readonly contentType: string; readonly fileName: string; readonly size: number; readonly url: string } | null;
  readonly groups: ReadonlyArray<{ readonly name: string; readonly endpoints: ReadonlyArray<{ id: number; slug: string; name: string; public: boolean }> }>;
}
export interface PostJson {
  readonly id: number;
  readonly title: string;
  readonly status: string;
  readonly updates: ReadonlyArray<{ readonly id: number; readonly status: string; readonly body: string; readonly editedAt: string | null }>;
}
export interface ErrorJson {
  readonly code: string;
  readonly message: string;
  readonly fields: ReadonlyArray<{ readonly field: string; readonly message: string }>;
}

/** Every field gets one: a script, an attribute break-out with an event handler, a javascript: URL. */
export const HOSTILE = {
  title: '<script>alert("title")</script>',
  description: '"><img src=x onerror=alert("description")> javascript:alert(1)',
  footer: 'javascript:alert("footer") <a href="javascript:alert(2)">click</a>',
  group: '<svg onload=alert("group")>',
  endpoint: '"><img src=x onerror=alert("endpoint")>',
  postTitle: '</title><script>alert("post")</script>',
  postBody: '<img src=x onerror=alert("body")>\njavascript:alert(3)',
};
