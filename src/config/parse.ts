// Text and environment in, a frozen Config or every error out, in one pass and without I/O.
// Precedence for settings: environment variable, then file, then default. Endpoints come only
// from the file; their secrets are looked up in the environment here and nowhere else.
import { parseDocument, type YAMLError } from 'yaml';
import { secretHeaderNames, type EndpointDefinition } from '../domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy } from '../domain/health.ts';
import { DEFAULT_PROBE_SETTINGS } from '../probe/run-probe.ts';
import {
  ALLOWED_KEYS,
  DATABASE_FILE_NAME,
  DEFAULT_DATA_DIR,
  DEFAULT_LISTEN,
  DEFAULT_NODE,
  DEFAULT_CLUSTER,
  type ClusterConfig,
  DEFAULT_RETENTION,
  DEFAULT_ACCOUNTS,
  DEFAULT_COMPLIANCE,
  DEFAULT_SCHEDULER,
  DEFAULT_PROBE_ENDPOINT,
  DEFAULT_PROBE_WORKERS,
  HEADER_NAME,
  RESERVED_HEADERS,
  SECRET_LOOKING,
  allowedHostList,
  concurrencyCount,
  configFileSchema,
  databaseUrl,
  DEFAULT_POSTGRES,
  deepFreeze,
  dnsServer,
  drainTimeout,
  filePath,
  hostCheck,
  hostName,
  portNumber,
  publicUrl,
  nodeName,
  nodeRegion,
  retentionDays,
  show,
  slugify,
  trustedProxy,
  suggest,
  type Config,
  type ConfigFile,
  type ConfigResult,
  type DatabaseConfig,
  type Env,
  type EndpointEntry,
  type HostCheck,
  type ListenConfig,
  type Parsed,
  type Parser,
  type ProbeConfig,
  type ProbeWorkers,
  type ProbeEndpointConfig,
  type NodeConfig,
  type RetentionConfig,
  type AccountsConfig,
  type ComplianceConfig,
  type SchedulerConfig,
  type SecretRef,
} from './schema.ts';
import { buildAlerts, describeAlerts } from './alerts.ts';
import { buildRegistries, describeRegistries } from './registries.ts';
import { formatIssue, formatPath, unsetReason } from './wording.ts';

export type { Env } from './schema.ts';

export interface ParseOptions {
  /**
   * The top-level sections the command uses (`token create` needs only dataDir and databasePath):
   * the others are neither validated nor warned about, so a broken alert channel does not stop a
   * backup. Unknown top-level keys are still refused: a typo in `dataDir` must not go unnoticed.
   * Undefined: everything (serve).
   */
  readonly sections?: readonly string[];
}

/** Parses and validates a configuration; `text` undefined means there is no file. */
export function parseConfig(text: string | undefined, env: Env, options: ParseOptions = {}): ConfigResult {
  let raw: unknown = {};
  const warnings: string[] = [];
  if (text !== undefined) {
    const yaml = parseYaml(text, warnings);
    if (!yaml.ok) return { ok: false, errors: yaml.errors };
    raw = yaml.value ?? {};
  }
  if (options.sections !== undefined) raw = keepSections(raw, options.sections);

  const errors: string[] = [];
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) errors.push(...parsed.error.issues.flatMap((issue) => formatIssue(issue)));
  const overrides = readEnvOverrides(env, errors, warnings);
  if (!parsed.success || errors.length > 0) return { ok: false, errors };

  const config = buildConfig(parsed.data, overrides, env, errors, warnings);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: deepFreeze(config), warnings };
}

function keepSections(raw: unknown, sections: readonly string[]): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const known = ALLOWED_KEYS[''] ?? [];
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !known.includes(key) || sections.includes(key)));
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
// Environment overrides

interface EnvOverrides {
  readonly dataDir?: string;
  readonly databasePath?: string;
  readonly databaseUrl?: string;
  readonly host?: string;
  readonly port?: number;
  readonly trustProxy?: boolean | string[];
  readonly publicUrl?: string;
  readonly allowedHosts?: string[];
  readonly allowPrivate?: boolean;
  readonly concurrency?: number;
  readonly rawDays?: number;
  readonly drainTimeoutMs?: number;
  readonly dnsServers?: readonly string[];
  readonly nodeName?: string;
  readonly nodeRegion?: string;
}

