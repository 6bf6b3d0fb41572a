// The configuration file's shape and the frozen Config it becomes. Every leaf is a small parser
// shared by the file schema and the environment overrides, so `port: 80a` in the file and
// MCPWATCH_PORT=80a are refused with the same sentence. zod supplies the structure (strict
// objects, lists) and the unknown-key detection; the parsers supply the wording.
import { BlockList, isIP } from 'node:net';
import { validateDetailed as validateCron } from 'node-cron';
import * as z from 'zod';
import { ALERT_KINDS, type AlertKind } from '../alerts/types.ts';
import { DEFAULT_INTERVAL_S, MIN_INTERVAL_S, REGISTRY_SLUG_PREFIX, isRegistrySlug, type EndpointDefinition } from '../domain/endpoint.ts';
import type { HealthPolicy } from '../domain/health.ts';
import { DEFAULT_LATENCY_BUDGET_MS } from '../domain/grade.ts';
import type { EraOverride } from '../domain/probe-result.ts';
import { parseEndpointUrl } from '../domain/url.ts';
import type { ProbeSettings } from '../probe/run-probe.ts';
import { suggest } from './suggest.ts';

export { editDistance, suggest } from './suggest.ts';

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Which peers may say who the client is (X-Forwarded-For), so rate limits and logs see the
   * client rather than the reverse proxy: false (nobody, the default), true (any peer: only when
   * nothing but the proxy can reach mcpwatch), or addresses, CIDRs and the names loopback,
   * linklocal and uniquelocal (the proxy's own addresses: the client is the nearest untrusted hop).
   */
  readonly trustProxy: boolean | readonly string[];
  /**
   * Host names requests may address mcpwatch by (the Host header), besides IP literals, localhost
   * and *.localhost, which a DNS-rebinding page cannot use: "status.example.com", ".example.com"
   * (the name and its subdomains), or "*" (any). See hostCheck() for when the list is enforced.
   */
  readonly allowedHosts: readonly string[];
}

export interface ProbeConfig extends ProbeSettings {
  /** The PEM bundle's path as configured; load.ts reads it into `extraCaPem`. */
  readonly extraCaFile: string | null;
  /**
   * Worker threads that run the probes, each with its share of the endpoints; 0: probes run on
   * the main thread; 'auto': one per core (the composition root counts them).
   */
  readonly workers: ProbeWorkers;
}

export type ProbeWorkers = number | 'auto';

export const MAX_PROBE_WORKERS = 64;
export const DEFAULT_PROBE_WORKERS: ProbeWorkers = 0;

/** `probe.workers`: a count, or "auto" for one per core. */
export const probeWorkers: Parser<ProbeWorkers> = (input) => {
  if (input === 'auto') return ok('auto');
  if (typeof input !== 'number' || !Number.isInteger(input)) return fail(`expected a whole number from 0 to ${MAX_PROBE_WORKERS} or "auto", got ${show(input)}`);
  return wholeNumber(0, MAX_PROBE_WORKERS)(input);
};

/** How many probe workers to start on a machine with `cores` cores. */
export function probeWorkerCount(workers: ProbeWorkers, cores: number): number {
  return workers === 'auto' ? Math.max(1, Math.min(MAX_PROBE_WORKERS, cores)) : workers;
}

/** Who may call GET /probe: anyone, any valid token (read-only included), or a full token only. */
export const PROBE_ENDPOINT_AUTH = ['none', 'read', 'full'] as const;
export type ProbeEndpointAuth = (typeof PROBE_ENDPOINT_AUTH)[number];

/**
 * GET /probe?target=…&module=mcp, blackbox_exporter's endpoint: one fresh probe of a caller-chosen
 * URL. It makes this server dial out, so by default it takes a full token, as POST /api/v1/check
 * does; `read` lets a read-only token (what Prometheus should hold) cause probes too.
 */
export interface ProbeEndpointConfig {
  readonly enabled: boolean;
  readonly auth: ProbeEndpointAuth;
  /** Requests a minute per token (per client address when auth is none). */
  readonly perMinute: number;
  /** Probes through /probe at once; more wait in line (up to 4× this), then get a 503. */
  readonly concurrency: number;
}

export interface SchedulerConfig {
  readonly concurrency: number;
  readonly perHostConcurrency: number;
  readonly defaultIntervalS: number;
  readonly minIntervalS: number;
  readonly drainTimeoutMs: number;
  readonly retryOnFailure: boolean;
  /** Rounds kept in memory while the database cannot be written; past it the oldest are dropped (counted). */
  readonly maxPendingRounds: number;
}

export interface RetentionConfig {
  readonly rawDays: number;
  /** Daily rollups (90-day bars, and uptime's whole days) and monitoring gaps. */
  readonly rollupDays: number;
  /**
   * Hourly rollups: only as long as something reads them. The latency charts draw at most 7 days
   * of hours; uptime windows (up to 90 days) sum daily rows for whole days and hourly rows only for
   * the ragged hours at each end, so 31 days (the default) keeps the 30-day figures exact to the
   * hour and 91 days the 90-day ones too.
   */
  readonly hourlyRollupDays: number;
  /** SQLite: seal raw results of past hours into compressed per-endpoint blocks (on the prune schedule). */
  readonly sealRawResults: boolean;
  readonly pruneCron: string;
  readonly pruneBatch: number;
}

/** The hourly compliance checks and the grade (issue 15). */
export interface ComplianceConfig {
  readonly enabled: boolean;
  /** How often each endpoint's checks run; each endpoint at its own fixed phase within it. */
  readonly intervalS: number;
  /** Endpoints checked at once. */
  readonly concurrency: number;
  /** The p95 at or under which the grade gives full latency points (domain/grade.ts). */
  readonly latencyBudgetMs: number;
}

