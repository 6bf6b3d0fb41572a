// Cluster-wide singleton work (alerts, retention, registry sync) runs on the one node holding the
// `singleton` advisory lock (issue 14). The lock is a SESSION lock on a dedicated connection, not a
// pool connection: it lives exactly as long as that connection, so a node that dies or is cut off
// loses it without anyone having to notice, and the server hands it to the next node that asks.
//
// Safety rests on ordering: the holder must stop believing it leads BEFORE the server can give
// the lock away. A killed backend or a closed socket says so at once ('error'/'end'); a silent
// network is found by the periodic check (checkMs + deadlineMs, 4 s by default), while the server
// keeps a silent session, and its lock, until its TCP keepalive gives up (SERVER_KEEPALIVE, ~11 s).
import pg from 'pg';
import { withDeadline } from './deadline.ts';
import { callListener } from './listener.ts';
import { StoreError } from '../store.ts';
import { ADVISORY_LOCKS, type AdvisoryLock, LOCK_NAMESPACE } from './locks.ts';
import { isPostgresUrl, redactUrl } from './pool.ts';

export type LeaseLoss =
  | { readonly reason: 'connection-lost'; readonly error: Error }
  | { readonly reason: 'released' };

export interface SingletonLeaseOptions {
  readonly url: string;
  /** Default `singleton`. */
  readonly lock?: AdvisoryLock;
  /** Pause between attempts while another node holds the lock or the database is away; default 2 s. */
  readonly retryMs?: number;
  /** Pause between checks that the held connection still answers; default 2 s. */
  readonly checkMs?: number;
  /** Deadline for connecting and for every statement; default 2 s. */
  readonly deadlineMs?: number;
  readonly applicationName?: string;
  /** Starts the singleton work; not awaited. */
  readonly onAcquire?: () => void | Promise<void>;
  /** Called once per loss. On release() it is awaited before the lock is freed, so work stops first. */
  readonly onLose?: (loss: LeaseLoss) => void | Promise<void>;
  /** An attempt or check failed (database unreachable, deadline passed): for logs. */
  readonly onError?: (error: Error) => void;
}

// Set on our session so the SERVER drops a holder whose machine vanished within ~11 s
// (5 + 3 × 2) instead of Linux's default two hours, which would leave the cluster leaderless.
const SERVER_KEEPALIVE = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';

export class SingletonLease {
  private readonly key: number;
  private readonly retryMs: number;
  private readonly checkMs: number;
  private readonly deadlineMs: number;
  private client: pg.Client | undefined;
  private leader = false;
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  constructor(private readonly options: SingletonLeaseOptions) {
    if (!isPostgresUrl(options.url)) throw new StoreError('UNAVAILABLE', `not a PostgreSQL URL: ${redactUrl(options.url)}`);
    this.key = ADVISORY_LOCKS[options.lock ?? 'singleton'];
    this.retryMs = options.retryMs ?? 2000;
    this.checkMs = options.checkMs ?? 2000;
    this.deadlineMs = options.deadlineMs ?? 2000;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Starts trying; resolves after the first attempt (leader or not), never rejects. */
  start(): Promise<void> {
    if (this.started) throw new Error('this lease was already started');
    this.started = true;
    return this.step();
  }

  /** Stops trying; if leading, awaits onLose, then frees the lock so another node takes over now. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (this.leader) {
      this.leader = false;
      await callListener('SingletonLease', () => this.options.onLose?.({ reason: 'released' }));
      // Ending the session frees the lock too; unlocking first makes "release() resolved" mean "free".
      await withDeadline(client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, this.key]), this.deadlineMs, 'freeing the singleton lock').catch(() => undefined);
    }
    await withDeadline(client.end(), this.deadlineMs, 'closing the singleton connection').catch(() => undefined);
  }

  private step(): Promise<void> {
    this.busy = (this.leader ? this.check() : this.tryAcquire()).finally(() => {
      this.busy = undefined;
      this.schedule();
    });
    return this.busy;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.step(), this.leader ? this.checkMs : this.retryMs);
  }

  private async tryAcquire(): Promise<void> {
    let client = this.client;
    try {
      if (!client) {
        client = this.connection();
        this.client = client;
        await withDeadline(client.connect(), this.deadlineMs, 'connecting for the singleton lock');
      }
      const { rows } = await withDeadline(
        client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [LOCK_NAMESPACE, this.key]),
        this.deadlineMs,
        'trying the singleton lock',
      );
      if (this.client !== client || rows[0]?.held !== true) return;
      this.leader = true;
      // Not awaited: the work it starts must not hold up the checks that keep leadership honest.
      void callListener('SingletonLease', () => this.options.onAcquire?.());
    } catch (error) {
      if (client) this.lost(client, asError(error));
    }
  }

  // Asks pg_locks rather than just SELECT 1: proof that this very session still holds the lock.
  private async check(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      const { rows } = await withDeadline(
        client.query<{ held: boolean }>(
          "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted) AS held",
          [LOCK_NAMESPACE, this.key],
        ),
        this.deadlineMs,
        'checking the singleton lock',
      );
      if (rows[0]?.held !== true) this.lost(client, new Error('the singleton lock is no longer held by this session'));
    } catch (error) {
      this.lost(client, asError(error));
    }
  }

  private connection(): pg.Client {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.deadlineMs,
      statement_timeout: this.deadlineMs,
      application_name: this.options.applicationName ?? 'mcpwatch-singleton',
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      options: SERVER_KEEPALIVE,
    });
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the singleton connection ended')));
    return client;
  }

  /** The connection is gone or unusable: leadership ends NOW, since another node may already hold the lock. */
  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return; // An old connection we already let go.
    this.client = undefined;
    void withDeadline(client.end(), this.deadlineMs, 'closing a lost connection').catch(() => undefined);
    this.options.onError?.(error);
    if (this.leader) {
      this.leader = false;
      void callListener('SingletonLease', () => this.options.onLose?.({ reason: 'connection-lost', error }));
    }
    // Between steps the pending timer is a check; retry on the retry cadence instead.
    if (this.busy === undefined) this.schedule();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
