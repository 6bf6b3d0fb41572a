// Text and environment in, a frozen Config or every error out, in one pass and without I/O.
// Precedence for settings: environment variable, then file, then default. Endpoints come only
// from the file; their secrets are looked up in the environment here and nowhere else.
import { parseDocument, type YAMLError } from 'yaml';
import type * as z from 'zod';
import { secretHeaderNames, type EndpointDefinition } from '../domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../domain/health.ts';
import { DEFAULT_PROBE_SETTINGS } from '../probe/run-probe.ts';
import {
  ALLOWED_KEYS,
  DATABASE_FILE_NAME,
  DEFAULT_ALERTS,
  DEFAULT_DATA_DIR,
  DEFAULT_LISTEN,
  DEFAULT_RETENTION,
  DEFAULT_SCHEDULER,
  HEADER_NAME,
  RESERVED_HEADERS,
  SECRET_LOOKING,
  concurrencyCount,
  configFileSchema,
  deepFreeze,
  dnsServer,
  drainTimeout,
  filePath,
  hostName,
  kindOf,
  portNumber,
  publicUrl,
  retentionDays,
  show,
  slugify,
  suggest,
  unknownKeyMessage,
  type AlertChannelConfig,
  type AlertRouteConfig,
  type AlertsConfig,
  type Config,
  type ConfigFile,
  type ConfigResult,
  type EndpointEntry,
  type ListenConfig,
  type MaintenanceWindowConfig,
  type Parsed,
  type Parser,
  type ProbeConfig,
  type RetentionConfig,
  type SchedulerConfig,
  type SecretRef,
} from './schema.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates a configuration; `text` undefined means there is no file. */
export function parseConfig(text: string | undefined, env: Env): ConfigResult {
  let raw: unknown = {};
  const warnings: string[] = [];
  if (text !== undefined) {
    const yaml = parseYaml(text, warnings);
    if (!yaml.ok) return { ok: false, errors: yaml.errors };
    raw = yaml.value ?? {};
  }

  const errors: string[] = [];
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) errors.push(...parsed.error.issues.flatMap(formatIssue));
  const overrides = readEnvOverrides(env, errors, warnings);
  if (!parsed.success || errors.length > 0) return { ok: false, errors };

  const config = buildConfig(parsed.data, overrides, env, errors, warnings);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: deepFreeze(config), warnings };
}

// ---------------------------------------------------------------------------------------------
// YAML

