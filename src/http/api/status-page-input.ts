// What a status page, its groups and its incident posts may hold: the rules, once. The API runs
// them after the schema checked the types; the browser forms (later) run the same functions, so
// a person sees the same message whichever way they came. Fields are named without a prefix
// ("title"); the API reports them as body.title.
import { SLUG } from '../../config/schema.ts';
import { INCIDENT_POST_STATUSES, STATUS_PAGE_LIMITS, isIncidentPostStatus, type IncidentPostStatus } from '../../domain/status-pages.ts';
import type { PostInput, StatusPageDefinition, UpdateInput } from '../../store/status-pages.ts';
import type { FieldError } from './errors.ts';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly FieldError[] };

export interface PageFields {
  readonly slug?: unknown;
  readonly title?: unknown;
  readonly description?: unknown;
  readonly footer?: unknown;
  readonly customDomain?: unknown;
  readonly isDefault?: unknown;
}

export interface GroupFields {
  readonly name?: unknown;
  /** Endpoint ids or slugs, in the order shown. */
  readonly endpoints?: unknown;
}

/** Characters a one-line field refuses (C0 controls, DEL); a multi-line one allows \n, \r and \t. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_ONE_LINE = /[\u0000-\u001f\u007f]/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;

/** RFC 1123 labels, at least two of them, the last not all digits (an IP address is not a domain). */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const length = (text: string): number => [...text].length;

class Collector {
  readonly errors: FieldError[] = [];

  text(field: string, raw: unknown, options: { required: boolean; max: number; multiLine?: boolean }): string | null {
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (options.required) this.errors.push({ field, message: 'must not be empty' });
      return null;
    }
    if (typeof raw !== 'string') {
      this.errors.push({ field, message: 'must be a string' });
      return null;
    }
    const text = options.multiLine ? raw.replace(/\r\n?/g, '\n').trim() : raw.trim();
    const n = length(text);
    if (n > options.max) this.errors.push({ field, message: `must be at most ${options.max} characters (got ${n})` });
    else if ((options.multiLine ? CONTROL_MULTI_LINE : CONTROL_ONE_LINE).test(text)) this.errors.push({ field, message: options.multiLine ? 'must not contain control characters other than line breaks and tabs' : 'must not contain control characters or line breaks' });
    return text;
  }

  status(field: string, raw: unknown): IncidentPostStatus {
    if (isIncidentPostStatus(raw)) return raw;
    this.errors.push({ field, message: `must be one of ${INCIDENT_POST_STATUSES.join(', ')}` });
    return 'investigating';
  }

  done<T>(value: T): Checked<T> {
    return this.errors.length === 0 ? { ok: true, value } : { ok: false, errors: this.errors };
  }
}

export const SLUG_MESSAGE = 'must be 1–64 lowercase letters, digits and dashes, starting and ending with a letter or digit';
export const DOMAIN_MESSAGE = 'must be a host name such as status.example.com (no scheme, port or path)';

/** A custom domain as stored: lower-case, without a trailing dot. */
export function normalizeDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

export const OWN_DOMAIN_MESSAGE = "is one of this mcpwatch's own host names (publicUrl, listen.allowedHosts or localhost); a status page needs a name of its own";

/**
 * `isOwnHost` says whether a name is one the operator's dashboard and API answer to: a page
 * claiming it would take that host over (a custom domain serves its page only).
 */
