import type { Failure } from '../../domain/failure-codes.ts';
import { pickNoEraFailure } from '../../domain/era-detection.ts';
import type { AuthFacts, Era, EraOverride } from '../../domain/probe-result.ts';
import { isProtocolMismatch } from '../../domain/status.ts';
import type { Attempt, Handshake } from './attempt.ts';
import type { McpContext } from './context.ts';
import { trySse } from './legacy-sse.ts';
import { tryModern } from './modern.ts';
import { tryStreamable } from './streamable.ts';

const ATTEMPTS = { modern: tryModern, streamable: tryStreamable, sse: trySse } satisfies Record<Era, (ctx: McpContext) => Promise<Attempt>>;

export type HandshakeOutcome =
  | { readonly ok: true; readonly handshake: Handshake; readonly eraSource: 'hint' | 'detected' | 'override' }
  | { readonly ok: false; readonly failure: Failure; readonly era: Era | null; readonly auth: AuthFacts | null; readonly eraSource: 'hint' | 'detected' | 'override' | null };

function finish(attempt: Attempt, eraSource: 'hint' | 'detected' | 'override'): HandshakeOutcome {
  if (attempt.kind === 'ok') return { ok: true, handshake: attempt.handshake, eraSource };
  if (attempt.kind === 'final') return { ok: false, failure: attempt.failure, era: attempt.era, auth: attempt.auth ?? null, eraSource: attempt.era ? eraSource : null };
  return { ok: false, failure: attempt.fallback, era: null, auth: null, eraSource: null };
}

/**
 * Speaks to the endpoint in the right era. An override forces one era; a cached hint is tried
 * first and, when it fails with a protocol error (the server changed era, not fell over),
 * detection runs again inside the same probe so a migration never shows up as an outage.
 */
export async function handshake(ctx: McpContext, override: EraOverride, hint: Era | undefined): Promise<HandshakeOutcome> {
  if (override !== 'auto') return finish(await ATTEMPTS[override](ctx), 'override');
  if (hint !== undefined) {
    const hinted = await ATTEMPTS[hint](ctx);
    if (hinted.kind === 'ok') return finish(hinted, 'hint');
    const failure = hinted.kind === 'final' ? hinted.failure : hinted.fallback;
    if (!isProtocolMismatch(failure.code) || ctx.deadline.remaining() <= 0) return finish(hinted, 'hint');
  }
  return detect(ctx);
}

/** Replies to server/discover that broke on the way (not a refusal): no answer on the stream, bad JSON. */
const BROKEN_REPLIES: ReadonlySet<string> = new Set(['SSE_NO_RESPONSE', 'INVALID_JSON', 'INVALID_JSONRPC']);

/**
 * A server that refuses initialize as a modern server, after its server/discover reply broke
 * (a stream closed for good before the response), is a modern server with a broken reply: that
 * is the failure to report, not the refusal of a handshake it never offered.
 */
function modernAfterAll(attempt: Attempt, discoverFallback: Failure | undefined): Attempt {
  if (attempt.kind !== 'final' || attempt.era !== 'modern' || discoverFallback === undefined) return attempt;
  return BROKEN_REPLIES.has(discoverFallback.code) ? { kind: 'final', failure: discoverFallback, era: 'modern' } : attempt;
}

/** The specification's order: modern first, then the 2025 handshake, then HTTP+SSE. */
async function detect(ctx: McpContext): Promise<HandshakeOutcome> {
  const fallbacks: Failure[] = [];
  for (const era of ['modern', 'streamable', 'sse'] as const) {
    const attempt = await ATTEMPTS[era](ctx);
    if (attempt.kind !== 'next') return finish(modernAfterAll(attempt, fallbacks[0]), 'detected');
    fallbacks.push(attempt.fallback);
  }
  return { ok: false, failure: pickNoEraFailure(fallbacks), era: null, auth: null, eraSource: null };
}
