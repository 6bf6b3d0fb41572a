// One registry's sync: read its list (a full pass first, then what changed since the newest
// `updatedAt` seen), turn each server into endpoints (config/registry-server.ts), and make the
// registry's endpoints match: create, update, restore, archive (never delete: history is kept).
// A pass that fails anywhere changes no endpoint: the last good list stays, and the sync state
// says why (the API, the dashboard notice and the metrics read it).
import type { Logger } from 'pino';
import { mapRegistryServer, type MappedServer } from '../config/registry-server.ts';
import type { RegistryConfig } from '../config/schema.ts';
import type { Endpoint, EndpointDefinition } from '../domain/endpoint.ts';
import { sameDefinition } from '../store/endpoint-codec.ts';
import type { RegistryFacts, RegistryStore, RegistrySyncState } from '../store/registries.ts';
import type { Store } from '../store/store.ts';
import { fetchServers, type FetchServersOptions, type FetchServersOutcome } from './client.ts';

export interface RegistrySyncDeps {
  readonly store: Pick<Store, 'listEndpoints' | 'createEndpoint' | 'updateEndpoint'>;
  readonly registries: RegistryStore;
  readonly log: Logger;
  /** ms since the epoch. */
  readonly clock: () => number;
  /** Probe settings for new endpoints. */
  readonly defaults: { readonly intervalS: number; readonly timeoutMs: number };
  /** Called after a pass changed endpoints, so the schedule follows. */
  readonly onEndpointsChanged: () => void;
  /** The list reader; tests and benches keep the default. */
  readonly fetch?: (options: FetchServersOptions) => Promise<FetchServersOutcome>;
}

export interface SyncReport {
  readonly ok: boolean;
  readonly error: string | null;
  readonly incremental: boolean;
  readonly pages: number;
  readonly servers: number;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly restored: readonly string[];
  readonly archived: readonly string[];
  /** Slugs another owner (or another registry, or another server of this one) holds: skipped. */
  readonly conflicts: readonly string[];
  /** Entries that are not server entries, and remotes left out, with why. */
  readonly skipped: readonly string[];
  readonly durationMs: number;
}

