// Every error the HTTP surface sends, with a stable code. The error handler (routes/security.ts)
// turns an ApiError into its JSON body; anything else becomes a generic 500.

export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFIG_OWNED'
  | 'REGISTRY_OWNED'
  | 'SLUG_TAKEN'
  | 'NAME_TAKEN'
  | 'IN_USE'
  | 'RATE_LIMITED'
  | 'BUSY'
  | 'ENDPOINT_IDLE'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldError {
  /** Where, as a dotted path: `body.headers.X-Api-Key`, `querystring.limit`. */
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly fields: readonly FieldError[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export function validationError(fields: readonly FieldError[]): ApiError {
  return new ApiError(400, 'VALIDATION_FAILED', fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', message);
}

/** The JSON body of every error response (also its OpenAPI schema). */
export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly code: string;
  readonly message: string;
  readonly fields?: readonly FieldError[];
  readonly requestId: string;
}

/** The subset of an Ajv-style error that Fastify hands over in `error.validation`. */
export interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/**
 * Schema errors as "field: message" pairs a person can act on. Values are never quoted: the body
 * may hold a secret (a header value, a bearer token) that must not come back in an error.
 */
export function fieldErrorsFromSchema(context: string, issues: readonly SchemaIssue[]): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const push = (field: string, message: string): void => {
    const key = `${field}\n${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ field, message });
  };
  // Errors inside an anyOf branch are summarised by the anyOf error itself.
  const anyOfPaths = new Set(issues.filter((i) => i.keyword === 'anyOf').map((i) => i.instancePath));
  for (const issue of issues) {
    const field = fieldPath(context, issue.instancePath);
    const params = issue.params ?? {};
    switch (issue.keyword) {
      case 'boolean':
        // "schema is false" on the property itself: reported once as an unknown field below.
        break;
      case 'additionalProperties':
        for (const name of asStrings(params.additionalProperties ?? params.additionalProperty)) push(fieldPath(context, `${issue.instancePath}/${escapePointer(name)}`), 'unknown field');
        break;
      case 'required':
        for (const name of asStrings(params.requiredProperties ?? params.missingProperty)) push(fieldPath(context, `${issue.instancePath}/${escapePointer(name)}`), 'is required');
        break;
      case 'anyOf': {
        // Branches of a nullable field: a string that is too long fails the string branch on its
        // length and the null branch on its type; the length is what the caller needs to hear.
        const branches = issues.filter((i) => i.instancePath === issue.instancePath && i.keyword !== 'anyOf' && i.schemaPath?.includes('anyOf'));
        const constraints = branches.filter((i) => i.keyword !== 'type' && i.keyword !== 'const');
        const types = branches.filter((i) => i.keyword === 'type' && typeof i.params?.type === 'string').map((i) => String(i.params?.type));
        if (constraints.length > 0) for (const c of constraints) push(field, c.message ?? 'is invalid');
        else push(field, types.length > 0 ? `must be ${types.join(' or ')}` : 'does not match any allowed shape');
        break;
      }
      case 'enum':
        push(field, `must be one of ${asStrings(params.allowedValues).join(', ')}`);
        break;
      default:
        if (anyOfPaths.has(issue.instancePath) && issue.schemaPath?.includes('anyOf')) break;
        push(field, issue.message ?? 'is invalid');
    }
  }
  if (out.length === 0) push(context, 'is invalid');
  return out;
}

function asStrings(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `body` + `/headers/X-Api-Key` → `body.headers.X-Api-Key`. */
function fieldPath(context: string, pointer: string): string {
  if (pointer === '') return context;
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [context, ...parts].join('.');
}
