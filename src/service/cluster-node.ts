// A `serve` on PostgreSQL as a node of a cluster (issue 14): it registers and heartbeats through
// the membership (src/store/postgres/membership.ts, reached through the port below so this module
// stays backend-free), and turns every change of its region's live set into a handover plan for
// its NodeShare, which the Monitor asks slot by slot.
//
// changedAt comes from the database, so every node derives the same slot boundaries:
// - a node joins at its registered_at (database time) plus one heartbeat, by when every node has
//   polled and seen it: the old owners finish their slots up to then and nobody doubles a slot;
// - a node that died is dead from its last heartbeat plus the liveness window;
// - a node that drained or left is gone from the moment the database says so (its row's now()).
// A node that applies a change late still costs at most one transition slot (src/domain/handover.ts).
import type { Logger } from 'pino';
import type { ClusterNodeView, ClusterRegionView, ClusterView } from '../http/deps.ts';
import type { RegionVerdict } from '../domain/quorum.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { EndpointState } from '../domain/health.ts';
import type { MembershipChange } from '../domain/handover.ts';
import { NodeShare } from './node-share.ts';

/** What a node needs to know of a row of cluster_nodes. */
export interface NodeRow {
  readonly name: string;
  readonly region: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly endpointsOwned: number;
  readonly probesPerS: number;
  readonly registeredAt: Date;
  readonly heartbeatAt: Date;
  readonly heartbeatAgeMs: number;
  readonly stopping: boolean;
  readonly live: boolean;
}

export interface MembershipHooks {
  readonly stats: () => { readonly endpointsOwned: number; readonly probesPerS: number };
  readonly onChange: (change: { readonly region: string; readonly nodes: readonly string[]; readonly previous: readonly string[] }) => void | Promise<void>;
  readonly onStateChange: (state: { readonly connected: boolean; readonly member: boolean; readonly lastError?: Error }) => void;
}

export interface MembershipPort {
  register(identity: { readonly name: string; readonly region: string; readonly version: string }): Promise<void>;
  drain(): Promise<void>;
  leave(): Promise<void>;
  nodes(): Promise<readonly NodeRow[]>;
  readonly ready: boolean;
}

export interface ClusterNodeOptions {
  readonly name: string;
  readonly region: string;
  readonly version: string;
  readonly heartbeatMs: number;
  readonly liveForMs: number;
  /** Client-side deadline of one heartbeat. */
  readonly deadlineMs: number;
  /** Builds the membership with these hooks (the composition root picks the backend). */
  readonly membership: (hooks: MembershipHooks) => MembershipPort;
  /** The monitor's endpoints, for handover plans and the owned count. */
  readonly endpoints: () => readonly Endpoint[];
  /** Stored health states of this node's REGION, read when this node takes endpoints over. */
  readonly loadStates: () => Promise<readonly EndpointState[]>;
  /** Hands a stored state to the monitor's recorder, so a taken-over endpoint continues where its last owner left it. */
  readonly resume: (state: EndpointState) => void;
  readonly logger: Logger;
  readonly clock?: () => number;
}

export class ClusterNode {
  readonly share: NodeShare;
  readonly #options: ClusterNodeOptions;
  readonly #membership: MembershipPort;
  readonly #log: Logger;
  /** Changes are applied one after another, in the order the membership saw them. */
  #applying: Promise<unknown> = Promise.resolve();
  #seenRegion = false;
  #lastProbesPerS = 0;

