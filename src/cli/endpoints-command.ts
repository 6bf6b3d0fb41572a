// `mcpwatch endpoints list` and `mcpwatch endpoints purge <slug>`: archived endpoints keep their
// history until retention ages it out; purge is the one way to delete an endpoint and its history
// on purpose from the command line. Works while `serve` runs (it notices within seconds).
import { SOURCE_OWNER, type Endpoint } from '../domain/endpoint.ts';
import type { Store } from '../store/store.ts';

export type EndpointsCommand = { readonly command: 'endpoints'; readonly configPath: string | undefined } & (
  | { readonly action: 'list' }
  | { readonly action: 'purge'; readonly slug: string; readonly yes: boolean }
);

export interface EndpointsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether a person can answer a question (stdin is a terminal). */
  readonly interactive: boolean;
  /** Asks a yes/no question; only called when interactive. */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly now: () => number;
  /** Writes the audit row of a change made here (actor "cli"), as the web app and the API do. */
  readonly audit: (action: string, target: string, detail: Record<string, unknown>) => Promise<unknown>;
}

type EndpointsStore = Pick<Store, 'listEndpoints' | 'getEndpointBySlug' | 'deleteEndpoint' | 'uptime' | 'incidents'>;

export async function runEndpointsCommand(command: EndpointsCommand, store: EndpointsStore, io: EndpointsIo): Promise<number> {
  if (command.action === 'list') {
    await list(store, io);
    return 0;
  }
  const endpoint = await store.getEndpointBySlug(command.slug);
  if (!endpoint) {
    io.stderr(`mcpwatch: no endpoint with slug "${command.slug}" (see mcpwatch endpoints list)\n`);
    return 1;
  }
  if (endpoint.source === 'config' && endpoint.archivedAt === null) {
    // It would be created again, without its history, at the next start or reload.
    io.stderr(
      `mcpwatch: endpoint "${endpoint.slug}" is defined in the configuration file; remove it from the file first (it is then archived), then purge it\n`,
    );
    return 1;
  }
  const history = await describeHistory(store, endpoint, io.now());
  const what = `endpoint "${endpoint.slug}" (id ${endpoint.id}, ${describeState(endpoint)}) and its history: ${history}`;
  if (!command.yes) {
    if (!io.interactive) {
      io.stderr(`mcpwatch: refusing to delete ${what} without --yes (stdin is not a terminal)\n`);
      return 2;
    }
    if (!(await io.confirm(`Delete ${what}? This cannot be undone. [y/N] `))) {
      io.stderr('mcpwatch: nothing deleted\n');
      return 1;
    }
  }
  if (!(await store.deleteEndpoint(endpoint.id))) {
    io.stderr(`mcpwatch: endpoint "${endpoint.slug}" was deleted by someone else meanwhile\n`);
    return 1;
  }
  await io.audit('endpoint.delete', `endpoint:${endpoint.slug}`, { id: endpoint.id, via: 'cli', url: endpoint.url, name: endpoint.name, source: endpoint.source, history });
  io.stdout(`purged ${what}\n`);
  return 0;
}

function describeState(endpoint: Endpoint): string {
  if (endpoint.archivedAt !== null) return `archived since ${endpoint.archivedAt}`;
  return `${endpoint.paused ? 'paused' : 'active'}, owned by ${SOURCE_OWNER[endpoint.source]}`;
}

async function describeHistory(store: EndpointsStore, endpoint: Endpoint, now: number): Promise<string> {
  const rounds = (await store.uptime(endpoint.id, 0, now)).rounds;
  // incidents() is newest first with a limit; 10,000 is far past any page an operator reads.
  const incidents = (await store.incidents({ endpointId: endpoint.id, limit: 10_000 })).length;
  return `${rounds} recorded round${rounds === 1 ? '' : 's'}, ${incidents} incident${incidents === 1 ? '' : 's'}`;
}

async function list(store: EndpointsStore, io: EndpointsIo): Promise<void> {
  const endpoints = await store.listEndpoints();
  if (endpoints.length === 0) {
    io.stdout('no endpoints (add them in the configuration file, through the API, or with mcpwatch import)\n');
    return;
  }
  const state = (e: Endpoint): string => (e.archivedAt !== null ? `archived ${e.archivedAt.slice(0, 10)}` : e.paused ? 'paused' : 'active');
  const table = [['SLUG', 'SOURCE', 'STATE', 'INTERVAL', 'URL'], ...endpoints.map((e) => [e.slug, e.source, state(e), `${e.intervalS}s`, e.url])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => [...(row[i] ?? '')].length)));
  for (const row of table) io.stdout(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
}
