// GET /api/v1/cluster: the nodes sharing this database, their regions, heartbeats, shares and
// load, and which node runs the singleton work (issue 14). Host names and pids are internal: a
// token is needed.
import { Type } from '@fastify/type-provider-typebox';
import { REGION_HEALTHS } from '../../domain/quorum.ts';
import type { AppDeps } from '../deps.ts';
import { requireToken } from './auth.ts';
import { BEARER, type ApiInstance } from './context.ts';
import { errorResponses } from './schemas.ts';

const Node = Type.Object({
  name: Type.String(),
  region: Type.String(),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  live: Type.Boolean(),
  stopping: Type.Boolean(),
  lastHeartbeatAgeMs: Type.Number(),
  endpointsOwned: Type.Integer(),
  probesPerS: Type.Number(),
  leader: Type.Boolean(),
  self: Type.Boolean(),
});

const Cluster = Type.Object({
  backend: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  self: Type.String(),
  leader: Type.Union([Type.String(), Type.Null()]),
  regions: Type.Array(
    Type.Object({
      name: Type.String(),
      liveNodes: Type.Integer(),
      nodes: Type.Integer(),
      health: Type.Enum([...REGION_HEALTHS]),
      fresh: Type.Integer(),
      failed: Type.Integer(),
      lastResultAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  nodes: Type.Array(Node),
});

export function clusterRoutes(app: ApiInstance, deps: AppDeps): void {
  const cluster = deps.cluster;
  if (!cluster) return;
  app.get(
    '/cluster',
    {
      onRequest: requireToken(deps),
      schema: { tags: ['cluster'], summary: 'The nodes sharing this database and which one leads', security: BEARER, response: { 200: Cluster, ...errorResponses(401, 429) } },
    },
    async () => {
      const view = await cluster();
      return { ...view, regions: [...view.regions], nodes: [...view.nodes] };
    },
  );
}
