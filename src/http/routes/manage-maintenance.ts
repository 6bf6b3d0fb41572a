// /manage/maintenance: maintenance windows in the browser (issue 16). As for the alert forms, the
// form's fields become the API's body and go through the API's schema and the YAML's builders
// (AlertSettings), so a refusal reads the same everywhere. The file's windows are listed read-only.
// Reading needs read.private, changing maintenance.write; every change is audited.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import type { AlertSettings } from '../../alerts/settings.ts';
import { WEEKDAYS } from '../../config/schema.ts';
import { WindowBody } from '../api/alert-settings-schemas.ts';
import { windowView, type WindowViewData } from '../api/alert-settings-views.ts';
import type { AppDeps } from '../deps.ts';
import { can, viewerOf } from '../accounts/viewer.ts';
import { formBody, pageKit, registerFormBodies, type FormError } from '../accounts/forms.ts';
import { windowBody, windowDraft, windowDraftOf } from '../pages/alert-form-bodies.ts';
import { auditChange, idParam, runChange, shownWarning, when, type Notice } from './manage-changes.ts';

type Deps = AppDeps & { accounts: Accounts; alertSettings: AlertSettings };

/** The window in words, for the list: "2026-12-01 02:00 → 04:00 UTC", "every sunday 03:00 UTC for 60 min". */
function describe(view: WindowViewData): string {
  if ('weekly' in view && view.weekly) return `every ${view.weekly.day} at ${view.weekly.start} UTC for ${view.weekly.durationMinutes} min`;
  const start = 'start' in view && view.start ? when(view.start).slice(0, 16) : '';
  const end = 'end' in view && view.end ? when(view.end).slice(0, 16) : '';
  return `${start} → ${end} UTC`;
}

function scope(view: WindowViewData): string {
  const parts = [...(view.endpoints ?? []).map((e) => `endpoint ${e}`), ...(view.tags ?? []).map((t) => `tag ${t}`)];
  return parts.length > 0 ? parts.join(', ') : 'every endpoint';
}

