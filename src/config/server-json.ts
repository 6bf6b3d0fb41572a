// Imports the remotes of an MCP registry `server.json` (schema 2025-12-11, camelCase fields) as
// endpoints. Pure: text and environment in, definitions out. Values the file leaves open (URL
// variables, required headers) come from MCPWATCH_VAR_<NAME> and MCPWATCH_HEADER_<NAME>; when
// one is missing the endpoint is still created, paused, with the variable to set in its reason,
// so `mcpwatch import` works before the secrets are in place.
import * as z from 'zod';
import { DEFAULT_INTERVAL_S, DEFAULT_TIMEOUT_MS, type EndpointDefinition } from '../domain/endpoint.ts';
import type { EraOverride } from '../domain/probe-result.ts';
import type { Env } from './schema.ts';
import { formatPath, unsetReason } from './wording.ts';
import { HEADER_NAME, RESERVED_HEADERS, SLUG_MAX_LENGTH, deepFreeze, endpointUrl, kindOf, show, slugify } from './schema.ts';

export type ImportResult =
  | { readonly ok: true; readonly endpoints: EndpointDefinition[]; readonly warnings: string[] }
  | { readonly ok: false; readonly errors: string[] };

export interface ImportOptions {
  readonly intervalS?: number;
  readonly timeoutMs?: number;
}

// Loose objects: server.json grows fields (icons, _meta, repository…) that do not concern us.
const input = z.looseObject({
  description: z.string().nullish(),
  isRequired: z.boolean().nullish(),
  isSecret: z.boolean().nullish(),
  format: z.string().nullish(),
  value: z.string().nullish(),
  default: z.string().nullish(),
  placeholder: z.string().nullish(),
  choices: z.array(z.string()).nullish(),
});
type Input = z.output<typeof input>;

const keyValueInput = input.extend({ name: z.string().min(1), variables: z.record(z.string(), input).nullish() });

export const remote = z.looseObject({
  type: z.string(),
  url: z.string().min(1),
  headers: z.array(keyValueInput).nullish(),
  variables: z.record(z.string(), input).nullish(),
});

export const serverDetail = z.looseObject({
  name: z.string().min(1),
  title: z.string().nullish(),
  description: z.string().nullish(),
  version: z.string().nullish(),
  remotes: z.array(remote).nullish(),
  packages: z.array(z.unknown()).nullish(),
});

export const ERA_BY_TYPE: Readonly<Record<string, EraOverride>> = { 'streamable-http': 'auto', sse: 'sse' };
export const TYPE_LABEL: Readonly<Record<string, string>> = { 'streamable-http': 'Streamable HTTP', sse: 'SSE' };
export const TYPE_SUFFIX: Readonly<Record<string, string>> = { 'streamable-http': 'http', sse: 'sse' };

