// Hardening for the whole app (wrapped with fastify-plugin so it is not encapsulated): security
// headers with a strict Content-Security-Policy, rate limits, and an error handler that never sends
// a stack trace, an internal message or a secret back.
import { STATUS_CODES } from 'node:http';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { sessionIdFrom } from '../accounts/cookies.ts';
import { viewerOf } from '../accounts/viewer.ts';
import { authenticate } from '../api/auth.ts';
import { ApiError, fieldErrorsFromSchema, type ErrorBody } from '../api/errors.ts';
import { isStoreUnavailable } from '../../store/unavailable.ts';
import type { AppDeps } from '../deps.ts';

/**
 * Pages are server-rendered and work without JavaScript; scripts and styles come from our own
 * origin only (no inline code), images from our origin or data: URIs (sparklines, badges).
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
} as const;

export const RATE_LIMITS = {
  /** Anonymous callers, per IP: pages, badges, public API reads. */
  anonymousPerMinute: 120,
  /** Callers with a valid token, per token, and signed-in users, per user: dashboards and scripts polling the API. */
  tokenPerMinute: 600,
} as const;

/** Retry-After of a 503 while the database is away: about one backoff step of the writer. */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * Orchestrators and Prometheus poll the first three; limiting them would turn load into false
 * alarms. Assets are a few in-memory files (CSS, script, icon) fetched with every page a browser
 * loads: counting them spent an operator's 120 a minute at ~20 page views (each view ~6 requests).
 */
const RATE_LIMIT_EXEMPT: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz', '/assets/:file']);

async function security(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;

  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])) },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  // The limiter must count a request before anything can refuse it. @fastify/rate-limit appends
  // its hook after the route's own onRequest hooks, so a 401 for a bad token ended the request
  // before it was counted: 250 guessed tokens from one address got 250 × 401 and no 429, and the
  // address's budget stayed untouched. Remember each route's own hooks, let the limiter add its
  // hook, then put the limiter's hook first.
  const ownHookCount = new WeakMap<RouteOptions, number>();
  app.addHook('onRoute', (route) => {
    ownHookCount.set(route, hookList(route.onRequest).length);
  });

  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    // Keyed by token only once the token is verified: an unverified header would let anyone mint
    // fresh buckets by sending random tokens. A bad token is charged to the caller's address (the
    // client trustProxy names), so guessing tokens spends the anonymous budget and ends in 429.
    // A signed-in user is counted by their account once the session is verified, for the same
    // reason: a team behind one address (an office NAT) spent one shared 120 a minute between them.
    keyGenerator: async (request) => {
      if (request.headers.authorization === undefined && sessionIdFrom(request) !== undefined && !RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? '')) {
        const viewer = await viewerOf(request);
        if (viewer.kind === 'user') return `user:${viewer.userId}`;
      }
      const access = await authenticate(request, deps);
      return access.kind === 'token' ? `token:${access.tokenId}` : `ip:${request.ip}`;
    },
    max: (_request, key) => (key.startsWith('ip:') ? RATE_LIMITS.anonymousPerMinute : RATE_LIMITS.tokenPerMinute),
    allowList: (request) => RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new ApiError(context.statusCode, 'RATE_LIMITED', `rate limit exceeded: at most ${context.max} requests a minute; retry in ${context.after}`),
  });

  app.addHook('onRoute', (route) => {
    const hooks = hookList(route.onRequest);
    const own = ownHookCount.get(route) ?? hooks.length;
    if (hooks.length > own) route.onRequest = [...hooks.slice(own), ...hooks.slice(0, own)];
  });

  app.addHook('onRequest', (request, reply, done) => {
    // The id an operator can find in the logs; error bodies carry it too.
    void reply.header('x-request-id', request.id);
    done();
  });

  app.setErrorHandler(errorHandler);
}

function hookList<T>(hooks: T | readonly T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? [...(hooks as readonly T[])] : [hooks as T];
}

export const securityPlugin = fp(security, { name: 'mcpwatch-security', fastify: '5.x' });

/** Fastify's own 4xx messages are fixed sentences; anything else a 4xx carries is replaced. */
function clientMessage(error: FastifyError, status: number): string {
  if (typeof error.code === 'string' && error.code.startsWith('FST_')) return error.message;
  return STATUS_CODES[status] ?? 'Bad Request';
}

function errorHandler(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): void {
  const send = (status: number, body: Omit<ErrorBody, 'statusCode' | 'error' | 'requestId'>): void => {
    const full: ErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', ...body, requestId: String(request.id) };
    // A route that failed after choosing gzip (/metrics) must not label the plain JSON as gzip.
    void reply.removeHeader('content-encoding');
    void reply.code(status).type('application/json; charset=utf-8').send(full);
  };

  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    send(error.statusCode, { code: error.code, message: error.message, ...(error.fields.length > 0 ? { fields: error.fields } : {}) });
    return;
  }
  if (error.validation) {
    const fields = fieldErrorsFromSchema(error.validationContext ?? 'request', error.validation);
    send(400, { code: 'VALIDATION_FAILED', message: fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields });
    return;
  }
  if (isStoreUnavailable(error)) {
    // Not a bug: the database is away (restarting, unreachable). Clients may retry; /readyz says when.
    request.log.warn({ err: error }, 'request failed: the database is unavailable');
    void reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
    send(503, { code: 'DATABASE_UNAVAILABLE', message: `the database is unavailable right now; retry later (request id ${request.id})` });
    return;
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status < 500) {
    send(status, { code: typeof error.code === 'string' && error.code.startsWith('FST_') ? error.code : 'BAD_REQUEST', message: clientMessage(error, status) });
    return;
  }
  // The details go to the log (whose redaction covers secrets), never to the client.
  request.log.error({ err: error }, 'request failed');
  send(status, { code: 'INTERNAL', message: `internal error; the server log has the details under request id ${request.id}` });
}
