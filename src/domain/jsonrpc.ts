// Shape checks for JSON-RPC 2.0 messages received from servers we do not trust.

export type JsonRpcId = string | number;

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data: unknown;
}

export type JsonRpcMessage =
  | { readonly kind: 'result'; readonly id: JsonRpcId | null; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: JsonRpcId | null; readonly error: JsonRpcErrorObject }
  | { readonly kind: 'request'; readonly id: JsonRpcId; readonly method: string }
  | { readonly kind: 'notification'; readonly method: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Classifies one decoded JSON value. Lenient where real servers are sloppy (a missing
 * `"jsonrpc": "2.0"` on an otherwise well-formed error is still an error), strict where it
 * matters for truth (a result needs an id to be matched to our request).
 */
export function parseJsonRpcMessage(value: unknown): JsonRpcMessage | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.id;
  if ('result' in value && (isId(id) || id === null)) return { kind: 'result', id, result: value.result };
  if ('error' in value && isRecord(value.error)) {
    const err = value.error;
    const code = typeof err.code === 'number' ? err.code : Number.NaN;
    const message = typeof err.message === 'string' ? err.message : '';
    if (Number.isNaN(code)) return undefined;
    return { kind: 'error', id: isId(id) ? id : null, error: { code, message, data: err.data } };
  }
  if (typeof value.method === 'string') {
    return isId(id) ? { kind: 'request', id, method: value.method } : { kind: 'notification', method: value.method };
  }
  return undefined;
}

/** A body may hold one message or a batch (2025-03-26 allowed batches); return them all. */
export function parseJsonRpcPayload(value: unknown): JsonRpcMessage[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  const messages: JsonRpcMessage[] = [];
  for (const item of items) {
    const message = parseJsonRpcMessage(item);
    if (message === undefined) return undefined;
    messages.push(message);
  }
  return messages;
}

export function findResponse(messages: readonly JsonRpcMessage[], id: JsonRpcId): JsonRpcMessage | undefined {
  return messages.find((m) => (m.kind === 'result' || m.kind === 'error') && m.id === id);
}

/** Error responses some servers send with `id: null` because they failed before reading ours. */
export function findUnmatchedError(messages: readonly JsonRpcMessage[]): JsonRpcMessage | undefined {
  return messages.find((m) => m.kind === 'error' && m.id === null);
}

/** Standard and MCP-specific JSON-RPC error codes the probe reasons about. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** 2025 SDKs: "Server not initialized", "No valid session ID", "Bad Request: ...". */
  serverError: -32000,
  sessionNotFound: -32001,
  headerMismatch: -32020,
  unsupportedProtocolVersion: -32022,
} as const;

export function describeRpcError(error: JsonRpcErrorObject): string {
  const message = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
  return `JSON-RPC error ${error.code}${message ? `: ${message}` : ''}`;
}
