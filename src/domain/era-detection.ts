// The specification's backward-compatibility rules as a pure decision table: given what the
// server answered to one opening request, what era does that prove, and what to try next.
import type { Failure } from './failure-codes.ts';
import { failureForStatus } from './http-status.ts';
import { describeRpcError, isRecord, RPC, type JsonRpcMessage } from './jsonrpc.ts';
import { isKnownLegacyVersion, LATEST_MODERN, pickModernVersion } from './protocol-versions.ts';

/** The parts of a reply the decisions need; built from RpcReply by the I/O layer. */
export interface ReplySummary {
  readonly status: number;
  readonly message: JsonRpcMessage | undefined;
  readonly problem: Failure | undefined;
  readonly hasCredentials: boolean;
  readonly location?: string;
  readonly retryAfter?: string;
}

export interface DiscoverFacts {
  readonly supportedVersions: readonly string[];
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  readonly serverInfo: { name: string | null; version: string | null; title: string | null } | null;
}

export interface InitializeFacts {
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  readonly serverInfo: { name: string | null; version: string | null; title: string | null } | null;
}

export type DiscoverVerdict =
  | { readonly kind: 'modern'; readonly facts: DiscoverFacts }
  /** -32022 naming a revision we share: ask again with it. */
  | { readonly kind: 'retry'; readonly version: string; readonly supported: readonly string[] }
  /** A modern server, failing: the answer is final. */
  | { readonly kind: 'modern-failure'; readonly failure: Failure; readonly supported: readonly string[] }
  /** Not modern (or no evidence): try the 2025 handshake; `fallback` is reported if nothing else speaks. */
  | { readonly kind: 'legacy'; readonly fallback: Failure }
  /** Auth, redirect, rate limit: no other request would fare better. */
  | { readonly kind: 'stop'; readonly failure: Failure };

export type InitializeVerdict =
  | { readonly kind: 'streamable'; readonly facts: InitializeFacts }
  | { readonly kind: 'failure'; readonly failure: Failure }
  /** A modern-only server answering initialize with -32022. */
  | { readonly kind: 'modern'; readonly supported: readonly string[] }
  | { readonly kind: 'sse'; readonly fallback: Failure }
  | { readonly kind: 'stop'; readonly failure: Failure };

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function serverInfoOf(value: unknown): DiscoverFacts['serverInfo'] {
  if (!isRecord(value)) return null;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return { name: text(value.name), version: text(value.version), title: text(value.title) };
}

/** -32022 carries the server's revisions in data.supported; 2025 SDKs put them in the message. */
function supportedFromError(message: JsonRpcMessage): string[] {
  if (message.kind !== 'error') return [];
  const data = message.error.data;
  return isRecord(data) ? strings(data.supported) : [];
}

function stopFailure(reply: ReplySummary): Failure | undefined {
  const failure = failureForStatus(reply.status, reply);
  if (failure === undefined) return undefined;
  const stops = ['HTTP_REDIRECT', 'AUTH_REQUIRED', 'AUTH_FAILED', 'AUTH_FORBIDDEN', 'HTTP_RATE_LIMITED'];
  return stops.includes(failure.code) ? failure : undefined;
}

export function parseDiscoverResult(result: unknown): DiscoverFacts | undefined {
  if (!isRecord(result) || !Array.isArray(result.supportedVersions)) return undefined;
  const supportedVersions = strings(result.supportedVersions);
  const meta = isRecord(result._meta) ? result._meta : {};
  return {
    supportedVersions,
    protocolVersion: pickModernVersion(supportedVersions) ?? supportedVersions[0] ?? '',
    capabilities: isRecord(result.capabilities) ? result.capabilities : {},
    serverInfo: serverInfoOf(meta['io.modelcontextprotocol/serverInfo']),
  };
}

/** Which `server/discover` this reply answers: the revision sent, and whether it was already the retry. */
export interface DiscoverAttempt {
  readonly version: string;
  readonly retried: boolean;
}

/**
 * A -32022 naming a revision we share is retried once with it, even when it is the revision just
 * sent: a server may refuse the first request of a client it does not know yet (the conformance
 * suite's `request-metadata` does exactly that). Only a second refusal is final.
 */
export function judgeDiscover(reply: ReplySummary, attempt: DiscoverAttempt = { version: LATEST_MODERN, retried: false }): DiscoverVerdict {
  const stop = stopFailure(reply);
  if (stop) return { kind: 'stop', failure: stop };
  const { message } = reply;
  if (message?.kind === 'error' && message.error.code === RPC.unsupportedProtocolVersion) {
    const supported = supportedFromError(message);
    if (supported.length > 0) {
      const version = pickModernVersion(supported);
      if (version !== undefined && attempt.retried) {
        const failure: Failure = {
          code: 'PROTOCOL_VERSION_UNSUPPORTED',
          detail: `server/discover refused ${attempt.version} on the retry too, although the server lists ${supported.join(', ')}`,
        };
        return { kind: 'modern-failure', failure, supported };
      }
      if (version !== undefined) return { kind: 'retry', version, supported };
      // The server is modern in shape but shares no revision with us; it may still speak 2025.
      if (supported.some(isKnownLegacyVersion)) return { kind: 'legacy', fallback: versionFailure(supported) };
      return { kind: 'modern-failure', failure: versionFailure(supported), supported };
    }
  }
  if (message?.kind === 'error' && message.error.code === RPC.headerMismatch) {
    return { kind: 'modern-failure', failure: { code: 'JSONRPC_ERROR', detail: `server/discover rejected: ${describeRpcError(message.error)}` }, supported: [] };
  }
  if (reply.status >= 200 && reply.status < 300 && message?.kind === 'result') {
    const facts = parseDiscoverResult(message.result);
    // Some 2025 servers answer unknown methods with an empty result: that is legacy evidence.
    if (facts !== undefined && facts.supportedVersions.length > 0) {
      if (pickModernVersion(facts.supportedVersions) === undefined) {
        if (facts.supportedVersions.some(isKnownLegacyVersion)) return { kind: 'legacy', fallback: versionFailure(facts.supportedVersions) };
        return { kind: 'modern-failure', failure: versionFailure(facts.supportedVersions), supported: facts.supportedVersions };
      }
      return { kind: 'modern', facts };
    }
  }
  return { kind: 'legacy', fallback: fallbackFailure(reply, 'server/discover') };
}

