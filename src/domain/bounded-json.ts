// JSON from servers we do not trust, bounded in depth and size before anything walks it.
// JSON.parse itself does not recurse on the call stack in V8, but everything that walks the value
// afterwards does: measured on Node 20 at the top of the stack, JSON.stringify overflows at 4,176
// levels and the recursive canonical-JSON hash at 3,056, and a probe sits deeper than that on an
// async stack. A 5,000-level tools/list schema (10 KB) crashed the probe that way. So no value
// leaves this module deeper than MAX_JSON_DEPTH or with more than MAX_JSON_NODES values, and every
// walker downstream (hash, stringify, schema reads, the store) can recurse without a second guard.

/**
 * Deep enough for any real reply: the JSON-RPC envelope of a tools/list takes 4 levels and each
 * nested object property of a JSON Schema 2, so this leaves ~60 levels of nested properties.
 * Far below the ~3,000 where recursive walkers overflow.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Values (objects, arrays and scalars) in one reply. An 8 MiB list body can hold ~4 M of them
 * (`[0,0,…]`); a real one with thousands of tools holds a few hundred thousand.
 */
export const MAX_JSON_NODES = 1_000_000;

export interface JsonBounds {
  readonly maxDepth: number;
  readonly maxNodes: number;
}

export const SERVER_JSON_BOUNDS: JsonBounds = Object.freeze({ maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES });

export type BoundedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'syntax' | 'depth' | 'size'; readonly detail: string };

/** JSON.parse, then a check that the value stays inside the bounds. Never throws. */
export function parseBoundedJson(text: string, bounds: JsonBounds = SERVER_JSON_BOUNDS): BoundedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'syntax', detail: 'not valid JSON' };
  }
  const excess = checkBounds(value, bounds);
  return excess === undefined ? { ok: true, value } : { ok: false, ...excess };
}

/**
 * Measures a parsed value without recursion (an explicit stack), stopping at the first bound
 * crossed, so the check itself cannot be the thing that overflows.
 */
export function checkBounds(value: unknown, bounds: JsonBounds = SERVER_JSON_BOUNDS): { reason: 'depth' | 'size'; detail: string } | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let nodes = 1;
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (typeof top.value !== 'object' || top.value === null) continue;
    if (top.depth > bounds.maxDepth) return { reason: 'depth', detail: `nests deeper than ${bounds.maxDepth} levels` };
    const children = Array.isArray(top.value) ? (top.value as unknown[]) : Object.values(top.value);
    // Counted before they are pushed, so a 4-million-element array is refused without 4 million stack entries.
    nodes += children.length;
    if (nodes > bounds.maxNodes) return { reason: 'size', detail: `holds more than ${bounds.maxNodes} JSON values` };
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: top.depth + 1 });
  }
  return undefined;
}
