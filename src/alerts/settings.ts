// The alert settings in force: the configuration file's `alerts:` section plus the channels,
// routes and maintenance windows made through the API (stored in SQLite). The file's items are
// read-only here, as its endpoints are; the API's are validated by the very builders that
// validate the file (src/config/alerts.ts), one item at a time, before they are written, and
// again when they are loaded.
//
// Decisions worth knowing:
// - A channel made through the API is user-supplied and so hostile: it carries an address policy
//   (every address delivery dials is checked, private ones only with probe.allowPrivate in the
//   file and allowPrivate on the channel). A file's channel is the operator's and has none.
// - Secrets are write-only: replacing a channel without its secrets keeps them (same type), null
//   removes an optional one; nothing here hands a secret back out except to the channel itself.
// - Listeners hear of every change, so the dispatcher and the rules pick it up at once.
import type { Logger } from 'pino';
import { parseAlertChannel, parseAlertRoute, parseMaintenanceWindow, type ItemResult } from '../config/alerts.ts';
import { DEFAULT_ALERTS, type AlertChannelConfig, type AlertRouteConfig, type AlertsConfig, type MaintenanceWindowConfig } from '../config/schema.ts';
import { PRIVATE_CLASSES, checkAddress, hostIsIpLiteral } from '../probe/address-policy.ts';
import type { AlertSettingsStore, Spec, StoredItem } from '../store/alert-settings.ts';

export type Source = 'config' | 'api';

/** What the rest of alerting needs: the settings in force now, and word when they change. */
export interface AlertsSource {
  current(): AlertsConfig;
  /** Returns a function that stops listening. */
  onChange(listener: () => void): () => void;
}

/** A source that never changes: the configuration file alone (tests, and no database). */
export function staticAlerts(alerts: AlertsConfig): AlertsSource {
  return { current: () => alerts, onChange: () => () => undefined };
}

export type SettingsErrorKind = 'invalid' | 'not_found' | 'config_owned' | 'name_taken' | 'in_use';

