// The browser forms for alert channels, routes and maintenance windows post flat fields; the
// settings take the API's body (the YAML's shape). This module turns one into the other and
// nothing more: it decides no rule. A field left empty is left out (as a JSON client would), a
// value that is not what the body wants is passed on as typed, so the API's schema and the YAML
// builders say what is wrong with it, in their words.
import type { FormBody } from '../accounts/forms.ts';
import type { FieldError } from '../api/errors.ts';
import type { ChannelViewData, WindowViewData } from '../api/alert-settings-views.ts';

type Spec = Record<string, unknown>;

/** Checkbox and select values the forms post. */
const CHECKED = 'on';
export const SMTP_SECURITY = ['', 'tls', 'starttls'] as const;

function given(form: FormBody, key: string): string | undefined {
  const value = form[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Digits become a number; anything else goes on as text, for the schema to refuse by name. */
function integer(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : text;
}

/** "a, b  c" → ['a', 'b', 'c']; undefined when nothing is listed (the API's "all"). */
function list(text: string | undefined, separators: RegExp): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items.length > 0 ? items : undefined;
}

const SLUGS = /[\s,]+/;
/** Tags may hold spaces: only commas and line breaks separate them. */
const TAGS = /[,\n]+/;

function defined(spec: Spec): Spec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
}

/**
 * A channel's body. `editing`: the name comes from the path (a channel cannot be renamed), secrets
 * left empty are kept by the settings, and a "remove" box sends null for an optional one.
 */
export function channelBody(form: FormBody, editing: boolean): Spec {
  /** A secret: what was typed, null when its "remove" box is ticked (editing only), else left out. */
  const secret = (key: string): string | null | undefined => (editing && form[`remove.${key}`] === CHECKED ? null : given(form, key));
  const smtpKeys = ['smtp.host', 'smtp.port', 'smtp.secure', 'smtp.user', 'smtp.pass', 'smtp.from', 'smtp.to'];
  const wantsSmtp = form.type === 'email' || smtpKeys.some((k) => given(form, k) !== undefined);
  const secure = form['smtp.secure'];
  const smtp = wantsSmtp
    ? defined({
        host: given(form, 'smtp.host'),
        port: integer(given(form, 'smtp.port')),
        secure: secure === 'tls' ? true : secure === 'starttls' ? false : undefined,
        user: given(form, 'smtp.user'),
        pass: secret('smtp.pass'),
        from: given(form, 'smtp.from'),
        to: list(given(form, 'smtp.to'), SLUGS),
      })
    : undefined;
  return defined({
    ...(editing ? {} : { name: form.name ?? '' }),
    type: given(form, 'type'),
    url: given(form, 'url'),
    secret: secret('secret'),
    topic: given(form, 'topic'),
    token: secret('token'),
    smtp,
    allowPrivate: form.allowPrivate === CHECKED ? true : undefined,
  });
}

/** What a channel form shows again after a refusal: never a secret the user typed. */
export function channelDraft(form: FormBody): Record<string, string> {
  const keep = ['name', 'type', 'smtp.host', 'smtp.port', 'smtp.secure', 'smtp.user', 'smtp.from', 'smtp.to', 'allowPrivate'];
  return Object.fromEntries(keep.map((k) => [k, form[k] ?? '']));
}

/** The edit form of a stored channel, filled from its view (which holds no secret). */
export function channelDraftOf(view: ChannelViewData): Record<string, string> {
  const smtp = 'smtp' in view ? view.smtp : undefined;
  return {
    name: view.name,
    type: view.type,
    'smtp.host': smtp?.host ?? '',
    'smtp.port': smtp ? String(smtp.port) : '',
    'smtp.secure': smtp ? (smtp.secure ? 'tls' : 'starttls') : '',
    'smtp.user': smtp?.user ?? '',
    'smtp.from': smtp?.from ?? '',
    'smtp.to': smtp ? smtp.to.join(', ') : '',
    allowPrivate: view.allowPrivate ? CHECKED : '',
  };
}

