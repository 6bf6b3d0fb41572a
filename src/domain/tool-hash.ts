import { createHash } from 'node:crypto';
import { isRecord } from './jsonrpc.ts';

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export interface ToolSignature {
  readonly name: string;
  readonly inputSchema: unknown;
  readonly outputSchema: unknown;
}

/** Keeps what defines a tool's contract (name and schemas); descriptions are prose and churn. */
export function toolSignature(tool: unknown): ToolSignature | undefined {
  if (!isRecord(tool) || typeof tool.name !== 'string') return undefined;
  return { name: tool.name, inputSchema: tool.inputSchema ?? null, outputSchema: tool.outputSchema ?? null };
}

/** A stable hash of a tool list: order-independent, key-order-independent, sha256 hex. */
export function hashToolList(tools: readonly ToolSignature[]): string {
  // Sorted by canonical text, not name alone, so duplicate names cannot make the order matter.
  const sorted = tools.map(canonicalJson).sort();
  return createHash('sha256').update(`[${sorted.join(',')}]`).digest('hex');
}
