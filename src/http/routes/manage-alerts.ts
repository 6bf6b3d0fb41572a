// /manage/alerts: alert channels, routes and dead letters in the browser (issue 16). The forms
// build the API's bodies (pages/alert-form-bodies.ts) and hand them to the same checks the API
// runs, in the same order: the API's TypeBox schema, then AlertSettings (the YAML's builders). So
// a refusal reads the same here, in the API and in `serve --check-config`. Secrets are write-only
// here too: pages show the API's redacted views, and a form shown again never echoes a secret.
// Every change goes to the audit log; reading needs read.private, changing alerts.write.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from '../../accounts/accounts.ts';
import { sendTestAlert } from '../../alerts/cli.ts';
import type { AlertSettings } from '../../alerts/settings.ts';
import { ALERT_KINDS } from '../../alerts/types.ts';
import { ALERT_CHANNEL_TYPES } from '../../config/schema.ts';
import { ALERT_TEST_RATE_LIMIT } from '../api/alert-settings-routes.ts';
import { ChannelCreateBody, ChannelReplaceBody, RouteBody } from '../api/alert-settings-schemas.ts';
import { channelView, routeView } from '../api/alert-settings-views.ts';
import type { AppDeps } from '../deps.ts';
import { can, viewerOf } from '../accounts/viewer.ts';
import { formBody, pageKit, registerFormBodies, type FormError } from '../accounts/forms.ts';
import { channelBody, channelDraft, channelDraftOf, routeBody, routeDraft, routeDraftOf, SMTP_SECURITY, type RouteDraft } from '../pages/alert-form-bodies.ts';
import { auditChange, idParam, runChange, shownWarning, when, type Notice } from './manage-changes.ts';

const DEAD_LETTERS_SHOWN = 50;
const CHANNEL_NAME = /^[a-z0-9-]{1,64}$/;

type Deps = AppDeps & { accounts: Accounts; alertSettings: AlertSettings };

interface AlertsPageExtra {
  readonly notice?: Notice;
  readonly errors?: readonly FormError[];
  readonly channelErrors?: readonly FormError[];
  readonly routeErrors?: readonly FormError[];
  readonly channel?: Record<string, string>;
  readonly route?: RouteDraft;
}

function nameParam(request: FastifyRequest): string | undefined {
  const raw = (request.params as { name?: string }).name ?? '';
  return CHANNEL_NAME.test(raw) ? raw : undefined;
}

