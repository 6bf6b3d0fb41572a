// Every change to an endpoint that a person asks for, whichever surface they use (the JSON API,
// the browser forms): who owns it, the body rules, slug clashes, pause and resume, archive, delete.
// One place, so the API and the forms refuse the same input with the same words. Refusals are
// ApiErrors (status, stable code, field messages); the API sends them as JSON, the forms as a page.
import { TypeBoxValidatorCompiler, type TSchema } from '@fastify/type-provider-typebox';
import { SOURCE_OWNER, type Endpoint, type EndpointDefinition } from '../../domain/endpoint.ts';
import { StoreError } from '../../store/store.ts';
import type { AppDeps } from '../deps.ts';
import { findEndpoint } from './context.ts';
import { definitionFromBody, type EndpointInputPolicy, type InputMode } from './endpoint-input.ts';
import { ApiError, fieldErrorsFromSchema, notFound, validationError, type FieldError, type SchemaIssue } from './errors.ts';
import { endpointBodySchemas, type EndpointBody } from './schemas.ts';

export type BodyCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fields: FieldError[] };

/**
 * A body checked against a route's TypeBox schema exactly as the API checks it (the same compiler,
 * the same "field: message" wording), for callers that are not the API's own routes.
 */
export function bodyChecker<T>(schema: TSchema): (value: unknown) => BodyCheck<T> {
  const validate = TypeBoxValidatorCompiler({ schema, method: 'POST', url: '', httpPart: 'body' });
  return (value) => {
    const outcome = validate(value) as { value?: unknown; error?: readonly SchemaIssue[] };
    if (outcome.error === undefined) return { ok: true, value: outcome.value as T };
    return { ok: false, fields: fieldErrorsFromSchema('body', outcome.error) };
  };
}

/** What `editable` is asked for: a change, or deletion (which an archived file/registry endpoint allows). */
export type EditIntent = 'change' | 'delete';

export interface EndpointWrites {
  readonly policy: EndpointInputPolicy;
  /** The TypeBox bodies: `full` for create and replace, `partial` for patch. */
  readonly bodies: ReturnType<typeof endpointBodySchemas>;
  /**
   * The endpoint to change: 404 when unknown, 409 when the YAML file or a registry owns it. An
   * archived one (no longer in the file) may only be deleted: changing it would be undone when it returns.
   */
  readonly editable: (ref: string, intent?: EditIntent) => Promise<Endpoint>;
  /** A body already shape-checked by its schema → saved (created when `base` is undefined). */
  readonly save: (mode: InputMode, body: EndpointBody, base: Endpoint | undefined) => Promise<Endpoint>;
  readonly setPaused: (endpoint: Endpoint, paused: boolean, reason: string | null) => Promise<Endpoint>;
  /**
   * Archives it (not probed, history kept, off the public pages) or restores it; a no-op when it
   * already is. 404 where this server cannot archive (no archive store) or when it went meanwhile.
   */
  readonly setArchived: (endpoint: Endpoint, archived: boolean) => Promise<Endpoint>;
  /** Deletes it with its history; 404 (naming `ref`, as asked for) when it went meanwhile. */
  readonly remove: (endpoint: Endpoint, ref?: string) => Promise<void>;
}