/** A route's body: checkboxes `channel.<name>` and `event.<kind>`, lists of endpoints and tags. */
export function routeBody(form: FormBody): Spec {
  const picked = (prefix: string): string[] =>
    Object.keys(form)
      .filter((k) => k.startsWith(prefix) && form[k] === CHECKED)
      .map((k) => k.slice(prefix.length));
  const events = picked('event.');
  return defined({
    channels: picked('channel.'),
    endpoints: list(given(form, 'endpoints'), SLUGS),
    tags: list(given(form, 'tags'), TAGS),
    events: events.length > 0 ? events : undefined,
  });
}

export interface RouteDraft {
  readonly channels: readonly string[];
  readonly events: readonly string[];
  readonly endpoints: string;
  readonly tags: string;
}

export function routeDraft(form: FormBody): RouteDraft {
  const body = routeBody(form);
  return { channels: body.channels as string[], events: (body.events as string[] | undefined) ?? [], endpoints: form.endpoints ?? '', tags: form.tags ?? '' };
}

export function routeDraftOf(view: { channels: readonly string[]; events: readonly string[] | null; endpoints: readonly string[] | null; tags: readonly string[] | null }): RouteDraft {
  return { channels: view.channels, events: view.events ?? [], endpoints: (view.endpoints ?? []).join(', '), tags: (view.tags ?? []).join(', ') };
}

/**
 * A datetime-local field posts "2026-12-01T02:00" with no zone; the form says its times are UTC,
 * so that (and only that) shape gets a Z. Anything else is passed on as typed.
 */
export function utcTimestamp(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const value = text.trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
}

/** A window's body: `kind` once (start, end; no start is now) or weekly (day, time, minutes). */
export function windowBody(form: FormBody): Spec {
  const scope = { endpoints: list(given(form, 'endpoints'), SLUGS), tags: list(given(form, 'tags'), TAGS) };
  if (form.kind === 'weekly') {
    return defined({
      ...scope,
      weekly: defined({ day: given(form, 'weekly.day'), start: given(form, 'weekly.start'), durationMinutes: integer(given(form, 'weekly.durationMinutes')) }),
    });
  }
  return defined({ ...scope, start: utcTimestamp(given(form, 'start')), end: utcTimestamp(given(form, 'end')) });
}

const WINDOW_FIELDS = ['kind', 'endpoints', 'tags', 'start', 'end', 'weekly.day', 'weekly.start', 'weekly.durationMinutes'] as const;

export function windowDraft(form: FormBody): Record<string, string> {
  return Object.fromEntries(WINDOW_FIELDS.map((k) => [k, form[k] ?? (k === 'kind' ? 'once' : '')]));
}

/** "2026-12-01T02:00:00.000Z" → "2026-12-01T02:00", what a datetime-local field shows. */
function localField(iso: string | undefined): string {
  return iso === undefined ? '' : iso.slice(0, 16);
}

export function windowDraftOf(view: WindowViewData): Record<string, string> {
  const weekly = 'weekly' in view ? view.weekly : undefined;
  return {
    kind: weekly ? 'weekly' : 'once',
    endpoints: (view.endpoints ?? []).join(', '),
    tags: (view.tags ?? []).join(', '),
    start: weekly ? '' : localField('start' in view ? view.start : undefined),
    end: weekly ? '' : localField('end' in view ? view.end : undefined),
    'weekly.day': weekly?.day ?? '',
    'weekly.start': weekly?.start ?? '',
    'weekly.durationMinutes': weekly ? String(weekly.durationMinutes) : '',
  };
}

/**
 * The API's field errors as form errors: "body.smtp.host" names the form's `smtp.host` field, and
 * the message keeps the API's words after the field's name.
 */
export function formErrors(fields: readonly FieldError[]): { field: string; message: string }[] {
  return fields.map((f) => {
    const field = f.field === 'body' ? '' : f.field.replace(/^body\./, '');
    return { field, message: field === '' ? f.message : `${field}: ${f.message}` };
  });
}
