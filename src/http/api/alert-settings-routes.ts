// /alerts/channels, /alerts/routes, /alerts/maintenance: the alert settings made through the API,
// listed together with the configuration file's (read-only here, marked source "config").
// Reading needs a token (channels and windows name private endpoints and internal hosts);
// changing needs a full one. Secrets are write-only: a channel shows where it sends (scheme and
// host) and which secret fields are set, never their values.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { sendTestAlert } from '../../alerts/cli.ts';
import type { AlertSettings, ChannelInfo, ItemInfo } from '../../alerts/settings.ts';
import type { Spec } from '../../store/alert-settings.ts';
import type { AppDeps } from '../deps.ts';
import {
  ChannelCreateBody,
  ChannelNameParams,
  ChannelReplaceBody,
  ChannelView,
  ItemIdParams,
  RouteBody,
  RouteView,
  TestOutcome,
  Warnings,
  WindowBody,
  WindowView,
} from './alert-settings-schemas.ts';
import { channelView, routeView, settingsRefusal, windowView } from './alert-settings-views.ts';
import { requireToken, requireWrite } from './auth.ts';
import { BEARER, type ApiInstance } from './context.ts';
import { ApiError, notFound, validationError } from './errors.ts';
import { errorResponses } from './schemas.ts';

const TAGS = ['alert settings'];

/** Test messages per token per minute: each one makes this server send to a receiver. */
export const ALERT_TEST_RATE_LIMIT = { max: 6, timeWindow: 60_000 } as const;

