// What every check is handed: the endpoint's MCP context (with this check's own deadline), what
// the handshake learned, and observations several checks share (one request each, made once).
import type { Era } from '../domain/probe-result.ts';
import type { McpContext } from '../probe/mcp/context.ts';
import type { Verdict } from './verdict.ts';
import type { Observations } from './observations.ts';

export interface HandshakeFacts {
  /** The era that answered (or that a failing server showed it speaks); null when none did. */
  readonly era: Era | null;
  readonly protocolVersion: string | null;
  readonly capabilities: Readonly<Record<string, unknown>> | null;
  /** Why there is no era: the handshake's failure, for checks that need one. */
  readonly failure: string | null;
  /** The pages tools/list returned, as received; null when tools were not listed. */
  readonly toolPages: readonly Readonly<Record<string, unknown>>[] | null;
  /** Why tools/list gave nothing, when it was asked for and failed. */
  readonly toolsFailure: string | null;
  /** Whether listing tools is allowed for this endpoint. */
  readonly listTools: boolean;
}

export interface CheckContext {
  readonly mcp: McpContext;
  readonly handshake: HandshakeFacts;
  readonly observe: Observations;
}

export type CheckFn = (c: CheckContext) => Promise<Verdict>;
