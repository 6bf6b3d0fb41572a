// Cluster membership in PostgreSQL (issue 14): each node heartbeats its row in cluster_nodes, and a
// node is live while its heartbeat is fresh. There is no coordinator: every node reads the same
// table and so computes the same live set. Freshness is judged with the database's now() in the
// same statement that reads it, so the nodes' own clocks never enter into it (see 0004_cluster.sql).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { withDeadline } from './deadline.ts';
import { callListener } from './listener.ts';
import type { Pool } from './pool.ts';

export interface NodeIdentity {
  readonly name: string;
  readonly region: string;
  readonly version: string;
  /** Defaults: os.hostname(), process.pid, and the moment register() is called. */
  readonly host?: string;
  readonly pid?: number;
  readonly startedAt?: Date;
}

export interface NodeStats {
  readonly endpointsOwned: number;
  readonly probesPerS: number;
}

export interface ClusterNode {
  readonly name: string;
  readonly region: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly startedAt: Date;
  /** When this incarnation first claimed its name, by the database's clock (handover boundaries start from it). */
  readonly registeredAt: Date;
  readonly heartbeatAt: Date;
  /** now() − heartbeat_at on the database, so it is right whatever this machine's clock says. */
  readonly heartbeatAgeMs: number;
  readonly endpointsOwned: number;
  readonly probesPerS: number;
  readonly stopping: boolean;
  readonly live: boolean;
}

/** The live node names of one region, sorted, before and after a change. */
export interface RegionChange {
  readonly region: string;
  readonly nodes: readonly string[];
  readonly previous: readonly string[];
}

export interface MembershipOptions {
  /** Default 2 s. */
  readonly heartbeatMs?: number;
  /** A node is live while its heartbeat is younger than this; default 10 s (several missed beats). */
  readonly liveForMs?: number;
  /** Client-side deadline for one heartbeat round trip; default heartbeatMs. */
  readonly deadlineMs?: number;
  /** Rows of nodes dead longer than this are deleted when a node registers; default 24 h. */
  readonly forgetAfterMs?: number;
  /** Read at every heartbeat and written with it, for the cluster page. */
  readonly stats?: () => NodeStats;
  /** A region's live set changed (also once per region at start). Polled at every heartbeat. */
  readonly onChange?: (change: RegionChange) => void;
  /** The heartbeat started or stopped reaching the database, or the name was taken by another node. */
  readonly onStateChange?: (state: MembershipState) => void;
}

export interface MembershipState {
  /** The last heartbeat reached the database. */
  readonly connected: boolean;
  /** This process holds its name (false before register, after leave, or once another live node took it). */
  readonly member: boolean;
  readonly lastError?: Error;
}

export class NodeNameInUseError extends Error {
  readonly code = 'NODE_NAME_IN_USE';
  constructor(message: string) {
    super(message);
    this.name = 'NodeNameInUseError';
  }
}

const COLUMNS = `name, region, host, pid, version, started_at, registered_at, heartbeat_at, endpoints_owned, probes_per_s, stopping,
  (extract(epoch FROM now() - heartbeat_at) * 1000)::float8 AS heartbeat_age_ms`;
// $1 is liveForMs; the whole comparison runs on the server's clock.
const LIVE = `NOT stopping AND heartbeat_at > now() - make_interval(secs => $1::float8 / 1000)`;

// One statement for register and every heartbeat: claim the row if it is ours, free (no row),
// or its holder is dead or draining; otherwise change nothing and return no row.
const CLAIM = `
INSERT INTO cluster_nodes AS n (name, region, incarnation, started_at, pid, host, version, endpoints_owned, probes_per_s, stopping)
VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (name) DO UPDATE SET
  region = EXCLUDED.region, incarnation = EXCLUDED.incarnation, started_at = EXCLUDED.started_at, pid = EXCLUDED.pid,
  host = EXCLUDED.host, version = EXCLUDED.version, endpoints_owned = EXCLUDED.endpoints_owned,
  probes_per_s = EXCLUDED.probes_per_s, stopping = EXCLUDED.stopping, heartbeat_at = now(),
  registered_at = CASE WHEN n.incarnation = EXCLUDED.incarnation THEN n.registered_at ELSE now() END
WHERE n.incarnation = EXCLUDED.incarnation OR n.stopping OR n.heartbeat_at <= now() - make_interval(secs => $1::float8 / 1000)
RETURNING name`;

