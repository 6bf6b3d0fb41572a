// The session cookie: `__Host-` prefixed over HTTPS (the browser then insists on Secure, Path=/ and
// no Domain, so no sibling host can set or shadow it), the plain name over HTTP (loopback, tests),
// where a Secure cookie would never come back. HttpOnly: no script reads it. SameSite=Lax rather
// than Strict: a link from an alert email or chat to a page should arrive signed in; every change
// is a POST, which Lax never sends cross-site, and the CSRF token and Origin check stand behind it.
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'mcpwatch_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** Whether the browser reached us over HTTPS: the socket, or X-Forwarded-Proto from a trusted proxy (listen.trustProxy). */
export function overHttps(request: FastifyRequest, publicUrl: string | null): boolean {
  return request.protocol === 'https' || (publicUrl !== null && publicUrl.startsWith('https://') && request.headers['x-forwarded-proto'] === 'https');
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    // The first of a repeated name wins: browsers send the most specific path first.
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** The session id the browser sent, whichever of the two names it came under. */
export function sessionIdFrom(request: FastifyRequest): string | undefined {
  const cookies = parseCookies(request.headers.cookie);
  return cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(SESSION_COOKIE);
}

export function sessionCookie(value: string, secure: boolean, maxAgeS: number): string {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(secure: boolean): string {
  return sessionCookie('', secure, 0);
}