/**
 * Where mcpwatch keeps its data: one SQLite file (the default, zero set-up), or a PostgreSQL
 * database (several nodes, long history). `url` holds the password: describeConfig and the
 * logger never print it.
 */
export type DatabaseConfig =
  | { readonly backend: 'sqlite'; readonly path: string }
  | {
      readonly backend: 'postgres';
      readonly url: string;
      readonly poolSize: number;
      readonly statementTimeoutMs: number;
      readonly connectTimeoutMs: number;
    };

export const DEFAULT_POSTGRES = Object.freeze({ poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 });

/**
 * This process as a node of a cluster on one PostgreSQL (issue 14). Meaningful with PostgreSQL
 * only. `name` null means "host name + pid", filled in by the composition root (the only module
 * that reads the host).
 */
export interface NodeConfig {
  readonly name: string | null;
  readonly region: string;
  /** How often the node heartbeats and reads who is live. */
  readonly heartbeatMs: number;
  /** A node is live while its heartbeat is younger than this. */
  readonly liveForMs: number;
}

export const DEFAULT_NODE: NodeConfig = Object.freeze({ name: null, region: 'default', heartbeatMs: 2000, liveForMs: 10_000 });

/**
 * Several regions on one PostgreSQL (issue 14): how the quorum arbiter turns the regions' words
 * into one status. Absent from Config when the file has no `cluster` section: DEFAULT_CLUSTER.
 */
export interface ClusterConfig {
  /** Regions that must see an endpoint down for `down`; null: a majority of the regions that count. */
  readonly quorum: number | null;
  /** How often the arbiter (on the lease holder) decides. */
  readonly arbiterIntervalMs: number;
  /** A region that sees every one of at least this many endpoints fail, while another sees them up, is isolated. */
  readonly isolationMinEndpoints: number;
}

export const DEFAULT_CLUSTER: ClusterConfig = Object.freeze({ quorum: null, arbiterIntervalMs: 5_000, isolationMinEndpoints: 3 });

export interface Config {
  readonly dataDir: string;
  /** The SQLite file; also where a PostgreSQL-backed node would keep nothing (kept for `backup`). */
  readonly databasePath: string;
  readonly database: DatabaseConfig;
  readonly node: NodeConfig;
  readonly cluster?: ClusterConfig;
  readonly listen: ListenConfig;
  /** Base URL for links in pages and notifications, without a trailing slash; null when unset. */
  readonly publicUrl: string | null;
  readonly probe: ProbeConfig;
  readonly probeEndpoint: ProbeEndpointConfig;
  readonly health: HealthPolicy;
  readonly scheduler: SchedulerConfig;
  readonly retention: RetentionConfig;
  readonly compliance: ComplianceConfig;
  readonly endpoints: readonly EndpointDefinition[];
  /** Present only when the file has an `alerts:` section; absent means no channels (DEFAULT_ALERTS). */
  readonly alerts?: AlertsConfig;
  /** Present only when the file has a `registries:` section (issue 15). */
  readonly registries?: readonly RegistryConfig[];
  /** Present only when the file has an `accounts:` section; absent means DEFAULT_ACCOUNTS (issue 16). */
  readonly accounts?: AccountsConfig;
}

/** Sign-in and sessions (issue 16). */
export interface AccountsConfig {
  /** A session unused this long ends. */
  readonly sessionIdleS: number;
  /** A session ends this long after sign-in, however busy. */
  readonly sessionMaxS: number;
  /** Failed sign-ins in a row that lock a user out. */
  readonly lockAfterFailures: number;
  /** How long a lock-out lasts (an admin can unlock sooner). */
  readonly lockS: number;
  /** Sign-in attempts per minute from one address, and for one user name, before 429. */
  readonly loginAttemptsPerMinute: number;
  /** How long the first-run setup URL stays valid. */
  readonly setupTokenS: number;
}

/** The transports a registry remote may declare; the filter's closed list. */
export const REGISTRY_TRANSPORTS = ['streamable-http', 'sse'] as const;
export type RegistryTransport = (typeof REGISTRY_TRANSPORTS)[number];

/** A registry to sync endpoints from: any server implementing the MCP registry API. */
export interface RegistryConfig {
  /** Unique; labels metrics and logs, and owns its endpoints. Defaults to a slug of the URL's host. */
  readonly name: string;
  /** Base URL without a trailing slash; the sync appends /v0.1/servers. */
  readonly url: string;
  readonly filters: {
    /** Server-name globs (`*` any run of characters); empty admits every name. */
    readonly names: readonly string[];
    /** Namespaces: the part of the name before the `/` ("io.github.acme"); empty admits all. */
    readonly namespaces: readonly string[];
    /** Empty admits both. */
    readonly transports: readonly RegistryTransport[];
  };
  readonly intervalS: number;
  /** Whether its endpoints show on the public status page. */
  readonly public: boolean;
  /** Admit private addresses for the registry itself and for the endpoints it lists. */
  readonly allowPrivate: boolean;
  /** Servers asked for per page (the `limit` parameter). */
  readonly pageSize: number;
  /** Deadline for each request, headers and body. */
  readonly timeoutMs: number;
  /** Cap on each response body. */
  readonly maxPageBytes: number;
}

export const DEFAULT_REGISTRY = Object.freeze({ intervalS: 3600, public: false, allowPrivate: false, pageSize: 100, timeoutMs: 30_000, maxPageBytes: 10 * 1024 * 1024 });

// ---------------------------------------------------------------------------------------------
// Alerts: channels, routes, maintenance windows. Secret values (webhook URLs carry tokens, SMTP
// passwords, HMAC keys, ntfy topics and tokens) live under `secrets`, which the logger redacts and
// describeConfig never prints.

export const ALERT_CHANNEL_TYPES = ['webhook', 'slack', 'discord', 'ntfy', 'email'] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

