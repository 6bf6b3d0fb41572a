import type { Failure } from './failure-codes.ts';

/**
 * What an HTTP status means for a probe, when the body gave no better answer. Redirects are
 * reported, never followed: a POST that is redirected may be replayed as a GET or to another
 * host, and a monitor must not carry credentials somewhere the operator did not configure.
 */
export function failureForStatus(status: number, context: { hasCredentials: boolean; location?: string; retryAfter?: string }): Failure | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) {
    return { code: 'HTTP_REDIRECT', detail: `HTTP ${status} redirect${context.location ? ` to ${truncate(context.location)}` : ''} (not followed)` };
  }
  if (status === 401) {
    return context.hasCredentials
      ? { code: 'AUTH_FAILED', detail: 'HTTP 401: the configured credentials were rejected' }
      : { code: 'AUTH_REQUIRED', detail: 'HTTP 401: the server requires authorization' };
  }
  if (status === 403) return { code: 'AUTH_FORBIDDEN', detail: 'HTTP 403: access forbidden' };
  if (status === 404) return { code: 'HTTP_NOT_FOUND', detail: 'HTTP 404: no MCP endpoint at this path' };
  if (status === 429) {
    return { code: 'HTTP_RATE_LIMITED', detail: `HTTP 429: rate limited${context.retryAfter ? ` (Retry-After: ${truncate(context.retryAfter)})` : ''}` };
  }
  if (status >= 500) return { code: 'HTTP_5XX', detail: `HTTP ${status}: server error` };
  return { code: 'HTTP_4XX', detail: `HTTP ${status}` };
}

export function truncate(text: string, max = 120): string {
  // Control characters (C0, C1) and bidi overrides from a server must not reach a terminal or a log line.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
