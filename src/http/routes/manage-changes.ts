// What the alert and maintenance forms share: run one settings change the way the API runs it
// (the route's schema first, then the settings' own rules), report a refusal as form errors with
// the API's words and status, and write the audit row of a change that went through.
import type { TSchema } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import type { Spec } from '../../store/alert-settings.ts';
import { settingsRefusal } from '../api/alert-settings-views.ts';
import { schemaFieldErrors } from '../api/schema-check.ts';
import type { FormError } from '../accounts/forms.ts';
import { actorOf, viewerOf } from '../accounts/viewer.ts';
import { formErrors } from '../pages/alert-form-bodies.ts';

/** A line above the list after an action: what happened, and what the change warned about. */
export interface Notice {
  readonly kind: 'ok' | 'warn' | 'fail';
  readonly text: string;
  readonly warnings: readonly string[];
}

export type ChangeOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly errors: readonly FormError[] };

/** `schema` null: the change takes no body (a delete). */
export async function runChange<T>(schema: TSchema | null, body: Spec, change: (body: Spec) => Promise<T>): Promise<ChangeOutcome<T>> {
  const shape = schema === null ? [] : schemaFieldErrors(schema, body);
  if (shape.length > 0) return { ok: false, status: 400, errors: formErrors(shape) };
  try {
    return { ok: true, value: await change(body) };
  } catch (err) {
    const refusal = settingsRefusal(err);
    if (refusal.kind === 'invalid') return { ok: false, status: 400, errors: formErrors(refusal.fields) };
    return { ok: false, status: refusal.kind === 'not_found' ? 404 : 409, errors: [{ field: '', message: refusal.message }] };
  }
}

/**
 * The audit row of a change made from a form. As for the API (api-audit.ts), a failed audit write
 * does not undo or fail the change that already happened; it is logged. Never put a secret in
 * `detail`: callers pass names, types and ids only.
 */
export async function auditChange(accounts: Accounts, request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
  try {
    await accounts.audit(actorOf(await viewerOf(request)), action, target, detail);
  } catch (err) {
    request.log.warn({ err, action, target }, 'could not write the audit row for a change made in the browser');
  }
}

export function idParam(request: FastifyRequest): number | undefined {
  const raw = (request.params as { id?: string }).id ?? '';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** "2026-12-01T02:00:00.000Z" → "2026-12-01 02:00:00" (UTC, said once on the page). */
export function when(iso: string | null): string {
  return iso === null ? '—' : iso.slice(0, 19).replace('T', ' ');
}

/** A settings warning names the API's field ("body.secret: …"); the form calls it "secret". */
export function shownWarning(warning: string): string {
  return warning.replace(/^body\./, '');
}
