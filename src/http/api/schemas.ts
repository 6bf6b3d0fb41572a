// TypeBox schemas of the JSON API: request validation, response serialisation (only declared
// fields are ever written, so a secret added to a domain object cannot leak by accident) and the
// OpenAPI document.
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import { ENDPOINT_SOURCES } from '../../domain/endpoint.ts';
import { MAX_URL_LENGTH } from '../../domain/url.ts';
import { ERAS } from '../../config/schema.ts';
import { STATUSES, FAILURE_CODES } from '../../domain/failure-codes.ts';
import { EXCLUSIONS } from '../../domain/quorum.ts';
import { ERAS as PROBE_ERAS } from '../../domain/probe-result.ts';
import { GradeSummarySchema } from './compliance-schemas.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const MAX_TAGS = 32;
export const MAX_HEADERS = 32;
export const MAX_SECRET_LENGTH = 8192;
const MAX_INTERVAL_S = 86_400;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 600_000;

export const ErrorBodySchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    code: Type.String({ description: 'Stable error code, e.g. VALIDATION_FAILED, UNAUTHORIZED, CONFIG_OWNED' }),
    message: Type.String(),
    fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    requestId: Type.String(),
  },
  { additionalProperties: true },
);

/** Path parameter: an endpoint's numeric id or its slug (an all-digit value is tried as an id first). */
export const EndpointRefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64, description: 'Endpoint id or slug' }) }, { additionalProperties: false });

export interface BodyLimits {
  readonly minIntervalS: number;
}

/**
 * The writable fields. Names carry their units (intervalS, timeoutMs) where the YAML file accepts
 * durations such as "30s": the API is for programs. Secrets are write-only: `headers` and
 * `bearerToken` are accepted here and never returned.
 */
function endpointFields(limits: BodyLimits) {
  return {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$', description: 'Derived from the name when omitted' }),
    url: Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH }),
    intervalS: Type.Integer({ minimum: limits.minIntervalS, maximum: MAX_INTERVAL_S }),
    timeoutMs: Type.Integer({ minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS }),
    era: Type.Enum([...ERAS]),
    public: Type.Boolean(),
    paused: Type.Boolean(),
    pausedReason: Nullable(Type.String({ maxLength: 200 })),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_TAGS }),
    listTools: Type.Boolean(),
    allowPrivate: Type.Boolean({ description: 'Only accepted when the configuration sets probe.allowPrivate' }),
    headers: Nullable(
      Type.Record(Type.String(), Type.String({ maxLength: MAX_SECRET_LENGTH }), {
        maxProperties: MAX_HEADERS,
        description: 'Write-only. Replaces all headers; null removes them; omitted keeps them.',
      }),
    ),
    bearerToken: Nullable(Type.String({ minLength: 1, maxLength: MAX_SECRET_LENGTH, description: 'Write-only. null removes it; omitted keeps it.' })),
  };
}

export function endpointBodySchemas(limits: BodyLimits) {
  const f = endpointFields(limits);
  const optional = {
    slug: Type.Optional(f.slug),
    intervalS: Type.Optional(f.intervalS),
    timeoutMs: Type.Optional(f.timeoutMs),
    era: Type.Optional(f.era),
    public: Type.Optional(f.public),
    paused: Type.Optional(f.paused),
    pausedReason: Type.Optional(f.pausedReason),
    tags: Type.Optional(f.tags),
    listTools: Type.Optional(f.listTools),
    allowPrivate: Type.Optional(f.allowPrivate),
    headers: Type.Optional(f.headers),
    bearerToken: Type.Optional(f.bearerToken),
  };
  return {
    /** POST and PUT: name and url required; what is omitted takes its default (secrets excepted). */
    full: Type.Object({ name: f.name, url: f.url, ...optional }, { additionalProperties: false }),
    /** PATCH: every field optional; what is omitted is kept. */
    partial: Type.Object({ name: Type.Optional(f.name), url: Type.Optional(f.url), ...optional }, { additionalProperties: false }),
  };
}

export type EndpointBody = Static<ReturnType<typeof endpointBodySchemas>['partial']>;

export const PauseBody = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });

const Health = Type.Enum(['unknown', 'up', 'down']);
const StatusEnum = Type.Enum([...STATUSES]);
const FailureCodeEnum = Type.Enum([...FAILURE_CODES]);
const EraEnum = Type.Enum([...PROBE_ERAS]);

