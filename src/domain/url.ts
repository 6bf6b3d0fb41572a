import type { Failure } from './failure-codes.ts';

export const MAX_URL_LENGTH = 2048;

/** Validates an endpoint URL as given by a user; hostile input gets a reason, never an exception. */
export function parseEndpointUrl(input: string): { ok: true; url: URL } | ({ ok: false } & Failure) {
  const bad = (detail: string): { ok: false } & Failure => ({ ok: false, code: 'URL_INVALID', detail });
  if (input.length === 0) return bad('the URL is empty');
  if (input.length > MAX_URL_LENGTH) return bad(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return bad(`not a valid absolute URL: ${JSON.stringify(input.slice(0, 100))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad(`only http and https URLs can be probed, not ${url.protocol.replace(/:$/, '')}`);
  // Credentials in a URL leak into logs and pages; they belong in the header settings.
  if (url.username !== '' || url.password !== '') return bad('the URL contains user:password; configure credentials as a header or bearer token instead');
  if (url.hostname === '') return bad('the URL has no host');
  url.hash = '';
  return { ok: true, url };
}

export function defaultPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