/** MCPWATCH_HEADER_X_API_KEY for "X-API-Key"; MCPWATCH_VAR_TENANT_ID for "tenant_id". */
export function envNameFor(kind: 'HEADER' | 'VAR', name: string): string {
  return `MCPWATCH_${kind}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** What an endpoint still needs before it can run. */
export interface Need {
  readonly env: string;
  readonly what: string;
}

export function importServerJson(text: string, env: Env, options: ImportOptions = {}): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`not valid JSON: ${jsonError(err, text)}`] };
  }
  // The registry API wraps a server as { server: {…}, _meta: {…} }; accept that too.
  if (isRecord(json) && !('name' in json) && isRecord(json.server)) json = json.server;

  const parsed = serverDetail.safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((issue) => formatIssue(issue, json)) };
  const server = parsed.data;
  const remotes = server.remotes ?? [];
  const packages = server.packages ?? [];
  if (remotes.length === 0) {
    return {
      ok: false,
      errors: [
        packages.length > 0
          ? `remotes: ${server.name} lists only packages, which run locally over stdio; mcpwatch monitors remote servers and needs at least one entry in remotes`
          : `remotes: ${server.name} has no remotes; mcpwatch needs at least one remote (type and url) to monitor`,
      ],
    };
  }

  const errors: string[] = [];
  const warnings: string[] = [];
  if (packages.length > 0) {
    warnings.push(`packages: ${packages.length} package${packages.length === 1 ? '' : 's'} ignored; mcpwatch monitors only the remotes`);
  }

  const baseSlug = slugify(server.name.split('/').pop() ?? '') || slugify(server.name);
  if (baseSlug === '') errors.push(`name: cannot derive a slug from ${show(server.name)}`);
  const baseName = server.title?.trim() || server.name;
  const usedSlugs = new Set<string>();
  const typeCounts = new Map<string, number>();

  const endpoints = remotes.map((r, index): EndpointDefinition | undefined => {
    const at = `remotes[${index}]`;
    const era = ERA_BY_TYPE[r.type];
    if (era === undefined) {
      errors.push(`${at}.type: must be "streamable-http" or "sse", got ${show(r.type)}`);
      return undefined;
    }
    const seenOfType = (typeCounts.get(r.type) ?? 0) + 1;
    typeCounts.set(r.type, seenOfType);
    const slug = uniqueSlug(baseSlug, index === 0 ? undefined : TYPE_SUFFIX[r.type], usedSlugs);
    const label = `${TYPE_LABEL[r.type]}${seenOfType > 1 ? ` ${seenOfType}` : ''}`;
    const name = remotes.length > 1 ? `${baseName} (${label})` : baseName;

    const needs: Need[] = [];
    const note = (need: Need, where: string): void => {
      needs.push(need);
      warnings.push(`${where}: set ${need.env} (${need.what}); endpoint "${slug}" starts paused until then`);
    };

    // URL variables: every one must resolve, optional or not: a URL with a hole in it cannot be probed.
    const urlVariables = r.variables ?? {};
    const url = substitute(r.url, urlVariables, 'the URL', true, env, `${at}.variables`, errors, (need) => note(need, `${at}.url`));
    for (const [varName, def] of Object.entries(urlVariables)) {
      if (def.isSecret === true && r.url.includes(`{${varName}}`)) {
        warnings.push(`${at}.variables.${varName}: a secret in the URL is visible wherever the URL is shown (pages, logs, the store)`);
      }
    }
    let finalUrl = url.text;
    if (url.complete) {
      const checked = endpointUrl(url.text);
      if (checked.ok) finalUrl = checked.value;
      else errors.push(`${at}.url: ${url.hasSecret ? checked.message.replace(/, got .*$/, '') : checked.message}`);
    }

    const headers: Record<string, string> = {};
    for (const [j, header] of (r.headers ?? []).entries()) {
      const hp = `${at}.headers[${j}]`;
      if (!HEADER_NAME.test(header.name)) {
        errors.push(`${hp}.name: not a valid header name, got ${show(header.name)}`);
        continue;
      }
      if (RESERVED_HEADERS.has(header.name.toLowerCase())) {
        warnings.push(`${hp}: header ${header.name} is set by mcpwatch itself; ignored`);
        continue;
      }
      const envName = envNameFor('HEADER', header.name);
      const fromEnv = nonEmpty(env[envName]);
      let value: string | undefined;
      if (fromEnv !== undefined) {
        value = fromEnv;
        checkChoice(fromEnv, header, envName, errors);
      } else {
        const template = header.value ?? header.default ?? undefined;
        const missing: Need[] = [];
        if (template != null) {
          const resolved = substitute(template, header.variables ?? {}, `header ${header.name}`, false, env, `${hp}.variables`, errors, (need) => missing.push(need));
          if (resolved.complete) value = resolved.text;
        }
        if (value === undefined) {
          const required = header.isRequired === true || Object.values(header.variables ?? {}).some((v) => v.isRequired === true);
          if (required) {
            const needsHere = missing.length > 0 ? missing : [{ env: envName, what: describeInput(`required header ${header.name}`, header) }];
            for (const need of needsHere) note(need, hp);
          }
          continue;
        }
      }
      if (/[\r\n\0]/.test(value)) {
        errors.push(`${hp}: the value of ${header.name}${fromEnv !== undefined ? ` (from ${envName})` : ''} contains a line break or NUL`);
        continue;
      }
      headers[header.name] = value;
    }

    const paused = needs.length > 0;
    const reason = paused ? `${unsetReason(needs.map((n) => n.env))} (${needs.map((n) => (needs.length > 1 ? `${n.env}: ${n.what}` : n.what)).join('; ')})` : null;
    return {
      slug,
      name,
      url: finalUrl,
      intervalS: options.intervalS ?? DEFAULT_INTERVAL_S,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      era,
      public: false,
      paused,
      pausedReason: reason,
      tags: [],
      listTools: true,
      allowPrivate: false,
      source: 'import',
      secrets: { headers, bearerToken: null },
    };
  });

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, endpoints: deepFreeze(endpoints.filter((e): e is EndpointDefinition => e !== undefined)), warnings };
}

interface Substituted {
  readonly text: string;
  /** Every {variable} got a value. */
  readonly complete: boolean;
  /** A secret variable's value is in the text: keep it out of error messages. */
  readonly hasSecret: boolean;
}

/**
 * Replaces `{name}` from MCPWATCH_VAR_<NAME>, then the variable's `value`, then its `default`.
 * In a URL every placeholder must resolve; in a header value, braces naming no declared variable
 * stay as written (the schema's rule for `value`).
 */
export function substitute(
  template: string,
  variables: Readonly<Record<string, Input>>,
  context: string,
  strict: boolean,
  env: Env,
  at: string,
  errors: string[],
  onMissing: (need: Need) => void,
): Substituted {
  let complete = true;
  let hasSecret = false;
  const text = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const def = variables[name];
    if (def === undefined && !strict) return whole;
    const envName = envNameFor('VAR', name);
    const fromEnv = nonEmpty(env[envName]);
    if (fromEnv !== undefined && def !== undefined) checkChoice(fromEnv, def, envName, errors);
    const value = fromEnv ?? def?.value ?? def?.default ?? undefined;
    if (value == null) {
      complete = false;
      const declared = def === undefined ? ` (not declared in ${at})` : '';
      onMissing({ env: envName, what: describeInput(`{${name}} in ${context}${declared}`, def) });
      return whole;
    }
    if (def?.isSecret === true) hasSecret = true;
    return value;
  });
  return { text, complete, hasSecret };
}

function checkChoice(value: string, def: Input, envName: string, errors: string[]): void {
  const choices = def.choices ?? [];
  if (choices.length === 0 || choices.includes(value)) return;
  errors.push(`${envName}: must be one of ${choices.join(', ')}, got ${def.isSecret === true ? 'another value' : show(value)}`);
}

function describeInput(what: string, def: Input | undefined): string {
  const description = def?.description?.trim();
  return description ? `${what}: ${description}` : what;
}

export function uniqueSlug(base: string, suffix: string | undefined, used: Set<string>): string {
  const make = (tail: string): string => {
    const head = base.slice(0, SLUG_MAX_LENGTH - tail.length).replace(/-+$/, '');
    return `${head}${tail}`;
  };
  let slug = make(suffix !== undefined ? `-${suffix}` : '');
  for (let n = 2; used.has(slug); n++) slug = make(`${suffix !== undefined ? `-${suffix}` : ''}-${n}`);
  used.add(slug);
  return slug;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON.parse's message plus line and column, which Node 20's message lacks. */
function jsonError(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message);
  if (position === null || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

type Issue = z.ZodError['issues'][number];

const JSON_KINDS: Readonly<Record<string, string>> = { object: 'an object', record: 'an object', array: 'an array', string: 'a string', boolean: 'true or false' };

function formatIssue(issue: Issue, json: unknown): string {
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    const expected = JSON_KINDS[issue.expected] ?? issue.expected;
    // Pre-2025-09 files named the transport `transport_type` and used snake_case throughout.
    const last = issue.path.at(-1);
    const old = last === 'type' && hasKeyAt(json, issue.path.slice(0, -1), 'transport_type');
    const hint = old ? ' (this looks like the older server.json format with transport_type; use the current schema, where it is type)' : '';
    const secret = issue.path.includes('headers') && (last === 'value' || last === 'default');
    return `${path}: expected ${expected}, got ${secret ? kindOf(issue.input) : show(issue.input)}${hint}`;
  }
  return `${path}: ${issue.message}`;
}

function hasKeyAt(json: unknown, path: readonly PropertyKey[], key: string): boolean {
  let node: unknown = json;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return isRecord(node) && key in node;
}
