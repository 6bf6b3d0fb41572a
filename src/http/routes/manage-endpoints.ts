// /manage/endpoints: endpoints managed from the browser (issue 16). Server-rendered forms that work
// without JavaScript, each POST guarded by role, Origin and the session's CSRF token (forms.ts).
// Nothing here has rules of its own: a body goes through the API's schema and definitionFromBody,
// ownership through the API's `editable` (api/endpoint-writes.ts), so a field, a config-owned
// endpoint or a taken slug gets the same words here as from the API. The "check now" preview is
// the API's one-off probe (deps.checkNow: the configured probe settings and address policy) with
// the API's rate limit. A server.json import is `mcpwatch import`'s parser and rule for slugs.
// Every change is written to the audit log with who made it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import { importServerJson } from '../../config/server-json.ts';
import { SOURCE_OWNER, secretHeaderNames, type Endpoint, type EndpointDefinition, type EndpointSource } from '../../domain/endpoint.ts';
import type { ProbeRequest } from '../../probe/run-probe.ts';
import { importEndpoints, planImport } from '../../service/import-endpoints.ts';
import { CHECK_RATE_LIMIT } from '../api/check-route.ts';
import { pageAfter } from '../api/endpoint-routes.ts';
import { definitionFromBody } from '../api/endpoint-input.ts';
import { bodyChecker, endpointWrites } from '../api/endpoint-writes.ts';
import { ApiError, type FieldError } from '../api/errors.ts';
import { PauseBody, type EndpointBody } from '../api/schemas.ts';
import type { AppDeps } from '../deps.ts';
import { formBody, pageKit, registerFormBodies } from '../accounts/forms.ts';
import { registerFormUploads, uploadedFile } from '../accounts/form-uploads.ts';
import { can, viewerOf } from '../accounts/viewer.ts';
import { auditChange } from './manage-changes.ts';
import { checkPreview, type CheckPreview } from '../pages/check-preview.ts';
import { endpointPageUrl } from '../pages/endpoint-urls.ts';
import { bodyFromDraft, draftFromForm, draftOf, type EndpointDraft } from '../pages/endpoint-form.ts';
import { formatUtc } from '../pages/format.ts';
import { STATUS_META, liveStatus } from '../pages/status-display.ts';

export const ENDPOINTS_PAGE_SIZE = 100;
/** A server.json is a few KiB; the registry's largest are tens. */
export const IMPORT_MAX_BYTES = 256 * 1024;
/** The multipart body: the file, the same text pasted (or carried to the confirm step), and the fields. */
const UPLOAD_BODY_LIMIT = 2 * IMPORT_MAX_BYTES + 16 * 1024;
const WEB_PAUSE_REASON = 'paused from the web app';

/** The owner of an endpoint, as the list names it. */
const OWNER_LABEL = {
  config: 'Configuration file',
  api: 'API / web',
  import: 'Import (server.json)',
  registry: 'Registry',
} as const satisfies Record<EndpointSource, string>;

/** The words a redirect's `?done=` stands for (a fixed list: nothing from the URL is shown). */
const DONE = {
  created: 'Endpoint created. It is probed within a few seconds, then on its interval.',
  saved: 'Changes saved.',
  paused: 'Paused: not probed until resumed.',
  resumed: 'Resumed: probed again from its next slot.',
  archived: 'Archived: not probed, history kept, left off the public pages.',
  restored: 'Restored: probed again.',
  deleted: 'Endpoint deleted with its history.',
} as const;
type Done = keyof typeof DONE;

function idParam(request: FastifyRequest): string | undefined {
  const raw = (request.params as { id?: string }).id ?? '';
  return /^\d{1,15}$/.test(raw) ? raw : undefined;
}

function doneNotice(request: FastifyRequest): string | null {
  const done = (request.query as { done?: string }).done;
  return done !== undefined && Object.hasOwn(DONE, done) ? DONE[done as Done] : null;
}

/** Field messages as the API sends them, with the field name a person reads ("intervalS"). */
function shownErrors(fields: readonly FieldError[]): Array<FieldError & { label: string }> {
  return fields.map((f) => ({ ...f, label: f.field.replace(/^body\.?/, '') || 'form' }));
}

