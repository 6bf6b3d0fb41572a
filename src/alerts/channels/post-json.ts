// One JSON POST for the HTTP channels, turned into a DeliveryOutcome. Redirects are not followed:
// a webhook URL is a credential, and following a redirect would hand the body to wherever the
// Location points. Nothing that could hold a secret (the URL, its path, tokens) reaches `detail`.
import { request } from 'undici';
import type { AddressPolicy } from '../../probe/address-policy.ts';
import type { DeliveryOutcome } from '../types.ts';
import { AddressRefusedError } from './address-guard.ts';
import { guardedDispatcher } from './guarded-dispatcher.ts';

const MAX_RESPONSE_BYTES = 2048;
const MAX_RETRY_AFTER_MS = 3_600_000;

export interface PostJson {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Values to blank out of any error text (tokens in headers). The URL is always blanked. */
  readonly secrets?: readonly string[];
  /** ms since the epoch, for Retry-After dates. */
  readonly clock?: () => number;
  /** Set for channels with user-supplied URLs: only addresses it admits are connected to. */
  readonly addressPolicy?: AddressPolicy;
}

export async function postJson(options: PostJson): Promise<DeliveryOutcome> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return { ok: false, retryable: false, detail: 'the channel URL is not a valid URL' };
  }
  // Validated in the config already; checked again because this is where the request leaves.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, retryable: false, detail: `refusing to post to a ${url.protocol} URL` };
  const hide = [options.url, url.pathname.length > 1 ? url.pathname : '', url.search.length > 1 ? url.search : '', ...(options.secrets ?? [])];
  const guard = options.addressPolicy === undefined ? undefined : guardedDispatcher(url.hostname, options.addressPolicy);
  // A refused address stays refused: retrying would only knock on the same door again.
  if (guard?.ok === false) return { ok: false, retryable: false, detail: redact(guard.detail, hide) };
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: options.body,
      signal: options.signal,
      ...(guard?.ok === true ? { dispatcher: guard.dispatcher } : {}),
    });
    const text = redact(await readSome(response.body, MAX_RESPONSE_BYTES), hide);
    const status = response.statusCode;
    const said = text === '' ? '' : `: ${text}`;
    if (status >= 200 && status < 300) return text === '' ? { ok: true } : { ok: true, detail: `HTTP ${status}${said}` };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], options.clock ?? Date.now);
    if (status === 408 || status === 425 || status === 429 || status >= 500) {
      return retryAfterMs === undefined ? { ok: false, retryable: true, detail: `HTTP ${status}${said}` } : { ok: false, retryable: true, detail: `HTTP ${status}${said}`, retryAfterMs };
    }
    // 3xx and the other 4xx will not get better by asking again: a moved or revoked hook.
    const why = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    return { ok: false, retryable: false, detail: `HTTP ${status}${why}${said}` };
  } catch (err) {
    return { ok: false, retryable: !(err instanceof AddressRefusedError), detail: redact(failureText(err, options.signal), hide) };
  }
}

/** Why a request threw, in words: a timeout and a shutdown read differently from a refused connection. */
export function failureText(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof Error && reason.name === 'TimeoutError' ? 'no answer within the time limit' : 'cancelled (shutting down)';
  }
  if (err instanceof Error) {
    const cause = err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

async function readSome(body: AsyncIterable<Buffer | Uint8Array>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream, which is what a long error page deserves.
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= max) break;
  }
  // eslint-disable-next-line no-control-regex -- a receiver's text goes into logs and the dead letters
  return Buffer.concat(chunks).subarray(0, max).toString('utf8').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 300);
}

/** Retry-After as seconds or an HTTP date, capped; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, clock: () => number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = /^\s*(\d+)\s*$/.exec(text);
  const ms = seconds ? Number(seconds[1]) * 1000 : Date.parse(text) - clock();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined;
}
