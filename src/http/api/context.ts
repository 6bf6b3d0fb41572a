// What every API route file shares: the typed Fastify instance and endpoint lookup by id or slug.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Endpoint } from '../../domain/endpoint.ts';
import type { Store } from '../../store/store.ts';
import { canSeePrivate, type Access } from './auth.ts';
import { notFound } from './errors.ts';

export type ApiInstance = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** OpenAPI security requirement of routes that take a token. */
export const BEARER = [{ bearerAuth: [] }];

/** An all-digit ref is an id first (slugs may be all digits too; the id wins). */
export async function findEndpoint(store: Store, ref: string): Promise<Endpoint | undefined> {
  if (/^\d{1,15}$/.test(ref)) {
    const byId = await store.getEndpoint(Number(ref));
    if (byId) return byId;
  }
  return store.getEndpointBySlug(ref);
}

/** The endpoint if this caller may see it; a 404 otherwise (a private endpoint looks absent to anonymous callers). */
export async function visibleEndpoint(store: Store, ref: string, access: Access): Promise<Endpoint> {
  const endpoint = await findEndpoint(store, ref);
  if (endpoint && (endpoint.public || canSeePrivate(access))) return endpoint;
  const hint = canSeePrivate(access) ? '' : ' (endpoints that are not public need a bearer token)';
  throw notFound(`no endpoint with id or slug ${JSON.stringify(ref)}${hint}`);
}