function apiErrorFields(error: ApiError): FieldError[] {
  return error.fields.length > 0 ? [...error.fields] : [{ field: '', message: error.message }];
}

/** Which settings a save changed, by name only (secret values never reach the audit log). */
function changedFields(before: EndpointDefinition, after: EndpointDefinition): string[] {
  const keys = ['slug', 'name', 'url', 'intervalS', 'timeoutMs', 'era', 'public', 'paused', 'pausedReason', 'tags', 'listTools', 'allowPrivate'] as const;
  const changed: string[] = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (JSON.stringify(before.secrets.headers) !== JSON.stringify(after.secrets.headers)) changed.push('headers');
  if (before.secrets.bearerToken !== after.secrets.bearerToken) changed.push('bearerToken');
  return changed;
}

export function manageEndpointRoutes(app: FastifyInstance, opts: { deps: AppDeps & { accounts: Accounts } }): Promise<void> {
  const { deps } = opts;
  const { accounts, store } = deps;
  const kit = pageKit(deps);
  registerFormBodies(app);
  registerFormUploads(app, UPLOAD_BODY_LIMIT);
  // Only the import takes an upload: nobody else's multipart body is parsed at all.
  app.addHook('onRequest', kit.admitUploads('endpoints.write'));
  const writes = endpointWrites(deps);
  const check = { create: bodyChecker<EndpointBody>(writes.bodies.full), edit: bodyChecker<EndpointBody>(writes.bodies.partial), pause: bodyChecker<{ reason?: string }>(PauseBody) };
  const defaults = { intervalS: writes.policy.defaultIntervalS, timeoutMs: writes.policy.defaultTimeoutMs };

  // Refusals before a handler runs (too large, too many checks, an unreadable upload) as pages;
  // anything else goes on to the app's handler (its JSON body, its 503 while the database is away).
  app.setErrorHandler(async (error: FastifyError | ApiError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return kit.message(reply, request, 413, 'Too large', `The form sent is larger than this page accepts (a server.json of at most ${IMPORT_MAX_BYTES / 1024} KiB). Nothing was changed.`);
    }
    if (error instanceof ApiError && error.code === 'RATE_LIMITED') {
      for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
      return kit.message(reply, request, 429, 'Too many checks', `${error.message}. Nothing was changed.`);
    }
    if (error.statusCode === 400 && !(error instanceof ApiError) && error.validation === undefined) {
      return kit.message(reply, request, 400, 'Form not readable', `${error.message}. Nothing was changed.`);
    }
    throw error;
  });

  async function audit(request: FastifyRequest, action: string, endpoint: Pick<Endpoint, 'id' | 'slug'>, detail: Record<string, unknown> = {}): Promise<void> {
    await auditChange(accounts, request, `endpoint.${action}`, `endpoint:${endpoint.slug}`, { id: endpoint.id, via: 'web', ...detail });
  }

  // --- the list ---------------------------------------------------------------------------------

  app.get('/manage/endpoints', { preHandler: kit.guard('read.private') }, async (request, reply) => {
    const rawAfter = (request.query as { after?: string }).after;
    const after = rawAfter !== undefined && /^\d{1,15}$/.test(rawAfter) ? Number(rawAfter) : 0;
    // From the service's memory, like the API's list: a page costs its rows, not the fleet.
    const { items, more } = pageAfter(deps.endpoints(), after, ENDPOINTS_PAGE_SIZE, () => true);
    const rows = items.map((e) => {
      const status = liveStatus(deps.state(e.id), e, deps.config.health).status;
      return {
        id: e.id,
        name: e.name,
        slug: e.slug,
        url: e.url,
        status,
        statusLabel: STATUS_META[status].label,
        owner: OWNER_LABEL[e.source],
        source: e.source,
        readOnly: e.source === 'config' || e.source === 'registry',
        hold: e.archivedAt !== null ? `archived since ${formatUtc(e.archivedAt)}` : e.paused ? `paused: ${e.pausedReason ?? 'no reason given'}` : 'active',
        pageUrl: endpointPageUrl(e.slug),
      };
    });
    const viewer = await viewerOf(request);
    return kit.render(reply, request, 'manage-endpoints', {
      title: 'Endpoints · mcpwatch',
      section: 'endpoints',
      rows,
      canWrite: can(viewer, 'endpoints.write'),
      nextUrl: more ? `/manage/endpoints?after=${items.at(-1)!.id}` : null,
      firstUrl: after > 0 ? '/manage/endpoints' : null,
      notice: doneNotice(request),
    });
  });

  // --- one endpoint: the form, with or without a preview ------------------------------------------

  interface FormPage {
    readonly endpoint?: Endpoint;
    readonly draft?: EndpointDraft;
    readonly errors?: readonly FieldError[];
    readonly preview?: CheckPreview | null;
    readonly previewNote?: string | null;
    readonly pauseReason?: string;
    readonly notice?: string | null;
  }

  /** The add form (no endpoint) or an endpoint's page: its facts, who owns it, and what may be done. */
  async function endpointPage(reply: FastifyReply, request: FastifyRequest, page: FormPage, status = 200): Promise<FastifyReply> {
    const viewer = await viewerOf(request);
    const e = page.endpoint;
    let readOnly: string | null = null;
    let deletable = false;
    if (e) {
      readOnly = await writes.editable(String(e.id)).then(
        () => null,
        (error: unknown) => (error instanceof ApiError ? error.message : 'this endpoint cannot be changed here'),
      );
      deletable = await writes.editable(String(e.id), 'delete').then(
        () => true,
        () => false,
      );
    }
    const facts = e && e.source === 'registry' && deps.registryFacts ? (await deps.registryFacts()).get(e.id) : undefined;
    const live = e ? liveStatus(deps.state(e.id), e, deps.config.health).status : null;
    return kit.render(
      reply,
      request,
      'manage-endpoint',
      {
        title: `${e ? e.name : 'Add an endpoint'} · mcpwatch`,
        section: 'endpoints',
        endpoint: e
          ? {
              id: e.id,
              name: e.name,
              slug: e.slug,
              url: e.url,
              owner: SOURCE_OWNER[e.source],
              ownerLabel: OWNER_LABEL[e.source],
              source: e.source,
              registry: facts ? `${facts.registry} (${facts.serverName})` : null,
              paused: e.paused,
              pausedReason: e.pausedReason,
              archived: e.archivedAt !== null,
              archivedAt: e.archivedAt === null ? null : formatUtc(e.archivedAt),
              status: live,
              statusLabel: live ? STATUS_META[live].label : '',
              pageUrl: endpointPageUrl(e.slug),
              tags: e.tags,
              secretHeaders: secretHeaderNames(e.secrets),
            }
          : null,
        readOnly,
        deletable,
        canWrite: can(viewer, 'endpoints.write'),
        canCheck: can(viewer, 'endpoints.check'),
        canArchive: deps.archiveEndpoint !== undefined,
        allowPrivateOption: writes.policy.allowPrivate,
        draft: page.draft ?? draftOf(e, defaults),
        formErrors: shownErrors(page.errors ?? []),
        preview: page.preview ?? null,
        previewNote: page.previewNote ?? null,
        pauseReason: page.pauseReason ?? '',
        notice: page.notice ?? null,
        action: e ? `/manage/endpoints/${e.id}` : '/manage/endpoints',
        checkAction: e ? `/manage/endpoints/${e.id}/check` : '/manage/endpoints/new/check',
      },
      status,
    );
  }

  /** An endpoint by the id in the path, read fresh from the store (not the service's memory). */
  async function found(request: FastifyRequest): Promise<Endpoint | undefined> {
    const id = idParam(request);
    return id === undefined ? undefined : store.getEndpoint(Number(id));
  }

  const notFound = (reply: FastifyReply, request: FastifyRequest) => kit.message(reply, request, 404, 'No such endpoint', 'There is no endpoint with this id (deleted already?).');

  /**
   * The form's body checked by the API's own rules: the schema (create: POST's; edit: PATCH's),
   * then definitionFromBody. The definition is what a save would store (the preview probes it).
   */
  function judge(draft: EndpointDraft, base: Endpoint | undefined): { ok: true; body: EndpointBody; definition: EndpointDefinition } | { ok: false; errors: FieldError[] } {
    const { body, errors } = bodyFromDraft(draft, base ? 'edit' : 'create');
    const checked = (base ? check.edit : check.create)(body);
    if (!checked.ok) return { ok: false, errors: [...errors, ...checked.fields] };
    const input = definitionFromBody(checked.value, base ? 'patch' : 'create', base, writes.policy);
    if (!input.ok) return { ok: false, errors: [...errors, ...input.errors] };
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, body: checked.value, definition: input.definition };
  }

  app.get('/manage/endpoints/new', { preHandler: kit.guard('endpoints.write') }, (request, reply) => endpointPage(reply, request, {}));

  app.get('/manage/endpoints/:id', { preHandler: kit.guard('read.private') }, async (request, reply) => {
    const endpoint = await found(request);
    if (!endpoint) return notFound(reply, request);
    return endpointPage(reply, request, { endpoint, notice: doneNotice(request) });
  });

  /** Runs the preview probe of a valid form and renders the form again with it (and a save button). */
  async function preview(request: FastifyRequest, reply: FastifyReply, base: Endpoint | undefined): Promise<FastifyReply> {
    const draft = draftFromForm(formBody(request));
    const judged = judge(draft, base);
    if (!judged.ok) return endpointPage(reply, request, { ...(base ? { endpoint: base } : {}), draft, errors: judged.errors }, 400);
    const { definition } = judged;
    // Stored secrets go only where they already go every round: the stored URL's origin. A URL
    // typed into the form gets the secrets typed with it, never the stored ones.
    const typedSecrets = draft.headers.trim() !== '' || draft.bearerToken.trim() !== '' || draft.clearHeaders || draft.clearBearerToken;
    const sameOrigin = base !== undefined && new URL(base.url).origin === new URL(definition.url).origin;
    const secrets = base === undefined || typedSecrets || sameOrigin ? definition.secrets : { headers: {}, bearerToken: null };
    const request_: ProbeRequest = {
      url: definition.url,
      era: definition.era,
      listTools: definition.listTools,
      headers: secrets.headers,
      ...(secrets.bearerToken !== null ? { bearerToken: secrets.bearerToken } : {}),
    };
    request.log.info({ url: new URL(definition.url).origin, endpointId: base?.id ?? null }, 'one-off check from the endpoint form');
    const result = await deps.checkNow(request_);
    const note = secrets !== definition.secrets ? 'Checked without the stored headers: the URL now points elsewhere. Type the headers again to send them.' : null;
    return endpointPage(reply, request, { ...(base ? { endpoint: base } : {}), draft, preview: checkPreview(result), previewNote: note });
  }

  app.post('/manage/endpoints/new/check', { preHandler: kit.guard('endpoints.check'), config: { rateLimit: CHECK_RATE_LIMIT } }, (request, reply) => preview(request, reply, undefined));

  app.post('/manage/endpoints', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const draft = draftFromForm(formBody(request));
    const judged = judge(draft, undefined);
    if (!judged.ok) return endpointPage(reply, request, { draft, errors: judged.errors }, 400);
    try {
      const created = await writes.save('create', judged.body, undefined);
      await audit(request, 'create', created, { url: created.url, name: created.name });
      request.log.info({ endpointId: created.id, slug: created.slug }, 'endpoint created from the web app');
      return reply.code(303).header('location', `/manage/endpoints/${created.id}?done=created`).send();
    } catch (error) {
      if (error instanceof ApiError) return endpointPage(reply, request, { draft, errors: apiErrorFields(error) }, error.statusCode);
      throw error;
    }
  });

  /** The endpoint to change, or the page saying why not (404, or 409 with the API's words). */
  async function changeable(request: FastifyRequest, reply: FastifyReply, intent: 'change' | 'delete' = 'change'): Promise<Endpoint | FastifyReply> {
    const endpoint = await found(request);
    if (!endpoint) return notFound(reply, request);
    try {
      return await writes.editable(String(endpoint.id), intent);
    } catch (error) {
      if (error instanceof ApiError) return endpointPage(reply, request, { endpoint, errors: apiErrorFields(error) }, error.statusCode);
      throw error;
    }
  }
  /** changeable() answered the request itself (404, 409): the route has nothing left to do. */
  const isReply = (value: Endpoint | FastifyReply): value is FastifyReply => !('slug' in value);

  app.post('/manage/endpoints/:id/check', { preHandler: kit.guard('endpoints.check'), config: { rateLimit: CHECK_RATE_LIMIT } }, async (request, reply) => {
    const endpoint = await changeable(request, reply);
    return isReply(endpoint) ? endpoint : preview(request, reply, endpoint);
  });

  app.post('/manage/endpoints/:id', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const base = await changeable(request, reply);
    if (isReply(base)) return base;
    const draft = draftFromForm(formBody(request));
    const judged = judge(draft, base);
    if (!judged.ok) return endpointPage(reply, request, { endpoint: base, draft, errors: judged.errors }, 400);
    try {
      const saved = await writes.save('patch', judged.body, base);
      await audit(request, 'update', saved, { changed: changedFields(base, saved) });
      return reply.code(303).header('location', `/manage/endpoints/${saved.id}?done=saved`).send();
    } catch (error) {
      if (error instanceof ApiError) return endpointPage(reply, request, { endpoint: base, draft, errors: apiErrorFields(error) }, error.statusCode);
      throw error;
    }
  });

  app.post('/manage/endpoints/:id/pause', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const endpoint = await changeable(request, reply);
    if (isReply(endpoint)) return endpoint;
    const typed = formBody(request).reason ?? '';
    // An empty box is no reason (the API's body leaves `reason` out); a long one is the API's 400.
    const checked = check.pause(typed.trim() === '' ? {} : { reason: typed });
    if (!checked.ok) return endpointPage(reply, request, { endpoint, errors: checked.fields, pauseReason: typed }, 400);
    const reason = checked.value.reason?.trim() || WEB_PAUSE_REASON;
    const saved = await apiRefusalAsPage(request, reply, endpoint, () => writes.setPaused(endpoint, true, reason));
    if (isReply(saved)) return saved;
    await audit(request, 'pause', saved, { reason });
    return reply.code(303).header('location', `/manage/endpoints/${saved.id}?done=paused`).send();
  });

  app.post('/manage/endpoints/:id/resume', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const endpoint = await changeable(request, reply);
    if (isReply(endpoint)) return endpoint;
    const saved = await apiRefusalAsPage(request, reply, endpoint, () => writes.setPaused(endpoint, false, null));
    if (isReply(saved)) return saved;
    await audit(request, 'resume', saved, { wasPausedFor: endpoint.pausedReason });
    return reply.code(303).header('location', `/manage/endpoints/${saved.id}?done=resumed`).send();
  });

  async function apiRefusalAsPage(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, run: () => Promise<Endpoint>): Promise<Endpoint | FastifyReply> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiError) return endpointPage(reply, request, { endpoint, errors: apiErrorFields(error) }, error.statusCode);
      throw error;
    }
  }

  for (const [path, archive] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    app.post(`/manage/endpoints/:id/${path}`, { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
      if (deps.archiveEndpoint === undefined) return kit.message(reply, request, 404, 'Not available', 'Archiving is not available on this server.');
      const endpoint = await changeable(request, reply);
      if (isReply(endpoint)) return endpoint;
      if ((endpoint.archivedAt !== null) === archive) return reply.code(303).header('location', `/manage/endpoints/${endpoint.id}`).send();
      const changed = await apiRefusalAsPage(request, reply, endpoint, () => writes.setArchived(endpoint, archive));
      if (!('slug' in changed)) return changed;
      await audit(request, archive ? 'archive' : 'restore', endpoint);
      return reply.code(303).header('location', `/manage/endpoints/${endpoint.id}?done=${archive ? 'archived' : 'restored'}`).send();
    });
  }

  // Deleting takes two steps: this page says what goes, and only its own button deletes.
  async function deletePage(reply: FastifyReply, request: FastifyRequest, endpoint: Endpoint, status = 200): Promise<FastifyReply> {
    return kit.render(reply, request, 'manage-endpoint-delete', { title: `Delete ${endpoint.name} · mcpwatch`, section: 'endpoints', endpoint: { id: endpoint.id, name: endpoint.name, slug: endpoint.slug, url: endpoint.url } }, status);
  }

  app.get('/manage/endpoints/:id/delete', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const endpoint = await changeable(request, reply, 'delete');
    return isReply(endpoint) ? endpoint : deletePage(reply, request, endpoint);
  });

  app.post('/manage/endpoints/:id/delete', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const endpoint = await changeable(request, reply, 'delete');
    if (isReply(endpoint)) return endpoint;
    if (formBody(request).confirm !== 'delete') return deletePage(reply, request, endpoint);
    try {
      await writes.remove(endpoint);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NOT_FOUND') return notFound(reply, request);
      throw error;
    }
    await audit(request, 'delete', endpoint, { url: endpoint.url, name: endpoint.name, source: endpoint.source });
    request.log.info({ endpointId: endpoint.id, slug: endpoint.slug }, 'endpoint deleted from the web app');
    return reply.code(303).header('location', '/manage/endpoints?done=deleted').send();
  });

  // --- server.json import -------------------------------------------------------------------------

  interface ImportPage {
    readonly text?: string;
    readonly errors?: readonly FieldError[];
    readonly problems?: readonly string[];
    readonly warnings?: readonly string[];
    readonly plan?: ReadonlyArray<Record<string, unknown>> | null;
    readonly done?: ReadonlyArray<Record<string, unknown>> | null;
  }

  function importPage(reply: FastifyReply, request: FastifyRequest, page: ImportPage, status = 200): Promise<FastifyReply> {
    return kit.render(
      reply,
      request,
      'manage-endpoints-import',
      {
        title: 'Import server.json · mcpwatch',
        section: 'endpoints',
        maxKiB: IMPORT_MAX_BYTES / 1024,
        text: page.text ?? '',
        formErrors: shownErrors(page.errors ?? []),
        problems: page.problems ?? [],
        warnings: page.warnings ?? [],
        plan: page.plan ?? null,
        done: page.done ?? null,
      },
      status,
    );
  }

  app.get('/manage/endpoints/import', { preHandler: kit.guard('endpoints.write') }, (request, reply) => importPage(reply, request, {}));

  app.post('/manage/endpoints/import', { preHandler: kit.guard('endpoints.write') }, async (request, reply) => {
    const body = formBody(request);
    // The file's text (UTF-8); an empty file input falls back to the pasted text.
    const file = (await uploadedFile(request, 'file')?.text()) ?? '';
    const text = file.trim() !== '' ? file : (body.text ?? '');
    if (text.trim() === '') return importPage(reply, request, { errors: [{ field: 'file', message: 'choose a server.json file or paste its content' }] }, 400);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > IMPORT_MAX_BYTES) {
      return importPage(reply, request, { errors: [{ field: 'file', message: `the server.json is ${Math.ceil(bytes / 1024)} KiB; at most ${IMPORT_MAX_BYTES / 1024} KiB is accepted` }] }, 413);
    }
    // No environment: serve's own variables (MCPWATCH_HEADER_…) must not be sent to a URL someone
    // typed into a file. What the file leaves open makes the endpoint start paused, saying what.
    const parsed = importServerJson(text, {});
    if (!parsed.ok) return importPage(reply, request, { text, problems: parsed.errors }, 400);
    const show = (d: EndpointDefinition) => ({ slug: d.slug, name: d.name, url: d.url, paused: d.paused ? (d.pausedReason ?? 'paused') : null, headers: Object.keys(d.secrets.headers) });
    if (body.step !== 'import') {
      const plan = (await planImport(store, parsed.endpoints)).map((p) => ({ ...show(p.definition), kind: p.kind, reason: p.kind === 'refused' ? p.reason : null }));
      return importPage(reply, request, { text, warnings: parsed.warnings, plan });
    }
    const outcomes = await importEndpoints(store, parsed.endpoints);
    if (outcomes.some((o) => o.kind === 'added' || o.kind === 'updated')) deps.onEndpointsChanged();
    for (const outcome of outcomes) {
      if (outcome.kind === 'added' || outcome.kind === 'updated') await audit(request, 'import', outcome.endpoint, { outcome: outcome.kind, url: outcome.endpoint.url });
    }
    const done = outcomes.map((o, i) => ({ ...show(parsed.endpoints[i]!), kind: o.kind, reason: o.kind === 'refused' ? o.reason : null, id: o.kind === 'refused' ? null : o.endpoint.id }));
    request.log.info({ added: outcomes.filter((o) => o.kind === 'added').length, refused: outcomes.filter((o) => o.kind === 'refused').length }, 'server.json imported from the web app');
    return importPage(reply, request, { warnings: parsed.warnings, done });
  });

  return Promise.resolve();
}