function parseYaml(text: string, warnings: string[]): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  // merge: `<<: *defaults` is how people share settings between endpoints.
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, prettyErrors: true });
  const located = (e: YAMLError): string => {
    const message = e.message.split(/ at line \d+, column \d+:/)[0]?.trim() ?? e.message;
    const at = e.linePos?.[0];
    return at ? `line ${at.line}, column ${at.col}: ${message}` : message;
  };
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `YAML syntax error at ${located(e)}`) };
  for (const w of doc.warnings) warnings.push(`YAML warning at ${located(w)}`);
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    // toJS throws for alias bombs (too many expansions) and circular aliases.
    return { ok: false, errors: [`YAML error: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

// ---------------------------------------------------------------------------------------------
// Error wording

type Issue = z.ZodError['issues'][number];
type PathSegment = PropertyKey;

/** `endpoints[2].headers.X-Api-Key`; keys that would read ambiguously are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z0-9_$-]+$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}

function keyPattern(path: readonly PathSegment[]): string {
  return path.map((s) => (typeof s === 'number' ? '[]' : String(s))).join('.').replace(/\.\[\]/g, '[]');
}

/** Alert channel fields whose values are credentials (Slack and Discord URLs carry their token). */
const ALERT_SECRET_KEYS: ReadonlySet<PropertyKey> = new Set(['url', 'secret', 'topic', 'token', 'pass']);

function isAlertSecretPath(path: readonly PathSegment[]): boolean {
  return path[0] === 'alerts' && path[1] === 'channels' && path.some((s) => ALERT_SECRET_KEYS.has(s));
}

const EXPECTED: Readonly<Record<string, string>> = { object: 'a mapping', record: 'a mapping', array: 'a list', string: 'a string', boolean: 'true or false', number: 'a number' };

function formatIssue(issue: Issue): string[] {
  const path = formatPath(issue.path);
  // Anything under headers or bearerToken may be a secret: describe its kind, never its text.
  const secret = issue.path.some((s) => s === 'headers' || s === 'bearerToken') || isAlertSecretPath(issue.path);
  const got = (value: unknown): string => (secret ? kindOf(value) : show(value));
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = ALLOWED_KEYS[keyPattern(issue.path)] ?? [];
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${unknownKeyMessage(key, allowed)}`);
    }
    case 'invalid_type':
      return [`${path}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got(issue.input)}`];
    default:
      return [`${path}: ${issue.message}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Environment overrides

interface EnvOverrides {
  readonly dataDir?: string;
  readonly databasePath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly publicUrl?: string;
  readonly allowPrivate?: boolean;
  readonly concurrency?: number;
  readonly rawDays?: number;
  readonly drainTimeoutMs?: number;
  readonly dnsServers?: readonly string[];
}

export const SETTING_ENV_VARS = [
  'MCPWATCH_DATA_DIR',
  'MCPWATCH_DB',
  'MCPWATCH_HOST',
  'MCPWATCH_PORT',
  'MCPWATCH_PUBLIC_URL',
  'MCPWATCH_ALLOW_PRIVATE',
  'MCPWATCH_CONCURRENCY',
  'MCPWATCH_RAW_RETENTION_DAYS',
  'MCPWATCH_DRAIN_TIMEOUT_MS',
  'MCPWATCH_DNS_SERVERS',
] as const;

/** Read by other parts of mcpwatch; known here only so they are not mistaken for typos. */
const OTHER_ENV_VARS = new Set(['MCPWATCH_BEARER_TOKEN', 'MCPWATCH_CONFIG', 'MCPWATCH_LOG_LEVEL']);

/** Environment values are text: numbers are converted first so the field's parser judges them. */
function numeric<T>(parse: Parser<T>): Parser<T> {
  return (input) => parse(typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input) ? Number(input) : input);
}

const envBool: Parser<boolean> = (input) => {
  const word = typeof input === 'string' ? input.trim().toLowerCase() : '';
  if (['true', '1', 'yes', 'on'].includes(word)) return { ok: true, value: true };
  if (['false', '0', 'no', 'off'].includes(word)) return { ok: true, value: false };
  return { ok: false, message: `expected true or false (or 1/0, yes/no, on/off), got ${show(input)}` };
};

function commaList<T>(parse: Parser<T>): Parser<T[]> {
  return (input) => {
    const values: T[] = [];
    for (const part of String(input).split(',')) {
      if (part.trim() === '') continue;
      const item = parse(part.trim());
      if (!item.ok) return item;
      values.push(item.value);
    }
    return { ok: true, value: values };
  };
}

function readEnvOverrides(env: Env, errors: string[], warnings: string[]): EnvOverrides {
  // An empty variable counts as unset: `MCPWATCH_PORT=` in a compose file means "no override".
  const take = <T>(name: (typeof SETTING_ENV_VARS)[number], parse: Parser<T>): T | undefined => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return undefined;
    const result: Parsed<T> = parse(value);
    if (result.ok) return result.value;
    errors.push(`${name}: ${result.message}`);
    return undefined;
  };
  for (const name of Object.keys(env)) {
    if (!name.startsWith('MCPWATCH_') || OTHER_ENV_VARS.has(name) || (SETTING_ENV_VARS as readonly string[]).includes(name)) continue;
    if (name.startsWith('MCPWATCH_HEADER_') || name.startsWith('MCPWATCH_VAR_')) continue;
    const guess = suggest(name, SETTING_ENV_VARS);
    if (guess !== undefined) warnings.push(`${name}: not a variable mcpwatch reads (did you mean ${guess}?)`);
  }
  return dropUndefined({
    dataDir: take('MCPWATCH_DATA_DIR', filePath),
    databasePath: take('MCPWATCH_DB', filePath),
    host: take('MCPWATCH_HOST', hostName),
    port: take('MCPWATCH_PORT', numeric(portNumber)),
    publicUrl: take('MCPWATCH_PUBLIC_URL', publicUrl),
    allowPrivate: take('MCPWATCH_ALLOW_PRIVATE', envBool),
    concurrency: take('MCPWATCH_CONCURRENCY', numeric(concurrencyCount)),
    rawDays: take('MCPWATCH_RAW_RETENTION_DAYS', numeric(retentionDays)),
    drainTimeoutMs: take('MCPWATCH_DRAIN_TIMEOUT_MS', numeric(drainTimeout)),
    dnsServers: take('MCPWATCH_DNS_SERVERS', commaList(dnsServer)),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Assembly

function buildConfig(file: ConfigFile, env: EnvOverrides, vars: Env, errors: string[], warnings: string[]): Config {
  const dataDir = env.dataDir ?? file.dataDir ?? DEFAULT_DATA_DIR;
  const base = dataDir.replace(/[\\/]+$/, '');
  const databasePath = env.databasePath ?? file.databasePath ?? `${base}/${DATABASE_FILE_NAME}`;

  const l: NonNullable<ConfigFile['listen']> = file.listen ?? {};
  const listen: ListenConfig = { host: env.host ?? l.host ?? DEFAULT_LISTEN.host, port: env.port ?? l.port ?? DEFAULT_LISTEN.port };

  const p: NonNullable<ConfigFile['probe']> = file.probe ?? {};
  const d = DEFAULT_PROBE_SETTINGS;
  const probe: ProbeConfig = {
    timeoutMs: p.timeoutMs ?? d.timeoutMs,
    dnsTimeoutMs: p.dnsTimeoutMs ?? d.dnsTimeoutMs,
    connectTimeoutMs: p.connectTimeoutMs ?? d.connectTimeoutMs,
    tlsTimeoutMs: p.tlsTimeoutMs ?? d.tlsTimeoutMs,
    ttfbMs: p.ttfbMs ?? d.ttfbMs,
    bodyMs: p.bodyMs ?? d.bodyMs,
    sseEventMs: p.sseEventMs ?? d.sseEventMs,
    maxBodyBytes: p.maxBodyBytes ?? d.maxBodyBytes,
    maxListBytes: p.maxListBytes ?? d.maxListBytes,
    maxSseEvents: p.maxSseEvents ?? d.maxSseEvents,
    maxToolPages: p.maxToolPages ?? d.maxToolPages,
    slowMs: p.slowMs ?? d.slowMs,
    certExpiringDays: p.certExpiringDays ?? d.certExpiringDays,
    allowPrivate: env.allowPrivate ?? p.allowPrivate ?? d.allowPrivate,
    dnsServers: [...(env.dnsServers ?? p.dnsServers ?? d.dnsServers)],
    extraCaFile: p.extraCaFile ?? null,
  };

  const h: NonNullable<ConfigFile['health']> = file.health ?? {};
  const health: HealthPolicy = {
    downAfter: h.downAfter ?? DEFAULT_HEALTH_POLICY.downAfter,
    upAfter: h.upAfter ?? DEFAULT_HEALTH_POLICY.upAfter,
    authRequiredIsOutage: h.authRequiredIsOutage ?? DEFAULT_HEALTH_POLICY.authRequiredIsOutage,
    degradedIsOutage: h.degradedIsOutage ?? DEFAULT_HEALTH_POLICY.degradedIsOutage,
  };

  const s: NonNullable<ConfigFile['scheduler']> = file.scheduler ?? {};
  const scheduler: SchedulerConfig = {
    concurrency: env.concurrency ?? s.concurrency ?? DEFAULT_SCHEDULER.concurrency,
    perHostConcurrency: s.perHostConcurrency ?? DEFAULT_SCHEDULER.perHostConcurrency,
    defaultIntervalS: s.defaultIntervalS ?? DEFAULT_SCHEDULER.defaultIntervalS,
    minIntervalS: s.minIntervalS ?? DEFAULT_SCHEDULER.minIntervalS,
    drainTimeoutMs: env.drainTimeoutMs ?? s.drainTimeoutMs ?? DEFAULT_SCHEDULER.drainTimeoutMs,
    retryOnFailure: s.retryOnFailure ?? DEFAULT_SCHEDULER.retryOnFailure,
  };
  if (scheduler.defaultIntervalS < scheduler.minIntervalS) {
    errors.push(`scheduler.defaultIntervalS: must be at least scheduler.minIntervalS (${scheduler.minIntervalS} s), got ${scheduler.defaultIntervalS} s`);
  }

  const r: NonNullable<ConfigFile['retention']> = file.retention ?? {};
  const retention: RetentionConfig = {
    rawDays: env.rawDays ?? r.rawDays ?? DEFAULT_RETENTION.rawDays,
    rollupDays: r.rollupDays ?? DEFAULT_RETENTION.rollupDays,
    pruneCron: r.pruneCron ?? DEFAULT_RETENTION.pruneCron,
    pruneBatch: r.pruneBatch ?? DEFAULT_RETENTION.pruneBatch,
  };
  if (retention.rollupDays < retention.rawDays) {
    errors.push(`retention.rollupDays: must be at least retention.rawDays (${retention.rawDays}), got ${retention.rollupDays}`);
  }

  const endpoints = buildEndpoints(file.endpoints ?? [], { scheduler, probe }, vars, errors, warnings);
  const config: Config = {
    dataDir,
    databasePath,
    listen,
    publicUrl: env.publicUrl ?? file.publicUrl ?? null,
    probe,
    health,
    scheduler,
    retention,
    endpoints,
  };
  // Only present when written, so a file without alerts reads back exactly as before.
  return file.alerts == null ? config : { ...config, alerts: buildAlerts(file.alerts, vars, errors, warnings) };
}

// ---------------------------------------------------------------------------------------------
// Alerts

type AlertsEntry = NonNullable<ConfigFile['alerts']>;
type ChannelEntry = NonNullable<AlertsEntry['channels']>[number];

/** Keys each channel type reads; any other channel key on that type is an error. */
const CHANNEL_KEYS = {
  webhook: ['url', 'secret'],
  slack: ['url'],
  discord: ['url'],
  ntfy: ['url', 'topic', 'token'],
  email: ['smtp'],
} as const satisfies Record<AlertChannelConfig['type'], readonly (keyof ChannelEntry)[]>;
const COMMON_CHANNEL_KEYS: readonly string[] = ['name', 'type'];

const DEFAULT_NTFY_URL = 'https://ntfy.sh';
const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

function buildAlerts(file: AlertsEntry, env: Env, errors: string[], warnings: string[]): AlertsConfig {
  const channels: AlertChannelConfig[] = [];
  const names = new Map<string, number>();
  for (const [index, entry] of (file.channels ?? []).entries()) {
    const at = `alerts.channels[${index}]`;
    const first = names.get(entry.name);
    if (first !== undefined) errors.push(`${at}.name: "${entry.name}" is already the name of alerts.channels[${first}]; channel names must be unique`);
    else names.set(entry.name, index);
    const channel = buildChannel(entry, at, env, errors, warnings);
    if (channel) channels.push(channel);
  }

  const known = [...names.keys()];
  const routes: AlertRouteConfig[] = (file.routes ?? []).map((route, index) => {
    const at = `alerts.routes[${index}]`;
    if (route.channels.length === 0) errors.push(`${at}.channels: must name at least one channel`);
    for (const [i, name] of route.channels.entries()) {
      if (names.has(name)) continue;
      const guess = suggest(name, known);
      const hint = guess !== undefined ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (channels: ${known.join(', ')})` : ' (no channels are defined)';
      errors.push(`${at}.channels[${i}]: no channel named "${name}"${hint}`);
    }
    return {
      channels: [...new Set(route.channels)],
      endpoints: route.endpoints == null ? null : [...new Set(route.endpoints)],
      tags: route.tags == null ? null : [...new Set(route.tags)],
      events: route.events == null ? null : [...new Set(route.events)],
    };
  });
  const maintenance: MaintenanceWindowConfig[] = [];
  for (const [index, entry] of (file.maintenance ?? []).entries()) {
    const at = `alerts.maintenance[${index}]`;
    const scope = { endpoints: entry.endpoints == null ? null : [...new Set(entry.endpoints)], tags: entry.tags == null ? null : [...new Set(entry.tags)] };
    if (entry.weekly != null) {
      if (entry.start != null || entry.end != null) errors.push(`${at}: give either weekly or start and end, not both`);
      else maintenance.push({ kind: 'weekly', ...entry.weekly, ...scope });
      continue;
    }
    if (entry.start == null || entry.end == null) {
      errors.push(`${at}: needs start and end (a one-off window) or weekly: { day, start, durationMinutes }`);
      continue;
    }
    if (Date.parse(entry.end) <= Date.parse(entry.start)) {
      errors.push(`${at}.end: must be after start (${entry.start}), got ${entry.end}`);
      continue;
    }
    maintenance.push({ kind: 'once', start: entry.start, end: entry.end, ...scope });
  }

  return {
    channels,
    routes,
    reminderMinutes: file.reminderMinutes ?? DEFAULT_ALERTS.reminderMinutes,
    certThresholdsDays: [...new Set(file.certThresholdsDays ?? DEFAULT_ALERTS.certThresholdsDays)].sort((a, b) => b - a),
    flapping: { limit: file.flapping?.limit ?? DEFAULT_ALERTS.flapping.limit, windowMinutes: file.flapping?.windowMinutes ?? DEFAULT_ALERTS.flapping.windowMinutes },
    maintenance,
  };
}