export const SETTING_ENV_VARS = [
  'MCPWATCH_DATA_DIR',
  'MCPWATCH_DB',
  'MCPWATCH_DATABASE_URL',
  'MCPWATCH_HOST',
  'MCPWATCH_PORT',
  'MCPWATCH_TRUST_PROXY',
  'MCPWATCH_PUBLIC_URL',
  'MCPWATCH_ALLOWED_HOSTS',
  'MCPWATCH_ALLOW_PRIVATE',
  'MCPWATCH_CONCURRENCY',
  'MCPWATCH_RAW_RETENTION_DAYS',
  'MCPWATCH_DRAIN_TIMEOUT_MS',
  'MCPWATCH_DNS_SERVERS',
  'MCPWATCH_NODE_NAME',
  'MCPWATCH_NODE_REGION',
] as const;

/** Read by other parts of mcpwatch; known here only so they are not mistaken for typos. */
const OTHER_ENV_VARS = new Set(['MCPWATCH_BEARER_TOKEN', 'MCPWATCH_CONFIG', 'MCPWATCH_LOG_LEVEL', 'MCPWATCH_LOG_FORMAT']);

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

/** MCPWATCH_TRUST_PROXY: a boolean word, or a comma-separated list of proxies. */
const envTrustProxy: Parser<boolean | string[]> = (input) => {
  const flag = envBool(input);
  return flag.ok ? flag : commaList(trustedProxy)(input);
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
    databaseUrl: take('MCPWATCH_DATABASE_URL', databaseUrl),
    host: take('MCPWATCH_HOST', hostName),
    port: take('MCPWATCH_PORT', numeric(portNumber)),
    trustProxy: take('MCPWATCH_TRUST_PROXY', envTrustProxy),
    publicUrl: take('MCPWATCH_PUBLIC_URL', publicUrl),
    allowedHosts: take('MCPWATCH_ALLOWED_HOSTS', (input) => allowedHostList(String(input).split(',').filter((part) => part.trim() !== ''))),
    allowPrivate: take('MCPWATCH_ALLOW_PRIVATE', envBool),
    concurrency: take('MCPWATCH_CONCURRENCY', numeric(concurrencyCount)),
    rawDays: take('MCPWATCH_RAW_RETENTION_DAYS', numeric(retentionDays)),
    drainTimeoutMs: take('MCPWATCH_DRAIN_TIMEOUT_MS', numeric(drainTimeout)),
    dnsServers: take('MCPWATCH_DNS_SERVERS', commaList(dnsServer)),
    nodeName: take('MCPWATCH_NODE_NAME', nodeName),
    nodeRegion: take('MCPWATCH_NODE_REGION', nodeRegion),
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
  const database = buildDatabase(file.database ?? {}, env.databaseUrl, databasePath, vars, errors, warnings);

  const node = buildNode(file.node ?? {}, env, database.backend, errors, warnings);

  const l: NonNullable<ConfigFile['listen']> = file.listen ?? {};
  const listen: ListenConfig = {
    host: env.host ?? l.host ?? DEFAULT_LISTEN.host,
    port: env.port ?? l.port ?? DEFAULT_LISTEN.port,
    trustProxy: env.trustProxy ?? l.trustProxy ?? DEFAULT_LISTEN.trustProxy,
    allowedHosts: env.allowedHosts ?? l.allowedHosts ?? DEFAULT_LISTEN.allowedHosts,
  };

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
    workers: p.workers ?? DEFAULT_PROBE_WORKERS,
  };

  const pe: NonNullable<ConfigFile['probeEndpoint']> = file.probeEndpoint ?? {};
  const probeEndpoint: ProbeEndpointConfig = {
    enabled: pe.enabled ?? DEFAULT_PROBE_ENDPOINT.enabled,
    auth: pe.auth ?? DEFAULT_PROBE_ENDPOINT.auth,
    perMinute: pe.perMinute ?? DEFAULT_PROBE_ENDPOINT.perMinute,
    concurrency: pe.concurrency ?? DEFAULT_PROBE_ENDPOINT.concurrency,
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
    maxPendingRounds: s.maxPendingRounds ?? DEFAULT_SCHEDULER.maxPendingRounds,
  };
  if (scheduler.defaultIntervalS < scheduler.minIntervalS) {
    errors.push(`scheduler.defaultIntervalS: must be at least scheduler.minIntervalS (${scheduler.minIntervalS} s), got ${scheduler.defaultIntervalS} s`);
  }

  const r: NonNullable<ConfigFile['retention']> = file.retention ?? {};
  const retention: RetentionConfig = {
    rawDays: env.rawDays ?? r.rawDays ?? DEFAULT_RETENTION.rawDays,
    rollupDays: r.rollupDays ?? DEFAULT_RETENTION.rollupDays,
    // By default never longer than the daily rows nor shorter than the raw rows, whatever those are set to.
    hourlyRollupDays:
      r.hourlyRollupDays ??
      Math.max(env.rawDays ?? r.rawDays ?? DEFAULT_RETENTION.rawDays, Math.min(DEFAULT_RETENTION.hourlyRollupDays, r.rollupDays ?? DEFAULT_RETENTION.rollupDays)),
    sealRawResults: r.sealRawResults ?? DEFAULT_RETENTION.sealRawResults,
    pruneCron: r.pruneCron ?? DEFAULT_RETENTION.pruneCron,
    pruneBatch: r.pruneBatch ?? DEFAULT_RETENTION.pruneBatch,
  };
  if (retention.rollupDays < retention.rawDays) {
    errors.push(`retention.rollupDays: must be at least retention.rawDays (${retention.rawDays}), got ${retention.rollupDays}`);
  }
  // Only a value the file sets is checked: the default follows the other two.
  if (r.hourlyRollupDays !== undefined && (retention.hourlyRollupDays < retention.rawDays || retention.hourlyRollupDays > retention.rollupDays)) {
    errors.push(
      `retention.hourlyRollupDays: must be between retention.rawDays (${retention.rawDays}) and retention.rollupDays (${retention.rollupDays}), got ${retention.hourlyRollupDays}`,
    );
  }

  const c: NonNullable<ConfigFile['compliance']> = file.compliance ?? {};
  const compliance: ComplianceConfig = {
    enabled: c.enabled ?? DEFAULT_COMPLIANCE.enabled,
    intervalS: c.intervalS ?? DEFAULT_COMPLIANCE.intervalS,
    concurrency: c.concurrency ?? DEFAULT_COMPLIANCE.concurrency,
    latencyBudgetMs: c.latencyBudgetMs ?? DEFAULT_COMPLIANCE.latencyBudgetMs,
  };

  const endpoints = buildEndpoints(file.endpoints ?? [], { scheduler, probe }, vars, errors, warnings);
  const config: Config = {
    dataDir,
    databasePath,
    database,
    node,
    listen,
    publicUrl: env.publicUrl ?? file.publicUrl ?? null,
    probe,
    probeEndpoint,
    health,
    scheduler,
    retention,
    compliance,
    endpoints,
  };
  // Only present when written, so a file without them reads back exactly as before.
  const withCluster = file.cluster == null ? config : { ...config, cluster: buildCluster(file.cluster, database.backend, warnings) };
  const withAlerts = file.alerts == null ? withCluster : { ...withCluster, alerts: buildAlerts(file.alerts, vars, errors, warnings) };
  const withRegistries = file.registries == null ? withAlerts : { ...withAlerts, registries: buildRegistries(file.registries, errors) };
  if (file.accounts == null) return withRegistries;
  const a = file.accounts;
  const accounts: AccountsConfig = {
    sessionIdleS: a.sessionIdleS ?? DEFAULT_ACCOUNTS.sessionIdleS,
    sessionMaxS: a.sessionMaxS ?? DEFAULT_ACCOUNTS.sessionMaxS,
    lockAfterFailures: a.lockAfterFailures ?? DEFAULT_ACCOUNTS.lockAfterFailures,
    lockS: a.lockS ?? DEFAULT_ACCOUNTS.lockS,
    loginAttemptsPerMinute: a.loginAttemptsPerMinute ?? DEFAULT_ACCOUNTS.loginAttemptsPerMinute,
    setupTokenS: a.setupTokenS ?? DEFAULT_ACCOUNTS.setupTokenS,
  };
  if (accounts.sessionMaxS < accounts.sessionIdleS) errors.push(`accounts.sessionMaxS: must be at least accounts.sessionIdleS (${accounts.sessionIdleS} s), got ${accounts.sessionMaxS} s`);
  return { ...withRegistries, accounts };
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