  constructor(options: ClusterNodeOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'cluster', node: options.name, region: options.region });
    this.share = new NodeShare({ self: options.name, liveForMs: options.liveForMs, failureLagMs: options.heartbeatMs + options.deadlineMs, ...(options.clock ? { clock: options.clock } : {}) });
    this.#membership = options.membership({
      stats: () => {
        this.#lastProbesPerS = this.share.takeProbesPerS();
        return { endpointsOwned: this.endpointsOwned(), probesPerS: this.#lastProbesPerS };
      },
      onChange: (change) => {
        if (change.region !== options.region) return;
        const next = this.#applying.then(() => this.#apply(change.previous, change.nodes));
        this.#applying = next.catch((err: unknown) => this.#log.error({ err }, 'applying a membership change failed'));
        return next;
      },
      onStateChange: (state) => {
        this.share.heartbeat(state.connected, state.member);
        if (!state.connected) this.#log.warn({ err: state.lastError, liveForMs: options.liveForMs }, 'heartbeat failed: probing the last share until the liveness window passes');
        else if (!state.member) this.#log.error({ err: state.lastError }, 'this node lost its name to another node: probing nothing');
        else this.#log.info('heartbeat reaches the database');
      },
    });
  }

  /**
   * Claims the name (rejects when a live node holds it) and starts heartbeating. Nodes of other
   * regions are no concern here: every region probes every endpoint, and the quorum arbiter
   * (src/service/quorum-arbiter.ts) turns the regions' words into one status.
   */
  async start(): Promise<void> {
    await this.#membership.register({ name: this.#options.name, region: this.#options.region, version: this.#options.version });
    this.share.heartbeat(true, true);
    await this.#applying;
  }

  get name(): string {
    return this.#options.name;
  }

  /** What /readyz needs: in the cluster and reaching the database. */
  get ready(): boolean {
    return this.#membership.ready;
  }

  /**
   * The cluster view from the database's rows; `leader` is the lease holder's name
   * (src/store/postgres/leader.ts), `health` each region's word as the quorum judges it now.
   */
  async view(leader: string | null, health: ReadonlyMap<string, RegionVerdict> = new Map()): Promise<ClusterView> {
    const rows = await this.#membership.nodes();
    const regions = new Map<string, { name: string; liveNodes: number; nodes: number }>();
    for (const row of rows) {
      const region = regions.get(row.region) ?? { name: row.region, liveNodes: 0, nodes: 0 };
      region.nodes++;
      if (row.live) region.liveNodes++;
      regions.set(row.region, region);
    }
    for (const name of health.keys()) if (!regions.has(name)) regions.set(name, { name, liveNodes: 0, nodes: 0 });
    const nodes: ClusterNodeView[] = rows.map((row) => ({
      name: row.name,
      region: row.region,
      host: row.host,
      pid: row.pid,
      version: row.version,
      live: row.live,
      stopping: row.stopping,
      lastHeartbeatAgeMs: Math.round(row.heartbeatAgeMs),
      endpointsOwned: row.endpointsOwned,
      probesPerS: row.probesPerS,
      leader: row.name === leader,
      self: row.name === this.#options.name,
    }));
    const regionViews: ClusterRegionView[] = [...regions.values()].map((region) => {
      const verdict = health.get(region.name);
      return {
        ...region,
        // No word at all yet: nothing has been written, which is not reporting.
        health: verdict?.health ?? 'not_reporting',
        fresh: verdict?.fresh ?? 0,
        failed: verdict?.failed ?? 0,
        lastResultAt: verdict?.lastResultAt == null ? null : new Date(verdict.lastResultAt).toISOString(),
      };
    });
    return { backend: 'postgres', self: this.#options.name, leader, regions: regionViews, nodes };
  }

  get probesPerS(): number {
    return this.#lastProbesPerS;
  }

  endpointsOwned(): number {
    return this.share.ownedCount(this.#options.endpoints().map((e) => e.id));
  }

  /** Marks the node stopping: the others stop counting it at their next poll and take its endpoints. */
  drain(): Promise<void> {
    return this.#membership.drain();
  }

  leave(): Promise<void> {
    return this.#membership.leave();
  }

  async #apply(previousSeen: readonly string[], nodes: readonly string[]): Promise<void> {
    // The first view: the endpoints were the other live nodes' until this node joined.
    const previous = this.#seenRegion ? previousSeen : nodes.filter((n) => n !== this.#options.name);
    this.#seenRegion = true;
    const rows = await this.#membership.nodes();
    const change: MembershipChange = { previous, next: nodes, changedAt: changedAt(previous, nodes, rows, this.#options) };
    const endpoints = this.#options.endpoints().map((e) => ({ id: e.id, intervalMs: e.intervalS * 1000 }));
    const { started, stopped } = this.share.apply(change, endpoints);
    this.#log.info({ previous, nodes, changedAt: new Date(change.changedAt).toISOString(), started, stopped }, 'region membership changed');
    if (started > 0) {
      // The previous owner's last rounds are in the database by the boundary; its states are the ones to continue.
      const owned = new Set(endpoints.filter((e) => this.share.ownedCount([e.id]) === 0).map((e) => e.id));
      for (const state of await this.#options.loadStates()) if (owned.has(state.endpointId)) this.#options.resume(state);
    }
  }
}

/** The database time of a change of a region's live set (see the header). */
export function changedAt(previous: readonly string[], next: readonly string[], rows: readonly NodeRow[], timing: { readonly heartbeatMs: number; readonly liveForMs: number }): number {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const dbNow = Math.max(0, ...rows.map((row) => row.heartbeatAt.getTime() + row.heartbeatAgeMs));
  const times: number[] = [];
  for (const name of next) {
    if (previous.includes(name)) continue;
    const row = byName.get(name);
    times.push(row ? row.registeredAt.getTime() + timing.heartbeatMs : dbNow);
  }
  for (const name of previous) {
    if (next.includes(name)) continue;
    const row = byName.get(name);
    times.push(row === undefined || row.stopping ? dbNow : row.heartbeatAt.getTime() + timing.liveForMs);
  }
  return times.length > 0 ? Math.max(...times) : dbNow;
}

/** SQLite: one process, always live, always the leader. */
export function singleNodeView(node: { readonly name: string; readonly host: string; readonly pid: number; readonly version: string; readonly endpointsOwned: number; readonly probesPerS: number }): ClusterView {
  return {
    backend: 'sqlite',
    self: node.name,
    leader: node.name,
    // One region, always counted; SQLite keeps no per-region freshness to count.
    regions: [{ name: 'default', liveNodes: 1, nodes: 1, health: 'reporting', fresh: 0, failed: 0, lastResultAt: null }],
    nodes: [{ ...node, region: 'default', live: true, stopping: false, lastHeartbeatAgeMs: 0, leader: true, self: true }],
  };
}