function buildChannel(entry: ChannelEntry, at: string, env: Env, errors: string[], warnings: string[]): AlertChannelConfig | undefined {
  const allowed: readonly string[] = CHANNEL_KEYS[entry.type];
  let valid = true;
  for (const key of Object.keys(entry)) {
    if (entry[key as keyof ChannelEntry] == null || COMMON_CHANNEL_KEYS.includes(key) || allowed.includes(key)) continue;
    errors.push(`${at}.${key}: not used by ${entry.type} channels (they take ${allowed.join(', ')})`);
    valid = false;
  }
  const missing: string[] = [];
  const secret = (ref: SecretRef | null | undefined, key: string, options: { required: boolean; warnLiteral: boolean; check?: (value: string) => string | undefined }): string | null => {
    const path = `${at}.${key}`;
    if (ref == null) {
      if (options.required) {
        errors.push(`${path}: required for ${entry.type} channels`);
        valid = false;
      }
      return null;
    }
    const value = ref.kind === 'literal' ? ref.value.trim() : env[ref.name]?.trim();
    if (ref.kind === 'env' && (value === undefined || value === '')) {
      if (!missing.includes(ref.name)) missing.push(ref.name);
      warnings.push(`${path}: environment variable ${ref.name} is not set; channel "${entry.name}" is disabled and its messages go to the dead letters`);
      return '';
    }
    const source = ref.kind === 'env' ? `environment variable ${ref.name}` : 'the value';
    if (value === undefined || value === '') {
      errors.push(`${path}: must not be empty`);
      valid = false;
      return null;
    }
    if (/[\r\n\0]/.test(value)) {
      errors.push(`${path}: ${source} contains a line break or NUL`);
      valid = false;
      return null;
    }
    const problem = options.check?.(value);
    if (problem !== undefined) {
      errors.push(`${path}: ${ref.kind === 'env' ? `${source}: ` : ''}${problem}`);
      valid = false;
      return null;
    }
    if (ref.kind === 'literal' && options.warnLiteral) warnings.push(`${path}: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed`);
    return value;
  };

  const common = (): { name: string; disabledReason: string | null } => ({ name: entry.name, disabledReason: missing.length > 0 ? unsetReason(missing) : null });
  let channel: AlertChannelConfig | undefined;
  switch (entry.type) {
    case 'webhook': {
      const url = secret(entry.url, 'url', { required: true, warnLiteral: false, check: checkAlertUrl });
      const hmacSecret = secret(entry.secret, 'secret', { required: false, warnLiteral: true });
      if (entry.secret == null) warnings.push(`${at}.secret: not set; webhook bodies from channel "${entry.name}" are not signed`);
      if (url !== null) channel = { type: 'webhook', ...common(), secrets: { url, hmacSecret } };
      break;
    }
    case 'slack':
    case 'discord': {
      const url = secret(entry.url, 'url', { required: true, warnLiteral: true, check: checkAlertUrl });
      if (url !== null) channel = { type: entry.type, ...common(), secrets: { url } };
      break;
    }
    case 'ntfy': {
      const url = entry.url == null ? DEFAULT_NTFY_URL : secret(entry.url, 'url', { required: true, warnLiteral: false, check: checkAlertUrl });
      const topic = secret(entry.topic, 'topic', {
        required: true,
        warnLiteral: false,
        check: (value) => (NTFY_TOPIC.test(value) ? undefined : 'expected an ntfy topic (1 to 64 letters, digits, - and _)'),
      });
      const token = secret(entry.token, 'token', { required: false, warnLiteral: true });
      if (url !== null && topic !== null) channel = { type: 'ntfy', ...common(), secrets: { url: url.replace(/\/+$/, ''), topic, token } };
      break;
    }
    case 'email': {
      const smtp = entry.smtp;
      if (smtp == null) {
        errors.push(`${at}.smtp: required for email channels`);
        return undefined;
      }
      const to = [...new Set(smtp.to ?? [])];
      if (to.length === 0) errors.push(`${at}.smtp.to: must list at least one address`);
      const pass = secret(smtp.pass, 'smtp.pass', { required: false, warnLiteral: true });
      if ((smtp.user == null) !== (smtp.pass == null)) errors.push(`${at}.smtp: give both user and pass, or neither`);
      const secure = smtp.secure ?? smtp.port === 465;
      channel = {
        type: 'email',
        ...common(),
        host: smtp.host,
        port: smtp.port ?? (secure ? 465 : 587),
        secure,
        user: smtp.user ?? null,
        from: smtp.from,
        to,
        secrets: { pass },
      };
      break;
    }
  }
  return valid ? channel : undefined;
}