interface ResolvedSecrets {
  headers: Record<string, string>;
  bearerToken: string | null;
  /** Environment variables named but unset, in order of first mention. */
  missing: string[];
}

function buildDatabase(
  d: NonNullable<ConfigFile['database']>,
  envUrl: string | undefined,
  path: string,
  vars: Env,
  errors: string[],
  warnings: string[],
): DatabaseConfig {
  let url = envUrl;
  if (url === undefined && d.url) {
    if (d.url.kind === 'literal') {
      const parsed = databaseUrl(d.url.value);
      if (parsed.ok) {
        url = parsed.value;
        if (new URL(url).password !== '') warnings.push('database.url: a password written in the config file; prefer { env: VARIABLE } (or MCPWATCH_DATABASE_URL) so the file can be shared');
      } else errors.push(`database.url: ${parsed.message}`);
    } else {
      const value = vars[d.url.name]?.trim();
      if (value === undefined || value === '') errors.push(`database.url: environment variable ${d.url.name} is not set`);
      else {
        const parsed = databaseUrl(value);
        if (parsed.ok) url = parsed.value;
        else errors.push(`database.url: environment variable ${d.url.name}: ${parsed.message}`);
      }
    }
  }
  if (url === undefined) {
    const set = (['poolSize', 'statementTimeoutMs', 'connectTimeoutMs'] as const).filter((key) => d[key] !== undefined && d[key] !== null);
    if (set.length > 0) warnings.push(`database: ${set.join(', ')} apply to PostgreSQL only; without database.url the SQLite file ${path} is used`);
    return { backend: 'sqlite', path };
  }
  return {
    backend: 'postgres',
    url,
    poolSize: d.poolSize ?? DEFAULT_POSTGRES.poolSize,
    statementTimeoutMs: d.statementTimeoutMs ?? DEFAULT_POSTGRES.statementTimeoutMs,
    connectTimeoutMs: d.connectTimeoutMs ?? DEFAULT_POSTGRES.connectTimeoutMs,
  };
}