export const EndpointStatusSummary = Type.Object({
  health: Health,
  healthSince: Nullable(Type.String()),
  lastStatus: Nullable(StatusEnum),
  lastCode: Nullable(FailureCodeEnum),
  lastCheckedAt: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Number()),
});

export const EndpointView = Type.Object(
  {
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    url: Type.String(),
    intervalS: Type.Integer(),
    timeoutMs: Type.Integer(),
    era: Type.Enum([...ERAS]),
    public: Type.Boolean(),
    paused: Type.Boolean(),
    pausedReason: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    listTools: Type.Boolean(),
    allowPrivate: Type.Boolean(),
    source: Type.Enum([...ENDPOINT_SOURCES]),
    secretHeaders: Type.Array(Type.String(), { description: 'Names of the headers sent with credentials; values are never returned' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    archivedAt: Nullable(
      Type.String({
        description:
          'When the configuration file stopped listing it; null while live. An archived endpoint is not probed, keeps its history and returns with it when listed again',
      }),
    ),
    status: EndpointStatusSummary,
    grade: GradeSummarySchema,
  },
  { additionalProperties: false },
);
export type EndpointViewBody = Static<typeof EndpointView>;

export const ENDPOINT_PAGE_DEFAULT = 100;
export const ENDPOINT_PAGE_MAX = 1000;

export const EndpointListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ENDPOINT_PAGE_MAX, description: `Endpoints per page (default ${ENDPOINT_PAGE_DEFAULT})` })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: only endpoints with a larger id (the last id of the previous page; `next` carries it)' })),
  },
  { additionalProperties: false },
);

export const EndpointList = Type.Object({
  endpoints: Type.Array(EndpointView, { description: 'In id order' }),
  next: Nullable(Type.String({ description: 'Path and query of the next page (also sent as a Link header, rel="next"); null on the last page' })),
});

export const EndpointState = Type.Object({
  endpointId: Type.Integer(),
  slug: Type.String(),
  paused: Type.Boolean(),
  health: Health,
  healthSince: Nullable(Type.String()),
  consecutiveFailures: Type.Integer(),
  consecutiveSuccesses: Type.Integer(),
  lastStatus: Nullable(StatusEnum),
  lastCode: Nullable(FailureCodeEnum),
  lastDetail: Nullable(Type.String()),
  lastCheckedAt: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Number()),
  era: Nullable(EraEnum),
  protocolVersion: Nullable(Type.String()),
  serverName: Nullable(Type.String()),
  serverVersion: Nullable(Type.String()),
  certFingerprint: Nullable(Type.String()),
  certNotAfter: Nullable(Type.String()),
  toolsHash: Nullable(Type.String()),
  toolsCount: Nullable(Type.Integer()),
  openIncidentId: Nullable(Type.Integer()),
  failingSince: Nullable(Type.String()),
});

/** Times in the query: ms since the epoch, or an ISO 8601 date-time. */
const TimeParam = Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch or ISO 8601' });
export const MAX_RESULTS_LIMIT = 1000;
export const DEFAULT_RESULTS_LIMIT = 100;

export const ResultsQuery = Type.Object(
  {
    from: Type.Optional(TimeParam),
    to: Type.Optional(TimeParam),
    before: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: only rounds that started before this ms timestamp (use nextBefore)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RESULTS_LIMIT, default: DEFAULT_RESULTS_LIMIT })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "Only this region's rounds (several regions on PostgreSQL; SQLite has one, `default`)" })),
  },
  { additionalProperties: false },
);

export const ResultView = Type.Object({
  ts: Type.Integer({ description: 'Start of the round, ms since the epoch' }),
  at: Type.String(),
  status: StatusEnum,
  code: Nullable(FailureCodeEnum),
  detail: Nullable(Type.String()),
  durationMs: Type.Integer(),
  dnsMs: Nullable(Type.Integer()),
  connectMs: Nullable(Type.Integer()),
  tlsMs: Nullable(Type.Integer()),
  era: Nullable(EraEnum),
  retried: Type.Boolean(),
  stalled: Type.Boolean(),
  discounted: Type.Boolean({ description: 'A failure timed while mcpwatch itself was overloaded: counted neither as down nor as up' }),
  lagMs: Type.Integer(),
});

