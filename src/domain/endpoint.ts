import type { EraOverride } from './probe-result.ts';

/** Where an endpoint's definition lives: the YAML file owns its entries; the API owns the rest. */
export const ENDPOINT_SOURCES = ['config', 'api', 'import', 'registry'] as const;
export type EndpointSource = (typeof ENDPOINT_SOURCES)[number];

/** Who may change an endpoint of each source, in words for refusals ("… is owned by <owner>"). */
export const SOURCE_OWNER = {
  config: 'the configuration file',
  api: 'the API',
  import: 'mcpwatch import',
  registry: 'a registry sync',
} as const satisfies Record<EndpointSource, string>;

/** Not probed: paused by someone, or archived because its owner no longer lists it. */
export function isIdle(endpoint: Pick<Endpoint, 'paused' | 'archivedAt'>): boolean {
  return endpoint.paused || endpoint.archivedAt !== null;
}

/** An endpoint as the operator defined it. Secrets live in `secrets` and never leave the process in output. */
export interface EndpointDefinition {
  readonly slug: string;
  readonly name: string;
  readonly url: string;
  readonly intervalS: number;
  readonly timeoutMs: number;
  readonly era: EraOverride;
  readonly public: boolean;
  readonly paused: boolean;
  /** Why it is paused, for people (e.g. "needs env MCP_TOKEN"). */
  readonly pausedReason: string | null;
  readonly tags: readonly string[];
  readonly listTools: boolean;
  readonly allowPrivate: boolean;
  readonly source: EndpointSource;
  readonly secrets: EndpointSecrets;
}

export interface EndpointSecrets {
  /** Header name → value, sent on every request (Authorization, API keys). */
  readonly headers: Readonly<Record<string, string>>;
  readonly bearerToken: string | null;
}

export interface Endpoint extends EndpointDefinition {
  readonly id: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * When its owner (the configuration file) stopped listing it; null while live. An archived
   * endpoint is not probed, keeps its history, and comes back with it when listed again.
   */
  readonly archivedAt: string | null;
}

/**
 * Every slug a registry sync makes starts with this, and nothing else may use it (the config file,
 * the API and import refuse it), so a registry can never take a slug from an operator's endpoint,
 * nor an operator from a registry's. Import's own slugs cannot start with it: slugify never
 * leaves two dashes in a row.
 */
export const REGISTRY_SLUG_PREFIX = 'r--';

export function isRegistrySlug(slug: string): boolean {
  return slug.startsWith(REGISTRY_SLUG_PREFIX);
}

export const DEFAULT_INTERVAL_S = 60;
export const MIN_INTERVAL_S = 10;
export const DEFAULT_TIMEOUT_MS = 15_000;

/** Header names only, for showing what is configured without showing the values. */
export function secretHeaderNames(secrets: EndpointSecrets): string[] {
  const names = Object.keys(secrets.headers);
  if (secrets.bearerToken !== null) names.push('Authorization');
  return names.sort();
}