/** In Date#getUTCDay order. */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

interface AlertChannelCommon {
  readonly name: string;
  /** Why the channel cannot send (an unset environment variable); its messages go to the dead letters. */
  readonly disabledReason: string | null;
  /**
   * Set on channels created through the API, whose URLs and SMTP hosts are user-supplied and so
   * hostile (SSRF): every address delivery connects to is checked against it. Absent on channels
   * from the configuration file, which the operator wrote (an internal relay is legitimate there).
   */
  readonly addressPolicy?: { readonly allowPrivate: boolean };
}

export interface WebhookChannelConfig extends AlertChannelCommon {
  readonly type: 'webhook';
  readonly secrets: { readonly url: string; readonly hmacSecret: string | null };
}

export interface SlackChannelConfig extends AlertChannelCommon {
  readonly type: 'slack';
  readonly secrets: { readonly url: string };
}

export interface DiscordChannelConfig extends AlertChannelCommon {
  readonly type: 'discord';
  readonly secrets: { readonly url: string };
}

export interface NtfyChannelConfig extends AlertChannelCommon {
  readonly type: 'ntfy';
  /** `url` is the ntfy server (default https://ntfy.sh); on a public server the topic is the password. */
  readonly secrets: { readonly url: string; readonly topic: string; readonly token: string | null };
}

export interface EmailChannelConfig extends AlertChannelCommon {
  readonly type: 'email';
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string | null;
  readonly from: string;
  readonly to: readonly string[];
  readonly secrets: { readonly pass: string | null };
}

export type AlertChannelConfig = WebhookChannelConfig | SlackChannelConfig | DiscordChannelConfig | NtfyChannelConfig | EmailChannelConfig;

/** Sends the alerts of the selected endpoints (by slug or tag; none = all) and kinds (none = all) to channels. */
export interface AlertRouteConfig {
  readonly channels: readonly string[];
  readonly endpoints: readonly string[] | null;
  readonly tags: readonly string[] | null;
  readonly events: readonly AlertKind[] | null;
}

interface MaintenanceScope {
  /** Endpoint slugs and tags the window covers; both null means every endpoint. */
  readonly endpoints: readonly string[] | null;
  readonly tags: readonly string[] | null;
}

export type MaintenanceWindowConfig =
  | (MaintenanceScope & { readonly kind: 'once'; readonly start: string; readonly end: string })
  | (MaintenanceScope & { readonly kind: 'weekly'; readonly day: Weekday; readonly start: string; readonly durationMinutes: number });

export interface AlertsConfig {
  readonly channels: readonly AlertChannelConfig[];
  /** Empty: every channel receives every alert. */
  readonly routes: readonly AlertRouteConfig[];
  /** Minutes between reminders while an incident stays open; 0 turns reminders off. */
  readonly reminderMinutes: number;
  /** Days before expiry at which to warn, each once per certificate; descending. */
  readonly certThresholdsDays: readonly number[];
  /**
   * Flap limit: at most `limit` incident openings (or auth entries, or changes of one kind) are
   * announced per endpoint within `windowMinutes`; the rest are recorded as suppressed and the
   * outcome is announced once the spell is over.
   */
  readonly flapping: { readonly limit: number; readonly windowMinutes: number };
  readonly maintenance: readonly MaintenanceWindowConfig[];
}

export const DEFAULT_ALERTS: AlertsConfig = Object.freeze({
  channels: Object.freeze([]),
  routes: Object.freeze([]),
  reminderMinutes: 60,
  certThresholdsDays: Object.freeze([30, 14, 7, 3, 1]),
  flapping: Object.freeze({ limit: 2, windowMinutes: 60 }),
  maintenance: Object.freeze([]),
});

/** Environment variables by name (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

export type ConfigResult = { readonly ok: true; readonly config: Config; readonly warnings: string[] } | { readonly ok: false; readonly errors: string[] };

export const DEFAULT_CONFIG_FILE = 'mcpwatch.yaml';
export const DEFAULT_DATA_DIR = './data';
export const DATABASE_FILE_NAME = 'mcpwatch.db';
export const DEFAULT_LISTEN: ListenConfig = Object.freeze({ host: '127.0.0.1', port: 8080, trustProxy: false, allowedHosts: Object.freeze([]) });
export const DEFAULT_SCHEDULER: SchedulerConfig = Object.freeze({
  concurrency: 64,
  perHostConcurrency: 4,
  defaultIntervalS: DEFAULT_INTERVAL_S,
  minIntervalS: MIN_INTERVAL_S,
  drainTimeoutMs: 25_000,
  retryOnFailure: true,
  maxPendingRounds: 100_000,
});
export const DEFAULT_PROBE_ENDPOINT: ProbeEndpointConfig = Object.freeze({ enabled: true, auth: 'full', perMinute: 300, concurrency: 8 });
/**
 * hourlyRollupDays 31: what the pages draw from hourly rows reaches 31 days back at most: the 24 h
 * and 7 d latency charts, and the ragged hours at each end of the 24 h, 7 d and 30 d uptime windows
 * (the 30-day one, which the grade uses too, starts up to 30 days and 23 hours back at its first
 * whole hour). The 30 d chart and the 90-day bars draw daily rows; the 90 d uptime counts its
 * whole days from daily rows and starts at the first of them. Kept 91 days, the hourly rows were
 * 1.0 of 2.65 GiB at 10,000 endpoints (bench/storage.bench.ts), 31 days 0.35 GiB.
 */
