// What the endpoint-form tests share: the real app with accounts over a real SQLite file, the real
// probe as its one-off check (the configured address policy, as serve wires it), archiving through
// the registry store as serve wires it, one endpoint owned by the YAML file, and readers for what
// the pages say (field errors) and for multipart bodies.
import type { LightMyRequestResponse } from 'fastify';
import { DEFAULT_PROBE_SETTINGS, runProbe } from '../../src/probe/run-probe.ts';
import { SqliteRegistries } from '../../src/store/sqlite/registries.ts';
import { buildAccountsApp, type AccountsApp } from './accounts-fixture.ts';

export const FILE_ENDPOINT = { slug: 'filed', name: 'From the file', url: 'https://filed.example/mcp' } as const;

/** `allowPrivate`: the configuration's probe.allowPrivate (the only way loopback may be probed). */
export async function buildFormsApp(options: { allowPrivate?: boolean; yaml?: string } = {}): Promise<AccountsApp> {
  const allowPrivate = options.allowPrivate ?? true;
  const yaml = `probe:\n  allowPrivate: ${allowPrivate}\nendpoints:\n  - name: ${FILE_ENDPOINT.name}\n    slug: ${FILE_ENDPOINT.slug}\n    url: ${FILE_ENDPOINT.url}\n${options.yaml ?? ''}`;
  const t = await buildAccountsApp({
    yaml,
    withStore: (store) => {
      const registries = new SqliteRegistries(store.database);
      return {
        checkNow: (request, opts = {}) => runProbe(request, { ...DEFAULT_PROBE_SETTINGS, allowPrivate, timeoutMs: 10_000 }, opts.signal ? { signal: opts.signal } : {}),
        archiveEndpoint: (id, atIso) => registries.setArchived(id, atIso),
      };
    },
  });
  await t.store.syncConfigEndpoints(t.config.endpoints);
  return t;
}

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#34;': '"' };

export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#34);/g, (e) => ENTITIES[e] ?? e);
}

/** The field errors a form page shows, as the API's {field, message} pairs. */
export function pageFieldErrors(html: string): Array<{ field: string; message: string }> {
  return [...html.matchAll(/<li data-field="([^"]*)">(?:<code>[^<]*<\/code> )?<span class="err-message">([^<]*)<\/span><\/li>/g)].map((m) => ({ field: unescapeHtml(m[1]!), message: unescapeHtml(m[2]!) }));
}

/** A multipart/form-data body as a browser sends it (the platform's own encoder). */
export async function multipart(fields: Record<string, string | { file: string; name: string }>): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, new Blob([value.file], { type: 'application/json' }), value.name);
  }
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: data });
  return { payload: Buffer.from(await request.arrayBuffer()), headers: { 'content-type': request.headers.get('content-type') ?? '' } };
}

export function location(response: LightMyRequestResponse): string {
  return String(response.headers.location ?? '');
}
