// DNS-rebinding defence for the whole app. A page on evil.example can point its own name at
// 127.0.0.1 and then read, as same-origin, whatever mcpwatch serves there (dashboard, API, /mcp);
// the browser still sends `Host: evil.example`, so the Host header is where it is caught. Which
// names are allowed, and when the check applies, is the config's rule (config/schema.ts hostCheck);
// this module only applies it. The SDK's validators parse the headers (ports, IPv6 brackets, the
// opaque `null` Origin); the patterns below are ours.
import { isIP } from 'node:net';
import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { show, type HostCheck } from '../config/schema.ts';
import { ApiError } from './api/errors.ts';
import { hostnameOf } from './status-page-hosts.ts';

export type HostVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

const ALLOWED: HostVerdict = { ok: true };

/**
 * Names a rebinding page cannot send: IP literals (nobody can rebind one), and localhost and
 * *.localhost (RFC 6761: browsers resolve them to loopback themselves). Vite's dev server allows
 * the same set by default for the same reason.
 */
function alwaysAllowed(hostname: string): boolean {
  return isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** hostname is lower-case, as the URL parser leaves it; ".example.com" covers its subdomains. */
export function nameAllowed(check: HostCheck, hostname: string): boolean {
  if (check.anyHost) return true;
  const name = hostname.replace(/(?<=.)\.$/, '');
  if (alwaysAllowed(name)) return true;
  return check.names.some((allowed) => (allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed));
}

const HOW_TO_ALLOW = 'add it to listen.allowedHosts (MCPWATCH_ALLOWED_HOSTS) or set publicUrl to the address you use';

/** The Host header of a request, when the check is enforced. */
export function judgeHost(check: HostCheck, hostHeader: string | undefined): HostVerdict {
  if (!check.enforced) return ALLOWED;
  const parsed = validateHostHeader(hostHeader, []);
  if (!parsed.ok && parsed.errorCode !== 'invalid_host') return { ok: false, message: hostHeader ? `unreadable Host header ${show(hostHeader)}` : 'a Host header is required' };
  const hostname = parsed.hostname ?? '';
  if (nameAllowed(check, hostname)) return ALLOWED;
  return { ok: false, message: `this mcpwatch does not answer to the host name ${show(hostname)} (DNS rebinding protection); ${HOW_TO_ALLOW}` };
}

/**
 * The Origin header (MCP, streamable HTTP: "servers MUST validate the Origin header … if present
 * and invalid, respond 403"). Absent passes: only browsers send it. Allowed: the names the Host
 * check allows; where that check is not enforced, also the request's own host (same origin),
 * which is all that is known there.
 */
export function judgeOrigin(check: HostCheck, originHeader: string | undefined, hostHeader: string | undefined): HostVerdict {
  const parsed = validateOriginHeader(originHeader, []);
  if (parsed.ok) return ALLOWED;
  if (parsed.errorCode !== 'invalid_origin') return { ok: false, message: `unreadable Origin header ${show(originHeader)}` };
  const hostname = parsed.hostname ?? '';
  // Same origin counts only where the Host itself is unchecked: a rebinding page is same-origin.
  const sameOrigin = !check.enforced && validateHostHeader(hostHeader, [hostname]).ok;
  if (sameOrigin || nameAllowed(check, hostname)) return ALLOWED;
  return { ok: false, message: `requests from pages on ${show(hostname)} are not accepted (Origin check); ${HOW_TO_ALLOW}` };
}

/**
 * `isCustomDomain`: a status page's custom domain is allowed too. It is safe to answer to a name
 * anyone may point at us there: that host serves only the page's public paths (status-page-hosts.ts).
 */
function hostGuard(app: FastifyInstance, opts: { check: HostCheck; isCustomDomain?: (hostname: string) => boolean }): Promise<void> {
  const { check, isCustomDomain } = opts;
  if (!check.enforced) return Promise.resolve();
  // The raw header, never request.host: with trustProxy set Fastify prefers X-Forwarded-Host,
  // which any client can send. Reverse proxies (Caddy by default) pass the browser's Host on.
  app.addHook('onRequest', (request, _reply, done) => {
    const verdict = judgeHost(check, request.headers.host);
    const allowed = verdict.ok || (isCustomDomain !== undefined && isCustomDomain(hostnameOf(request.headers.host) ?? ''));
    done(allowed ? undefined : new ApiError(403, 'FORBIDDEN', verdict.message));
  });
  return Promise.resolve();
}

/** Not encapsulated (fastify-plugin): the hook guards every route, the not-found handler too. */
export const hostGuardPlugin = fp(hostGuard, { name: 'mcpwatch-host-guard', fastify: '5.x' });