export const DEFAULT_RETENTION: RetentionConfig = Object.freeze({ rawDays: 14, rollupDays: 400, hourlyRollupDays: 31, sealRawResults: true, pruneCron: '*/5 * * * *', pruneBatch: 5000 });
export const DEFAULT_ACCOUNTS: AccountsConfig = Object.freeze({
  sessionIdleS: 12 * 3600,
  sessionMaxS: 7 * 86_400,
  lockAfterFailures: 5,
  lockS: 900,
  loginAttemptsPerMinute: 10,
  setupTokenS: 3600,
});
export const DEFAULT_COMPLIANCE: ComplianceConfig = Object.freeze({ enabled: true, intervalS: 3600, concurrency: 2, latencyBudgetMs: DEFAULT_LATENCY_BUDGET_MS });
export const ERAS: readonly EraOverride[] = ['auto', 'modern', 'streamable', 'sse'];

// ---------------------------------------------------------------------------------------------
// Leaf parsers: unknown in, a value or a sentence out. The sentence never includes the path; the
// caller prefixes it (a file path like `endpoints[2].interval`, or an environment variable name).

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string; readonly path?: readonly (string | number)[] };
export type Parser<T> = (input: unknown) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string, path?: readonly (string | number)[]): Parsed<never> => (path ? { ok: false, message, path } : { ok: false, message });

const MAX_SHOWN = 60;

/** A value as it appears in an error: strings quoted and cut short, structures by kind only. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const chars = [...value];
    return JSON.stringify(chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return kindOf(value);
}

/** The kind of a value without its text: for secrets. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

export function required<T>(parse: Parser<T>): Parser<T> {
  return (input) => (input === undefined || input === null ? fail('required') : parse(input));
}

export function wholeNumber(min: number, max: number): Parser<number> {
  return (input) => {
    if (typeof input !== 'number' || !Number.isInteger(input)) return fail(`expected a whole number from ${min} to ${max}, got ${show(input)}`);
    if (input < min) return fail(`must be at least ${min}, got ${input}`);
    if (input > max) return fail(`must be at most ${max}, got ${input}`);
    return ok(input);
  };
}

export const bool: Parser<boolean> = (input) => (typeof input === 'boolean' ? ok(input) : fail(`expected true or false, got ${show(input)}`));

export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (input) =>
    typeof input === 'string' && (values as readonly string[]).includes(input)
      ? ok(input as T)
      : fail(`must be one of ${values.join(', ')}, got ${show(input)}`);
}

export function text(maxLength: number): Parser<string> {
  return (input) => {
    if (typeof input !== 'string') return fail(`expected a string, got ${show(input)}`);
    const trimmed = input.trim();
    if (trimmed === '') return fail('must not be empty');
    if (trimmed.length > maxLength) return fail(`must be at most ${maxLength} characters, got ${show(input)}`);
    if (/\p{Cc}/u.test(trimmed)) return fail(`must not contain control characters, got ${show(input)}`);
    return ok(trimmed);
  };
}

export const filePath: Parser<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '') return fail(`expected a file path, got ${show(input)}`);
  if (input.includes('\0')) return fail(`must not contain NUL, got ${show(input)}`);
  return ok(input.trim());
};

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30s", "2m", "1h30m", "250ms" → milliseconds; undefined when the text is not a duration. */
export function parseDurationMs(input: string): number | undefined {
  const compact = input.replace(/\s+/g, '');
  if (compact === '') return undefined;
  // `ms` before `m` and `s`, so "5ms" is five milliseconds and not five minutes and an `s`.
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  while (part.lastIndex < compact.length) {
    const start = part.lastIndex;
    const match = part.exec(compact);
    if (match === null || match.index !== start) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * A duration in the field's own unit: a bare number is in that unit (seconds for `interval`,
 * milliseconds for `timeout` and every `…Ms`), a string carries its own ("30s", "2m").
 */
export function duration(unit: 's' | 'ms', min: number, max: number): Parser<number> {
  const unitName = unit === 's' ? 'seconds' : 'milliseconds';
  const example = unit === 's' ? '"30s" or "2m"' : '"10s" or "500ms"';
  return (input) => {
    let value: number;
    if (typeof input === 'number' && Number.isFinite(input)) {
      value = input;
    } else if (typeof input === 'string') {
      const ms = parseDurationMs(input);
      if (ms === undefined) {
        const hint = /^\s*\d+(\.\d+)?\s*$/.test(input) ? ` (a duration in quotes needs a unit; or write the number of ${unitName} without quotes)` : '';
        return fail(`expected a duration such as ${example}, or a number of ${unitName}, got ${show(input)}${hint}`);
      }
      value = unit === 's' ? ms / 1000 : ms;
    } else {
      return fail(`expected a duration such as ${example}, or a number of ${unitName}, got ${show(input)}`);
    }
    if (!Number.isInteger(value)) return fail(`must be a whole number of ${unitName}, got ${show(input)}`);
    if (value < min) return fail(`must be at least ${min} ${unit}, got ${show(input)}`);
    if (value > max) return fail(`must be at most ${max} ${unit}, got ${show(input)}`);
    return ok(value);
  };
}

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2, gb: 1000 ** 3, gib: 1024 ** 3 };

/** Bytes: a number, or "512KiB", "1MiB", "2MB". */
export function byteSize(min: number, max: number): Parser<number> {
  return (input) => {
    let value: number | undefined;
    if (typeof input === 'number' && Number.isInteger(input)) value = input;
    else if (typeof input === 'string') {
      const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(input);
      const factor = match ? SIZE_UNITS[(match[2] ?? '').toLowerCase()] : undefined;
      if (match && factor !== undefined) value = Math.floor(Number(match[1]) * factor);
    }
    if (value === undefined) return fail(`expected a number of bytes or a size such as "512KiB" or "1MiB", got ${show(input)}`);
    if (value < min) return fail(`must be at least ${min} bytes, got ${show(input)}`);
    if (value > max) return fail(`must be at most ${max} bytes, got ${show(input)}`);
    return ok(value);
  };
}