/** Alert URLs may hold tokens (Slack, Discord): errors show the scheme and host at most. */
function checkAlertUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an absolute http or https URL (the value is not shown: it may hold a token)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs can receive alerts, not ${url.protocol.slice(0, -1).slice(0, 20)}`;
  if (url.username !== '' || url.password !== '') return `must not contain user:password (host ${url.host})`;
  return undefined;
}

function buildEndpoints(
  entries: readonly EndpointEntry[],
  settings: { scheduler: SchedulerConfig; probe: ProbeConfig },
  env: Env,
  errors: string[],
  warnings: string[],
): EndpointDefinition[] {
  const bySlug = new Map<string, { index: number; name: string }>();
  return entries.map((entry, index) => {
    const at = `endpoints[${index}]`;
    const slug = entry.slug ?? slugify(entry.name);
    if (slug === '') {
      errors.push(`${at}.name: cannot derive a slug from ${show(entry.name)}; add slug: with lowercase letters, digits and dashes`);
    } else {
      const first = bySlug.get(slug);
      if (first !== undefined) {
        const origin = entry.slug == null ? ` (derived from name ${show(entry.name)})` : '';
        errors.push(`${at}.slug: "${slug}"${origin} is already the slug of endpoints[${first.index}] (${show(first.name)}); give one of them a distinct slug`);
      } else {
        bySlug.set(slug, { index, name: entry.name });
      }
    }

    const intervalS = entry.interval ?? settings.scheduler.defaultIntervalS;
    if (intervalS < settings.scheduler.minIntervalS) {
      errors.push(`${at}.interval: must be at least ${settings.scheduler.minIntervalS} s (scheduler.minIntervalS), got ${intervalS} s`);
    }
    const timeoutMs = entry.timeout ?? settings.probe.timeoutMs;
    if (timeoutMs >= intervalS * 1000) {
      warnings.push(`${at}.timeout: ${timeoutMs} ms is not shorter than the interval (${intervalS} s); a slow server will be checked back to back`);
    }

    for (const key of new URL(entry.url).searchParams.keys()) {
      if (SECRET_LOOKING.test(key)) {
        warnings.push(`${at}.url: the query parameter "${key}" looks like a credential; URLs appear in logs and pages, so prefer a header with { env: VARIABLE } if the server accepts one`);
      }
    }

    const secrets = resolveSecrets(entry, index, slug, env, errors, warnings);
    const paused = (entry.paused ?? false) || secrets.missing.length > 0;
    const pausedReason = secrets.missing.length > 0 ? unsetReason(secrets.missing) : paused ? 'paused in the config file' : null;
    return {
      slug,
      name: entry.name,
      url: entry.url,
      intervalS,
      timeoutMs,
      era: entry.era ?? 'auto',
      public: entry.public ?? false,
      paused,
      pausedReason,
      tags: [...new Set(entry.tags ?? [])],
      listTools: entry.tools ?? true,
      allowPrivate: entry.allowPrivate ?? false,
      source: 'config',
      secrets: { headers: secrets.headers, bearerToken: secrets.bearerToken },
    };
  });
}

export function unsetReason(names: readonly string[]): string {
  if (names.length === 1) return `environment variable ${names[0]} is not set`;
  return `environment variables ${names.slice(0, -1).join(', ')} and ${names.at(-1)} are not set`;
}

interface ResolvedSecrets {
  headers: Record<string, string>;
  bearerToken: string | null;
  /** Environment variables named but unset, in order of first mention. */
  missing: string[];
}

function resolveSecrets(entry: EndpointEntry, index: number, slug: string, env: Env, errors: string[], warnings: string[]): ResolvedSecrets {
  const out: ResolvedSecrets = { headers: {}, bearerToken: null, missing: [] };
  const at = `endpoints[${index}]`;
  const resolve = (ref: SecretRef, path: string, looksSecret: boolean): string | undefined => {
    if (ref.kind === 'literal') {
      const value = ref.value.trim();
      if (value === '') {
        errors.push(`${path}: must not be empty`);
        return undefined;
      }
      if (/[\r\n\0]/.test(value)) {
        errors.push(`${path}: contains a line break or NUL, which cannot be sent in a header`);
        return undefined;
      }
      if (looksSecret) warnings.push(`${path}: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed`);
      return value;
    }
    // Trimmed first: a secret read from a file usually ends in a newline nobody meant to send.
    const value = env[ref.name]?.trim();
    if (value === undefined || value === '') {
      if (!out.missing.includes(ref.name)) out.missing.push(ref.name);
      warnings.push(`${path}: environment variable ${ref.name} is not set; endpoint "${slug}" starts paused`);
      return undefined;
    }
    if (/[\r\n\0]/.test(value)) {
      errors.push(`${path}: environment variable ${ref.name} contains a line break or NUL, which cannot be sent in a header`);
      return undefined;
    }
    return value;
  };

  const seen = new Map<string, string>();
  for (const [name, ref] of Object.entries(entry.headers ?? {})) {
    const path = formatPath(['endpoints', index, 'headers', name]);
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      errors.push(`${path}: not a valid header name, got ${show(name)}`);
      continue;
    }
    if (RESERVED_HEADERS.has(lower)) {
      errors.push(`${path}: set by mcpwatch itself; it cannot be configured`);
      continue;
    }
    const earlier = seen.get(lower);
    if (earlier !== undefined) {
      errors.push(`${path}: same header as headers.${earlier} (header names are case-insensitive)`);
      continue;
    }
    seen.set(lower, name);
    const value = resolve(ref, path, SECRET_LOOKING.test(name));
    if (value !== undefined) out.headers[name] = value;
  }

  if (entry.bearerToken != null) {
    const path = `${at}.bearerToken`;
    if (seen.has('authorization')) errors.push(`${path}: conflicts with headers.${seen.get('authorization')}; set only one of them`);
    let token = resolve(entry.bearerToken, path, true);
    if (token !== undefined && /^bearer\s+/i.test(token)) {
      token = token.replace(/^bearer\s+/i, '');
      warnings.push(`${path}: the value starts with "Bearer ", which mcpwatch adds itself; the prefix was removed`);
    }
    if (token !== undefined) out.bearerToken = token;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summary for `serve --check-config`: what will run, never a secret value.

/** Query values can be credentials (`?api_key=…`); show their names only. */
function redactUrl(href: string): string {
  const url = new URL(href);
  if (url.search === '') return href;
  const names = [...url.searchParams.keys()];
  url.search = '';
  return `${url.href}?${names.map((n) => `${encodeURIComponent(n)}=…`).join('&')}`;
}

export function describeConfig(config: Config): string {
  const { probe: p, health: h, scheduler: s, retention: r, listen } = config;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const paused = config.endpoints.filter((e) => e.paused).length;
  const shown = config.endpoints.filter((e) => e.public).length;
  const lines = [
    `data        ${config.dataDir} (database ${config.databasePath})`,
    `listen      ${host}:${listen.port}${config.publicUrl !== null ? `, public URL ${config.publicUrl}` : ''}`,
    `probe       timeout ${p.timeoutMs} ms, slow above ${p.slowMs} ms, certificate warning ${p.certExpiringDays} days before expiry, ` +
      `private addresses ${p.allowPrivate ? 'allowed' : 'refused'}, DNS ${p.dnsServers.length > 0 ? p.dnsServers.join(' ') : 'system resolver'}` +
      `${p.extraCaFile !== null ? `, extra CA ${p.extraCaFile}` : ''}`,
    `health      down after ${h.downAfter} failed round(s), up after ${h.upAfter} good; auth required ${h.authRequiredIsOutage ? 'counts' : 'does not count'} as an outage; ` +
      `degraded ${h.degradedIsOutage ? 'counts' : 'does not count'}`,
    `scheduler   ${s.concurrency} probes at once (${s.perHostConcurrency} per host), every ${s.defaultIntervalS} s by default (minimum ${s.minIntervalS} s), ` +
      `${s.retryOnFailure ? 'one immediate retry on failure' : 'no retry'}, drain ${s.drainTimeoutMs} ms`,
    `retention   raw results ${r.rawDays} days, rollups ${r.rollupDays} days, pruned on "${r.pruneCron}" in batches of ${r.pruneBatch}`,
    `endpoints   ${config.endpoints.length} (${paused} paused, ${shown} public)`,
  ];
  for (const e of config.endpoints) {
    const sends = secretHeaderNames(e.secrets);
    const details = [
      `every ${e.intervalS} s`,
      `timeout ${e.timeoutMs} ms`,
      `era ${e.era}`,
      ...(e.public ? ['public'] : []),
      ...(e.listTools ? [] : ['no tool listing']),
      ...(e.allowPrivate ? ['private addresses allowed'] : []),
      ...(e.tags.length > 0 ? [`tags ${e.tags.join(', ')}`] : []),
      ...(sends.length > 0 ? [`sends ${sends.join(', ')}`] : []),
      ...(e.paused ? [`PAUSED: ${e.pausedReason ?? 'paused'}`] : []),
    ];
    lines.push(`  ${e.slug} (${e.name}) ${redactUrl(e.url)}: ${details.join(', ')}`);
  }
  if (config.alerts) lines.push(...describeAlerts(config.alerts));
  return lines.join('\n');
}

function describeAlerts(a: AlertsConfig): string[] {
  const thresholds = a.certThresholdsDays.length > 0 ? `certificate warnings at ${a.certThresholdsDays.join('/')} days` : 'no certificate warnings';
  const lines = [
    `alerts      ${a.channels.length} channel(s), ${a.routes.length > 0 ? `${a.routes.length} route(s)` : 'every alert to every channel'}, ` +
      `reminders ${a.reminderMinutes > 0 ? `every ${a.reminderMinutes} min` : 'off'}, ${thresholds}, ` +
      `at most ${a.flapping.limit} opening(s) per ${a.flapping.windowMinutes} min, ${a.maintenance.length} maintenance window(s)`,
  ];
  for (const c of a.channels) {
    // Where it goes, never how: URLs, topics and passwords stay out.
    const target = c.type === 'email' ? `${c.host}:${c.port}${c.secure ? ' (TLS)' : ''} to ${c.to.join(', ')}` : c.type;
    lines.push(`  ${c.name}: ${target}${c.disabledReason !== null ? `, DISABLED: ${c.disabledReason}` : ''}`);
  }
  return lines;
}