function buildNode(n: NonNullable<ConfigFile['node']>, env: EnvOverrides, backend: DatabaseConfig['backend'], errors: string[], warnings: string[]): NodeConfig {
  const node: NodeConfig = {
    name: env.nodeName ?? n.name ?? DEFAULT_NODE.name,
    region: env.nodeRegion ?? n.region ?? DEFAULT_NODE.region,
    heartbeatMs: n.heartbeatMs ?? DEFAULT_NODE.heartbeatMs,
    liveForMs: n.liveForMs ?? DEFAULT_NODE.liveForMs,
  };
  // Below two beats a healthy node would flap between live and dead on one late heartbeat.
  if (node.liveForMs < 2 * node.heartbeatMs) errors.push(`node.liveForMs: must be at least twice node.heartbeatMs (${node.heartbeatMs} ms), got ${node.liveForMs} ms`);
  if (backend === 'sqlite') {
    const set = [
      ...(env.nodeName !== undefined ? ['MCPWATCH_NODE_NAME'] : []),
      ...(env.nodeRegion !== undefined ? ['MCPWATCH_NODE_REGION'] : []),
      ...(['name', 'region', 'heartbeatMs', 'liveForMs'] as const).filter((key) => n[key] !== undefined && n[key] !== null).map((key) => `node.${key}`),
    ];
    if (set.length > 0) warnings.push(`${set.join(', ')}: nodes exist only on PostgreSQL (database.url); with SQLite this process is the only node`);
  }
  return node;
}

function buildCluster(c: NonNullable<ConfigFile['cluster']>, backend: DatabaseConfig['backend'], warnings: string[]): ClusterConfig {
  if (backend === 'sqlite') warnings.push('cluster: regions and their quorum exist only on PostgreSQL (database.url); with SQLite there is one region');
  return {
    quorum: c.quorum ?? DEFAULT_CLUSTER.quorum,
    arbiterIntervalMs: c.arbiterIntervalMs ?? DEFAULT_CLUSTER.arbiterIntervalMs,
    isolationMinEndpoints: c.isolationMinEndpoints ?? DEFAULT_CLUSTER.isolationMinEndpoints,
  };
}

