/**
 * Reads auth-params out of a WWW-Authenticate challenge (RFC 9110 §11.6.1), enough to find
 * RFC 9728's resource_metadata and the scope. Quoted strings may contain commas and escapes.
 */
export function challengeParams(challenge: string): Record<string, string> {
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z0-9_!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const match of challenge.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    params[name] ??= value;
  }
  return params;
}

export function challengeScheme(challenge: string): string | null {
  const match = /^\s*([A-Za-z0-9_!#$%&'*+.^`|~-]+)/.exec(challenge);
  return match ? match[1]!.toLowerCase() : null;
}

/** RFC 9728 §3.1: the well-known URL is formed by inserting the path after the well-known prefix. */
export function wellKnownResourceMetadataUrls(resource: URL): string[] {
  const path = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '');
  const base = `${resource.origin}/.well-known/oauth-protected-resource`;
  const suffix = `${path}${resource.search}`;
  return suffix ? [`${base}${suffix}`, base] : [base];
}
