// A request body (already shape-checked by its TypeBox schema) → an EndpointDefinition, with the
// same rules and wording as the YAML file (config/schema.ts). Pure.
import { HEADER_NAME, RESERVED_HEADERS, endpointUrl, endpointSlug as slugParser, slugify, tag as tagParser, text, type Parser } from '../../config/schema.ts';
import type { EndpointDefinition, EndpointSecrets } from '../../domain/endpoint.ts';
import type { FieldError } from './errors.ts';
import type { EndpointBody } from './schemas.ts';

export interface EndpointInputPolicy {
  readonly minIntervalS: number;
  readonly defaultIntervalS: number;
  readonly defaultTimeoutMs: number;
  /** probe.allowPrivate from the configuration: only then may the API allow private addresses. */
  readonly allowPrivate: boolean;
}

/**
 * - create: a new endpoint; what is omitted takes its default.
 * - replace (PUT): like create, but the slug and the secrets are kept when omitted: secrets are
 *   write-only, so a client that GETs and PUTs back would otherwise erase them without knowing.
 * - patch: what is omitted is kept.
 */
export type InputMode = 'create' | 'replace' | 'patch';

export const API_PAUSE_REASON = 'paused through the API';

export type InputResult = { readonly ok: true; readonly definition: EndpointDefinition } | { readonly ok: false; readonly errors: FieldError[] };

export function definitionFromBody(body: EndpointBody, mode: InputMode, base: EndpointDefinition | undefined, policy: EndpointInputPolicy): InputResult {
  const errors: FieldError[] = [];
  const check = <T>(field: string, parse: Parser<T>, value: unknown): T | undefined => {
    const parsed = parse(value);
    if (parsed.ok) return parsed.value;
    errors.push({ field: `body.${field}`, message: parsed.message });
    return undefined;
  };
  // For create and replace, an omitted field falls back to its default; for patch, to the stored value.
  const keep = mode === 'patch' ? base : undefined;

  const name = body.name !== undefined ? check('name', text(200), body.name) : keep?.name;
  const url = body.url !== undefined ? check('url', endpointUrl, body.url) : keep?.url;
  if (name === undefined && body.name === undefined) errors.push({ field: 'body.name', message: 'is required' });
  if (url === undefined && body.url === undefined) errors.push({ field: 'body.url', message: 'is required' });

  let slug: string | undefined;
  if (body.slug !== undefined) slug = check('slug', slugParser, body.slug);
  else if (mode !== 'create' && base) slug = base.slug;
  else if (name !== undefined) {
    slug = slugify(name);
    if (slug === '') {
      errors.push({ field: 'body.slug', message: 'cannot be derived from the name; give a slug of lowercase letters, digits and dashes' });
      slug = undefined;
    }
  }

  const intervalS = body.intervalS ?? keep?.intervalS ?? policy.defaultIntervalS;
  if (intervalS < policy.minIntervalS) errors.push({ field: 'body.intervalS', message: `must be at least ${policy.minIntervalS} s (scheduler.minIntervalS), got ${intervalS}` });

  const tags: string[] = [];
  for (const [index, value] of (body.tags ?? keep?.tags ?? []).entries()) {
    const parsed = check(`tags.${index}`, tagParser, value);
    if (parsed !== undefined && !tags.includes(parsed)) tags.push(parsed);
  }

  const allowPrivate = body.allowPrivate ?? keep?.allowPrivate ?? false;
  if (body.allowPrivate === true && !policy.allowPrivate) {
    errors.push({ field: 'body.allowPrivate', message: 'private addresses can only be allowed in the configuration file (probe.allowPrivate), not through the API' });
  }

  const paused = body.paused ?? keep?.paused ?? false;
  let pausedReason: string | null = null;
  if (paused) {
    const given = body.pausedReason !== undefined && body.pausedReason !== null ? check('pausedReason', text(200), body.pausedReason) : undefined;
    pausedReason = given ?? (base?.paused ? base.pausedReason : null) ?? API_PAUSE_REASON;
  }

  const secrets = secretsFromBody(body, mode === 'create' ? undefined : base?.secrets, errors);

  if (errors.length > 0 || name === undefined || url === undefined || slug === undefined) return { ok: false, errors };
  return {
    ok: true,
    definition: {
      slug,
      name,
      url,
      intervalS,
      timeoutMs: body.timeoutMs ?? keep?.timeoutMs ?? policy.defaultTimeoutMs,
      era: body.era ?? keep?.era ?? 'auto',
      public: body.public ?? keep?.public ?? false,
      paused,
      pausedReason,
      tags,
      listTools: body.listTools ?? keep?.listTools ?? true,
      allowPrivate,
      source: base?.source ?? 'api',
      secrets,
    },
  };
}

/** Messages here name the header, never its value. */
function secretsFromBody(body: EndpointBody, kept: EndpointSecrets | undefined, errors: FieldError[]): EndpointSecrets {
  let headers: Record<string, string> = { ...(kept?.headers ?? {}) };
  if (body.headers === null) headers = {};
  else if (body.headers !== undefined) {
    headers = {};
    const seen = new Map<string, string>();
    for (const [name, raw] of Object.entries(body.headers)) {
      const field = `body.headers.${name}`;
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) {
        errors.push({ field, message: 'not a valid header name' });
        continue;
      }
      if (RESERVED_HEADERS.has(lower)) {
        errors.push({ field, message: 'set by mcpwatch itself; it cannot be configured' });
        continue;
      }
      const earlier = seen.get(lower);
      if (earlier !== undefined) {
        errors.push({ field, message: `same header as headers.${earlier} (header names are case-insensitive)` });
        continue;
      }
      seen.set(lower, name);
      const value = headerValue(raw, field, errors);
      if (value !== undefined) headers[name] = value;
    }
  }

  let bearerToken = kept?.bearerToken ?? null;
  if (body.bearerToken === null) bearerToken = null;
  else if (body.bearerToken !== undefined) {
    const value = headerValue(body.bearerToken.replace(/^\s*bearer\s+/i, ''), 'body.bearerToken', errors);
    if (value !== undefined) bearerToken = value;
  }

  const authorization = Object.keys(headers).find((n) => n.toLowerCase() === 'authorization');
  if (bearerToken !== null && authorization !== undefined) {
    errors.push({ field: 'body.bearerToken', message: `conflicts with headers.${authorization}; set only one of them` });
  }
  return { headers, bearerToken };
}

function headerValue(raw: string, field: string, errors: FieldError[]): string | undefined {
  const value = raw.trim();
  if (value === '') {
    errors.push({ field, message: 'must not be empty' });
    return undefined;
  }
  if (/[\r\n\0]/.test(value)) {
    errors.push({ field, message: 'contains a line break or NUL, which cannot be sent in a header' });
    return undefined;
  }
  return value;
}
