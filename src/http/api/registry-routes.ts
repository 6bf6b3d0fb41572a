// GET /api/v1/registries: the registries in the configuration file and how their last sync went
// (issue 15). Read-only: registries are configured in the file (adding one means a sync writing
// endpoints for the whole cluster, which is the file's call, not an API token's).
import { Type } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps.ts';
import { requireToken } from './auth.ts';
import { BEARER, type ApiInstance } from './context.ts';
import { Nullable, errorResponses } from './schemas.ts';

const Registry = Type.Object({
  name: Type.String(),
  url: Type.String(),
  intervalS: Type.Integer(),
  public: Type.Boolean(),
  filters: Type.Object({ names: Type.Array(Type.String()), namespaces: Type.Array(Type.String()), transports: Type.Array(Type.String()) }),
  state: Type.Union([Type.Literal('never'), Type.Literal('ok'), Type.Literal('failing')], { description: 'failing: the last sync failed and the last good list stands' }),
  lastAttemptAt: Nullable(Type.String()),
  lastSuccessAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  servers: Type.Integer({ description: 'Servers with live endpoints after the last good sync' }),
});

export function registryRoutes(app: ApiInstance, deps: AppDeps): void {
  const registries = deps.registries;
  if (!registries) return;
  app.get(
    '/registries',
    {
      onRequest: requireToken(deps),
      schema: { tags: ['registries'], summary: 'Configured registries and their sync state', security: BEARER, response: { 200: Type.Object({ registries: Type.Array(Registry) }), ...errorResponses(401, 429) } },
    },
    async () => ({ registries: (await registries()).map((r) => ({ ...r, filters: { names: [...r.filters.names], namespaces: [...r.filters.namespaces], transports: [...r.filters.transports] } })) }),
  );
}
