// What the API and the browser forms (routes/manage-alerts.ts, manage-maintenance.ts) both say
// about alert settings: the views of channels (where they send, never the credential), routes and
// windows, and a refused change as field errors. Kept here once so both surfaces redact the same
// way and word a refusal the same way.
import { windowOpenAt } from '../../alerts/maintenance.ts';
import { SettingsError, type ChannelInfo, type ItemInfo } from '../../alerts/settings.ts';
import type { AlertRouteConfig, MaintenanceWindowConfig } from '../../config/schema.ts';
import type { FieldError } from './errors.ts';

export function channelView(info: ChannelInfo) {
  const c = info.config;
  const common = { name: c.name, type: c.type, source: info.source, allowPrivate: info.allowPrivate, disabledReason: c.disabledReason, createdAt: info.createdAt, updatedAt: info.updatedAt };
  if (c.type === 'email') {
    return {
      ...common,
      target: `${c.host}:${c.port}`,
      secretsSet: c.secrets.pass !== null ? ['smtp.pass'] : [],
      smtp: { host: c.host, port: c.port, secure: c.secure, user: c.user, from: c.from, to: [...c.to] },
    };
  }
  const secrets: Readonly<Record<string, string | null>> = c.secrets;
  return { ...common, target: origin(c.secrets.url), secretsSet: Object.keys(secrets).filter((k) => secrets[k] !== null && secrets[k] !== '').map((k) => (k === 'hmacSecret' ? 'secret' : k)) };
}

export type ChannelViewData = ReturnType<typeof channelView>;

/** Scheme and host only: the path and query of a webhook URL are its credential. */
function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unset)';
  }
}

export function routeView(info: ItemInfo<AlertRouteConfig>) {
  const r = info.item;
  return { id: info.id, source: info.source, channels: [...r.channels], endpoints: r.endpoints && [...r.endpoints], tags: r.tags && [...r.tags], events: r.events && [...r.events], createdAt: info.createdAt, updatedAt: info.updatedAt };
}

export function windowView(info: ItemInfo<MaintenanceWindowConfig>, nowMs: number) {
  const w = info.item;
  const common = { id: info.id, source: info.source, endpoints: w.endpoints && [...w.endpoints], tags: w.tags && [...w.tags], active: windowOpenAt(w, nowMs), createdAt: info.createdAt, updatedAt: info.updatedAt };
  return w.kind === 'once'
    ? { ...common, start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() }
    : { ...common, weekly: { day: w.day, start: w.start, durationMinutes: w.durationMinutes } };
}

export type WindowViewData = ReturnType<typeof windowView>;

/** A refused settings change, as both surfaces report it. */
export type SettingsRefusal =
  | { readonly kind: 'invalid'; readonly fields: readonly FieldError[] }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'conflict'; readonly code: 'CONFIG_OWNED' | 'NAME_TAKEN' | 'IN_USE'; readonly message: string };

/** What a SettingsError means to a caller; anything else is a bug and is thrown on. */
export function settingsRefusal(err: unknown): SettingsRefusal {
  if (!(err instanceof SettingsError)) throw err;
  switch (err.kind) {
    case 'invalid':
      return { kind: 'invalid', fields: err.fields.map(fieldError) };
    case 'not_found':
      return { kind: 'not_found', message: err.message };
    case 'config_owned':
      return { kind: 'conflict', code: 'CONFIG_OWNED', message: err.message };
    case 'name_taken':
      return { kind: 'conflict', code: 'NAME_TAKEN', message: err.message };
    case 'in_use':
      return { kind: 'conflict', code: 'IN_USE', message: err.message };
  }
}

/** "body.url: required for slack channels" → { field, message }. */
function fieldError(line: string): FieldError {
  const at = line.indexOf(': ');
  return at < 0 ? { field: 'body', message: line } : { field: line.slice(0, at), message: line.slice(at + 2) };
}
