// Alert delivery as the operator needs to see it: how many messages wait, went out, or died, and
// the dead letters themselves (with a way to send one again). Messages may name private endpoints,
// so every route here needs a token.
import { Type } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps.ts';
import { requireToken, requireWrite } from './auth.ts';
import { BEARER, type ApiInstance } from './context.ts';
import { notFound } from './errors.ts';
import { errorResponses } from './schemas.ts';

const Counts = Type.Object({ pending: Type.Integer(), delivered: Type.Integer(), dead: Type.Integer(), suppressed: Type.Integer() });
const DeadLetter = Type.Object({
  id: Type.Integer(),
  channel: Type.String(),
  kind: Type.String(),
  endpointId: Type.Union([Type.Integer(), Type.Null()]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  idempotencyKey: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export function alertRoutes(app: ApiInstance, deps: AppDeps): void {
  const outbox = deps.alerts;
  if (!outbox) return;

  app.get(
    '/alerts/outbox',
    { onRequest: requireToken(deps), schema: { tags: ['alerts'], summary: 'Outbox entries by status', security: BEARER, response: { 200: Counts, ...errorResponses(401, 429) } } },
    () => outbox.counts(),
  );

  app.get(
    '/alerts/dead-letters',
    {
      onRequest: requireToken(deps),
      schema: {
        tags: ['alerts'],
        summary: 'Messages that could not be delivered, newest first',
        security: BEARER,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), before: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ deadLetters: Type.Array(DeadLetter) }), ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const entries = await outbox.deadLetters({ limit: request.query.limit ?? 100, ...(request.query.before !== undefined ? { beforeId: request.query.before } : {}) });
      return { deadLetters: entries.map((e) => ({ id: e.id, channel: e.channel, kind: e.kind, endpointId: e.endpointId, attempts: e.attempts, lastError: e.lastError, idempotencyKey: e.idempotencyKey, createdAt: e.createdAt, updatedAt: e.updatedAt })) };
    },
  );

  app.post(
    '/alerts/dead-letters/:id/retry',
    {
      onRequest: requireWrite(deps, 'alerts.write'),
      schema: {
        tags: ['alerts'],
        summary: 'Queue a dead letter for delivery again (same idempotency key)',
        security: BEARER,
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ id: Type.Integer(), status: Type.Literal('pending') }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await outbox.retry(request.params.id))) throw notFound(`no dead letter with id ${request.params.id}`);
      return reply.code(202).send({ id: request.params.id, status: 'pending' as const });
    },
  );
}
