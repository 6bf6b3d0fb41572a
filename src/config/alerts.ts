// The `alerts:` section: channels, routes and maintenance windows, built from the file's entries
// with every error named by its path. The API's alert settings go through the same builders one
// item at a time (parseAlertChannel, parseAlertRoute, parseMaintenanceWindow), so a channel is
// valid in the API exactly when it would be valid in the file.
import * as z from 'zod';
import {
  DEFAULT_ALERTS,
  alertChannelShape,
  alertRouteShape,
  maintenanceShape,
  suggest,
  type AlertChannelConfig,
  type AlertRouteConfig,
  type AlertsConfig,
  type ConfigFile,
  type Env,
  type MaintenanceWindowConfig,
  type SecretRef,
} from './schema.ts';
import { formatIssue, unsetReason } from './wording.ts';


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

export function buildAlerts(file: AlertsEntry, env: Env, errors: string[], warnings: string[]): AlertsConfig {
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
  const routes = (file.routes ?? []).map((route, index) => buildRoute(route, `alerts.routes[${index}]`, known, errors));
  const maintenance: MaintenanceWindowConfig[] = [];
  for (const [index, entry] of (file.maintenance ?? []).entries()) {
    const window = buildWindow(entry, `alerts.maintenance[${index}]`, errors);
    if (window) maintenance.push(window);
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

type RouteEntry = NonNullable<AlertsEntry['routes']>[number];
type WindowEntry = NonNullable<AlertsEntry['maintenance']>[number];

function buildRoute(route: RouteEntry, at: string, known: readonly string[], errors: string[]): AlertRouteConfig {
  if (route.channels.length === 0) errors.push(`${at}.channels: must name at least one channel`);
  for (const [i, name] of route.channels.entries()) {
    if (known.includes(name)) continue;
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
}

function buildWindow(entry: WindowEntry, at: string, errors: string[]): MaintenanceWindowConfig | undefined {
  const scope = { endpoints: entry.endpoints == null ? null : [...new Set(entry.endpoints)], tags: entry.tags == null ? null : [...new Set(entry.tags)] };
  if (entry.weekly != null) {
    if (entry.start != null || entry.end != null) {
      errors.push(`${at}: give either weekly or start and end, not both`);
      return undefined;
    }
    return { kind: 'weekly', ...entry.weekly, ...scope };
  }
  if (entry.start == null || entry.end == null) {
    errors.push(`${at}: needs start and end (a one-off window) or weekly: { day, start, durationMinutes }`);
    return undefined;
  }
  if (Date.parse(entry.end) <= Date.parse(entry.start)) {
    errors.push(`${at}.end: must be after start (${entry.start}), got ${entry.end}`);
    return undefined;
  }
  return { kind: 'once', start: entry.start, end: entry.end, ...scope };
}

/** `env` null: values must be literal (the API: a caller must not make mcpwatch read its own environment). */
function buildChannel(entry: ChannelEntry, at: string, env: Env | null, errors: string[], warnings: string[]): AlertChannelConfig | undefined {
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
    if (ref.kind === 'env' && env === null) {
      errors.push(`${path}: environment variables can only be named in the configuration file; send the value itself`);
      valid = false;
      return null;
    }
    const value = ref.kind === 'literal' ? ref.value.trim() : env?.[ref.name]?.trim();
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
    if (ref.kind === 'literal' && options.warnLiteral && env !== null) warnings.push(`${path}: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed`);
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


export function describeAlerts(a: AlertsConfig): string[] {
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

// ---------------------------------------------------------------------------------------------
// One item at a time, for the API. Messages name fields under `at` (e.g. `body.url`).

export type ItemResult<T> = { readonly ok: true; readonly value: T; readonly warnings: string[] } | { readonly ok: false; readonly errors: string[] };

function parseItem<S extends z.core.$ZodLooseShape, T>(
  shape: S,
  raw: unknown,
  at: string,
  base: readonly PropertyKey[],
  build: (entry: z.output<z.ZodObject<S, z.core.$strict>>, errors: string[], warnings: string[]) => T | undefined,
): ItemResult<T> {
  const parsed = z.strictObject(shape).safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.flatMap((issue) => formatIssue(issue, { base, shown: at })) };
  const errors: string[] = [];
  const warnings: string[] = [];
  const value = build(parsed.data, errors, warnings);
  return errors.length > 0 || value === undefined ? { ok: false, errors: errors.length > 0 ? errors : [`${at}: is invalid`] } : { ok: true, value, warnings };
}

/** One channel with literal values (environment references are refused). */
export function parseAlertChannel(raw: unknown, at: string): ItemResult<AlertChannelConfig> {
  return parseItem(alertChannelShape, raw, at, ['alerts', 'channels', 0], (entry, errors, warnings) => buildChannel(entry, at, null, errors, warnings));
}

/** One route; `channels` are the names it may use. */
export function parseAlertRoute(raw: unknown, at: string, channels: readonly string[]): ItemResult<AlertRouteConfig> {
  return parseItem(alertRouteShape, raw, at, ['alerts', 'routes', 0], (entry, errors) => buildRoute(entry, at, channels, errors));
}

export function parseMaintenanceWindow(raw: unknown, at: string): ItemResult<MaintenanceWindowConfig> {
  return parseItem(maintenanceShape, raw, at, ['alerts', 'maintenance', 0], (entry, errors) => buildWindow(entry, at, errors));
}
