// TypeBox schemas of the alert settings API. Bodies use the configuration file's shape (a channel
// here is what `alerts.channels[]` takes), with literal values only: a caller cannot name the
// server's environment variables. The shapes are checked here for types and sizes; the meaning
// (which keys a type takes, URLs, addresses, channel names) by the file's own builders.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { ALERT_KINDS } from '../../alerts/types.ts';
import { ALERT_CHANNEL_TYPES, WEEKDAYS } from '../../config/schema.ts';
import { MAX_SECRET_LENGTH, MAX_TAGS, Nullable } from './schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 64, description: 'Lowercase letters, digits and dashes' });
const Secret = (description: string) => Nullable(Type.String({ maxLength: MAX_SECRET_LENGTH, description: `${description} (write-only)` }));
const List = <T extends TSchema>(item: T) => Nullable(Type.Array(item, { maxItems: 256 }));
const Timestamp = Type.String({ maxLength: 64, description: 'ISO 8601 with a zone, e.g. 2026-12-01T02:00:00Z' });

export const ChannelNameParams = Type.Object({ name: Name }, { additionalProperties: false });
export const ItemIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

const SmtpBody = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
    secure: Type.Optional(Nullable(Type.Boolean({ description: 'TLS from the first byte (port 465); otherwise STARTTLS when offered' }))),
    user: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
    pass: Type.Optional(Secret('SMTP password')),
    from: Type.String({ minLength: 1, maxLength: 400 }),
    to: Type.Array(Type.String({ minLength: 1, maxLength: 320 }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);

const channelFields = {
  type: Type.Enum([...ALERT_CHANNEL_TYPES]),
  url: Type.Optional(Secret('Webhook URL (Slack and Discord URLs hold their token); for ntfy the server, https://ntfy.sh by default')),
  secret: Type.Optional(Secret('webhook: HMAC-SHA256 key for X-Mcpwatch-Signature')),
  topic: Type.Optional(Secret('ntfy topic')),
  token: Type.Optional(Secret('ntfy access token')),
  smtp: Type.Optional(Nullable(SmtpBody)),
  allowPrivate: Type.Optional(Nullable(Type.Boolean({ description: 'Deliver to private addresses; only accepted when the configuration sets probe.allowPrivate' }))),
};

export const ChannelCreateBody = Type.Object({ name: Name, ...channelFields }, { additionalProperties: false });
/** As for create; secrets left out are kept when the type is unchanged, null removes an optional one. */
export const ChannelReplaceBody = Type.Object({ name: Type.Optional(Name), ...channelFields }, { additionalProperties: false });

export const ChannelView = Type.Object({
  name: Type.String(),
  type: Type.String(),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  /** Scheme and host of a URL channel, host:port of an email channel: where, never the credential. */
  target: Type.String(),
  secretsSet: Type.Array(Type.String(), { description: 'Which secret fields hold a value (never the values)' }),
  smtp: Type.Optional(
    Type.Object({ host: Type.String(), port: Type.Integer(), secure: Type.Boolean(), user: Nullable(Type.String()), from: Type.String(), to: Type.Array(Type.String()) }),
  ),
  allowPrivate: Type.Boolean(),
  disabledReason: Nullable(Type.String()),
  createdAt: Nullable(Type.String()),
  updatedAt: Nullable(Type.String()),
});

const scopeFields = {
  endpoints: Type.Optional(List(Type.String({ minLength: 1, maxLength: 64 }))),
  tags: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_TAGS }))),
};

export const RouteBody = Type.Object(
  {
    channels: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 }),
    ...scopeFields,
    events: Type.Optional(Nullable(Type.Array(Type.Enum([...ALERT_KINDS]), { maxItems: ALERT_KINDS.length }))),
  },
  { additionalProperties: false },
);

export const RouteView = Type.Object({
  id: Nullable(Type.Integer()),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  channels: Type.Array(Type.String()),
  endpoints: Nullable(Type.Array(Type.String())),
  tags: Nullable(Type.Array(Type.String())),
  events: Nullable(Type.Array(Type.String())),
  createdAt: Nullable(Type.String()),
  updatedAt: Nullable(Type.String()),
});

const Weekly = Type.Object(
  {
    day: Type.Enum([...WEEKDAYS]),
    start: Type.String({ maxLength: 5, description: 'HH:MM, UTC' }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }),
  },
  { additionalProperties: false },
);

export const WindowBody = Type.Object(
  {
    ...scopeFields,
    start: Type.Optional(Nullable(Timestamp)),
    end: Type.Optional(Nullable(Timestamp)),
    weekly: Type.Optional(Nullable(Weekly)),
  },
  { additionalProperties: false, description: 'A one-off window (start and end; no start means now) or a weekly one (UTC); no endpoints and no tags means every endpoint' },
);

export const WindowView = Type.Object({
  id: Nullable(Type.Integer()),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  endpoints: Nullable(Type.Array(Type.String())),
  tags: Nullable(Type.Array(Type.String())),
  start: Type.Optional(Type.String()),
  end: Type.Optional(Type.String()),
  weekly: Type.Optional(Type.Object({ day: Type.String(), start: Type.String(), durationMinutes: Type.Integer() })),
  /** Whether the window is open now. */
  active: Type.Boolean(),
  createdAt: Nullable(Type.String()),
  updatedAt: Nullable(Type.String()),
});

/** What a change did that the caller should hear about (a first route narrowing who hears what). */
export const Warnings = Type.Array(Type.String());

export const TestOutcome = Type.Object({
  ok: Type.Boolean(),
  detail: Nullable(Type.String()),
});
