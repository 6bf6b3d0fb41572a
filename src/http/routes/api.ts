// The JSON API under /api/v1 (ARCHITECTURE §6). Who may do what is decided in api/auth.ts; the
// routes live in api/*-routes.ts; the OpenAPI document is generated from their schemas.
import swagger from '@fastify/swagger';
import { TypeBoxValidatorCompiler, type TSchema, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { MCPWATCH_VERSION } from '../../version.ts';
import { alertRoutes } from '../api/alert-routes.ts';
import { alertSettingsRoutes } from '../api/alert-settings-routes.ts';
import { checkRoute } from '../api/check-route.ts';
import { clusterRoutes } from '../api/cluster-routes.ts';
import { complianceRoutes } from '../api/compliance-routes.ts';
import { registryRoutes } from '../api/registry-routes.ts';
import { statusPageRoutes } from '../api/status-page-routes.ts';
import { dataRoutes } from '../api/data-routes.ts';
import { endpointRoutes } from '../api/endpoint-routes.ts';
import { ApiError } from '../api/errors.ts';
import type { AppDeps } from '../deps.ts';

export async function apiRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox's own checker instead of Fastify's Ajv defaults, which silently DROP unknown fields:
  // a typo such as "intreval" must be a 400 naming the field, not an ignored setting.
  api.setValidatorCompiler(validatorCompiler);

  // Registered here, inside the /api/v1 context, so the document holds the API routes only.
  await api.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'mcpwatch API',
        version: MCPWATCH_VERSION,
        description:
          'Endpoints, results, incidents and uptime of an mcpwatch instance. Reads of public endpoints need no token; everything else needs ' +
          '`Authorization: Bearer mcpw_…` (create one with `mcpwatch token create`; `--read-only` tokens can read but not write). ' +
          'Header values and bearer tokens of endpoints are write-only: responses list header names only.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `mcpwatch token create`' } } },
    },
  });

  api.addHook('onRequest', (_request, reply, done) => {
    // Responses may describe private endpoints: no shared cache may keep them.
    void reply.header('cache-control', 'no-store');
    done();
  });

  api.get('/openapi.json', { schema: { hide: true } }, () => api.swagger());

  endpointRoutes(api, opts.deps);
  dataRoutes(api, opts.deps);
  checkRoute(api, opts.deps);
  alertRoutes(api, opts.deps);
  alertSettingsRoutes(api, opts.deps);
  clusterRoutes(api, opts.deps);
  complianceRoutes(api, opts.deps);
  registryRoutes(api, opts.deps);
  statusPageRoutes(api, opts.deps);

  api.setNotFoundHandler((request) => {
    throw new ApiError(404, 'NOT_FOUND', `no API route ${request.method} ${request.url.split('?')[0] ?? ''}`);
  });
}

/**
 * TypeBox validation; an absent body counts as `{}` when the body schema requires no field
 * (POST /endpoints/:ref/pause takes an optional {reason}). Fastify passes an absent body as null.
 */
const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const validate = TypeBoxValidatorCompiler(route);
  const schema = route.schema as { type?: unknown; required?: unknown };
  const emptyBodyAllowed = route.httpPart === 'body' && schema.type === 'object' && (!Array.isArray(schema.required) || schema.required.length === 0);
  return (value: unknown) => (emptyBodyAllowed && (value === null || value === undefined) ? { value: {} } : validate(value));
};