/** The database URL for people to read: the password, and any query (it may carry one), hidden. */
export function describeDatabaseUrl(href: string): string {
  try {
    const url = new URL(href);
    if (url.password !== '') url.password = '***';
    const names = [...url.searchParams.keys()];
    url.search = '';
    return names.length > 0 ? `${url.href}?${names.map((n) => `${encodeURIComponent(n)}=…`).join('&')}` : url.href;
  } catch {
    return '(database URL not shown)';
  }
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

function describeNode(node: NodeConfig): string {
  return `${node.name ?? '(host name + pid)'} in region ${node.region}, heartbeat every ${node.heartbeatMs} ms, live for ${node.liveForMs} ms`;
}

export function describeConfig(config: Config): string {
  const { probe: p, health: h, scheduler: s, retention: r, listen } = config;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const paused = config.endpoints.filter((e) => e.paused).length;
  const shown = config.endpoints.filter((e) => e.public).length;
  const lines = [
    config.database.backend === 'postgres'
      ? `database    PostgreSQL ${describeDatabaseUrl(config.database.url)} (pool ${config.database.poolSize}, statement timeout ${config.database.statementTimeoutMs} ms)`
      : `data        ${config.dataDir} (database ${config.databasePath})`,
    ...(config.database.backend === 'postgres' ? [`node        ${describeNode(config.node)}`] : []),
    `listen      ${host}:${listen.port}${config.publicUrl !== null ? `, public URL ${config.publicUrl}` : ''}${describeTrust(listen.trustProxy)}`,
    `hosts       ${describeHosts(hostCheck(listen, config.publicUrl))}`,
    `probe       timeout ${p.timeoutMs} ms, slow above ${p.slowMs} ms, certificate warning ${p.certExpiringDays} days before expiry, ` +
      `private addresses ${p.allowPrivate ? 'allowed' : 'refused'}, DNS ${p.dnsServers.length > 0 ? p.dnsServers.join(' ') : 'system resolver'}` +
      `${p.extraCaFile !== null ? `, extra CA ${p.extraCaFile}` : ''}, ${describeWorkers(p.workers)}`,
    `/probe      ${describeProbeEndpoint(config.probeEndpoint)}`,
    `health      down after ${h.downAfter} failed round(s), up after ${h.upAfter} good; auth required ${h.authRequiredIsOutage ? 'counts' : 'does not count'} as an outage; ` +
      `degraded ${h.degradedIsOutage ? 'counts' : 'does not count'}`,
    `scheduler   ${s.concurrency} probes at once (${s.perHostConcurrency} per host), every ${s.defaultIntervalS} s by default (minimum ${s.minIntervalS} s), ` +
      `${s.retryOnFailure ? 'one immediate retry on failure' : 'no retry'}, drain ${s.drainTimeoutMs} ms`,
    `retention   raw results ${r.rawDays} days${r.sealRawResults ? ' (past hours sealed into compressed blocks on SQLite)' : ''}, hourly rollups ${r.hourlyRollupDays} days, daily rollups ${r.rollupDays} days, pruned on "${r.pruneCron}" in batches of ${r.pruneBatch}`,
    `compliance  ${config.compliance.enabled ? `checks every ${config.compliance.intervalS} s per endpoint, ${config.compliance.concurrency} at once` : 'checks off'}, latency budget ${config.compliance.latencyBudgetMs} ms`,
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
  if (config.registries) lines.push(...describeRegistries(config.registries));
  return lines.join('\n');
}

function describeWorkers(workers: ProbeWorkers): string {
  if (workers === 'auto') return 'probes on one worker thread per core';
  return workers === 0 ? 'probes on the main thread' : `probes on ${workers} worker thread${workers === 1 ? '' : 's'}`;
}

function describeProbeEndpoint(e: ProbeEndpointConfig): string {
  if (!e.enabled) return 'off';
  const who = { none: 'anyone (no token)', read: 'any token, read-only included', full: 'a full token' }[e.auth];
  return `on for ${who}; ${e.perMinute} a minute, ${e.concurrency} at once`;
}

function describeHosts(check: HostCheck): string {
  if (check.anyHost) return 'any Host header served (allowedHosts "*": no DNS-rebinding protection)';
  const names = ['IP addresses', 'localhost', ...check.names].join(', ');
  return check.enforced ? `only ${names} (other Host headers get 403)` : `any Host header served; Origin on /mcp must be ${names} or the Host itself`;
}

function describeTrust(trust: ListenConfig['trustProxy']): string {
  if (trust === false) return '';
  return `, client addresses from X-Forwarded-For ${trust === true ? 'of any peer' : `of ${trust.join(', ')}`}`;
}