export const ResultsResponse = Type.Object({
  endpointId: Type.Integer(),
  from: Type.Integer(),
  to: Type.Integer(),
  limit: Type.Integer(),
  results: Type.Array(ResultView),
  nextBefore: Nullable(Type.Integer({ description: 'Pass as `before` for the next (older) page; null on the last page' })),
});

export const UPTIME_WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

export const UptimeQuery = Type.Object({ window: Type.Optional(Type.Enum(['24h', '7d', '30d', '90d'])) }, { additionalProperties: false });

export const UptimeResponse = Type.Object({
  endpointId: Type.Integer(),
  window: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  rounds: Type.Integer(),
  up: Type.Integer(),
  degraded: Type.Integer(),
  authRequired: Type.Integer(),
  down: Type.Integer(),
  uptime: Nullable(Type.Number({ description: 'Fraction of rounds that were not outages under the health policy; null without rounds' })),
  uptimePercent: Nullable(Type.Number({ description: 'The figure pages and badges show: uptime in percent, floored to two decimals (README, "Uptime")' })),
  notMonitoredMs: Type.Integer({ description: 'Time in the window mcpwatch did not observe the endpoint (monitoring gaps); it counts neither up nor down' }),
  p50Ms: Nullable(Type.Number()),
  p95Ms: Nullable(Type.Number()),
});

export const MAX_GAPS_LIMIT = 500;

export const GapsQuery = Type.Object(
  {
    window: Type.Optional(Type.Enum(['24h', '7d', '30d', '90d'])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_GAPS_LIMIT, default: 100 })),
  },
  { additionalProperties: false },
);

export const GapView = Type.Object({
  from: Type.Integer({ description: 'Start of the last round before the silence, ms since the epoch' }),
  to: Type.Integer({ description: 'Start of the first round after it' }),
  durationMs: Type.Integer(),
});

export const GapsResponse = Type.Object({
  endpointId: Type.Integer(),
  window: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  notMonitoredMs: Type.Integer({ description: 'Time in the window covered by the gaps' }),
  gaps: Type.Array(GapView, { description: 'Spans in which mcpwatch observed nothing of the endpoint (it was down, restarting or stalled), newest first' }),
});

export const MAX_INCIDENTS_LIMIT = 500;

export const IncidentsQuery = Type.Object(
  {
    endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Endpoint id or slug' })),
    open: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INCIDENTS_LIMIT, default: 50 })),
  },
  { additionalProperties: false },
);

export const IncidentView = Type.Object({
  id: Type.Integer(),
  endpointId: Type.Integer(),
  endpointSlug: Type.String(),
  open: Type.Boolean(),
  startedAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
  durationS: Nullable(Type.Number()),
  firstCode: FailureCodeEnum,
  firstDetail: Type.String(),
  lastCode: FailureCodeEnum,
  lastDetail: Type.String(),
  regions: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({
        health: Type.Enum(['unknown', 'up', 'down']),
        at: Nullable(Type.String({ description: "The region's latest round" })),
        since: Nullable(Type.String({ description: 'Since when the region holds that health' })),
        code: Nullable(Type.String()),
        counted: Type.Boolean({ description: 'Whether the quorum counted this region' }),
        excluded: Type.Optional(Type.Enum([...EXCLUSIONS])),
      }),
      { description: 'Which regions saw what and when (several regions on PostgreSQL)' },
    ),
  ),
});

export const IncidentsResponse = Type.Object({ incidents: Type.Array(IncidentView) });

export const CheckBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH }),
    era: Type.Optional(Type.Enum([...ERAS])),
    tools: Type.Optional(Type.Boolean({ description: 'Also list tools' })),
  },
  { additionalProperties: false },
);

/** The probe result as `mcpwatch check --json` prints it; the main fields are declared, the rest passed through. */
export const CheckResponse = Type.Object(
  {
    url: Type.String(),
    startedAt: Type.String(),
    status: StatusEnum,
    code: Nullable(FailureCodeEnum),
    detail: Type.String(),
    durationMs: Type.Number(),
    era: Nullable(EraEnum),
    protocolVersion: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

/** Error responses documented (and serialised) on every route. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, ErrorBodySchema]));
}