export function manageMaintenanceRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const settings = deps.alertSettings;
  const kit = pageKit(deps);
  registerFormBodies(app);
  const read = kit.guard('read.private');
  const write = kit.guard('maintenance.write');

  function views() {
    const now = deps.clock();
    return settings.windows().map((w) => {
      const v = windowView(w, now);
      const ended = 'end' in v && v.end !== undefined && Date.parse(v.end) <= now;
      return { ...v, text: describe(v), scopeText: scope(v), state: v.active ? 'active' : ended ? 'ended' : 'scheduled', canEnd: v.active && 'end' in v && v.id !== null, editUrl: v.id === null ? null : `/manage/maintenance/${v.id}` };
    });
  }

  async function listPage(reply: FastifyReply, request: FastifyRequest, extra: { notice?: Notice; errors?: readonly FormError[]; windowErrors?: readonly FormError[]; draft?: Record<string, string> } = {}, status = 200) {
    const viewer = await viewerOf(request);
    return kit.render(
      reply,
      request,
      'manage-maintenance',
      {
        title: 'Maintenance · mcpwatch',
        section: 'maintenance',
        canWrite: can(viewer, 'maintenance.write'),
        windows: views(),
        weekdays: WEEKDAYS,
        notice: extra.notice ?? null,
        errors: extra.errors ?? [],
        windowErrors: extra.windowErrors ?? [],
        window: extra.draft ?? windowDraft({}),
        action: '/manage/maintenance',
        now: when(new Date(deps.clock()).toISOString()).slice(0, 16),
      },
      status,
    );
  }

  function done(reply: FastifyReply, request: FastifyRequest, warnings: readonly string[], text: string) {
    if (warnings.length === 0) return reply.code(303).header('location', '/manage/maintenance').send();
    return listPage(reply, request, { notice: { kind: 'warn', text, warnings: warnings.map(shownWarning) } });
  }

  app.get('/manage/maintenance', { preHandler: read }, (request, reply) => listPage(reply, request));

  app.post('/manage/maintenance', { preHandler: write }, async (request, reply) => {
    const form = formBody(request);
    const outcome = await runChange(WindowBody, windowBody(form), (spec) => settings.createWindow(spec));
    if (!outcome.ok) return listPage(reply, request, { windowErrors: outcome.errors, draft: windowDraft(form) }, outcome.status);
    const id = outcome.value.value.id ?? 0;
    await auditChange(deps.accounts, request, 'maintenance.create', `maintenance:${id}`, { kind: outcome.value.value.item.kind });
    return done(reply, request, outcome.value.warnings, `Window ${id} created.`);
  });

  async function windowPage(reply: FastifyReply, request: FastifyRequest, id: number, extra: { errors?: readonly FormError[]; draft?: Record<string, string> } = {}, status = 200) {
    const view = views().find((w) => w.id === id);
    if (!view) return kit.message(reply, request, 404, 'No such window', `There is no maintenance window with id ${id}.`);
    const viewer = await viewerOf(request);
    return kit.render(
      reply,
      request,
      'manage-maintenance-window',
      {
        title: `Maintenance window ${id} · mcpwatch`,
        section: 'maintenance',
        canWrite: can(viewer, 'maintenance.write'),
        view,
        window: extra.draft ?? windowDraftOf(view),
        windowErrors: extra.errors ?? [],
        weekdays: WEEKDAYS,
        action: `/manage/maintenance/${id}`,
      },
      status,
    );
  }

  const noSuchWindow = (reply: FastifyReply, request: FastifyRequest) => kit.message(reply, request, 404, 'No such window', 'There is no maintenance window with that id.');

  app.get('/manage/maintenance/:id', { preHandler: read }, async (request, reply) => {
    const id = idParam(request);
    return id === undefined ? noSuchWindow(reply, request) : windowPage(reply, request, id);
  });

  app.post('/manage/maintenance/:id', { preHandler: write }, async (request, reply) => {
    const id = idParam(request);
    if (id === undefined) return noSuchWindow(reply, request);
    const form = formBody(request);
    const outcome = await runChange(WindowBody, windowBody(form), (spec) => settings.replaceWindow(id, spec));
    if (!outcome.ok) return windowPage(reply, request, id, { errors: outcome.errors, draft: windowDraft(form) }, outcome.status);
    await auditChange(deps.accounts, request, 'maintenance.update', `maintenance:${id}`, { kind: outcome.value.value.item.kind });
    return done(reply, request, outcome.value.warnings, `Window ${id} saved.`);
  });

  // Ending a one-off window that is open: the same window, its end moved to now (a PUT in the API).
  app.post('/manage/maintenance/:id/end', { preHandler: write }, async (request, reply) => {
    const id = idParam(request);
    const info = settings.windows().find((w) => w.id === id);
    if (id === undefined || info === undefined) return listPage(reply, request, { errors: [{ field: '', message: `no maintenance window with id ${id ?? ''}` }] }, 404);
    const w = info.item;
    if (w.kind !== 'once' || !windowView(info, deps.clock()).active) {
      return listPage(reply, request, { errors: [{ field: '', message: `maintenance window ${id} is not an open one-off window; edit or delete it instead` }] }, 409);
    }
    const endAt = new Date(deps.clock()).toISOString();
    const outcome = await runChange(WindowBody, { endpoints: w.endpoints, tags: w.tags, start: w.start, end: endAt }, (spec) => settings.replaceWindow(id, spec));
    if (!outcome.ok) return listPage(reply, request, { errors: outcome.errors }, outcome.status);
    await auditChange(deps.accounts, request, 'maintenance.end', `maintenance:${id}`, { end: endAt });
    // Its end has just passed, which the settings warn about: expected here, so not shown.
    return reply.code(303).header('location', '/manage/maintenance').send();
  });

  app.post('/manage/maintenance/:id/delete', { preHandler: write }, async (request, reply) => {
    const id = idParam(request) ?? 0;
    const outcome = await runChange(null, {}, () => settings.deleteWindow(id));
    if (!outcome.ok) return listPage(reply, request, { errors: outcome.errors }, outcome.status);
    await auditChange(deps.accounts, request, 'maintenance.delete', `maintenance:${id}`);
    return reply.code(303).header('location', '/manage/maintenance').send();
  });

  return Promise.resolve();
}