/** Why a change was refused; `fields` are "path: message" lines for `invalid`. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly kind: SettingsErrorKind,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface ChannelInfo {
  readonly config: AlertChannelConfig;
  readonly source: Source;
  /** What the API caller asked for (the policy in force also needs probe.allowPrivate). */
  readonly allowPrivate: boolean;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export interface ItemInfo<T> {
  /** Null for the file's items, which the API cannot address. */
  readonly id: number | null;
  readonly source: Source;
  readonly item: T;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

/** A change that went through, with what the caller should know about its consequences. */
export interface Changed<T> {
  readonly value: T;
  readonly warnings: readonly string[];
}

export interface AlertSettingsDeps {
  /** The file's `alerts:` section (DEFAULT_ALERTS when it has none). */
  readonly base: AlertsConfig;
  readonly store: AlertSettingsStore;
  /** probe.allowPrivate from the file: without it no API channel may reach a private address. */
  readonly allowPrivate: boolean;
  readonly logger?: Logger;
  /** ms since the epoch (a one-off window without a start starts now). */
  readonly clock?: () => number;
}

/** Channel keys whose values are credentials, kept when a replacement leaves them out. */
const SECRET_KEYS = ['url', 'secret', 'topic', 'token'] as const;

export class AlertSettings implements AlertsSource {
  readonly #deps: AlertSettingsDeps;
  readonly #clock: () => number;
  readonly #listeners = new Set<() => void>();
  #channels: ChannelInfo[] = [];
  #routes: ItemInfo<AlertRouteConfig>[] = [];
  #windows: ItemInfo<MaintenanceWindowConfig>[] = [];
  #current: AlertsConfig = DEFAULT_ALERTS;

  /** Changes run one at a time: each checks what is stored, then writes. */
  #queue: Promise<unknown> = Promise.resolve();

  /** The settings in force: the file's plus what the store holds. */
  static async open(deps: AlertSettingsDeps): Promise<AlertSettings> {
    const settings = new AlertSettings(deps);
    await settings.#load();
    return settings;
  }

  private constructor(deps: AlertSettingsDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
  }

  #exclusive<T>(change: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(change);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  current(): AlertsConfig {
    return this.#current;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------
  // Channels

  channels(): readonly ChannelInfo[] {
    return this.#channels;
  }

  channel(name: string): ChannelInfo | undefined {
    return this.#channels.find((c) => c.config.name === name);
  }

  createChannel(body: Spec): Promise<Changed<ChannelInfo>> {
    return this.#exclusive(() => this.#createChannel(body));
  }

  async #createChannel(body: Spec): Promise<Changed<ChannelInfo>> {
    const name = typeof body.name === 'string' ? body.name : '';
    const holder = this.channel(name);
    if (holder) {
      const owner = holder.source === 'config' ? ' (defined in the configuration file)' : '';
      throw new SettingsError('name_taken', `there is already an alert channel named "${name}"${owner}`);
    }
    return this.#saveChannel(body, []);
  }

  replaceChannel(name: string, body: Spec): Promise<Changed<ChannelInfo>> {
    return this.#exclusive(() => this.#replaceChannel(name, body));
  }

  /** Secrets left out are kept when the type stays the same; null removes an optional one. */
  async #replaceChannel(name: string, body: Spec): Promise<Changed<ChannelInfo>> {
    const stored = await this.#editableChannel(name);
    if (body.name !== undefined && body.name !== name) throw invalid([`body.name: must be "${name}" (the name in the path) or left out; a channel cannot be renamed`]);
    let spec: Record<string, unknown> = { ...body, name };
    if (stored.type === body.type) spec = keepSecrets(spec, stored.spec);
    return this.#saveChannel(spec, []);
  }

  deleteChannel(name: string): Promise<Changed<null>> {
    return this.#exclusive(() => this.#deleteChannel(name));
  }

  async #deleteChannel(name: string): Promise<Changed<null>> {
    await this.#editableChannel(name);
    const users = this.#routes.filter((r) => r.source === 'api' && r.item.channels.includes(name)).map((r) => r.id);
    if (users.length > 0) throw new SettingsError('in_use', `alert channel "${name}" is used by route${users.length > 1 ? 's' : ''} ${users.join(', ')}; change or delete ${users.length > 1 ? 'them' : 'it'} first`);
    await this.#deps.store.deleteChannel(name);
    await this.#changed();
    // Entries waiting for it become dead letters ("no longer configured"): visible, retryable.
    return { value: null, warnings: [] };
  }

  async #editableChannel(name: string): Promise<{ type: string; spec: Spec }> {
    const info = this.channel(name);
    if (info?.source === 'config') throw configOwned(`alert channel "${name}"`);
    const stored = await this.#deps.store.channel(name);
    if (!stored) throw new SettingsError('not_found', `no alert channel named "${name}"`);
    return stored;
  }

  async #saveChannel(spec: Spec, warnings: string[]): Promise<Changed<ChannelInfo>> {
    const built = this.#buildChannel(spec, 'body');
    if (!built.ok) throw invalid(built.errors);
    const stored = await this.#deps.store.putChannel(built.value.name, built.value.type, spec);
    await this.#changed();
    const info = this.channel(stored.name);
    if (!info) throw new Error(`channel "${stored.name}" was saved but did not load`);
    return { value: info, warnings: [...warnings, ...built.warnings] };
  }

  /** The body minus allowPrivate through the file's builder, then the address rules. */
  #buildChannel(spec: Spec, at: string): ItemResult<AlertChannelConfig> {
    const { allowPrivate, ...rest } = spec;
    if (allowPrivate !== undefined && allowPrivate !== null && typeof allowPrivate !== 'boolean') return { ok: false, errors: [`${at}.allowPrivate: expected true or false`] };
    if (allowPrivate === true && !this.#deps.allowPrivate) {
      return { ok: false, errors: [`${at}.allowPrivate: private addresses can only be allowed in the configuration file (probe.allowPrivate), not through the API`] };
    }
    const built = parseAlertChannel(rest, at);
    if (!built.ok) return built;
    const policy = { allowPrivate: allowPrivate === true && this.#deps.allowPrivate };
    const problem = literalAddressProblem(built.value, policy);
    if (problem !== undefined) return { ok: false, errors: [`${at}.${problem}`] };
    return { ok: true, value: { ...built.value, addressPolicy: policy }, warnings: built.warnings };
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  routes(): readonly ItemInfo<AlertRouteConfig>[] {
    return this.#routes;
  }

  createRoute(body: Spec): Promise<Changed<ItemInfo<AlertRouteConfig>>> {
    return this.#exclusive(() => this.#createRoute(body));
  }

  async #createRoute(body: Spec): Promise<Changed<ItemInfo<AlertRouteConfig>>> {
    this.#parseRoute(body);
    const before = this.#current;
    const stored = await this.#deps.store.routes.insert(body);
    await this.#changed();
    return { value: this.#found(this.#routes, stored.id), warnings: routingWarnings(before, this.#current) };
  }

  replaceRoute(id: number, body: Spec): Promise<Changed<ItemInfo<AlertRouteConfig>>> {
    return this.#exclusive(() => this.#replaceRoute(id, body));
  }

  async #replaceRoute(id: number, body: Spec): Promise<Changed<ItemInfo<AlertRouteConfig>>> {
    this.#parseRoute(body);
    const before = this.#current;
    if (!(await this.#deps.store.routes.update(id, body))) throw new SettingsError('not_found', `no alert route with id ${id}`);
    await this.#changed();
    return { value: this.#found(this.#routes, id), warnings: routingWarnings(before, this.#current) };
  }

  deleteRoute(id: number): Promise<Changed<null>> {
    return this.#exclusive(() => this.#deleteRoute(id));
  }

  async #deleteRoute(id: number): Promise<Changed<null>> {
    const before = this.#current;
    if (!(await this.#deps.store.routes.delete(id))) throw new SettingsError('not_found', `no alert route with id ${id}`);
    await this.#changed();
    return { value: null, warnings: routingWarnings(before, this.#current) };
  }

  #parseRoute(body: Spec): AlertRouteConfig {
    const parsed = parseAlertRoute(body, 'body', this.#channels.map((c) => c.config.name));
    if (!parsed.ok) throw invalid(parsed.errors);
    return parsed.value;
  }

  // -------------------------------------------------------------------------------------------
  // Maintenance windows

  windows(): readonly ItemInfo<MaintenanceWindowConfig>[] {
    return this.#windows;
  }

  createWindow(body: Spec): Promise<Changed<ItemInfo<MaintenanceWindowConfig>>> {
    return this.#exclusive(() => this.#createWindow(body));
  }

  /** A one-off window given only an end starts now. */
  async #createWindow(body: Spec): Promise<Changed<ItemInfo<MaintenanceWindowConfig>>> {
    const spec = this.#windowSpec(body);
    const stored = await this.#deps.store.windows.insert(spec);
    await this.#changed();
    return { value: this.#found(this.#windows, stored.id), warnings: this.#windowWarnings(spec) };
  }

  replaceWindow(id: number, body: Spec): Promise<Changed<ItemInfo<MaintenanceWindowConfig>>> {
    return this.#exclusive(() => this.#replaceWindow(id, body));
  }

  async #replaceWindow(id: number, body: Spec): Promise<Changed<ItemInfo<MaintenanceWindowConfig>>> {
    const spec = this.#windowSpec(body);
    if (!(await this.#deps.store.windows.update(id, spec))) throw new SettingsError('not_found', `no maintenance window with id ${id}`);
    await this.#changed();
    return { value: this.#found(this.#windows, id), warnings: this.#windowWarnings(spec) };
  }

  deleteWindow(id: number): Promise<Changed<null>> {
    return this.#exclusive(() => this.#deleteWindow(id));
  }

  async #deleteWindow(id: number): Promise<Changed<null>> {
    if (!(await this.#deps.store.windows.delete(id))) throw new SettingsError('not_found', `no maintenance window with id ${id}`);
    await this.#changed();
    return { value: null, warnings: [] };
  }

  #windowSpec(body: Spec): Spec {
    const spec = body.weekly == null && body.start == null && body.end != null ? { ...body, start: new Date(this.#clock()).toISOString() } : body;
    const parsed = parseMaintenanceWindow(spec, 'body');
    if (!parsed.ok) throw invalid(parsed.errors);
    return spec;
  }

  #windowWarnings(spec: Spec): string[] {
    return typeof spec.end === 'string' && Date.parse(spec.end) <= this.#clock() ? [`body.end: ${spec.end} has already passed; this window silences nothing`] : [];
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  #found<T>(list: readonly ItemInfo<T>[], id: number): ItemInfo<T> {
    const info = list.find((i) => i.id === id);
    if (!info) throw new Error(`item ${id} was saved but did not load`);
    return info;
  }

  async #changed(): Promise<void> {
    await this.#load();
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (err) {
        this.#deps.logger?.error({ err }, 'an alert settings listener failed');
      }
    }
  }

  /**
   * Reads the stored items and merges them with the file's. A stored item that no longer
   * validates (an upgrade tightened a rule, the file took its name) is skipped with a warning
   * rather than stopping the service.
   */
  async #load(): Promise<void> {
    const { base, store } = this.#deps;
    const skip = (what: string, errors: readonly string[]): void => this.#deps.logger?.warn({ errors }, `stored ${what} is not valid any more and is ignored`);

    const channels: ChannelInfo[] = base.channels.map((config) => ({ config, source: 'config', allowPrivate: false, createdAt: null, updatedAt: null }));
    for (const stored of await store.channels()) {
      if (channels.some((c) => c.config.name === stored.name)) {
        skip(`alert channel "${stored.name}"`, ['the configuration file defines a channel with the same name']);
        continue;
      }
      const built = this.#buildChannel(stored.spec, `alert channel "${stored.name}"`);
      if (!built.ok) skip(`alert channel "${stored.name}"`, built.errors);
      else channels.push({ config: built.value, source: 'api', allowPrivate: stored.spec.allowPrivate === true, createdAt: stored.createdAt, updatedAt: stored.updatedAt });
    }
    const names = channels.map((c) => c.config.name);

    const fromFile = <T>(items: readonly T[]): ItemInfo<T>[] => items.map((item) => ({ id: null, source: 'config', item, createdAt: null, updatedAt: null }));
    const fromStore = <T>(what: string, rows: readonly StoredItem[], parse: (spec: Spec, at: string) => ItemResult<T>): ItemInfo<T>[] =>
      rows.flatMap((row) => {
        const parsed = parse(row.spec, `${what} ${row.id}`);
        if (!parsed.ok) {
          skip(`${what} ${row.id}`, parsed.errors);
          return [];
        }
        return [{ id: row.id, source: 'api' as const, item: parsed.value, createdAt: row.createdAt, updatedAt: row.updatedAt }];
      });

    const [routes, windows] = [await store.routes.list(), await store.windows.list()];
    this.#channels = channels;
    this.#routes = [...fromFile(base.routes), ...fromStore('alert route', routes, (spec, at) => parseAlertRoute(spec, at, names))];
    this.#windows = [...fromFile(base.maintenance), ...fromStore('maintenance window', windows, parseMaintenanceWindow)];
    this.#current = Object.freeze({
      ...base,
      channels: channels.map((c) => c.config),
      routes: this.#routes.map((r) => r.item),
      maintenance: this.#windows.map((w) => w.item),
    });
  }
}

function invalid(fields: readonly string[]): SettingsError {
  return new SettingsError('invalid', fields.join('; '), fields);
}

function configOwned(what: string): SettingsError {
  return new SettingsError('config_owned', `${what} is defined in the configuration file and is read-only through the API; edit it in the YAML file and restart mcpwatch`);
}

function keepSecrets(spec: Record<string, unknown>, stored: Spec): Record<string, unknown> {
  const out = { ...spec };
  for (const key of SECRET_KEYS) if (out[key] === undefined && stored[key] !== undefined) out[key] = stored[key];
  const smtp = out.smtp;
  const storedSmtp = stored.smtp;
  if (isRecord(smtp) && isRecord(storedSmtp) && smtp.pass === undefined && storedSmtp.pass !== undefined) out.smtp = { ...smtp, pass: storedSmtp.pass };
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A host written as an address is judged now, with a clear error, rather than at the first
 * delivery; names are judged on every delivery, on the addresses they resolve to then.
 */
function literalAddressProblem(channel: AlertChannelConfig, policy: { allowPrivate: boolean }): string | undefined {
  let field: string;
  let host: string;
  if (channel.type === 'email') {
    field = 'smtp.host';
    host = channel.host;
  } else {
    field = 'url';
    host = new URL(channel.secrets.url).hostname;
  }
  const literal = hostIsIpLiteral(host);
  if (literal === undefined) return undefined;
  const decision = checkAddress(literal, policy);
  if (decision.allowed) return undefined;
  const hint = PRIVATE_CLASSES.has(decision.addressClass) ? ' (private addresses need probe.allowPrivate in the configuration file and allowPrivate on the channel)' : '';
  return `${field}: alerts cannot be sent there: ${decision.reason}${hint}`;
}

/** What a route change did to who hears what, in words: the first route narrows, the last one widens. */
function routingWarnings(before: AlertsConfig, after: AlertsConfig): string[] {
  if (before.routes.length === 0 && after.routes.length > 0) {
    const routed = new Set(after.routes.flatMap((r) => r.channels));
    const silent = after.channels.map((c) => c.name).filter((n) => !routed.has(n));
    if (silent.length > 0) return [`with a route defined, channels reach only the alerts routed to them: ${silent.join(', ')} now receive nothing (add routes for them)`];
  }
  if (before.routes.length > 0 && after.routes.length === 0 && after.channels.length > 0) return ['no routes are left: every channel now receives every alert'];
  return [];
}
