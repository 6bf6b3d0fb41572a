import { parseBoundedJson } from '../../domain/bounded-json.ts';
import type { AuthFacts } from '../../domain/probe-result.ts';
import { truncate } from '../../domain/http-status.ts';
import { isRecord } from '../../domain/jsonrpc.ts';
import { challengeParams, wellKnownResourceMetadataUrls } from '../../domain/www-authenticate.ts';
import { readBody, sendRequest } from '../http.ts';
import type { McpContext } from './context.ts';

/** Completes a context with the RFC 9728 lookup bound to it. */
export function withDescribeAuth(partial: Omit<McpContext, 'describeAuth'>): McpContext {
  return { ...partial, describeAuth: (challenge) => describeAuth(partial, challenge) };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * After a 401: what the server asks for. RFC 9728 metadata is fetched only from the endpoint's
 * own origin, over the connection already vetted; a metadata URL elsewhere is recorded, not
 * followed, because the URL comes from the server and the monitor must not be aimed by it.
 */
export async function describeAuth(ctx: Omit<McpContext, 'describeAuth'>, challenge: string | undefined): Promise<AuthFacts> {
  const params = challenge ? challengeParams(challenge) : {};
  const advertised = params.resource_metadata;
  const candidates = advertised ? [advertised] : wellKnownResourceMetadataUrls(ctx.url);
  const base: Omit<AuthFacts, 'resourceMetadata' | 'authorizationServers' | 'metadataError'> = {
    challenge: challenge ? truncate(challenge, 500) : null,
    resourceMetadataUrl: advertised ?? null,
    scopes: params.scope ? params.scope.split(/\s+/).filter(Boolean) : [],
  };
  let lastError = 'no resource metadata found';
  for (const candidate of candidates) {
    let url: URL;
    try {
      url = new URL(candidate, ctx.url);
    } catch {
      lastError = 'resource_metadata is not a URL';
      continue;
    }
    if (url.origin !== ctx.url.origin) {
      lastError = `resource metadata is on another origin (${truncate(url.origin, 80)}); not fetched`;
      continue;
    }
    const sent = await sendRequest(ctx.dispatcher, { method: 'GET', path: `${url.pathname}${url.search}`, headers: { accept: 'application/json' } }, ctx.limits, ctx.deadline);
    if (!sent.ok) {
      lastError = sent.detail;
      break;
    }
    const body = await readBody(sent.head, ctx.limits, ctx.deadline, 64 * 1024);
    if (!body.ok) {
      lastError = body.detail;
      break;
    }
    if (sent.head.status !== 200) {
      lastError = `HTTP ${sent.head.status} from ${url.pathname}`;
      continue;
    }
    const parsed = parseBoundedJson(body.text);
    if (!parsed.ok) {
      lastError = `resource metadata ${parsed.reason === 'syntax' ? 'is not valid JSON' : parsed.detail}`;
      continue;
    }
    const doc = parsed.value;
    if (!isRecord(doc)) {
      lastError = 'resource metadata is not a JSON object';
      continue;
    }
    return {
      ...base,
      resourceMetadataUrl: url.href,
      resourceMetadata: doc,
      authorizationServers: strings(doc.authorization_servers),
      scopes: base.scopes.length > 0 ? base.scopes : strings(doc.scopes_supported),
      metadataError: null,
    };
  }
  return { ...base, resourceMetadata: null, authorizationServers: [], metadataError: lastError };
}