interface NodeRow {
  name: string;
  region: string;
  host: string;
  pid: number;
  version: string;
  started_at: Date;
  registered_at: Date;
  heartbeat_at: Date;
  endpoints_owned: number;
  probes_per_s: number;
  stopping: boolean;
  heartbeat_age_ms: number;
}

export class NodeMembership {
  private readonly heartbeatMs: number;
  private readonly liveForMs: number;
  private readonly deadlineMs: number;
  private node: (Required<NodeIdentity> & { incarnation: string; stopping: boolean }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private snapshot = new Map<string, readonly string[]>();
  private current: MembershipState = { connected: false, member: false };

  constructor(
    private readonly pool: Pool,
    private readonly options: MembershipOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.liveForMs = options.liveForMs ?? 10_000;
    this.deadlineMs = options.deadlineMs ?? this.heartbeatMs;
    if (this.liveForMs <= this.heartbeatMs) throw new RangeError(`liveForMs (${this.liveForMs}) must exceed heartbeatMs (${this.heartbeatMs}), or a healthy node would flap`);
  }

  get state(): MembershipState {
    return this.current;
  }

  /** What /readyz needs: this node is in the cluster and can reach the database. */
  get ready(): boolean {
    return this.current.connected && this.current.member;
  }

  /**
   * Claims the name and starts heartbeating. Rejects with NodeNameInUseError when a live node of
   * another incarnation holds the name, or with the database error when it cannot be reached.
   */
  async register(identity: NodeIdentity): Promise<void> {
    if (this.node) throw new Error(`node ${this.node.name} is already registered`);
    const node = {
      host: hostname(),
      pid: process.pid,
      startedAt: new Date(),
      ...identity,
      incarnation: randomBytes(12).toString('hex'),
      stopping: false,
    };
    const forget = this.pool.query('DELETE FROM cluster_nodes WHERE heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)', [this.options.forgetAfterMs ?? 86_400_000]);
    await withDeadline(forget, this.deadlineMs, 'forgetting long-dead nodes');
    if (!(await withDeadline(this.claim(node), this.deadlineMs, 'registering the node'))) throw await this.nameInUse(node.name);
    this.node = node;
    this.setState({ connected: true, member: true });
    await this.poll().catch(() => undefined); // The first view; the loop retries it.
    this.schedule();
  }

  /** Keeps heartbeating but marks the node stopping: the others stop counting it at once. */
  async drain(): Promise<void> {
    if (!this.node) return;
    this.node.stopping = true;
    await this.heartbeat();
  }

  /** Stops heartbeating and leaves the row to expire: what a crash looks like to the others. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight;
  }

  /** Clean shutdown: stops and deletes the row, so the others rebalance now rather than after liveForMs. */
  async leave(): Promise<void> {
    await this.stop();
    const node = this.node;
    if (!node) return;
    this.setState({ connected: this.current.connected, member: false });
    await withDeadline(this.pool.query('DELETE FROM cluster_nodes WHERE name = $1 AND incarnation = $2', [node.name, node.incarnation]), this.deadlineMs, 'leaving the cluster');
  }

  /** Live nodes (of one region, or all), by the database's clock. */
  async liveNodes(region?: string): Promise<ClusterNode[]> {
    const { rows } = await withDeadline(
      region === undefined
        ? this.pool.query<NodeRow>(`SELECT ${COLUMNS} FROM cluster_nodes WHERE ${LIVE} ORDER BY region, name`, [this.liveForMs])
        : this.pool.query<NodeRow>(`SELECT ${COLUMNS} FROM cluster_nodes WHERE ${LIVE} AND region = $2 ORDER BY name`, [this.liveForMs, region]),
      this.deadlineMs,
      'reading the live nodes',
    );
    return rows.map((row) => toNode(row, true));
  }

  /** Every row, live or not, for the cluster page. */
  async nodes(): Promise<ClusterNode[]> {
    const { rows } = await withDeadline(
      this.pool.query<NodeRow & { live: boolean }>(`SELECT ${COLUMNS}, ${LIVE} AS live FROM cluster_nodes ORDER BY region, name`, [this.liveForMs]),
      this.deadlineMs,
      'reading the cluster nodes',
    );
    return rows.map((row) => toNode(row, row.live));
  }

  /** One heartbeat and poll now. Never rejects: the outcome is in `state`. */
  heartbeat(): Promise<void> {
    this.inflight ??= this.beat().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async beat(): Promise<void> {
    const node = this.node;
    if (!node) return;
    try {
      const held = await withDeadline(this.claim(node), this.deadlineMs, 'the heartbeat');
      if (!held) {
        // We were dead long enough for another process to take the name: two nodes must never
        // share one, so this one stops counting itself until the other goes.
        this.setState({ connected: true, member: false, lastError: await this.nameInUse(node.name) });
        return;
      }
      this.setState({ connected: true, member: true });
      await this.poll();
    } catch (error) {
      this.setState({ connected: false, member: this.current.member, lastError: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.heartbeat().then(() => this.schedule());
    }, this.heartbeatMs);
  }

  private async claim(node: NonNullable<NodeMembership['node']>): Promise<boolean> {
    const stats = this.options.stats?.() ?? { endpointsOwned: 0, probesPerS: 0 };
    const { rowCount } = await this.pool.query(CLAIM, [
      this.liveForMs, node.name, node.region, node.incarnation, node.startedAt, node.pid, node.host, node.version,
      Math.max(0, Math.round(stats.endpointsOwned)), Math.max(0, stats.probesPerS), node.stopping,
    ]);
    return rowCount === 1;
  }

  private async nameInUse(name: string): Promise<NodeNameInUseError> {
    const { rows } = await this.pool.query<NodeRow>(`SELECT ${COLUMNS} FROM cluster_nodes WHERE name = $1`, [name]).catch(() => ({ rows: [] as NodeRow[] }));
    const holder = rows[0];
    const who = holder ? ` (host ${holder.host}, pid ${holder.pid}, started ${holder.started_at.toISOString()}, last heartbeat ${Math.round(holder.heartbeat_age_ms)} ms ago)` : '';
    return new NodeNameInUseError(`node name "${name}" is held by another live node${who}: give each node its own name (node.name or MCPWATCH_NODE_NAME), or stop the other one`);
  }

  private async poll(): Promise<void> {
    const live = await this.liveNodes();
    const next = new Map<string, string[]>();
    for (const node of live) next.set(node.region, [...(next.get(node.region) ?? []), node.name]);
    const regions = new Set([...this.snapshot.keys(), ...next.keys()]);
    const previousSnapshot = this.snapshot;
    this.snapshot = next;
    for (const region of [...regions].sort()) {
      const previous = previousSnapshot.get(region) ?? [];
      const nodes = next.get(region) ?? [];
      if (previous.join('\0') !== nodes.join('\0')) void callListener('NodeMembership', () => this.options.onChange?.({ region, nodes, previous }));
    }
  }

  private setState(state: MembershipState): void {
    const before = this.current;
    this.current = state;
    if (before.connected !== state.connected || before.member !== state.member) void callListener('NodeMembership', () => this.options.onStateChange?.(state));
  }
}

function toNode(row: NodeRow, live: boolean): ClusterNode {
  return {
    name: row.name,
    region: row.region,
    host: row.host,
    pid: row.pid,
    version: row.version,
    startedAt: row.started_at,
    registeredAt: row.registered_at,
    heartbeatAt: row.heartbeat_at,
    heartbeatAgeMs: Math.max(0, row.heartbeat_age_ms),
    endpointsOwned: row.endpoints_owned,
    probesPerS: row.probes_per_s,
    stopping: row.stopping,
    live,
  };
}