/** Shows a URL with any user:password masked, for error messages. */
export function showUrl(input: string): string {
  try {
    const url = new URL(input);
    if (url.username !== '' || url.password !== '') {
      url.username = '***';
      url.password = '';
      return show(url.href);
    }
  } catch {
    // not a URL at all: shown as typed
  }
  return show(input);
}

export const endpointUrl: Parser<string> = (input) => {
  if (typeof input !== 'string') return fail(`expected a URL string, got ${show(input)}`);
  const parsed = parseEndpointUrl(input.trim());
  if (parsed.ok) return ok(parsed.url.href);
  // parseEndpointUrl already quotes the value when it cannot parse it at all.
  return fail(parsed.detail.includes('"') ? parsed.detail : `${parsed.detail}, got ${showUrl(input)}`);
};

export const publicUrl: Parser<string> = (input) => {
  if (typeof input !== 'string') return fail(`expected a URL string, got ${show(input)}`);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail(`expected an absolute http or https URL such as "https://status.example.com", got ${show(input)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`expected an http or https URL, got ${showUrl(input)}`);
  if (url.username !== '' || url.password !== '') return fail(`must not contain user:password, got ${showUrl(input)}`);
  if (url.search !== '' || url.hash !== '') return fail(`must not have a query or fragment, got ${show(input)}`);
  return ok(url.href.replace(/\/+$/, ''));
};

/**
 * A PostgreSQL connection URL (postgres:// or postgresql://). The value is never repeated in a
 * message: it may carry a password.
 */
export const databaseUrl: Parser<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '') return fail('expected a PostgreSQL URL such as "postgres://mcpwatch:…@db.internal:5432/mcpwatch"');
  const value = input.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('expected a PostgreSQL URL such as "postgres://mcpwatch:…@db.internal:5432/mcpwatch"; the value given is not a URL (not shown: it may hold a password)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return fail(`expected a postgres:// or postgresql:// URL, got a ${url.protocol.replace(/:$/, '')}: URL (SQLite needs no URL: leave database.url unset and set databasePath)`);
  }
  return ok(value);
};

export const hostName: Parser<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '' || /[\s/]/.test(input.trim()) || input.length > 253) {
    return fail(`expected a host name or IP address such as "127.0.0.1" or "::", got ${show(input)}`);
  }
  return ok(input.trim());
};

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** One trusted proxy: an IP address, a CIDR, or loopback / linklocal / uniquelocal. */
export const trustedProxy: Parser<string> = (input) => {
  const bad = fail(`expected an IP address, a CIDR such as "172.16.0.0/12", or one of ${PROXY_RANGE_NAMES.join(', ')}, got ${show(input)}`);
  if (typeof input !== 'string') return bad;
  const value = input.trim();
  if (PROXY_RANGE_NAMES.includes(value) || isIP(value) !== 0) return ok(value);
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const family = cidr ? isIP(cidr[1] ?? '') : 0;
  if (cidr && family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128)) return ok(value);
  return bad;
};

/** listen.trustProxy: true, false, or a list of trusted proxies. */
export const trustProxySetting: Parser<boolean | string[]> = (input) => {
  if (typeof input === 'boolean') return ok(input);
  if (!Array.isArray(input)) return fail(`expected true, false or a list of proxy addresses and CIDRs, got ${show(input)}`);
  const values: string[] = [];
  for (const [index, item] of input.entries()) {
    const parsed = trustedProxy(item);
    if (!parsed.ok) return fail(parsed.message, [index]);
    values.push(parsed.value);
  }
  return ok(values);
};

