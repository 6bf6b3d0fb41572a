// Endpoint rows ⇄ Endpoint, shared by every backend: the closed lists a stored value must belong
// to, the shape checks on the JSON columns (tags, secrets) and the comparison that lets a config
// sync skip unchanged entries. A backend only turns its own column types into EndpointColumns
// (SQLite: 0/1 and JSON text; PostgreSQL: boolean, json and timestamptz) and back.
import { ENDPOINT_SOURCES, type Endpoint, type EndpointDefinition, type EndpointSecrets, type EndpointSource } from '../domain/endpoint.ts';
import type { EraOverride } from '../domain/probe-result.ts';
import { StoreError } from './store.ts';

export const ERA_OVERRIDES: readonly EraOverride[] = ['auto', 'modern', 'streamable', 'sse'];
export const SOURCES: readonly EndpointSource[] = ENDPOINT_SOURCES;

/** An endpoint row with its column names, after the backend decoded its own types. */
export interface EndpointColumns {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly url: string;
  readonly interval_s: number;
  readonly timeout_ms: number;
  readonly era: string;
  readonly public: boolean;
  readonly paused: boolean;
  readonly paused_reason: string | null;
  /** The parsed JSON value of the tags column. */
  readonly tags: unknown;
  readonly list_tools: boolean;
  readonly allow_private: boolean;
  readonly source: string;
  /** The parsed JSON value of secrets_json. */
  readonly secrets: unknown;
  readonly created_at: string;
  readonly updated_at: string;
  readonly archived_at: string | null;
}

export function endpointFromColumns(row: EndpointColumns): Endpoint {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    url: row.url,
    intervalS: row.interval_s,
    timeoutMs: row.timeout_ms,
    era: oneOf(ERA_OVERRIDES, row.era, 'endpoints.era'),
    public: row.public,
    paused: row.paused,
    pausedReason: row.paused_reason,
    tags: stringArray(row.tags, 'endpoints.tags'),
    listTools: row.list_tools,
    allowPrivate: row.allow_private,
    source: oneOf(SOURCES, row.source, 'endpoints.source'),
    secrets: secretsFrom(row.secrets),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

/** What secrets_json holds: exactly these two keys, in this order. */
export function secretsJson(secrets: EndpointSecrets): string {
  return JSON.stringify({ headers: secrets.headers, bearerToken: secrets.bearerToken });
}

/** Definitions compared field by field (secrets included), to skip no-op config updates. */
export function sameDefinition(a: EndpointDefinition, b: EndpointDefinition): boolean {
  return definitionKey(a) === definitionKey(b);
}

function definitionKey(d: EndpointDefinition): string {
  return JSON.stringify([d.slug, d.name, d.url, d.intervalS, d.timeoutMs, d.era, d.public, d.paused, d.pausedReason, d.tags, d.listTools, d.allowPrivate, d.source, secretsJson(d.secrets)]);
}

export function oneOf<T extends string>(allowed: readonly T[], value: string, where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new StoreError('SCHEMA_MISMATCH', `${where} holds unexpected value ${JSON.stringify(value)}`);
}

/** A parsed JSON value that must be an array of strings. */
export function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new StoreError('SCHEMA_MISMATCH', `${where} is not a JSON array of strings`);
  return value;
}

export function parseStringArray(text: string, where: string): string[] {
  return stringArray(JSON.parse(text), where);
}

/** A parsed secrets_json value checked for the shape {headers, bearerToken}. */
export function secretsFrom(value: unknown): EndpointSecrets {
  // The message names the column, never the content: it is secret.
  const bad = (): never => {
    throw new StoreError('SCHEMA_MISMATCH', 'endpoints.secrets_json does not have the shape {headers, bearerToken}');
  };
  if (typeof value !== 'object' || value === null) return bad();
  const { headers, bearerToken } = value as { headers?: unknown; bearerToken?: unknown };
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return bad();
  if (!Object.values(headers).every((v) => typeof v === 'string')) return bad();
  if (bearerToken !== null && typeof bearerToken !== 'string') return bad();
  return { headers: headers as Record<string, string>, bearerToken };
}

export function parseSecrets(text: string): EndpointSecrets {
  return secretsFrom(JSON.parse(text));
}
