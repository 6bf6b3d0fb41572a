// Turns one entry of an MCP registry's server list (a ServerResponse) into endpoint definitions.
// Pure: the same entry always gives the same slugs, so a server keeps its endpoints (and their
// history) across syncs. It shares server.json's shape and remote handling with `mcpwatch import`
// (server-json.ts), with three differences a sync needs, because nobody is there to fill gaps:
// - nothing is read from the environment: a registry names the headers and variables, and
//   MCPWATCH_HEADER_<NAME> would hand an operator's secret to whatever server asks for it;
// - a URL template whose variables have no default is skipped with the reason (import pauses it);
// - a header that is secret, or required without a value, is not sent, and the endpoint is probed
//   as it is: a server that wants credentials answers 401 and reads auth_required, not down
//   (import pauses it until the operator supplies the value).
import * as z from 'zod';
import { REGISTRY_SLUG_PREFIX, type EndpointDefinition } from '../domain/endpoint.ts';
import { REGISTRY_STATUSES, type RegistryFacts, type RegistryStatus } from '../store/registries.ts';
import { HEADER_NAME, RESERVED_HEADERS, SLUG_MAX_LENGTH, endpointUrl, slugify } from './schema.ts';
import { ERA_BY_TYPE, TYPE_LABEL, TYPE_SUFFIX, serverDetail, substitute, uniqueSlug } from './server-json.ts';

export const REMOTE_TYPES = ['streamable-http', 'sse'] as const;
export type RemoteType = (typeof REMOTE_TYPES)[number];

const OFFICIAL_META = 'io.modelcontextprotocol.registry/official';

const registryDetail = serverDetail.extend({
  websiteUrl: z.string().nullish(),
  repository: z.looseObject({ url: z.string().nullish() }).nullish(),
});

