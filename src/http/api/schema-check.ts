// A body checked against an API route's TypeBox schema outside a request, by the same compiler the
// API uses (routes/api.ts) and worded by the same function (fieldErrorsFromSchema): the browser
// forms build the API's body from their fields and hear exactly what the API would have said.
import { TypeBoxValidatorCompiler, type TSchema } from '@fastify/type-provider-typebox';
import { fieldErrorsFromSchema, type FieldError, type SchemaIssue } from './errors.ts';

type Validate = (value: unknown) => { value?: unknown; error?: unknown };

const compiled = new WeakMap<TSchema, Validate>();

/** The schema's complaints about `value` as "field: message" pairs under `context` (none: valid). */
export function schemaFieldErrors(schema: TSchema, value: unknown, context = 'body'): FieldError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    // The compiler reads only the schema and the part; the rest of Fastify's route description is unused.
    validate = TypeBoxValidatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '' }) as Validate;
    compiled.set(schema, validate);
  }
  const outcome = validate(value);
  if (outcome.error === undefined) return [];
  return fieldErrorsFromSchema(context, [...(outcome.error as Iterable<SchemaIssue>)]);
}