export function alertSettingsRoutes(app: ApiInstance, deps: AppDeps): void {
  const settings = deps.alertSettings;
  if (!settings) return;
  const read = requireToken(deps);
  const write = requireWrite(deps, 'alerts.write');
  const now = (): number => deps.clock();

  // ---------------------------------------------------------------------------------------------
  // Channels

  app.get(
    '/alerts/channels',
    { onRequest: read, schema: { tags: TAGS, summary: 'Alert channels, from the configuration file and the API', security: BEARER, response: { 200: Type.Object({ channels: Type.Array(ChannelView) }), ...errorResponses(401, 429) } } },
    () => ({ channels: settings.channels().map(channelView) }),
  );

  app.get(
    '/alerts/channels/:name',
    { onRequest: read, schema: { tags: TAGS, summary: 'One alert channel (secrets are never returned)', security: BEARER, params: ChannelNameParams, response: { 200: ChannelView, ...errorResponses(400, 401, 404, 429) } } },
    (request) => channelView(channelOr404(settings, request.params.name)),
  );

  app.post(
    '/alerts/channels',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Create an alert channel (the shape of alerts.channels[] in the configuration file, literal values only)',
        security: BEARER,
        body: ChannelCreateBody,
        response: { 201: Type.Intersect([ChannelView, Type.Object({ warnings: Warnings })]), ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const changed = await apply(() => settings.createChannel(request.body as Spec));
      request.log.info({ channel: changed.value.config.name, type: changed.value.config.type }, 'alert channel created through the API');
      return reply.code(201).send({ ...channelView(changed.value), warnings: [...changed.warnings] });
    },
  );

  app.put(
    '/alerts/channels/:name',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Replace an alert channel; secrets left out are kept (same type), null removes an optional one',
        security: BEARER,
        params: ChannelNameParams,
        body: ChannelReplaceBody,
        response: { 200: Type.Intersect([ChannelView, Type.Object({ warnings: Warnings })]), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const changed = await apply(() => settings.replaceChannel(request.params.name, request.body as Spec));
      request.log.info({ channel: request.params.name, type: changed.value.config.type }, 'alert channel replaced through the API');
      return { ...channelView(changed.value), warnings: [...changed.warnings] };
    },
  );

  app.delete(
    '/alerts/channels/:name',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Delete an alert channel (messages still waiting for it become dead letters)',
        security: BEARER,
        params: ChannelNameParams,
        response: { 200: Type.Object({ warnings: Warnings }), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const changed = await apply(() => settings.deleteChannel(request.params.name));
      request.log.info({ channel: request.params.name }, 'alert channel deleted through the API');
      return { warnings: [...changed.warnings] };
    },
  );

  app.post(
    '/alerts/channels/:name/test',
    {
      onRequest: write,
      config: { rateLimit: ALERT_TEST_RATE_LIMIT },
      schema: {
        tags: TAGS,
        summary: `Send a test message through a channel now (not through the outbox; at most ${ALERT_TEST_RATE_LIMIT.max} a minute per token)`,
        security: BEARER,
        params: ChannelNameParams,
        response: { 200: TestOutcome, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      channelOr404(settings, request.params.name);
      const outcome = await sendTestAlert(settings.current(), deps.config.publicUrl, request.params.name, { clock: deps.clock });
      request.log.info({ channel: request.params.name, ok: outcome.ok }, 'alert test message through the API');
      return { ok: outcome.ok, detail: outcome.detail ?? null };
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Routes and maintenance windows: numbered items with the same four operations.

  itemRoutes(app, {
    path: '/alerts/routes',
    what: 'alert route',
    body: RouteBody,
    view: RouteView,
    items: () => settings.routes(),
    create: (body) => settings.createRoute(body),
    replace: (id, body) => settings.replaceRoute(id, body),
    remove: (id) => settings.deleteRoute(id),
    toView: routeView,
    summary: 'Alert routes: which channels hear the alerts of which endpoints, tags and kinds (no routes: every channel hears everything)',
    read,
    write,
  });

  itemRoutes(app, {
    path: '/alerts/maintenance',
    what: 'maintenance window',
    body: WindowBody,
    view: WindowView,
    items: () => settings.windows(),
    create: (body) => settings.createWindow(body),
    replace: (id, body) => settings.replaceWindow(id, body),
    remove: (id) => settings.deleteWindow(id),
    toView: (w) => windowView(w, now()),
    summary: 'Maintenance windows: alerts are held back inside them, and what is still true is announced when they end',
    read,
    write: requireWrite(deps, 'maintenance.write'),
  });
}

interface ItemRoutesOptions<T> {
  readonly path: string;
  readonly what: string;
  readonly body: TSchema;
  readonly view: TSchema;
  readonly summary: string;
  items(): readonly ItemInfo<T>[];
  create(body: Spec): Promise<{ value: ItemInfo<T>; warnings: readonly string[] }>;
  replace(id: number, body: Spec): Promise<{ value: ItemInfo<T>; warnings: readonly string[] }>;
  remove(id: number): Promise<{ warnings: readonly string[] }>;
  toView(info: ItemInfo<T>): unknown;
  readonly read: ReturnType<typeof requireToken>;
  readonly write: ReturnType<typeof requireWrite>;
}

function itemRoutes<T>(app: ApiInstance, o: ItemRoutesOptions<T>): void {
  const withWarnings = Type.Intersect([o.view, Type.Object({ warnings: Warnings })]);
  const security = BEARER;
  app.get(o.path, { onRequest: o.read, schema: { tags: TAGS, summary: o.summary, security, response: { 200: Type.Object({ items: Type.Array(o.view) }), ...errorResponses(401, 429) } } }, () => ({ items: o.items().map((i) => o.toView(i)) }));
  app.post(
    o.path,
    { onRequest: o.write, schema: { tags: TAGS, summary: `Create an ${o.what}`, security, body: o.body, response: { 201: withWarnings, ...errorResponses(400, 401, 403, 429) } } },
    async (request, reply) => {
      const changed = await apply(() => o.create(request.body as Spec));
      request.log.info({ id: changed.value.id }, `${o.what} created through the API`);
      return reply.code(201).send({ ...(o.toView(changed.value) as object), warnings: [...changed.warnings] });
    },
  );
  app.put(
    `${o.path}/:id`,
    { onRequest: o.write, schema: { tags: TAGS, summary: `Replace an ${o.what}`, security, params: ItemIdParams, body: o.body, response: { 200: withWarnings, ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request) => {
      const { id } = request.params;
      const changed = await apply(() => o.replace(id, request.body as Spec));
      request.log.info({ id }, `${o.what} replaced through the API`);
      return { ...(o.toView(changed.value) as object), warnings: [...changed.warnings] };
    },
  );
  app.delete(
    `${o.path}/:id`,
    { onRequest: o.write, schema: { tags: TAGS, summary: `Delete an ${o.what}`, security, params: ItemIdParams, response: { 200: Type.Object({ warnings: Warnings }), ...errorResponses(400, 401, 403, 404, 429) } } },
    async (request) => {
      const { id } = request.params;
      const changed = await apply(() => o.remove(id));
      request.log.info({ id }, `${o.what} deleted through the API`);
      return { warnings: [...changed.warnings] };
    },
  );
}

function channelOr404(settings: AlertSettings, name: string): ChannelInfo {
  const info = settings.channel(name);
  if (!info) throw notFound(`no alert channel named "${name}"`);
  return info;
}

/** Runs a settings change, turning its refusal into the API's error. */
async function apply<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    const refusal = settingsRefusal(err);
    if (refusal.kind === 'invalid') throw validationError(refusal.fields);
    if (refusal.kind === 'not_found') throw notFound(refusal.message);
    throw new ApiError(409, refusal.code, refusal.message);
  }
}
