// Authorization, observed on the 401 a request without credentials gets: RFC 9728 metadata for
// the resource, then RFC 8414 metadata of the first authorization server it names. Every URL
// here comes from the server, so each is fetched under the probe's address policy and caps.
import type { Outcome } from '../../domain/failure-codes.ts';
import { isRecord } from '../../domain/jsonrpc.ts';
import { challengeParams, wellKnownResourceMetadataUrls } from '../../domain/www-authenticate.ts';
import type { CheckContext, CheckFn } from '../context.ts';
import { header } from '../exchange.ts';
import type { FetchedJson } from '../metadata.ts';
import { fail, notApplicable, pass, quote, unobserved, type Verdict } from '../verdict.ts';

type Doc = { readonly url: string; readonly value: Readonly<Record<string, unknown>> };
type Found = { readonly kind: 'found'; readonly doc: Doc } | { readonly kind: 'verdict'; readonly verdict: Verdict };

/** Tries candidate URLs in order; the first 200 with a JSON object wins. */
async function firstDocument(c: CheckContext, candidates: readonly string[], what: string): Promise<Found> {
  const misses: string[] = [];
  for (const candidate of candidates) {
    let url: URL;
    try {
      url = new URL(candidate, c.mcp.url);
    } catch {
      misses.push(`${quote(candidate)} is not a URL`);
      continue;
    }
    const fetched: Outcome<{ doc: FetchedJson }> = await c.observe.json(c.mcp, url);
    if (!fetched.ok) return { kind: 'verdict', verdict: unobserved(`${what} at ${url.href}: ${fetched.detail}`) };
    const { status, body } = fetched.doc;
    if (status !== 200) misses.push(`HTTP ${status} at ${url.pathname}`);
    else if (!body.ok) misses.push(`${url.pathname} is ${body.why}`);
    else if (!isRecord(body.value)) misses.push(`${url.pathname} is not a JSON object`);
    else return { kind: 'found', doc: { url: url.href, value: body.value } };
  }
  return { kind: 'verdict', verdict: fail(`no ${what}: ${misses.join('; ')}`) };
}

async function protectedResource(c: CheckContext): Promise<Found> {
  const sent = await c.observe.unauthenticated(c.mcp);
  if (!sent.ok) return { kind: 'verdict', verdict: unobserved(`request without credentials: ${sent.detail}`) };
  if (sent.reply.status !== 401) return { kind: 'verdict', verdict: notApplicable(`a request without credentials gets HTTP ${sent.reply.status}, not 401`) };
  const challenge = header(sent.reply.headers, 'www-authenticate');
  const advertised = challenge ? challengeParams(challenge).resource_metadata : undefined;
  return firstDocument(c, advertised ? [advertised] : wellKnownResourceMetadataUrls(c.mcp.url), 'protected-resource metadata');
}

function sameResource(declared: string, endpoint: URL): boolean {
  try {
    const a = new URL(declared).href.replace(/\/$/, '');
    return a === endpoint.href.replace(/\/$/, '');
  } catch {
    return false;
  }
}

function authorizationServers(doc: Doc): string[] {
  const list = doc.value.authorization_servers;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string' && URL.canParse(s)) : [];
}

/** RFC 8414 §3.1 with the OpenID fallbacks, in the order the MCP spec tells clients to try. */
export function authServerMetadataUrls(issuer: URL): string[] {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  const origin = issuer.origin;
  return path
    ? [`${origin}/.well-known/oauth-authorization-server${path}`, `${origin}/.well-known/openid-configuration${path}`, `${origin}${path}/.well-known/openid-configuration`]
    : [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
}

async function authServer(c: CheckContext): Promise<Found & { issuer?: string }> {
  const prm = await protectedResource(c);
  if (prm.kind === 'verdict') return prm.verdict.outcome === 'fail' ? { kind: 'verdict', verdict: unobserved(`no usable protected-resource metadata (${prm.verdict.evidence})`) } : prm;
  const issuer = authorizationServers(prm.doc)[0];
  if (issuer === undefined) return { kind: 'verdict', verdict: unobserved('the protected-resource metadata names no authorization server') };
  const found = await firstDocument(c, authServerMetadataUrls(new URL(issuer)), `authorization server metadata for ${quote(issuer, 100)}`);
  return { ...found, issuer };
}

export const AUTH_CHECKS = {
  'auth.prm.well-formed': async (c) => {
    const prm = await protectedResource(c);
    if (prm.kind === 'verdict') return prm.verdict;
    const { value, url } = prm.doc;
    if (typeof value.resource !== 'string' || !sameResource(value.resource, c.mcp.url)) return fail(`${url}: resource is ${quote(value.resource, 100)}, not this endpoint`);
    const servers = authorizationServers(prm.doc);
    if (servers.length === 0) return fail(`${url}: authorization_servers is ${quote(value.authorization_servers, 100)}, not a list of URLs`);
    return pass(`${url}: resource matches; authorization servers ${quote(servers, 120)}`);
  },
  'auth.as.metadata': async (c) => {
    const found = await authServer(c);
    if (found.kind === 'verdict') return found.verdict;
    const { value, url } = found.doc;
    const problems: string[] = [];
    if (value.issuer !== found.issuer) problems.push(`issuer ${quote(value.issuer, 80)} is not ${quote(found.issuer, 80)}`);
    for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
      if (typeof value[field] !== 'string' || !URL.canParse(value[field])) problems.push(`${field} is ${value[field] === undefined ? 'absent' : quote(value[field])}`);
    }
    const types = value.response_types_supported;
    if (!Array.isArray(types) || !types.includes('code')) problems.push(`response_types_supported ${quote(types)} lacks "code"`);
    return problems.length === 0 ? pass(`${url}: issuer and endpoints consistent`) : fail(`${url}: ${problems.join('; ')}`);
  },
  'auth.as.pkce-s256': async (c) => {
    const found = await authServer(c);
    if (found.kind === 'verdict') return found.verdict;
    const methods = found.doc.value.code_challenge_methods_supported;
    return Array.isArray(methods) && methods.includes('S256')
      ? pass(`code_challenge_methods_supported ${quote(methods)}`)
      : fail(`code_challenge_methods_supported is ${methods === undefined ? 'absent' : quote(methods)}: clients must refuse to proceed without S256`);
  },
} satisfies Record<string, CheckFn>;
