// /endpoints: list, read, create, replace, patch, delete, pause, resume, archive, restore.
import { Type } from '@fastify/type-provider-typebox';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { AppDeps } from '../deps.ts';
import { allowRead, authenticate, canSeePrivate, requireWrite } from './auth.ts';
import { BEARER, visibleEndpoint, type ApiInstance } from './context.ts';
import { API_PAUSE_REASON } from './endpoint-input.ts';
import { endpointWrites } from './endpoint-writes.ts';
import { ENDPOINT_PAGE_DEFAULT, EndpointList, EndpointListQuery, EndpointRefParams, EndpointView, PauseBody, errorResponses } from './schemas.ts';
import { endpointView } from './views.ts';

const TAGS = ['endpoints'];

/**
 * Up to `limit` endpoints with an id above `after` that `keep` accepts, in id order, and whether
 * more follow. The service's list is in id order already (a sort of sorted input is linear).
 */
export function pageAfter(endpoints: readonly Endpoint[], after: number, limit: number, keep: (e: Endpoint) => boolean): { items: Endpoint[]; more: boolean } {
  const byId = endpoints.every((e, i) => i === 0 || endpoints[i - 1]!.id < e.id) ? endpoints : [...endpoints].sort((a, b) => a.id - b.id);
  let lo = 0;
  let hi = byId.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (byId[mid]!.id <= after) lo = mid + 1;
    else hi = mid;
  }
  const items: Endpoint[] = [];
  for (let i = lo; i < byId.length; i++) {
    const e = byId[i]!;
    if (!keep(e)) continue;
    if (items.length === limit) return { items, more: true };
    items.push(e);
  }
  return { items, more: false };
}

export function endpointRoutes(app: ApiInstance, deps: AppDeps): void {
  const { store } = deps;
  const { bodies, editable, save, setPaused, setArchived, remove } = endpointWrites(deps);
  const read = allowRead(deps);
  const write = requireWrite(deps);
  const view = (endpoint: Endpoint) => endpointView(endpoint, deps.state(endpoint.id), deps.compliance?.latest(endpoint.id));

  app.get(
    '/endpoints',
    {
      onRequest: read,
      schema: {
        tags: TAGS,
        summary: 'List endpoints (public ones only without a token), a page at a time in id order',
        security: [{}, ...BEARER],
        querystring: EndpointListQuery,
        response: { 200: EndpointList, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const all = canSeePrivate(await authenticate(request, deps));
      const limit = request.query.limit ?? ENDPOINT_PAGE_DEFAULT;
      // From the service's memory, not a table scan: a page costs its rows, not the fleet.
      const { items, more } = pageAfter(deps.endpoints(), request.query.after ?? 0, limit, (e) => all || e.public);
      const next = more ? `${app.prefix}/endpoints?limit=${limit}&after=${items.at(-1)!.id}` : null;
      if (next !== null) void reply.header('link', `<${next}>; rel="next"`);
      return { endpoints: items.map(view), next };
    },
  );

  app.get(
    '/endpoints/:ref',
    {
      onRequest: read,
      schema: {
        tags: TAGS,
        summary: 'One endpoint by id or slug',
        security: [{}, ...BEARER],
        params: EndpointRefParams,
        response: { 200: EndpointView, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => view(await visibleEndpoint(store, request.params.ref, await authenticate(request, deps))),
  );

  app.post(
    '/endpoints',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Create an endpoint',
        security: BEARER,
        body: bodies.full,
        response: { 201: EndpointView, ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const created = await save('create', request.body, undefined);
      request.log.info({ endpointId: created.id, slug: created.slug }, 'endpoint created through the API');
      void reply.code(201).header('location', `${app.prefix}/endpoints/${created.id}`);
      return view(created);
    },
  );

  app.put(
    '/endpoints/:ref',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Replace an endpoint (omitted fields take their defaults; omitted secrets and slug are kept)',
        security: BEARER,
        params: EndpointRefParams,
        body: bodies.full,
        response: { 200: EndpointView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => view(await save('replace', request.body, await editable(request.params.ref))),
  );

  app.patch(
    '/endpoints/:ref',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Change some fields of an endpoint',
        security: BEARER,
        params: EndpointRefParams,
        body: bodies.partial,
        response: { 200: EndpointView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => view(await save('patch', request.body, await editable(request.params.ref))),
  );

  app.delete(
    '/endpoints/:ref',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Delete an endpoint and its history',
        security: BEARER,
        params: EndpointRefParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const endpoint = await editable(request.params.ref, 'delete');
      await remove(endpoint, request.params.ref);
      request.log.info({ endpointId: endpoint.id, slug: endpoint.slug }, 'endpoint deleted through the API');
      void reply.code(204).send(null);
    },
  );

  app.post(
    '/endpoints/:ref/pause',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Stop probing an endpoint (optional body: {reason})',
        security: BEARER,
        params: EndpointRefParams,
        body: PauseBody,
        response: { 200: EndpointView, ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => view(await setPaused(await editable(request.params.ref), true, request.body.reason?.trim() || API_PAUSE_REASON)),
  );

  app.post(
    '/endpoints/:ref/resume',
    {
      onRequest: write,
      schema: {
        tags: TAGS,
        summary: 'Probe a paused endpoint again',
        security: BEARER,
        params: EndpointRefParams,
        response: { 200: EndpointView, ...errorResponses(401, 403, 404, 409, 429) },
      },
    },
    async (request) => view(await setPaused(await editable(request.params.ref), false, null)),
  );

  for (const [path, archive, summary] of [
    ['archive', true, 'Archive an endpoint: not probed, history kept, left off the public pages (restore brings it back)'],
    ['restore', false, 'Restore an archived endpoint: probed again'],
  ] as const) {
    app.post(
      `/endpoints/:ref/${path}`,
      {
        onRequest: write,
        schema: { tags: TAGS, summary, security: BEARER, params: EndpointRefParams, response: { 200: EndpointView, ...errorResponses(401, 403, 404, 409, 429) } },
      },
      async (request) => view(await setArchived(await editable(request.params.ref), archive)),
    );
  }
}
