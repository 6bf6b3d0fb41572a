// The endpoint form's fields ⇄ the JSON API's endpoint body. A form posts strings; this turns them
// into the body the API takes (numbers that look like numbers, checkboxes as booleans, tags and
// headers from their text boxes) and nothing more: every rule is then the API's own (the TypeBox
// schema and definitionFromBody, through api/endpoint-writes.ts), so the form and the API refuse
// the same input with the same words. Values that are not numbers are passed on as typed, so the
// schema names them exactly as it would in a JSON body. Pure.
import type { Endpoint } from '../../domain/endpoint.ts';
import type { FieldError } from '../api/errors.ts';
import type { FormBody } from '../accounts/forms.ts';

export interface EndpointDraft {
  readonly name: string;
  readonly slug: string;
  readonly url: string;
  readonly intervalS: string;
  readonly timeoutMs: string;
  readonly era: string;
  readonly public: boolean;
  readonly listTools: boolean;
  readonly allowPrivate: boolean;
  /** Comma- or line-separated. */
  readonly tags: string;
  /** One `Name: value` a line. Write-only: an edit form starts empty, and empty keeps what is stored. */
  readonly headers: string;
  readonly clearHeaders: boolean;
  /** Write-only, like headers. */
  readonly bearerToken: string;
  readonly clearBearerToken: boolean;
}

export interface DraftDefaults {
  readonly intervalS: number;
  readonly timeoutMs: number;
}

/** A new endpoint's form, or an existing one's (secrets left out: they are never shown). */
export function draftOf(endpoint: Endpoint | undefined, defaults: DraftDefaults): EndpointDraft {
  return {
    name: endpoint?.name ?? '',
    slug: endpoint?.slug ?? '',
    url: endpoint?.url ?? '',
    intervalS: String(endpoint?.intervalS ?? defaults.intervalS),
    timeoutMs: String(endpoint?.timeoutMs ?? defaults.timeoutMs),
    era: endpoint?.era ?? 'auto',
    public: endpoint?.public ?? false,
    listTools: endpoint?.listTools ?? true,
    allowPrivate: endpoint?.allowPrivate ?? false,
    tags: endpoint?.tags.join(', ') ?? '',
    headers: '',
    clearHeaders: false,
    bearerToken: '',
    clearBearerToken: false,
  };
}

/** A checkbox is sent only when ticked. */
const ticked = (value: string | undefined): boolean => value !== undefined && value !== '';

export function draftFromForm(body: FormBody): EndpointDraft {
  const text = (name: string): string => body[name] ?? '';
  return {
    name: text('name'),
    slug: text('slug'),
    url: text('url'),
    intervalS: text('intervalS'),
    timeoutMs: text('timeoutMs'),
    era: text('era'),
    public: ticked(body.public),
    listTools: ticked(body.listTools),
    allowPrivate: ticked(body.allowPrivate),
    tags: text('tags'),
    headers: text('headers'),
    clearHeaders: ticked(body.clearHeaders),
    bearerToken: text('bearerToken'),
    clearBearerToken: ticked(body.clearBearerToken),
  };
}

/** "60" → 60; anything else as typed, for the schema to judge (and name) like a JSON body's value. */
function numberOrText(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^-?\d{1,15}$/.test(trimmed) ? Number(trimmed) : value;
}

/**
 * The API body this form stands for, plus what the form's own text boxes could not read (a header
 * line without a colon): those have no JSON twin, so they are the form's only messages of its own.
 * `create`: a new endpoint (the slug is derived from the name when left empty). `edit`: a PATCH
 * of everything the form shows; empty secrets keep what is stored.
 */
export function bodyFromDraft(draft: EndpointDraft, mode: 'create' | 'edit'): { body: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body: Record<string, unknown> = { name: draft.name, url: draft.url };
  if (draft.slug.trim() !== '') body.slug = draft.slug.trim();
  const intervalS = numberOrText(draft.intervalS);
  if (intervalS !== undefined) body.intervalS = intervalS;
  const timeoutMs = numberOrText(draft.timeoutMs);
  if (timeoutMs !== undefined) body.timeoutMs = timeoutMs;
  if (draft.era !== '') body.era = draft.era;
  body.public = draft.public;
  body.listTools = draft.listTools;
  // Sent only when ticked: the API refuses `allowPrivate: true` unless the configuration allows it.
  if (draft.allowPrivate || mode === 'edit') body.allowPrivate = draft.allowPrivate;
  body.tags = draft.tags
    .split(/[,\n]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');

  if (draft.clearHeaders) body.headers = null;
  else if (draft.headers.trim() !== '') {
    const headers: Record<string, string> = {};
    draft.headers.split('\n').forEach((raw, index) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') return;
      const colon = line.indexOf(':');
      // The line is not echoed: it may hold a secret.
      if (colon <= 0) errors.push({ field: 'body.headers', message: `line ${index + 1}: write one header a line as Name: value` });
      else headers[line.slice(0, colon).trim()] = line.slice(colon + 1);
    });
    body.headers = headers;
  }
  if (draft.clearBearerToken) body.bearerToken = null;
  else if (draft.bearerToken.trim() !== '') body.bearerToken = draft.bearerToken;
  return { body, errors };
}
