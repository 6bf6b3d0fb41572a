import { createHash } from 'node:crypto';
import { isRecord } from './jsonrpc.ts';

/** Literal text queued between values, told apart from server data (which is never an instance). */
class Text {
  constructor(readonly text: string) {}
}
const CLOSE_ARRAY = new Text(']');
const CLOSE_OBJECT = new Text('}');
const COMMA = new Text(',');

/**
 * JSON with object keys sorted at every depth, so equal values always give equal text. Written
 * with an explicit stack rather than recursion: the recursive version overflowed at ~3,000 levels
 * and a 5,000-level schema from a server crashed the probe (issue 10). Its output is byte for byte
 * the recursive one's, so stored tool hashes stay valid.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const item = todo.pop();
    if (item instanceof Text) {
      out.push(item.text);
    } else if (Array.isArray(item)) {
      out.push('[');
      todo.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        todo.push(item[i]);
        if (i > 0) todo.push(COMMA);
      }
    } else if (isRecord(item)) {
      out.push('{');
      todo.push(CLOSE_OBJECT);
      const keys = Object.keys(item).filter((k) => item[k] !== undefined).sort();
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push(item[keys[i]!]);
        todo.push(new Text(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`));
      }
    } else {
      out.push(JSON.stringify(item ?? null));
    }
  }
  return out.join('');
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
