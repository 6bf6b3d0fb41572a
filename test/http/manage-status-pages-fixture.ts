// The status-page forms' app: accounts (sessions, CSRF, the audit log) and status pages wired as
// serve wires them, over one real SQLite file, plus a full API token to compare with the JSON API.
import type { LightMyRequestResponse } from 'fastify';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { StatusPageHosts } from '../../src/http/status-page-hosts.ts';
import { SqliteStatusPages } from '../../src/store/sqlite/status-pages.ts';
import { FORM, buildAccountsApp, form, type AccountsApp, type SignedIn } from './accounts-fixture.ts';

export interface PageFormsApp extends AccountsApp {
  readonly pages: SqliteStatusPages;
  readonly hosts: StatusPageHosts;
  /** A full API token's header. */
  readonly writer: Record<string, string>;
  /** A form POST as the signed-in user (their CSRF token unless `_csrf` is given). */
  post(who: SignedIn, url: string, fields?: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(who: SignedIn | null, url: string): Promise<LightMyRequestResponse>;
}

export async function buildPageFormsApp(options: { yaml?: string } = {}): Promise<PageFormsApp> {
  let pages: SqliteStatusPages | undefined;
  let hosts: StatusPageHosts | undefined;
  const t = await buildAccountsApp({
    ...(options.yaml !== undefined ? { yaml: options.yaml } : {}),
    // Every read sees the last write: no view reused between requests.
    deps: { pageCacheMs: 0 },
    withStore: async (store) => {
      pages = new SqliteStatusPages(store.database);
      hosts = new StatusPageHosts(pages);
      await hosts.refresh();
      return { statusPages: { store: pages, hosts } };
    },
  });
  const token = generateToken();
  await t.store.createToken('writer', hashToken(token), false);
  return Object.assign(t, {
    pages: pages!,
    hosts: hosts!,
    writer: { authorization: `Bearer ${token}` },
    post: (who: SignedIn, url: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: who.cookie, ...headers }, payload: form({ _csrf: who.csrf, ...fields }) }),
    get: (who: SignedIn | null, url: string) => t.app.inject({ method: 'GET', url, headers: who ? { cookie: who.cookie } : {} }),
  });
}

/** A multipart/form-data body as a browser sends it: text fields, then one file. */
export function multipart(fields: Record<string, string>, file: { name: string; field: string; type: string; bytes: Buffer }): { body: Buffer; contentType: string } {
  const boundary = '----mcpwatchTestBoundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  // Browsers percent-encode a quote in a file name (WHATWG HTML, multipart/form-data encoding).
  const fileName = file.name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${fileName}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The validation messages a form page shows (form-errors.eta), as text. */
export function formMessages(html: string): string[] {
  return [...html.matchAll(/<li data-field="[^"]*">([^<]*)<\/li>/g)].map((m) => m[1]!.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!));
}

/** Rows of every table a status-page form can change, to compare before and after. */
export function pageRowCounts(t: AccountsApp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of ['status_pages', 'status_page_groups', 'status_page_members', 'incident_posts', 'incident_post_updates', 'audit_log']) {
    out[table] = (t.store.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  const logos = t.store.database.prepare('SELECT count(*) AS n FROM status_pages WHERE logo_type IS NOT NULL').get() as { n: number };
  out.logos = logos.n;
  return out;
}

export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
export const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
