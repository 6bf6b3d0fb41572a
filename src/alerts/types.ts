// The vocabulary of alerting: what the rules derive (AlertEvent), what they remember between
// rounds and restarts (AlertEndpointState), what is written to the outbox and sent
// (AlertMessage), and what a delivery attempt comes back with (DeliveryOutcome).
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import type { Era } from '../domain/probe-result.ts';

/** Alert kinds a route can select. Stable strings: they appear in config files and webhook bodies. */
export const ALERT_KINDS = [
  'incident_opened',
  'incident_resolved',
  'incident_reminder',
  'cert_expiring',
  'cert_changed',
  'protocol_changed',
  'tools_changed',
  'auth_required_entered',
  'auth_required_left',
  'partial_outage_started',
  'partial_outage_ended',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Kinds sent only to routes that name them in `events`: a partial outage (some regions, fewer than
 * the quorum, see the endpoint down) is worth a dashboard or a chat channel, not a page. Without
 * routes, or on a route listing no events, they are recorded and go nowhere.
 */
export const OPT_IN_ALERT_KINDS: readonly AlertKind[] = ['partial_outage_started', 'partial_outage_ended'];

/**
 * Why an alert was recorded in the outbox but not sent: inside a maintenance window; the endpoint
 * is flapping; or receivers already believe it (resolving an incident they were never told of).
 */
export type SuppressReason = 'maintenance' | 'flapping' | 'no_change';

interface AlertBase {
  /** Identity of the alert, the same whenever it is derived again; the outbox key is built from it. */
  readonly key: string;
  readonly endpointId: number;
  /** When it happened (ISO 8601). */
  readonly at: string;
  /** Set when the alert is recorded but not delivered. */
  readonly suppressed: SuppressReason | null;
}

export type AlertEvent = AlertBase &
  (
    | {
        readonly kind: 'incident_opened';
        readonly startedAt: string;
        readonly code: FailureCode;
        readonly detail: string;
        readonly incidentId: number | null;
        /** Announced after the fact: the opening fell in a maintenance window or a flapping spell. */
        readonly late: boolean;
      }
    | {
        readonly kind: 'incident_resolved';
        readonly startedAt: string | null;
        readonly durationS: number | null;
        readonly incidentId: number | null;
        readonly lastCode: FailureCode | null;
        readonly lastDetail: string | null;
        readonly late: boolean;
      }
    | {
        readonly kind: 'incident_reminder';
        readonly startedAt: string;
        readonly openForS: number;
        readonly code: FailureCode;
        readonly detail: string;
        /** 1 for the first reminder. */
        readonly reminder: number;
      }
    | { readonly kind: 'cert_expiring'; readonly fingerprint: string; readonly notAfter: string; readonly thresholdDays: number; readonly daysLeft: number }
    | { readonly kind: 'cert_changed'; readonly from: string | null; readonly to: string; readonly notAfter: string }
    | { readonly kind: 'protocol_changed'; readonly fromEra: Era | null; readonly toEra: Era; readonly fromVersion: string | null; readonly toVersion: string }
    | {
        readonly kind: 'tools_changed';
        readonly count: number;
        readonly added: readonly string[];
        readonly removed: readonly string[];
        /** False when the snapshots behind the change were not found (names unknown). */
        readonly namesKnown: boolean;
      }
    | { readonly kind: 'auth_required_entered'; readonly late: boolean }
    | { readonly kind: 'auth_required_left'; readonly late: boolean }
    | { readonly kind: 'partial_outage_started'; readonly regions: readonly string[]; readonly counted: number; readonly needed: number }
    | { readonly kind: 'partial_outage_ended' }
  );

/** Informational changes limited per flap window (incidents and auth have their own bookkeeping). */
export type ChangeFamily = 'cert_changed' | 'protocol_changed' | 'tools_changed';

/**
 * What the alert rules remember per endpoint, persisted as JSON in alert_state. "announced" is
 * what receivers were last told; the rules reconcile it with the actual state once a
 * maintenance window or a flapping spell is over.
 */
export interface AlertEndpointState {
  readonly endpointId: number;
  /** The open incident as the recorded events describe it. */
  readonly incident: { readonly startedAt: string; readonly code: FailureCode; readonly detail: string; readonly incidentId: number | null } | null;
  /** The startedAt of the incident receivers were told is open; null when they believe it is up. */
  readonly announcedIncident: string | null;
  /** When the last incident was resolved, for the duration in a late resolution. */
  readonly resolvedAt: string | null;
  /** Last opening or reminder sent, for the reminder cadence. */
  readonly lastNotifiedAt: string | null;
  readonly reminders: number;
  readonly authRequired: boolean;
  /** When authRequired last changed (identity for a late announcement). */
  readonly authSince: string | null;
  readonly announcedAuthRequired: boolean;
  /** Recent incident openings and auth entries and changes, ISO times within the flap window. */
  readonly recent: Readonly<Partial<Record<'incident' | 'auth' | ChangeFamily, readonly string[]>>>;
  /** Expiry thresholds already announced for the certificate with this fingerprint. */
  readonly cert: { readonly fingerprint: string; readonly fired: readonly number[] } | null;
}

export function initialAlertState(endpointId: number): AlertEndpointState {
  return {
    endpointId,
    incident: null,
    announcedIncident: null,
    resolvedAt: null,
    lastNotifiedAt: null,
    reminders: 0,
    authRequired: false,
    authSince: null,
    announcedAuthRequired: false,
    recent: {},
    cert: null,
  };
}

export type Severity = 'critical' | 'warning' | 'info' | 'resolved';

/**
 * A message as written to the outbox and handed to a channel: everything a channel needs to
 * render it, and nothing secret (no endpoint URL, which may carry a key in its query).
 */
export interface AlertMessage {
  /** The idempotency key: the same on every attempt, different per channel. */
  readonly key: string;
  readonly kind: AlertKind | 'test';
  readonly severity: Severity;
  /** When it happened (ISO 8601). */
  readonly at: string;
  readonly endpoint: { readonly id: number; readonly slug: string; readonly name: string; readonly public: boolean; readonly tags: readonly string[] } | null;
  /** The endpoint's last status when the alert was derived. */
  readonly status: Status | null;
  readonly code: FailureCode | null;
  readonly detail: string | null;
  /** One line, for subjects and notification titles. */
  readonly title: string;
  /** A sentence or two, plain text. */
  readonly text: string;
  readonly facts: ReadonlyArray<{ readonly label: string; readonly value: string }>;
  /** Status page for public endpoints, the dashboard otherwise; null without publicUrl. */
  readonly link: string | null;
  /** Kind-specific fields for machine receivers (the AlertEvent minus bookkeeping). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** One delivery attempt. `retryable: false` sends the message straight to the dead letters. */
export type DeliveryOutcome =
  | { readonly ok: true; readonly detail?: string }
  | { readonly ok: false; readonly retryable: boolean; readonly detail: string; readonly retryAfterMs?: number };
