// The browser forms for status pages (routes/manage-status-pages.ts) speak in flat form fields;
// the rules live in api/status-page-input.ts. These pure functions only translate between the
// two: form fields → the API's field shapes, and the API's field errors → form messages. So a
// person sees the API's words, and there is no second validator to drift from the first.
import { STATUS_PAGE_LIMITS } from '../../domain/status-pages.ts';
import type { FormBody, FormError } from '../accounts/forms.ts';
import type { FieldError } from '../api/errors.ts';
import type { PageFields } from '../api/status-page-input.ts';
import type { StatusPageGroup } from '../../store/status-pages.ts';

/**
 * The API's field errors as form messages: the field, then the API's own message, e.g.
 * `title: must be at most 200 characters (got 201)` where the API says
 * `body.title: must be at most 200 characters (got 201)`.
 */
export function formErrors(errors: readonly FieldError[]): FormError[] {
  return errors.map((e) => ({ field: e.field, message: `${e.field}: ${e.message}` }));
}

/** A page's fields as the API takes them; an unticked checkbox is simply absent from a form. */
export function pageFieldsFromForm(body: FormBody): PageFields & { readonly isDefault: boolean } {
  return { slug: body.slug, title: body.title, description: body.description, footer: body.footer, customDomain: body.customDomain, isDefault: body.isDefault === 'on' };
}

/** The groups form renders the page's groups plus one blank one; never more than the limit. */
export const MAX_GROUP_ROWS = STATUS_PAGE_LIMITS.groups + 1;

/** Form field names of the groups form, in one place for the template and the parser. */
export const groupField = {
  count: 'groupCount',
  name: (i: number) => `g.${i}.name`,
  position: (i: number) => `g.${i}.position`,
  remove: (i: number) => `g.${i}.remove`,
  pick: (i: number, endpointId: number) => `g.${i}.pick.${endpointId}`,
  order: (i: number, endpointId: number) => `g.${i}.order.${endpointId}`,
  /** Slugs (or ids) to append, one per line: the form's way in past PICKER_LIMIT public endpoints. */
  add: (i: number) => `g.${i}.add`,
} as const;

/**
 * Up to this many public endpoints, each group lists them all with a box to tick; past it, a
 * group lists its members only and takes more as slugs in a text box. Every box is a table row
 * per group: at 10,000 endpoints and 10 groups the list was 100,000 rows (~25 MB of HTML).
 */
export const PICKER_LIMIT = 100;
/** Lines read from an "add" box: a page holds at most `members` endpoints anyway (checkGroups says so past it). */
const MAX_ADD_LINES = STATUS_PAGE_LIMITS.members + 1;

const WHOLE = /^\s*-?\d{1,6}\s*$/;
const numberOr = (raw: string | undefined, fallback: number): number => (raw !== undefined && WHOLE.test(raw) ? Number(raw) : fallback);

/**
 * The groups form → the API's `groups` list (endpoints by id), ready for checkGroups. Each group
 * row has a name, a position (groups sort by it), a "remove" box, and a box per endpoint it may
 * hold; an endpoint already in the group also has an order number. Ticked endpoints sort by
 * their number, those without one (just ticked) after, in the order the form lists them. A row
 * with no name and nothing ticked is the blank "new group" row left empty: skipped.
 */
export function groupsFromForm(body: FormBody): { name: string; endpoints: string[] }[] {
  const count = Math.min(Math.max(numberOr(body[groupField.count], 0), 0), MAX_GROUP_ROWS);
  const keys = Object.keys(body);
  const rows: { name: string; endpoints: string[]; position: number; index: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (body[groupField.remove(i)] === 'on') continue;
    const prefix = `g.${i}.pick.`;
    const picked = keys
      .filter((k) => k.startsWith(prefix) && /^\d{1,15}$/.test(k.slice(prefix.length)))
      .map((k, at) => {
        const id = Number(k.slice(prefix.length));
        return { id, order: numberOr(body[groupField.order(i, id)], Number.POSITIVE_INFINITY), at };
      })
      .sort((a, b) => a.order - b.order || a.at - b.at);
    const added = (body[groupField.add(i)] ?? '')
      .split(/[\r\n,]+/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .slice(0, MAX_ADD_LINES);
    const name = body[groupField.name(i)] ?? '';
    if (name.trim() === '' && picked.length === 0 && added.length === 0) continue;
    rows.push({ name, endpoints: [...picked.map((p) => String(p.id)), ...added], position: numberOr(body[groupField.position(i)], i + 1), index: i });
  }
  return rows.sort((a, b) => a.position - b.position || a.index - b.index).map(({ name, endpoints }) => ({ name, endpoints }));
}

export interface GroupRowView {
  readonly index: number;
  readonly name: string;
  readonly position: number;
  readonly isNew: boolean;
  readonly endpoints: readonly { readonly id: number; readonly slug: string; readonly name: string; readonly public: boolean; readonly picked: boolean; readonly order: number | null }[];
  /** Past PICKER_LIMIT public endpoints: only members are listed, and more are added by slug. */
  readonly addBox: boolean;
  /** Public endpoints that could be shown (for the add box's hint). */
  readonly candidates: number;
}

/**
 * What the groups form shows: each group with its members first (in order, numbered) and then
 * every other public endpoint to tick (up to PICKER_LIMIT of them; past it, an add-by-slug box),
 * plus one blank row for a new group while there is room.
 * A member that is no longer public is listed (ticked, marked) so the operator sees why saving
 * refuses it; the API would refuse it too.
 */
export function groupRows(
  groups: readonly StatusPageGroup[],
  endpoints: readonly { readonly id: number; readonly slug: string; readonly name: string; readonly public: boolean }[],
  pickerLimit = PICKER_LIMIT,
): GroupRowView[] {
  const byId = new Map(endpoints.map((e) => [e.id, e]));
  const publicCount = endpoints.reduce((n, e) => n + (e.public ? 1 : 0), 0);
  const addBox = publicCount > pickerLimit;
  const candidates = addBox ? [] : endpoints.filter((e) => e.public).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const row = (index: number, name: string, memberIds: readonly number[], isNew: boolean): GroupRowView => {
    const members = memberIds.flatMap((id, at) => {
      const e = byId.get(id);
      return e ? [{ ...e, picked: true, order: at + 1 }] : [];
    });
    const memberSet = new Set(memberIds);
    const rest = candidates.filter((e) => !memberSet.has(e.id)).map((e) => ({ ...e, picked: false, order: null }));
    return { index, name, position: index + 1, isNew, endpoints: [...members, ...rest], addBox, candidates: publicCount };
  };
  const rows = groups.map((g, i) => row(i, g.name, g.endpointIds, false));
  if (groups.length < STATUS_PAGE_LIMITS.groups) rows.push(row(groups.length, '', [], true));
  return rows;
}