const HOST_LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_PATTERN = new RegExp(`^\\.?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/** One listen.allowedHosts entry: a host name, ".example.com" (it and its subdomains), or "*". */
export const allowedHost: Parser<string> = (input) => {
  const bad = fail(`expected a host name such as "status.example.com", ".example.com" (the name and its subdomains) or "*" (any host), without scheme or port, got ${show(input)}`);
  if (typeof input !== 'string') return bad;
  const value = input.trim().toLowerCase().replace(/(?<=.)\.$/, '');
  if (value === '*' || isIP(value) !== 0 || (value.length <= 253 && HOST_PATTERN.test(value))) return ok(value);
  return bad;
};

/** listen.allowedHosts: a list of allowedHost entries. */
export const allowedHostList: Parser<string[]> = (input) => {
  if (!Array.isArray(input)) return fail(`expected a list of host names such as ["status.example.com"], got ${show(input)}`);
  const values: string[] = [];
  for (const [index, item] of input.entries()) {
    const parsed = allowedHost(item);
    if (!parsed.ok) return fail(parsed.message, [index]);
    if (!values.includes(parsed.value)) values.push(parsed.value);
  }
  return ok(values);
};

/** Which Host and Origin names the HTTP surface accepts: the DNS-rebinding rule, decided here only. */
export interface HostCheck {
  /** Every request's Host header must name an allowed host (else 403). */
  readonly enforced: boolean;
  /** Allowed besides IP literals, localhost and *.localhost: publicUrl's host, then listen.allowedHosts. */
  readonly names: readonly string[];
  /** listen.allowedHosts has "*": any Host and any Origin. */
  readonly anyHost: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** A listen address only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name)?.[1];
  if (mapped !== undefined) return LOOPBACK.check(mapped, 'ipv4');
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * A web page can rebind its own name to 127.0.0.1 and read whatever mcpwatch serves there; only
 * the Host header still carries the attacker's name. So the Host allow-list is enforced wherever
 * mcpwatch knows its names: always when bound to loopback (the operator's browser is the one
 * machine that can reach it), and wherever listen.allowedHosts is set. Bound to a wider address
 * with no list, the names it is reached by are unknown and every Host is served, as before.
 */
export function hostCheck(listen: ListenConfig, publicUrl: string | null): HostCheck {
  const anyHost = listen.allowedHosts.includes('*');
  const names = [...(publicUrl !== null ? [new URL(publicUrl).hostname.toLowerCase()] : []), ...listen.allowedHosts.filter((h) => h !== '*')];
  return {
    enforced: !anyHost && (isLoopbackHost(listen.host) || listen.allowedHosts.length > 0),
    names: [...new Set(names)],
    anyHost,
  };
}

/** A DNS server as c-ares takes it: "1.1.1.1", "127.0.0.1:5353", "::1" or "[::1]:53". */
export const dnsServer: Parser<string> = (input) => {
  const bad = fail(`expected an IP address with an optional port ("1.1.1.1", "127.0.0.1:5353", "[::1]:53"), got ${show(input)}`);
  if (typeof input !== 'string') return bad;
  const value = input.trim();
  let host = value;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
    if (isIP(host) !== 6) return bad;
  } else if (isIP(value) === 0) {
    const v4 = /^([\d.]+):(\d+)$/.exec(value);
    if (!v4 || isIP(v4[1] ?? '') !== 4) return bad;
    host = v4[1] ?? '';
    port = v4[2];
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return fail(`port must be from 1 to 65535, got ${show(input)}`);
  return ok(value);
};

export const cronExpression: Parser<string> = (input) => {
  if (typeof input !== 'string') return fail(`expected a cron expression such as "*/5 * * * *", got ${show(input)}`);
  const result = validateCron(input.trim());
  if (!result.valid) {
    const reason = result.errors[0]?.message ?? 'invalid';
    return fail(`not a valid cron expression (${reason}), got ${show(input)}`);
  }
  return ok(input.trim());
};

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const SLUG_MAX_LENGTH = 64;

export const slug: Parser<string> = (input) =>
  typeof input === 'string' && SLUG.test(input)
    ? ok(input)
    : fail(`expected lowercase letters, digits and dashes (at most ${SLUG_MAX_LENGTH}, no dash at either end), got ${show(input)}`);

/** An endpoint's own slug: a slug outside the prefix reserved for registry syncs. */
export const endpointSlug: Parser<string> = (input) => {
  const parsed = slug(input);
  if (parsed.ok && isRegistrySlug(parsed.value)) return fail(`slugs starting with "${REGISTRY_SLUG_PREFIX}" are reserved for endpoints synced from a registry, got ${show(input)}`);
  return parsed;
};

/** "Weather API (EU)" → "weather-api-eu"; empty when nothing usable is left. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
}

export const tag: Parser<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '' || input.length > 64 || /\p{Cc}/u.test(input)) {
    return fail(`expected a tag (a non-empty string of at most 64 characters), got ${show(input)}`);
  }
  return ok(input.trim());
};

/** "monday" or "mon", any case → the full lower-case name. */
export const weekday: Parser<Weekday> = (input) => {
  const word = typeof input === 'string' ? input.trim().toLowerCase() : '';
  const day = WEEKDAYS.find((d) => d === word || (word.length === 3 && d.startsWith(word)));
  return day !== undefined ? ok(day) : fail(`expected a day of the week such as "monday" or "mon", got ${show(input)}`);
};

/** "HH:MM", 24-hour. */
export const clockTime: Parser<string> = (input) => {
  const match = typeof input === 'string' ? /^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$/.exec(input) : null;
  return match ? ok(`${match[1]!.padStart(2, '0')}:${match[2]}`) : fail(`expected a time of day as "HH:MM" (24-hour, UTC), got ${show(input)}`);
};

/** An ISO 8601 date and time with its offset ("2026-05-01T02:00:00Z"), normalised to UTC. */
export const timestamp: Parser<string> = (input) => {
  // The YAML 1.1 timestamp type is off, but a Date may still arrive from a custom tag.
  if (input instanceof Date && Number.isFinite(input.getTime())) return ok(input.toISOString());
  const bad = `expected a date and time with an offset such as "2026-05-01T02:00:00Z" or "2026-05-01T04:00:00+02:00", got ${show(input)}`;
  if (typeof input !== 'string') return fail(bad);
  const value = input.trim();
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return fail(bad);
  const ms = Date.parse(value.replace(' ', 'T'));
  return Number.isFinite(ms) ? ok(new Date(ms).toISOString()) : fail(bad);
};

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export const emailAddress: Parser<string> = (input) =>
  typeof input === 'string' && input.trim().length <= 320 && ADDRESS.test(input.trim()) ? ok(input.trim()) : fail(`expected an email address such as "ops@example.com", got ${show(input)}`);

/** An address with an optional display name: "ops@example.com" or "mcpwatch <ops@example.com>". */
export const mailbox: Parser<string> = (input) => {
  if (typeof input !== 'string') return fail(`expected an email address such as "mcpwatch <alerts@example.com>", got ${show(input)}`);
  const value = input.trim();
  const named = /^([^<>\r\n]*)<([^<>]+)>$/.exec(value);
  const address = named ? (named[2] ?? '').trim() : value;
  if (value.length > 400 || /[\r\n]/.test(value) || !ADDRESS.test(address)) {
    return fail(`expected an email address such as "mcpwatch <alerts@example.com>", got ${show(input)}`);
  }
  return ok(value);
};

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the probe sets itself; configuring them would break the handshake it is judging. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'accept',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

/** Header names whose literal values in a file deserve a nudge towards `{ env: VAR }`. */
export const SECRET_LOOKING = /auth|key|token|secret|pass|cookie|session|credential|signature/i;

/** Either a literal value written in the file, or the name of an environment variable holding it. */
export type SecretRef = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'env'; readonly name: string };

export const secretRef: Parser<SecretRef> = (input) => {
  if (typeof input === 'string') return ok({ kind: 'literal', value: input });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    // The kind only: a number here may well be someone's API key.
    return fail(`expected a string or { env: VARIABLE_NAME }, got ${kindOf(input)}`);
  }
  const keys = Object.keys(input);
  const extra = keys.find((k) => k !== 'env');
  if (extra !== undefined) return fail(unknownKeyMessage(extra, ['env']), [extra]);
  const name = (input as { env?: unknown }).env;
  if (name === undefined || name === null) return fail('expected a string or { env: VARIABLE_NAME }, got a mapping without env');
  if (typeof name !== 'string' || !ENV_NAME.test(name)) return fail(`expected an environment variable name (letters, digits, _), got ${show(name)}`, ['env']);
  return ok({ kind: 'env', name });
};

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Unknown keys and the nearest known one.

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("intreval"). */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = suggest(key, allowed);
  return guess !== undefined ? `unknown key (did you mean "${guess}"?)` : `unknown key (expected one of: ${allowed.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// The file schema: every key optional (null counts as absent), so the merge with environment
// overrides and defaults can tell "not written" from "written".

function field<T>(parse: Parser<T>) {
  return z.unknown().transform((input, ctx): T => {
    const result = parse(input);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.message, input, ...(result.path ? { path: [...result.path] } : {}) });
    return z.NEVER;
  });
}

function optional<T>(parse: Parser<T>) {
  return field(parse).nullish();
}

const MAX_MS = 600_000;

// Shared with the environment overrides in parse.ts, so both refuse the same values.
export const portNumber = wholeNumber(0, 65535);
export const concurrencyCount = wholeNumber(1, 10_000);
export const retentionDays = wholeNumber(1, 3650);
export const drainTimeout = duration('ms', 0, MAX_MS);

const listenShape = { host: optional(hostName), port: optional(portNumber), trustProxy: optional(trustProxySetting), allowedHosts: optional(allowedHostList) };

const probeShape = {
  timeoutMs: optional(duration('ms', 100, MAX_MS)),
  dnsTimeoutMs: optional(duration('ms', 1, MAX_MS)),
  connectTimeoutMs: optional(duration('ms', 1, MAX_MS)),
  tlsTimeoutMs: optional(duration('ms', 1, MAX_MS)),
  ttfbMs: optional(duration('ms', 1, MAX_MS)),
  bodyMs: optional(duration('ms', 1, MAX_MS)),
  sseEventMs: optional(duration('ms', 1, MAX_MS)),
  maxBodyBytes: optional(byteSize(1024, 1024 ** 3)),
  maxListBytes: optional(byteSize(1024, 1024 ** 3)),
  maxSseEvents: optional(wholeNumber(1, 100_000)),
  maxToolPages: optional(wholeNumber(1, 1000)),
  slowMs: optional(duration('ms', 0, MAX_MS)),
  certExpiringDays: optional(wholeNumber(0, 3650)),
  allowPrivate: optional(bool),
  dnsServers: z.array(field(dnsServer)).nullish(),
  extraCaFile: optional(filePath),
  workers: optional(probeWorkers),
};

const probeEndpointShape = {
  enabled: optional(bool),
  auth: optional(oneOf(PROBE_ENDPOINT_AUTH)),
  perMinute: optional(wholeNumber(1, 100_000)),
  concurrency: optional(wholeNumber(1, 1000)),
};

const healthShape = {
  downAfter: optional(wholeNumber(1, 100)),
  upAfter: optional(wholeNumber(1, 100)),
  authRequiredIsOutage: optional(bool),
  degradedIsOutage: optional(bool),
};

const schedulerShape = {
  concurrency: optional(concurrencyCount),
  perHostConcurrency: optional(wholeNumber(1, 1000)),
  defaultIntervalS: optional(duration('s', 1, 86_400)),
  minIntervalS: optional(duration('s', 1, 86_400)),
  drainTimeoutMs: optional(drainTimeout),
  retryOnFailure: optional(bool),
  maxPendingRounds: optional(wholeNumber(1, 10_000_000)),
};

const retentionShape = {
  rawDays: optional(retentionDays),
  rollupDays: optional(wholeNumber(1, 36_500)),
  hourlyRollupDays: optional(wholeNumber(1, 36_500)),
  sealRawResults: optional(bool),
  pruneCron: optional(cronExpression),
  pruneBatch: optional(wholeNumber(1, 1_000_000)),
};

const complianceShape = {
  enabled: optional(bool),
  intervalS: optional(duration('s', 60, 7 * 86_400)),
  concurrency: optional(wholeNumber(1, 64)),
  latencyBudgetMs: optional(duration('ms', 1, MAX_MS)),
};

const endpointShape = {
  name: field(required(text(200))),
  slug: optional(endpointSlug),
  url: field(required(endpointUrl)),
  interval: optional(duration('s', 1, 86_400)),
  timeout: optional(duration('ms', 100, MAX_MS)),
  era: optional(oneOf(ERAS)),
  public: optional(bool),
  paused: optional(bool),
  tags: z.array(field(tag)).nullish(),
  tools: optional(bool),
  allowPrivate: optional(bool),
  headers: z.record(z.string(), field(secretRef)).nullish(),
  bearerToken: optional(secretRef),
};

// Which keys each channel type uses is checked in parse.ts, so the error can name the type.
const smtpShape = {
  host: field(required(hostName)),
  port: optional(portNumber),
  secure: optional(bool),
  user: optional(text(320)),
  pass: optional(secretRef),
  from: field(required(mailbox)),
  to: z.array(field(emailAddress)).nullish(),
};

export const alertChannelShape = {
  name: field(required(slug)),
  type: field(required(oneOf(ALERT_CHANNEL_TYPES))),
  url: optional(secretRef),
  secret: optional(secretRef),
  topic: optional(secretRef),
  token: optional(secretRef),
  smtp: z.strictObject(smtpShape).nullish(),
};

export const alertRouteShape = {
  channels: z.array(field(slug)),
  endpoints: z.array(field(slug)).nullish(),
  tags: z.array(field(tag)).nullish(),
  events: z.array(field(oneOf(ALERT_KINDS))).nullish(),
};

const weeklyShape = {
  day: field(required(weekday)),
  start: field(required(clockTime)),
  durationMinutes: field(required(wholeNumber(1, 7 * 24 * 60))),
};

export const maintenanceShape = {
  endpoints: z.array(field(slug)).nullish(),
  tags: z.array(field(tag)).nullish(),
  start: optional(timestamp),
  end: optional(timestamp),
  weekly: z.strictObject(weeklyShape).nullish(),
};

const flappingShape = {
  limit: optional(wholeNumber(1, 1000)),
  windowMinutes: optional(wholeNumber(1, 7 * 24 * 60)),
};

const alertsShape = {
  channels: z.array(z.strictObject(alertChannelShape)).nullish(),
  routes: z.array(z.strictObject(alertRouteShape)).nullish(),
  reminderMinutes: optional(wholeNumber(0, 7 * 24 * 60)),
  certThresholdsDays: z.array(field(wholeNumber(1, 365))).nullish(),
  flapping: z.strictObject(flappingShape).nullish(),
  maintenance: z.array(z.strictObject(maintenanceShape)).nullish(),
};

const registryFiltersShape = {
  names: z.array(field(text(200))).nullish(),
  namespaces: z.array(field(text(200))).nullish(),
  transports: z.array(field(oneOf(REGISTRY_TRANSPORTS))).nullish(),
};

const registryShape = {
  url: field(required(endpointUrl)),
  name: optional(slug),
  filters: z.strictObject(registryFiltersShape).nullish(),
  interval: optional(duration('s', 10, 7 * 86_400)),
  public: optional(bool),
  allowPrivate: optional(bool),
  pageSize: optional(wholeNumber(1, 1000)),
  timeout: optional(duration('ms', 100, MAX_MS)),
  maxPageBytes: optional(byteSize(1024, 1024 ** 3)),
};

const databaseShape = {
  url: optional(secretRef),
  poolSize: optional(wholeNumber(1, 1000)),
  statementTimeoutMs: optional(duration('ms', 100, MAX_MS)),
  connectTimeoutMs: optional(duration('ms', 100, MAX_MS)),
};

// Shared with the environment overrides in parse.ts.
export const nodeName = text(200);
export const nodeRegion = text(100);

const nodeShape = {
  name: optional(nodeName),
  region: optional(nodeRegion),
  heartbeatMs: optional(duration('ms', 100, MAX_MS)),
  liveForMs: optional(duration('ms', 200, MAX_MS)),
};

const accountsShape = {
  sessionIdleS: optional(duration('s', 60, 30 * 86_400)),
  sessionMaxS: optional(duration('s', 60, 365 * 86_400)),
  lockAfterFailures: optional(wholeNumber(1, 1000)),
  lockS: optional(duration('s', 1, 30 * 86_400)),
  loginAttemptsPerMinute: optional(wholeNumber(1, 10_000)),
  setupTokenS: optional(duration('s', 60, 7 * 86_400)),
};

const clusterShape = {
  quorum: optional(wholeNumber(1, 100)),
  arbiterIntervalMs: optional(duration('ms', 100, MAX_MS)),
  isolationMinEndpoints: optional(wholeNumber(1, 1_000_000)),
};

const fileShape = {
  dataDir: optional(filePath),
  databasePath: optional(filePath),
  database: z.strictObject(databaseShape).nullish(),
  node: z.strictObject(nodeShape).nullish(),
  cluster: z.strictObject(clusterShape).nullish(),
  listen: z.strictObject(listenShape).nullish(),
  publicUrl: optional(publicUrl),
  probe: z.strictObject(probeShape).nullish(),
  probeEndpoint: z.strictObject(probeEndpointShape).nullish(),
  health: z.strictObject(healthShape).nullish(),
  scheduler: z.strictObject(schedulerShape).nullish(),
  retention: z.strictObject(retentionShape).nullish(),
  compliance: z.strictObject(complianceShape).nullish(),
  endpoints: z.array(z.strictObject(endpointShape)).nullish(),
  alerts: z.strictObject(alertsShape).nullish(),
  registries: z.array(z.strictObject(registryShape)).nullish(),
  accounts: z.strictObject(accountsShape).nullish(),
};

export const configFileSchema = z.strictObject(fileShape);
export type ConfigFile = z.output<typeof configFileSchema>;
export type EndpointEntry = NonNullable<ConfigFile['endpoints']>[number];

/** Allowed keys by path pattern (list indexes as `[]`), for unknown-key suggestions. */
export const ALLOWED_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(fileShape),
  listen: Object.keys(listenShape),
  database: Object.keys(databaseShape),
  node: Object.keys(nodeShape),
  cluster: Object.keys(clusterShape),
  probe: Object.keys(probeShape),
  probeEndpoint: Object.keys(probeEndpointShape),
  health: Object.keys(healthShape),
  scheduler: Object.keys(schedulerShape),
  retention: Object.keys(retentionShape),
  compliance: Object.keys(complianceShape),
  accounts: Object.keys(accountsShape),
  'endpoints[]': Object.keys(endpointShape),
  alerts: Object.keys(alertsShape),
  'alerts.channels[]': Object.keys(alertChannelShape),
  'alerts.channels[].smtp': Object.keys(smtpShape),
  'alerts.routes[]': Object.keys(alertRouteShape),
  'alerts.flapping': Object.keys(flappingShape),
  'alerts.maintenance[]': Object.keys(maintenanceShape),
  'alerts.maintenance[].weekly': Object.keys(weeklyShape),
  'registries[]': Object.keys(registryShape),
  'registries[].filters': Object.keys(registryFiltersShape),
};
