// The alert outbox as the alerting code sees it: a narrow interface, so a PostgreSQL outbox can
// sit beside the SQLite one. Dead letters are outbox entries with status `dead`.
import type { AlertEndpointState, AlertMessage, SuppressReason } from '../alerts/types.ts';

export type OutboxStatus = 'pending' | 'delivered' | 'dead' | 'suppressed';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'dead', 'suppressed'];

export interface NewOutboxEntry {
  /** Also `message.key`; an entry whose key exists already is skipped. */
  readonly idempotencyKey: string;
  readonly channel: string;
  readonly endpointId: number | null;
  readonly message: AlertMessage;
  /** Recorded as `suppressed` (never sent) when set. */
  readonly suppressed: SuppressReason | null;
}

export interface OutboxEntry {
  readonly id: number;
  readonly idempotencyKey: string;
  readonly channel: string;
  readonly kind: AlertMessage['kind'];
  readonly endpointId: number | null;
  readonly status: OutboxStatus;
  readonly suppressedReason: SuppressReason | null;
  readonly message: AlertMessage;
  readonly attempts: number;
  /** Next attempt, ms since the epoch; null unless pending. */
  readonly dueMs: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export interface OutboxQuery {
  readonly status?: OutboxStatus;
  readonly limit: number;
  readonly beforeId?: number;
  readonly endpointId?: number;
}

export interface OutboxBacklog {
  readonly pending: number;
  readonly dead: number;
  /** created_at of the oldest message still waiting to be sent; null when none is. */
  readonly oldestPendingAt: string | null;
}

/** What one pass of the alert rules produced, written in one transaction. */
export interface AlertCommit {
  readonly entries: readonly NewOutboxEntry[];
  /** Rule states that changed. */
  readonly states: readonly AlertEndpointState[];
  /** The id of the last recorded event consumed; omitted when the pass read no events. */
  readonly cursor?: number;
}

export interface AlertOutbox {
  /** Random per database; part of every idempotency key. */
  instanceId(): Promise<string>;
  /** Last recorded event consumed; null before alerting first ran on this database. */
  cursor(): Promise<number | null>;
  loadStates(): Promise<AlertEndpointState[]>;
  /** Entries (pending ones due at once), states and cursor together; returns how many entries were new. */
  commit(batch: AlertCommit): Promise<{ readonly inserted: number }>;

  /** Pending entries due by `nowMs`, oldest due first, leaving out `skip` (those in flight). */
  due(nowMs: number, limit: number, skip?: ReadonlySet<number>): Promise<OutboxEntry[]>;
  /** When the next pending entry is due, ms; null when none is pending. */
  nextDueMs(): Promise<number | null>;
  markDelivered(id: number): Promise<void>;
  /** Counts an attempt; `retryAtMs` null makes the entry a dead letter. */
  markFailed(id: number, error: string, retryAtMs: number | null): Promise<void>;
  /** Dead letter back to pending, due now (for the API); false when `id` is not a dead letter. */
  retry(id: number): Promise<boolean>;

  get(id: number): Promise<OutboxEntry | undefined>;
  /**
   * Newest first; `beforeId` pages further back; `endpointId` keeps one endpoint's entries (an
   * endpoint's page). No index serves that filter: the scan walks ids downwards until `limit`
   * match, bounded by the outbox's own retention (prune), which keeps the table small.
   */
  entries(options: OutboxQuery): Promise<OutboxEntry[]>;
  deadLetters(options: { readonly limit: number; readonly beforeId?: number }): Promise<OutboxEntry[]>;
  counts(): Promise<Readonly<Record<OutboxStatus, number>>>;
  /** What still needs attention, cheap enough for every scrape. */
  backlog(): Promise<OutboxBacklog>;
  /** Deletes up to `limit` delivered and suppressed entries created before `beforeMs`; dead letters stay. */
  prune(beforeMs: number, limit: number): Promise<number>;
}
