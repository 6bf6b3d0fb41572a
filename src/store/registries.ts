// What a registry sync keeps besides the endpoints themselves: the registry's facts about each
// endpoint it owns (shown on the pages) and each registry's progress (where the next incremental
// pass starts, how the last one went). Both backends share the sync's endpoints table.

/** The official registry's closed list of a server version's statuses. */
export const REGISTRY_STATUSES = ['active', 'deprecated', 'deleted'] as const;
export type RegistryStatus = (typeof REGISTRY_STATUSES)[number];

/** What the registry says about the server behind one endpoint: untrusted text, escaped when shown. */
export interface RegistryFacts {
  /** The registry's name in the configuration file. */
  readonly registry: string;
  /** The server's reverse-DNS name ("io.github.acme/weather"). */
  readonly serverName: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly version: string | null;
  readonly repositoryUrl: string | null;
  readonly websiteUrl: string | null;
  readonly status: RegistryStatus;
}

export interface RegistrySyncState {
  readonly name: string;
  /** The newest `updatedAt` seen (the registry's own clock): the next pass asks for what changed since. Null before the first full pass. */
  readonly updatedSince: string | null;
  /** ms since the epoch. */
  readonly lastAttemptMs: number | null;
  readonly lastSuccessMs: number | null;
  /** Why the last attempt failed; null when it succeeded. */
  readonly lastError: string | null;
  /** Servers of this registry that have live endpoints here after the last good pass. */
  readonly servers: number;
}

export interface RegistryStore {
  /** Endpoint id → its facts, for every registry endpoint (archived ones included). */
  listFacts(): Promise<Map<number, RegistryFacts>>;
  /** Inserts or replaces; an unknown endpoint id is an ENDPOINT_NOT_FOUND StoreError. */
  setFacts(endpointId: number, facts: RegistryFacts): Promise<void>;
  /**
   * Archives (with `atIso`) or restores (null) an endpoint: not probed while archived, history
   * kept. False when there is no such endpoint.
   */
  setArchived(endpointId: number, atIso: string | null): Promise<boolean>;
  listSyncStates(): Promise<RegistrySyncState[]>;
  saveSyncState(state: RegistrySyncState): Promise<void>;
}

/** A facts row's columns, after the backend decoded its own types. */
export interface FactsColumns {
  readonly endpoint_id: number;
  readonly registry: string;
  readonly server_name: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly version: string | null;
  readonly repository_url: string | null;
  readonly website_url: string | null;
  readonly status: string;
}

export function factsFromColumns(row: FactsColumns): RegistryFacts {
  const status = (REGISTRY_STATUSES as readonly string[]).includes(row.status) ? (row.status as RegistryStatus) : 'active';
  return {
    registry: row.registry,
    serverName: row.server_name,
    title: row.title,
    description: row.description,
    version: row.version,
    repositoryUrl: row.repository_url,
    websiteUrl: row.website_url,
    status,
  };
}

/** The facts as positional parameters, in FACTS_COLUMNS order after endpoint_id. */
export function factsParams(facts: RegistryFacts): (string | null)[] {
  return [facts.registry, facts.serverName, facts.title, facts.description, facts.version, facts.repositoryUrl, facts.websiteUrl, facts.status];
}

export const FACTS_COLUMNS = 'endpoint_id, registry, server_name, title, description, version, repository_url, website_url, status';

export interface SyncColumns {
  readonly name: string;
  readonly updated_since: string | null;
  readonly last_attempt_ms: number | string | null;
  readonly last_success_ms: number | string | null;
  readonly last_error: string | null;
  readonly servers: number;
}

export function syncStateFromColumns(row: SyncColumns): RegistrySyncState {
  const ms = (value: number | string | null): number | null => (value === null ? null : Number(value));
  return { name: row.name, updatedSince: row.updated_since, lastAttemptMs: ms(row.last_attempt_ms), lastSuccessMs: ms(row.last_success_ms), lastError: row.last_error, servers: row.servers };
}

export function syncStateParams(state: RegistrySyncState): (string | number | null)[] {
  return [state.name, state.updatedSince, state.lastAttemptMs, state.lastSuccessMs, state.lastError, state.servers];
}
