// POST /check: probe one URL now. It makes this server dial out to a URL the caller chose, so it
// needs a full token, has its own tight rate limit, and sends no credentials. The address policy is
// the service's (deps.checkNow uses the configured probe settings): private and loopback addresses
// stay refused unless probe.allowPrivate is set in the configuration; the request cannot ask for it.
import { parseEndpointUrl } from '../../domain/url.ts';
import type { AppDeps } from '../deps.ts';
import { requireWrite } from './auth.ts';
import { BEARER, type ApiInstance } from './context.ts';
import { validationError } from './errors.ts';
import { CheckBody, CheckResponse, errorResponses } from './schemas.ts';

/** Per token (or per IP without one, though those are refused anyway), per minute. */
export const CHECK_RATE_LIMIT = { max: 6, timeWindow: 60_000 } as const;

export function checkRoute(app: ApiInstance, deps: AppDeps): void {
  app.post(
    '/check',
    {
      onRequest: requireWrite(deps, 'endpoints.check'),
      config: { rateLimit: CHECK_RATE_LIMIT },
      schema: {
        tags: ['check'],
        summary: `Probe a URL once (no credentials sent; at most ${CHECK_RATE_LIMIT.max} a minute per token)`,
        security: BEARER,
        body: CheckBody,
        response: { 200: CheckResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    (request) => {
      const url = parseEndpointUrl(request.body.url.trim());
      if (!url.ok) throw validationError([{ field: 'body.url', message: url.detail }]);
      request.log.info({ url: url.url.origin }, 'one-off check through the API');
      return deps.checkNow({ url: url.url.href, era: request.body.era ?? 'auto', listTools: request.body.tools ?? false });
    },
  );
}