export function checkPage(fields: PageFields, isOwnHost: (hostname: string) => boolean = () => false): Checked<StatusPageDefinition> {
  const c = new Collector();
  const slug = c.text('slug', fields.slug, { required: true, max: STATUS_PAGE_LIMITS.slug });
  if (slug !== null && c.errors.length === 0 && !SLUG.test(slug)) c.errors.push({ field: 'slug', message: SLUG_MESSAGE });
  const title = c.text('title', fields.title, { required: true, max: STATUS_PAGE_LIMITS.title });
  const description = c.text('description', fields.description, { required: false, max: STATUS_PAGE_LIMITS.description, multiLine: true });
  const footer = c.text('footer', fields.footer, { required: false, max: STATUS_PAGE_LIMITS.footer, multiLine: true });
  const before = c.errors.length;
  const rawDomain = c.text('customDomain', fields.customDomain, { required: false, max: STATUS_PAGE_LIMITS.customDomain });
  const customDomain = rawDomain === null ? null : normalizeDomain(rawDomain);
  if (customDomain !== null && c.errors.length === before) {
    if (!DOMAIN.test(customDomain) || /^[0-9.]+$/.test(customDomain)) c.errors.push({ field: 'customDomain', message: DOMAIN_MESSAGE });
    else if (isOwnHost(customDomain)) c.errors.push({ field: 'customDomain', message: OWN_DOMAIN_MESSAGE });
  }
  if (fields.isDefault !== undefined && fields.isDefault !== null && typeof fields.isDefault !== 'boolean') c.errors.push({ field: 'isDefault', message: 'must be true or false' });
  return c.done({ slug: slug ?? '', title: title ?? '', description, footer, customDomain, isDefault: fields.isDefault === true });
}

/** Groups in order, with their endpoint references as given (the caller resolves them). */
export function checkGroups(raw: unknown): Checked<{ readonly name: string; readonly endpoints: readonly string[] }[]> {
  const c = new Collector();
  if (!Array.isArray(raw)) return { ok: false, errors: [{ field: 'groups', message: 'must be a list' }] };
  if (raw.length > STATUS_PAGE_LIMITS.groups) c.errors.push({ field: 'groups', message: `must have at most ${STATUS_PAGE_LIMITS.groups} groups (got ${raw.length})` });
  const names = new Set<string>();
  let members = 0;
  const groups = (raw as GroupFields[]).map((group, i) => {
    const name = c.text(`groups.${i}.name`, group.name, { required: true, max: STATUS_PAGE_LIMITS.groupName }) ?? '';
    if (names.has(name)) c.errors.push({ field: `groups.${i}.name`, message: `repeats the group name "${name}"` });
    names.add(name);
    const refs: string[] = [];
    if (!Array.isArray(group.endpoints)) c.errors.push({ field: `groups.${i}.endpoints`, message: 'must be a list of endpoint ids or slugs' });
    else {
      for (const [j, ref] of (group.endpoints as unknown[]).entries()) {
        const text = typeof ref === 'number' && Number.isSafeInteger(ref) ? String(ref) : typeof ref === 'string' ? ref.trim() : null;
        if (text === null || text === '' || text.length > 64) c.errors.push({ field: `groups.${i}.endpoints.${j}`, message: 'must be an endpoint id or slug' });
        else if (refs.includes(text)) c.errors.push({ field: `groups.${i}.endpoints.${j}`, message: `lists "${text}" twice in this group` });
        else refs.push(text);
      }
      members += refs.length;
    }
    return { name, endpoints: refs };
  });
  if (members > STATUS_PAGE_LIMITS.members) c.errors.push({ field: 'groups', message: `must list at most ${STATUS_PAGE_LIMITS.members} endpoints in all (got ${members})` });
  return c.done(groups);
}

export function checkPost(fields: { readonly title?: unknown; readonly status?: unknown; readonly body?: unknown }): Checked<PostInput> {
  const c = new Collector();
  const title = c.text('title', fields.title, { required: true, max: STATUS_PAGE_LIMITS.postTitle });
  const status = c.status('status', fields.status);
  const body = c.text('body', fields.body, { required: true, max: STATUS_PAGE_LIMITS.updateBody, multiLine: true });
  return c.done({ title: title ?? '', status, body: body ?? '' });
}

export function checkUpdate(fields: { readonly status?: unknown; readonly body?: unknown }): Checked<UpdateInput> {
  const c = new Collector();
  const status = c.status('status', fields.status);
  const body = c.text('body', fields.body, { required: true, max: STATUS_PAGE_LIMITS.updateBody, multiLine: true });
  return c.done({ status, body: body ?? '' });
}

export function checkPostTitle(raw: unknown): Checked<string> {
  const c = new Collector();
  const title = c.text('title', raw, { required: true, max: STATUS_PAGE_LIMITS.postTitle });
  return c.done(title ?? '');
}