/** `*` matches any run of characters (slashes included); everything else literally. */
export function globMatches(glob: string, name: string): boolean {
  const pattern = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`, 'i').test(name);
}

/** Whether the registry's filters admit a server by name; transports are filtered per remote. */
export function admitsServer(filters: RegistryConfig['filters'], serverName: string): boolean {
  if (filters.names.length > 0 && !filters.names.some((glob) => globMatches(glob, serverName))) return false;
  const namespace = serverName.includes('/') ? serverName.slice(0, serverName.indexOf('/')) : serverName;
  if (filters.namespaces.length > 0 && !filters.namespaces.some((ns) => ns.toLowerCase() === namespace.toLowerCase())) return false;
  return true;
}

/**
 * Archives the endpoints of registries no longer in the configuration (history kept; put back,
 * the registry's next pass is a full one and restores them). Returns their slugs. Run before the
 * syncs start.
 */
export async function archiveUnlistedRegistries(
  store: Pick<Store, 'listEndpoints'>,
  registries: RegistryStore,
  configured: readonly string[],
  clock: () => number,
): Promise<string[]> {
  const facts = await registries.listFacts();
  const archived: string[] = [];
  for (const e of await store.listEndpoints()) {
    const owner = facts.get(e.id)?.registry;
    if (e.source !== 'registry' || e.archivedAt !== null || owner === undefined || configured.includes(owner)) continue;
    await registries.setArchived(e.id, new Date(clock()).toISOString());
    archived.push(e.slug);
  }
  // Put back in the file, such a registry starts over with a full pass, which restores them.
  for (const state of await registries.listSyncStates()) {
    if (!configured.includes(state.name) && state.updatedSince !== null) await registries.saveSyncState({ ...state, updatedSince: null });
  }
  return archived;
}

export class RegistrySync {
  readonly #config: RegistryConfig;
  readonly #deps: RegistrySyncDeps;
  #running: Promise<SyncReport> | null = null;

  constructor(config: RegistryConfig, deps: RegistrySyncDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  get name(): string {
    return this.#config.name;
  }

  /** One pass; a pass already under way is joined, not doubled. */
  syncOnce(signal?: AbortSignal): Promise<SyncReport> {
    this.#running ??= this.#pass(signal).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Syncs now, then every interval until stopped. */
  start(): { stop(): Promise<void> } {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const loop = (): void => {
      this.syncOnce(abort.signal)
        .catch((err: unknown) => this.#deps.log.error({ err, registry: this.name }, 'registry sync failed unexpectedly'))
        .finally(() => {
          if (!stopped) timer = setTimeout(loop, this.#config.intervalS * 1000);
        });
    };
    loop();
    return {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        abort.abort();
        await this.#running?.catch(() => undefined);
      },
    };
  }

  async #pass(signal: AbortSignal | undefined): Promise<SyncReport> {
    const { registries, log, clock } = this.#deps;
    const started = clock();
    const previous = (await registries.listSyncStates()).find((s) => s.name === this.name);
    const since = previous?.updatedSince ?? null;
    const fetched = await (this.#deps.fetch ?? fetchServers)({
      url: this.#config.url,
      pageSize: this.#config.pageSize,
      timeoutMs: this.#config.timeoutMs,
      maxPageBytes: this.#config.maxPageBytes,
      allowPrivate: this.#config.allowPrivate,
      updatedSince: since,
      ...(signal ? { signal } : {}),
    });
    const base: RegistrySyncState = previous ?? { name: this.name, updatedSince: null, lastAttemptMs: null, lastSuccessMs: null, lastError: null, servers: 0 };
    if (!fetched.ok) {
      await registries.saveSyncState({ ...base, lastAttemptMs: started, lastError: fetched.error });
      log.warn({ registry: this.name, error: fetched.error, lastSuccessMs: base.lastSuccessMs }, `registry "${this.name}" sync failed: ${fetched.error}; its endpoints stay as the last good list left them`);
      return { ...EMPTY, ok: false, error: fetched.error, incremental: since !== null, pages: fetched.pages, durationMs: clock() - started };
    }
    const applied = await this.#apply(fetched.servers, since === null);
    const servers = await this.#liveServers();
    await registries.saveSyncState({ name: this.name, updatedSince: applied.newestUpdatedAt ?? since, lastAttemptMs: started, lastSuccessMs: started, lastError: null, servers });
    const report: SyncReport = { ...applied.report, ok: true, error: null, incremental: since !== null, pages: fetched.pages, servers, durationMs: clock() - started };
    const changes = report.added.length + report.updated.length + report.restored.length + report.archived.length;
    if (changes > 0) this.#deps.onEndpointsChanged();
    for (const slug of report.conflicts) log.warn({ registry: this.name, slug }, `registry "${this.name}": slug "${slug}" is held by another owner; that remote is skipped`);
    log.info(
      { registry: this.name, incremental: report.incremental, pages: report.pages, servers, durationMs: report.durationMs, added: report.added.length, updated: report.updated.length, restored: report.restored.length, archived: report.archived.length, skipped: report.skipped.length },
      `registry "${this.name}" synced`,
    );
    return report;
  }

  async #apply(entries: readonly unknown[], fullPass: boolean): Promise<{ report: Omit<SyncReport, 'ok' | 'error' | 'incremental' | 'pages' | 'servers' | 'durationMs'>; newestUpdatedAt: string | null }> {
    const { store, registries, clock } = this.#deps;
    const endpoints = await store.listEndpoints();
    const facts = await registries.listFacts();
    const bySlug = new Map(endpoints.map((e) => [e.slug, e]));
    // A registry endpoint without facts was created by a pass that stopped before writing them:
    // whichever registry lists its slug again adopts it.
    const ours = (e: Endpoint): boolean => e.source === 'registry' && (facts.get(e.id)?.registry ?? this.name) === this.name;
    const byServer = new Map<string, Endpoint[]>();
    for (const e of endpoints) {
      if (!ours(e)) continue;
      const name = facts.get(e.id)?.serverName ?? '';
      byServer.set(name, [...(byServer.get(name) ?? []), e]);
    }
    const added: string[] = [];
    const updated: string[] = [];
    const restored: string[] = [];
    const archived: string[] = [];
    const conflicts: string[] = [];
    const skipped: string[] = [];
    const seen = new Set<string>();
    const claimed = new Map<string, string>();
    let newest: string | null = null;
    const nowIso = (): string => new Date(clock()).toISOString();

    const archive = async (e: Endpoint, f: RegistryFacts | undefined): Promise<void> => {
      if (f !== undefined && facts.get(e.id)?.status !== f.status) await registries.setFacts(e.id, f);
      if (e.archivedAt !== null) return;
      await registries.setArchived(e.id, nowIso());
      archived.push(e.slug);
    };

    for (const entry of entries) {
      const outcome = mapRegistryServer(entry, {
        registry: this.name,
        intervalS: this.#deps.defaults.intervalS,
        timeoutMs: this.#deps.defaults.timeoutMs,
        public: this.#config.public,
        allowPrivate: this.#config.allowPrivate,
      });
      if (!outcome.ok) {
        skipped.push(outcome.reason);
        continue;
      }
      const server: MappedServer = outcome.server;
      if (server.updatedAt !== null && !Number.isNaN(Date.parse(server.updatedAt)) && (newest === null || Date.parse(server.updatedAt) > Date.parse(newest))) newest = server.updatedAt;
      // version=latest lists each name once; a registry that repeats one gets its first entry used.
      if (seen.has(server.serverName)) continue;
      seen.add(server.serverName);
      skipped.push(...server.skipped.map((why) => `${server.serverName} ${why}`));
      const transports = this.#config.filters.transports;
      const admitted = admitsServer(this.#config.filters, server.serverName);
      const wanted =
        admitted && server.status !== 'deleted'
          ? server.endpoints.filter((d) => transports.length === 0 || transports.includes(d.era === 'sse' ? 'sse' : 'streamable-http'))
          : [];
      const keep = new Set<string>();
      for (const definition of wanted) {
        const holder = bySlug.get(definition.slug);
        const claimant = claimed.get(definition.slug);
        if (claimant !== undefined || (holder !== undefined && (!ours(holder) || (facts.get(holder.id)?.serverName ?? server.serverName) !== server.serverName))) {
          conflicts.push(definition.slug);
          continue;
        }
        claimed.set(definition.slug, server.serverName);
        keep.add(definition.slug);
        await this.#upsert(holder, definition, server.facts, facts, { added, updated, restored });
      }
      for (const e of byServer.get(server.serverName) ?? []) {
        if (!keep.has(e.slug)) await archive(e, server.facts);
      }
    }
    // A full list names every server the registry has: ours it no longer names are gone.
    if (fullPass) {
      for (const [name, list] of byServer) {
        if (seen.has(name)) continue;
        for (const e of list) await archive(e, undefined);
      }
    }
    return { report: { added, updated, restored, archived, conflicts, skipped }, newestUpdatedAt: newest };
  }

  async #upsert(
    holder: Endpoint | undefined,
    definition: EndpointDefinition,
    wantedFacts: RegistryFacts,
    facts: ReadonlyMap<number, RegistryFacts>,
    out: { added: string[]; updated: string[]; restored: string[] },
  ): Promise<void> {
    const { store, registries } = this.#deps;
    if (holder === undefined) {
      const created = await store.createEndpoint(definition);
      await registries.setFacts(created.id, wantedFacts);
      out.added.push(definition.slug);
      return;
    }
    if (holder.archivedAt !== null) {
      await registries.setArchived(holder.id, null);
      out.restored.push(holder.slug);
    }
    if (!sameDefinition(holder, definition)) {
      await store.updateEndpoint(holder.id, definition);
      out.updated.push(holder.slug);
    }
    if (JSON.stringify(facts.get(holder.id)) !== JSON.stringify(wantedFacts)) await registries.setFacts(holder.id, wantedFacts);
  }

  /** Servers of this registry with at least one live endpoint. */
  async #liveServers(): Promise<number> {
    const endpoints = await this.#deps.store.listEndpoints();
    const facts = await this.#deps.registries.listFacts();
    const names = new Set<string>();
    for (const e of endpoints) {
      const f = facts.get(e.id);
      if (e.source === 'registry' && e.archivedAt === null && f?.registry === this.name) names.add(f.serverName);
    }
    return names.size;
  }
}

const EMPTY = { servers: 0, added: [], updated: [], restored: [], archived: [], conflicts: [], skipped: [] } as const;