export function endpointWrites(deps: Pick<AppDeps, 'store' | 'config' | 'onEndpointsChanged' | 'archiveEndpoint' | 'clock'>): EndpointWrites {
  const { store } = deps;
  const policy: EndpointInputPolicy = {
    minIntervalS: deps.config.scheduler.minIntervalS,
    defaultIntervalS: deps.config.scheduler.defaultIntervalS,
    defaultTimeoutMs: deps.config.probe.timeoutMs,
    allowPrivate: deps.config.probe.allowPrivate,
  };

  const editable = async (ref: string, intent: EditIntent = 'change'): Promise<Endpoint> => {
    const endpoint = await findEndpoint(store, ref);
    if (!endpoint) throw notFound(`no endpoint with id or slug ${JSON.stringify(ref)}`);
    if (endpoint.source === 'config' && !(intent === 'delete' && endpoint.archivedAt !== null)) {
      throw new ApiError(
        409,
        'CONFIG_OWNED',
        endpoint.archivedAt === null
          ? `endpoint "${endpoint.slug}" is defined in the configuration file and is read-only through the API; edit it in the YAML file (mcpwatch reloads it on change or SIGHUP)`
          : `endpoint "${endpoint.slug}" is archived: the configuration file owned it and no longer lists it; list it there again to restore it, or DELETE it to drop its history`,
      );
    }
    if (endpoint.source === 'registry' && !(intent === 'delete' && endpoint.archivedAt !== null)) {
      throw new ApiError(
        409,
        'REGISTRY_OWNED',
        endpoint.archivedAt === null
          ? `endpoint "${endpoint.slug}" is owned by ${SOURCE_OWNER.registry} and is read-only through the API; change it in the registry, or leave it out with the registry's filters in the configuration file`
          : `endpoint "${endpoint.slug}" is archived: ${SOURCE_OWNER.registry} owned it and the registry no longer lists it; DELETE it to drop its history`,
      );
    }
    return endpoint;
  };

  const save = async (mode: InputMode, body: EndpointBody, base: Endpoint | undefined): Promise<Endpoint> => {
    const input = definitionFromBody(body, mode, base, policy);
    if (!input.ok) throw validationError(input.errors);
    const holder = await store.getEndpointBySlug(input.definition.slug);
    if (holder && holder.id !== base?.id) {
      const owner = holder.source === 'config' ? ' (defined in the configuration file)' : holder.source === 'registry' ? ` (owned by ${SOURCE_OWNER.registry})` : '';
      throw new ApiError(409, 'SLUG_TAKEN', `slug "${input.definition.slug}" is already used by endpoint ${holder.id}${owner}`);
    }
    const saved = await storeWrite(() => (base ? store.updateEndpoint(base.id, input.definition) : store.createEndpoint(input.definition)));
    deps.onEndpointsChanged();
    return saved;
  };

  const setPaused = async (endpoint: Endpoint, paused: boolean, reason: string | null): Promise<Endpoint> => {
    const definition: EndpointDefinition = { ...endpoint, paused, pausedReason: paused ? reason : null };
    const saved = await storeWrite(() => store.updateEndpoint(endpoint.id, definition));
    deps.onEndpointsChanged();
    return saved;
  };

  const setArchived = async (endpoint: Endpoint, archived: boolean): Promise<Endpoint> => {
    const archive = deps.archiveEndpoint;
    if (archive === undefined) throw notFound('archiving is not available on this server');
    if ((endpoint.archivedAt !== null) === archived) return endpoint;
    if (!(await archive(endpoint.id, archived ? new Date(deps.clock()).toISOString() : null))) throw notFound(`no endpoint with id or slug ${JSON.stringify(String(endpoint.id))}`);
    deps.onEndpointsChanged();
    const saved = await store.getEndpoint(endpoint.id);
    if (!saved) throw notFound(`no endpoint with id or slug ${JSON.stringify(String(endpoint.id))}`);
    return saved;
  };

  const remove = async (endpoint: Endpoint, ref = String(endpoint.id)): Promise<void> => {
    if (!(await store.deleteEndpoint(endpoint.id))) throw notFound(`no endpoint with id or slug ${JSON.stringify(ref)}`);
    deps.onEndpointsChanged();
  };

  return { policy, bodies: endpointBodySchemas({ minIntervalS: policy.minIntervalS }), editable, save, setPaused, setArchived, remove };
}

/** Store refusals as API errors (a race with another writer after our own checks). */
export async function storeWrite<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreError) {
      if (error.code === 'SLUG_TAKEN' || error.code === 'DUPLICATE_SLUG') throw new ApiError(409, 'SLUG_TAKEN', error.message);
      if (error.code === 'ENDPOINT_NOT_FOUND') throw notFound(error.message);
      if (error.code === 'INVALID_ENDPOINT') throw new ApiError(400, 'VALIDATION_FAILED', 'the endpoint was rejected by the database schema');
    }
    throw error;
  }
}