function versionFailure(supported: readonly string[]): Failure {
  return {
    code: 'PROTOCOL_VERSION_UNSUPPORTED',
    detail: `the server supports ${supported.join(', ') || 'no named revision'}; mcpwatch speaks 2026-07-28 and 2024-11-05…2025-11-25`,
  };
}

/** What to report for a reply that proved nothing, should no other era speak either. */
function fallbackFailure(reply: ReplySummary, method: string): Failure {
  if (reply.problem) return reply.problem;
  // 400 and 405 say "not this transport here"; other 4xx (410, 418, 422…) say something specific.
  if (reply.status === 400 || reply.status === 405) return { code: 'NOT_MCP', detail: `${method}: HTTP ${reply.status}` };
  const status = failureForStatus(reply.status, reply);
  if (status) return { code: status.code, detail: `${method}: ${status.detail}` };
  if (reply.message?.kind === 'error') return { code: 'NOT_MCP', detail: `${method}: ${describeRpcError(reply.message.error)}` };
  return { code: 'NOT_MCP', detail: `${method}: no MCP answer (HTTP ${reply.status})` };
}

export function parseInitializeResult(result: unknown): InitializeFacts | undefined {
  if (!isRecord(result) || typeof result.protocolVersion !== 'string' || !isRecord(result.capabilities)) return undefined;
  return { protocolVersion: result.protocolVersion, capabilities: result.capabilities, serverInfo: serverInfoOf(result.serverInfo) };
}

/**
 * The 2025 handshake's answer. A 400/404/405 without a JSON-RPC body is no MCP evidence, so the
 * deprecated HTTP+SSE transport is tried next; a JSON-RPC error is evidence (the server speaks
 * MCP here and refused), so it is final.
 */
export function judgeInitialize(reply: ReplySummary): InitializeVerdict {
  const stop = stopFailure(reply);
  if (stop) return { kind: 'stop', failure: stop };
  const { message } = reply;
  if (message?.kind === 'error') {
    if (message.error.code === RPC.unsupportedProtocolVersion) {
      const supported = supportedFromError(message);
      if (pickModernVersion(supported) !== undefined) return { kind: 'modern', supported };
      if (supported.length > 0) return { kind: 'failure', failure: versionFailure(supported) };
    }
    if (reply.status >= 400 && [400, 404, 405].includes(reply.status) && message.id === null) {
      // "Method not allowed" / "Not Found" shaped as JSON-RPC by a framework, not an MCP refusal.
      return { kind: 'sse', fallback: { code: 'NOT_MCP', detail: `initialize: ${describeRpcError(message.error)} (HTTP ${reply.status})` } };
    }
    return { kind: 'failure', failure: { code: 'JSONRPC_ERROR', detail: `initialize failed: ${describeRpcError(message.error)}` } };
  }
  if (reply.status >= 200 && reply.status < 300) {
    if (reply.problem) return { kind: 'failure', failure: reply.problem };
    if (message?.kind === 'result') {
      const facts = parseInitializeResult(message.result);
      if (facts === undefined) return { kind: 'failure', failure: { code: 'INIT_RESULT_INVALID', detail: 'the initialize result lacks protocolVersion or capabilities' } };
      if (!isKnownLegacyVersion(facts.protocolVersion)) return { kind: 'failure', failure: versionFailure([facts.protocolVersion]) };
      return { kind: 'streamable', facts };
    }
  }
  return { kind: 'sse', fallback: fallbackFailure(reply, 'initialize') };
}

/**
 * Picks what to report when no era answered: the most specific evidence wins. A 5xx anywhere
 * says the server is unwell; only 404s say the path is wrong; otherwise it is not MCP.
 */
export function pickNoEraFailure(attempts: readonly Failure[]): Failure {
  const order = ['HTTP_5XX', 'UNEXPECTED_CONTENT_TYPE', 'INVALID_JSON', 'INVALID_JSONRPC', 'SSE_ENDPOINT_MISSING', 'SSE_ENDPOINT_CROSS_ORIGIN', 'HTTP_4XX'];
  const allNotFound = attempts.length > 0 && attempts.every((a) => a.code === 'HTTP_NOT_FOUND');
  if (allNotFound) return { code: 'HTTP_NOT_FOUND', detail: `HTTP 404 to every MCP transport (${attempts.map((a) => a.detail).join('; ')})` };
  for (const code of order) {
    const hit = attempts.find((a) => a.code === code);
    if (hit) return hit;
  }
  return { code: 'NOT_MCP', detail: `no MCP transport answered: ${attempts.map((a) => a.detail).join('; ')}` };
}