/** One list entry: `{ server, _meta }`. Loose: registries add fields. */
export const serverResponse = z.looseObject({
  server: registryDetail,
  _meta: z
    .looseObject({
      [OFFICIAL_META]: z
        .looseObject({
          status: z.string().nullish(),
          updatedAt: z.string().nullish(),
          isLatest: z.boolean().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

export interface RegistryMapOptions {
  readonly registry: string;
  readonly intervalS: number;
  readonly timeoutMs: number;
  readonly public: boolean;
  readonly allowPrivate: boolean;
}

export interface MappedServer {
  readonly serverName: string;
  readonly status: RegistryStatus;
  /** The registry's `updatedAt`, when it gave one. */
  readonly updatedAt: string | null;
  readonly facts: RegistryFacts;
  readonly endpoints: readonly EndpointDefinition[];
  /** Remotes left out, each with why (in words for logs and the API). */
  readonly skipped: readonly string[];
  /** Headers not sent (secret, or required without a value): the endpoint will likely read auth_required. */
  readonly withheld: readonly string[];
}

export type MapOutcome = { readonly ok: true; readonly server: MappedServer } | { readonly ok: false; readonly reason: string };

// Long enough to show, short enough to keep a page readable; registry text is untrusted.
const MAX_TEXT = 500;

export function mapRegistryServer(entry: unknown, options: RegistryMapOptions): MapOutcome {
  const parsed = serverResponse.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a server entry: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}` };
  }
  const { server } = parsed.data;
  const official = parsed.data._meta?.[OFFICIAL_META];
  const status: RegistryStatus = (REGISTRY_STATUSES as readonly string[]).includes(official?.status ?? '') ? (official?.status as RegistryStatus) : 'active';
  const facts: RegistryFacts = {
    registry: options.registry,
    serverName: server.name,
    title: clip(server.title),
    description: clip(server.description),
    version: clip(server.version),
    repositoryUrl: clip(server.repository?.url),
    websiteUrl: clip(server.websiteUrl),
    status,
  };
  const base = registrySlugBase(server.name);
  const baseName = clip(server.title?.trim() || server.name) ?? server.name;
  const remotes = server.remotes ?? [];
  const used = new Set<string>();
  const typeCounts = new Map<string, number>();
  const skipped: string[] = [];
  const withheld: string[] = [];
  const endpoints: EndpointDefinition[] = [];

  for (const [index, r] of remotes.entries()) {
    const at = `remotes[${index}]`;
    const era = ERA_BY_TYPE[r.type];
    if (era === undefined) {
      skipped.push(`${at}: transport ${JSON.stringify(r.type)} is not streamable-http or sse`);
      continue;
    }
    const seenOfType = (typeCounts.get(r.type) ?? 0) + 1;
    typeCounts.set(r.type, seenOfType);
    // By position and type, never by URL: a remote that moves keeps its slug and its history.
    const slug = uniqueSlug(base, index === 0 ? undefined : TYPE_SUFFIX[r.type], used);
    const label = `${TYPE_LABEL[r.type]}${seenOfType > 1 ? ` ${seenOfType}` : ''}`;

    const missing: string[] = [];
    const variables = r.variables ?? {};
    const secretVariable = Object.entries(variables).find(([name, def]) => def.isSecret === true && r.url.includes(`{${name}}`));
    if (secretVariable !== undefined) {
      skipped.push(`${at}: the URL needs the secret {${secretVariable[0]}}, which a registry cannot supply`);
      continue;
    }
    const url = substitute(r.url, variables, 'the URL', true, {}, `${at}.variables`, [], (need) => missing.push(need.what));
    if (!url.complete) {
      skipped.push(`${at}: the URL template has no default for ${missing.join('; ')}`);
      continue;
    }
    const checked = endpointUrl(url.text);
    if (!checked.ok) {
      skipped.push(`${at}.url: ${checked.message}`);
      continue;
    }

    const headers: Record<string, string> = {};
    for (const header of r.headers ?? []) {
      if (!HEADER_NAME.test(header.name) || RESERVED_HEADERS.has(header.name.toLowerCase())) continue;
      const template = header.isSecret === true ? undefined : (header.value ?? header.default ?? undefined);
      const value = template == null ? undefined : substitute(template, header.variables ?? {}, `header ${header.name}`, false, {}, at, [], () => undefined);
      if (value === undefined || !value.complete || /[\r\n\0]/.test(value.text)) {
        if (header.isSecret === true || header.isRequired === true) withheld.push(`${slug}: ${header.name}`);
        continue;
      }
      headers[header.name] = value.text;
    }

    endpoints.push({
      slug,
      name: remotes.length > 1 ? `${baseName} (${label})` : baseName,
      url: checked.value,
      intervalS: options.intervalS,
      timeoutMs: options.timeoutMs,
      era,
      public: options.public,
      paused: false,
      pausedReason: null,
      tags: [],
      listTools: true,
      allowPrivate: options.allowPrivate,
      source: 'registry',
      secrets: { headers, bearerToken: null },
    });
  }
  if (remotes.length === 0) skipped.push(`${(server.packages ?? []).length > 0 ? 'only packages (local, stdio): nothing remote to monitor' : 'no remotes'}`);
  return { ok: true, server: { serverName: server.name, status, updatedAt: official?.updatedAt ?? null, facts, endpoints, skipped, withheld } };
}

/**
 * "io.github.acme/weather" → "r--io-github-acme-weather". A name too long for a slug keeps its
 * head and gets a hash of the whole name, so long names sharing a prefix stay apart. Two names
 * differing only in punctuation ("a.b/c", "a-b/c") map to one slug: the sync keeps the first and
 * reports the other (sync.ts), rather than make every slug unreadable with a hash.
 */
export function registrySlugBase(serverName: string): string {
  const room = SLUG_MAX_LENGTH - REGISTRY_SLUG_PREFIX.length - '-http-99'.length;
  const full = slugify(serverName);
  if (full !== '' && full.length <= room) return `${REGISTRY_SLUG_PREFIX}${full}`;
  const hash = fnv1a(serverName).toString(16).padStart(8, '0');
  const head = full.slice(0, room - hash.length - 1).replace(/-+$/, '');
  return `${REGISTRY_SLUG_PREFIX}${head === '' ? '' : `${head}-`}${hash}`;
}

/** 32-bit FNV-1a over UTF-16 code units: a stable, dependency-free fingerprint (not a security hash). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function clip(text: string | null | undefined): string | null {
  if (text == null) return null;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return trimmed.length > MAX_TEXT ? `${trimmed.slice(0, MAX_TEXT - 1)}…` : trimmed;
}
