// Is a tool's schema a valid JSON Schema of its dialect (2020-12 unless `$schema` says draft-07),
// and does it lean on a `$ref` to the network? Validation is ajv's, with no loader: a network
// `$ref` is never fetched (SEP-2106), only reported. Bounded, because the schema is the server's.
import { Ajv, type AnySchemaObject } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { isRecord } from '../domain/jsonrpc.ts';

export type Dialect = '2020-12' | 'draft-07';

const DIALECTS: Readonly<Record<string, Dialect>> = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft-07/schema': 'draft-07',
};

export function dialectOf(schema: Readonly<Record<string, unknown>>): Dialect | { unsupported: string } {
  const declared = schema.$schema;
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return { unsupported: `a non-string $schema` };
  return DIALECTS[declared.replace(/#$/, '')] ?? { unsupported: declared };
}

/** Past these a schema is not validated (and says so): ajv recurses, and the schema is hostile input. */
export const SCHEMA_LIMITS = { maxDepth: 64, maxNodes: 20_000 } as const;

export type SchemaJudgement =
  | { readonly kind: 'valid'; readonly dialect: Dialect }
  | { readonly kind: 'invalid'; readonly why: string }
  | { readonly kind: 'not-validated'; readonly why: string };

// Values under these keys are instances, not schemas: a "$ref" inside them is data.
const DATA_KEYWORDS: ReadonlySet<string> = new Set(['const', 'enum', 'default', 'examples']);
const NETWORK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);

interface Walked {
  readonly depth: number;
  readonly nodes: number;
  /** `$ref`s that resolve to a network URI not declared inside the schema by an `$id`. */
  readonly networkRefs: readonly string[];
}

/** One iterative pass: size, depth and network `$ref`s (resolved against enclosing `$id`s). */
export function walkSchema(schema: unknown): Walked {
  const ids = new Set<string>();
  const refs: { ref: string; base: string | undefined }[] = [];
  let nodes = 0;
  let depth = 0;
  const stack: { value: unknown; depth: number; base: string | undefined }[] = [{ value: schema, depth: 1, base: undefined }];
  while (stack.length > 0) {
    const { value, depth: d, base } = stack.pop()!;
    nodes += 1;
    depth = Math.max(depth, d);
    if (nodes > SCHEMA_LIMITS.maxNodes || depth > SCHEMA_LIMITS.maxDepth) break;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: d + 1, base });
      continue;
    }
    if (!isRecord(value)) continue;
    let here = base;
    if (typeof value.$id === 'string') {
      const id = resolve(value.$id, base);
      if (id !== undefined) {
        here = id;
        ids.add(withoutFragment(id));
      }
    }
    if (typeof value.$ref === 'string') refs.push({ ref: value.$ref, base: here });
    for (const [key, child] of Object.entries(value)) {
      if (DATA_KEYWORDS.has(key) || typeof child !== 'object' || child === null) continue;
      stack.push({ value: child, depth: d + 1, base: here });
    }
  }
  const networkRefs = refs
    .map(({ ref, base }) => resolve(ref, base))
    .filter((url): url is string => url !== undefined && NETWORK_SCHEMES.has(new URL(url).protocol) && !ids.has(withoutFragment(url)));
  return { depth, nodes, networkRefs };
}

function resolve(ref: string, base: string | undefined): string | undefined {
  try {
    return new URL(ref, base).href;
  } catch {
    return undefined; // relative with no absolute base: local to the document
  }
}

function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash < 0 ? url : url.slice(0, hash);
}

/** A judge for one run: one ajv per dialect, which caches nothing by `$id` across schemas. */
export function schemaJudge(): (schema: unknown, field: string) => SchemaJudgement {
  const options = { strict: false, addUsedSchema: false, validateFormats: false, logger: false } as const;
  const instances = { '2020-12': new Ajv2020(options), 'draft-07': new Ajv(options) } satisfies Record<Dialect, Ajv | Ajv2020>;
  return (schema, field) => {
    if (!isRecord(schema)) return { kind: 'invalid', why: `${field} is not a JSON object` };
    const dialect = dialectOf(schema);
    if (typeof dialect !== 'string') return { kind: 'not-validated', why: `${field} declares ${dialect.unsupported.slice(0, 80)}, a dialect mcpwatch does not validate` };
    const walked = walkSchema(schema);
    if (walked.depth > SCHEMA_LIMITS.maxDepth || walked.nodes > SCHEMA_LIMITS.maxNodes) {
      return { kind: 'not-validated', why: `${field} is beyond ${SCHEMA_LIMITS.maxDepth} levels or ${SCHEMA_LIMITS.maxNodes} nodes` };
    }
    if (schema.type !== 'object') return { kind: 'invalid', why: `${field}.type is ${JSON.stringify(schema.type) ?? 'absent'}, not "object"` };
    const ajv = instances[dialect];
    try {
      if (!ajv.validateSchema(schema)) return { kind: 'invalid', why: `${field}: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}` };
      ajv.compile(schema as AnySchemaObject);
    } catch (err) {
      const missing = (err as { missingRef?: unknown }).missingRef;
      // A network $ref is never loaded, so ajv reports it missing: the no-network-ref check's
      // finding, not a malformed schema.
      if (typeof missing === 'string' && walked.networkRefs.length > 0) return { kind: 'valid', dialect };
      return { kind: 'invalid', why: `${field}: ${err instanceof Error ? err.message : String(err)}` };
    }
    return { kind: 'valid', dialect };
  };
}