export function manageAlertRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const settings = deps.alertSettings;
  const kit = pageKit(deps);
  registerFormBodies(app);
  // A refused rate limit (the test button) is a page here, not the API's JSON.
  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error.statusCode === 429) return kit.message(reply, request, 429, 'Too many test messages', `${error.message}. Wait a minute and try again.`);
    // Anything else goes on to the app's own handler (routes/security.ts).
    throw error;
  });

  const read = kit.guard('read.private');
  const write = kit.guard('alerts.write');

  function emptyChannel(): Record<string, string> {
    return channelDraft({ type: 'webhook' });
  }

  async function alertsPage(reply: FastifyReply, request: FastifyRequest, extra: AlertsPageExtra = {}, status = 200): Promise<FastifyReply> {
    const viewer = await viewerOf(request);
    const outbox = deps.alerts;
    const deadLetters = outbox
      ? (await outbox.deadLetters({ limit: DEAD_LETTERS_SHOWN })).map((e) => ({ id: e.id, channel: e.channel, kind: e.kind, attempts: e.attempts, lastError: e.lastError ?? '', updatedAt: when(e.updatedAt) }))
      : null;
    const channels = settings.channels().map((c) => {
      const v = channelView(c);
      return { ...v, secretsText: v.secretsSet.length > 0 ? v.secretsSet.join(', ') : 'none', editUrl: `/manage/alerts/channels/${encodeURIComponent(v.name)}` };
    });
    const routes = settings.routes().map((r) => {
      const v = routeView(r);
      return { ...v, editUrl: v.id === null ? null : `/manage/alerts/routes/${v.id}` };
    });
    return kit.render(
      reply,
      request,
      'manage-alerts',
      {
        title: 'Alerts · mcpwatch',
        section: 'alerts',
        canWrite: can(viewer, 'alerts.write'),
        channels,
        routes,
        deadLetters,
        counts: outbox ? await outbox.counts() : null,
        types: ALERT_CHANNEL_TYPES,
        kinds: ALERT_KINDS,
        security: SMTP_SECURITY,
        allowPrivate: deps.config.probe.allowPrivate,
        channelNames: channels.map((c) => c.name),
        notice: extra.notice ?? null,
        errors: extra.errors ?? [],
        channelErrors: extra.channelErrors ?? [],
        routeErrors: extra.routeErrors ?? [],
        channel: extra.channel ?? emptyChannel(),
        route: extra.route ?? { channels: [], events: [], endpoints: '', tags: '' },
      },
      status,
    );
  }

  /** After a change: back to the list, or the list with what the change warned about. */
  function done(reply: FastifyReply, request: FastifyRequest, warnings: readonly string[], text: string): Promise<FastifyReply> | FastifyReply {
    if (warnings.length === 0) return reply.code(303).header('location', '/manage/alerts').send();
    return alertsPage(reply, request, { notice: { kind: 'warn', text, warnings: warnings.map(shownWarning) } });
  }

  app.get('/manage/alerts', { preHandler: read }, (request, reply) => alertsPage(reply, request));

  // -------------------------------------------------------------------------------------------
  // Channels

  app.post('/manage/alerts/channels', { preHandler: write }, async (request, reply) => {
    const form = formBody(request);
    const body = channelBody(form, false);
    const outcome = await runChange(ChannelCreateBody, body, (spec) => settings.createChannel(spec));
    if (!outcome.ok) return alertsPage(reply, request, { channelErrors: outcome.errors, channel: channelDraft(form) }, outcome.status);
    const { config } = outcome.value.value;
    await auditChange(deps.accounts, request, 'alert-channel.create', `alert-channel:${config.name}`, { type: config.type });
    return done(reply, request, outcome.value.warnings, `Channel ${config.name} created.`);
  });

  async function channelPage(reply: FastifyReply, request: FastifyRequest, name: string, extra: { errors?: readonly FormError[]; draft?: Record<string, string> } = {}, status = 200) {
    const info = settings.channel(name);
    if (!info) return kit.message(reply, request, 404, 'No such channel', `There is no alert channel named "${name}".`);
    const view = channelView(info);
    const viewer = await viewerOf(request);
    return kit.render(
      reply,
      request,
      'manage-alert-channel',
      {
        title: `Channel ${view.name} · mcpwatch`,
        section: 'alerts',
        canWrite: can(viewer, 'alerts.write') && view.source === 'api',
        view: { ...view, secretsText: view.secretsSet.length > 0 ? view.secretsSet.join(', ') : 'none' },
        channel: extra.draft ?? channelDraftOf(view),
        channelErrors: extra.errors ?? [],
        types: ALERT_CHANNEL_TYPES,
        security: SMTP_SECURITY,
        allowPrivate: deps.config.probe.allowPrivate,
        action: `/manage/alerts/channels/${encodeURIComponent(view.name)}`,
      },
      status,
    );
  }

  app.get('/manage/alerts/channels/:name', { preHandler: read }, async (request, reply) => {
    const name = nameParam(request);
    if (name === undefined) return kit.message(reply, request, 404, 'No such channel', 'There is no alert channel by that name.');
    return channelPage(reply, request, name);
  });

  app.post('/manage/alerts/channels/:name', { preHandler: write }, async (request, reply) => {
    const name = nameParam(request);
    if (name === undefined) return kit.message(reply, request, 404, 'No such channel', 'There is no alert channel by that name.');
    const form = formBody(request);
    const outcome = await runChange(ChannelReplaceBody, channelBody(form, true), (spec) => settings.replaceChannel(name, spec));
    if (!outcome.ok) return channelPage(reply, request, name, { errors: outcome.errors, draft: { ...channelDraft(form), name } }, outcome.status);
    await auditChange(deps.accounts, request, 'alert-channel.update', `alert-channel:${name}`, { type: outcome.value.value.config.type });
    return done(reply, request, outcome.value.warnings, `Channel ${name} saved.`);
  });

  app.post('/manage/alerts/channels/:name/delete', { preHandler: write }, async (request, reply) => {
    const name = nameParam(request) ?? '';
    const outcome = await runChange(null, {}, () => settings.deleteChannel(name));
    if (!outcome.ok) return alertsPage(reply, request, { errors: outcome.errors }, outcome.status);
    await auditChange(deps.accounts, request, 'alert-channel.delete', `alert-channel:${name}`);
    return done(reply, request, outcome.value.warnings, `Channel ${name} deleted.`);
  });

  // The same path as POST /api/v1/alerts/channels/:name/test and `mcpwatch alert test`: straight
  // through the channel (not the outbox), so the page says at once whether it arrived. It changes
  // nothing stored, so (as in the API) it is not an audited change.
  app.post(
    '/manage/alerts/channels/:name/test',
    {
      preHandler: write,
      config: {
        rateLimit: {
          ...ALERT_TEST_RATE_LIMIT,
          keyGenerator: async (request: FastifyRequest) => {
            const viewer = await viewerOf(request);
            return viewer.kind === 'user' ? `user:${viewer.userId}:alert-test` : `ip:${request.ip}:alert-test`;
          },
        },
      },
    },
    async (request, reply) => {
      const name = nameParam(request);
      if (name === undefined || !settings.channel(name)) return alertsPage(reply, request, { errors: [{ field: '', message: `no alert channel named "${name ?? ''}"` }] }, 404);
      const outcome = await sendTestAlert(settings.current(), deps.config.publicUrl, name, { clock: deps.clock });
      request.log.info({ channel: name, ok: outcome.ok }, 'alert test message from the browser');
      const detail = outcome.detail !== undefined ? ` (${outcome.detail})` : '';
      const notice: Notice = outcome.ok ? { kind: 'ok', text: `Test message sent through ${name}${detail}.`, warnings: [] } : { kind: 'fail', text: `Test message through ${name} failed: ${outcome.detail ?? 'no detail'}`, warnings: [] };
      return alertsPage(reply, request, { notice });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Routes

  app.post('/manage/alerts/routes', { preHandler: write }, async (request, reply) => {
    const form = formBody(request);
    const outcome = await runChange(RouteBody, routeBody(form), (spec) => settings.createRoute(spec));
    if (!outcome.ok) return alertsPage(reply, request, { routeErrors: outcome.errors, route: routeDraft(form) }, outcome.status);
    const route = outcome.value.value;
    await auditChange(deps.accounts, request, 'alert-route.create', `alert-route:${route.id ?? ''}`, { channels: [...route.item.channels] });
    return done(reply, request, outcome.value.warnings, `Route ${route.id ?? ''} created.`);
  });

  async function routePage(reply: FastifyReply, request: FastifyRequest, id: number, extra: { errors?: readonly FormError[]; draft?: RouteDraft } = {}, status = 200) {
    const info = settings.routes().find((r) => r.id === id);
    if (!info) return kit.message(reply, request, 404, 'No such route', `There is no alert route with id ${id}.`);
    const view = routeView(info);
    const viewer = await viewerOf(request);
    return kit.render(
      reply,
      request,
      'manage-alert-route',
      {
        title: `Route ${id} · mcpwatch`,
        section: 'alerts',
        canWrite: can(viewer, 'alerts.write'),
        view,
        route: extra.draft ?? routeDraftOf(view),
        routeErrors: extra.errors ?? [],
        channelNames: settings.channels().map((c) => c.config.name),
        kinds: ALERT_KINDS,
        action: `/manage/alerts/routes/${id}`,
      },
      status,
    );
  }

  app.get('/manage/alerts/routes/:id', { preHandler: read }, async (request, reply) => {
    const id = idParam(request);
    return id === undefined ? kit.message(reply, request, 404, 'No such route', 'There is no alert route with that id.') : routePage(reply, request, id);
  });

  app.post('/manage/alerts/routes/:id', { preHandler: write }, async (request, reply) => {
    const id = idParam(request);
    if (id === undefined) return kit.message(reply, request, 404, 'No such route', 'There is no alert route with that id.');
    const form = formBody(request);
    const outcome = await runChange(RouteBody, routeBody(form), (spec) => settings.replaceRoute(id, spec));
    if (!outcome.ok) return routePage(reply, request, id, { errors: outcome.errors, draft: routeDraft(form) }, outcome.status);
    await auditChange(deps.accounts, request, 'alert-route.update', `alert-route:${id}`, { channels: [...outcome.value.value.item.channels] });
    return done(reply, request, outcome.value.warnings, `Route ${id} saved.`);
  });

  app.post('/manage/alerts/routes/:id/delete', { preHandler: write }, async (request, reply) => {
    const id = idParam(request) ?? 0;
    const outcome = await runChange(null, {}, () => settings.deleteRoute(id));
    if (!outcome.ok) return alertsPage(reply, request, { errors: outcome.errors }, outcome.status);
    await auditChange(deps.accounts, request, 'alert-route.delete', `alert-route:${id}`);
    return done(reply, request, outcome.value.warnings, `Route ${id} deleted.`);
  });

  // -------------------------------------------------------------------------------------------
  // Dead letters

  app.post('/manage/alerts/dead-letters/:id/retry', { preHandler: write }, async (request, reply) => {
    const id = idParam(request);
    const outbox = deps.alerts;
    if (id === undefined || !outbox || !(await outbox.retry(id))) return alertsPage(reply, request, { errors: [{ field: '', message: `no dead letter with id ${id ?? ''}` }] }, 404);
    await auditChange(deps.accounts, request, 'dead-letter.retry', `dead-letter:${id}`);
    return reply.code(303).header('location', '/manage/alerts').send();
  });

  return Promise.resolve();
}
