// The dashboard's cluster section (issue 14): the nodes sharing this database, from the same
// ClusterView as GET /api/v1/cluster. Pure: a view in, display strings out. Shown only on
// PostgreSQL: with SQLite the view is this one process, which the page already is. Host names
// and pids stay in the API (token needed): the page shows what an operator compares at a glance.
import type { RegionHealth } from '../../domain/quorum.ts';
import type { ClusterNodeView, ClusterView } from '../deps.ts';
import { formatDuration, plural } from './format.ts';

export type NodeState = 'live' | 'stopping' | 'dead';

export interface ClusterNodeRow {
  readonly name: string;
  readonly region: string;
  readonly version: string;
  readonly state: NodeState;
  readonly stateLabel: string;
  readonly heartbeatText: string;
  readonly endpointsOwned: number;
  readonly probesPerSText: string;
  readonly leader: boolean;
  readonly self: boolean;
}

export interface ClusterRegionRow {
  readonly name: string;
  readonly health: RegionHealth;
  readonly healthLabel: string;
  /** What the label means for the overall status. */
  readonly healthTitle: string;
  readonly text: string;
}

export interface ClusterSection {
  readonly leaderText: string;
  readonly summary: string;
  readonly regions: readonly ClusterRegionRow[];
  readonly nodes: readonly ClusterNodeRow[];
}

const REGION_HEALTH_LABELS = {
  reporting: ['reporting', 'counted in the quorum that decides down'],
  not_reporting: ['not reporting', 'no fresh results: left out of the quorum'],
  isolated: ['isolated', 'sees every endpoint fail while another region sees them up: left out of the quorum'],
} as const satisfies Record<RegionHealth, readonly [string, string]>;

const STATE_LABELS = { live: 'live', stopping: 'stopping', dead: 'not live' } as const satisfies Record<NodeState, string>;

function stateOf(node: ClusterNodeView): NodeState {
  if (!node.live) return 'dead';
  return node.stopping ? 'stopping' : 'live';
}

/** "0.8 s ago" under ten seconds (heartbeats come every few), then the page's usual durations. */
function heartbeatText(ageMs: number): string {
  if (ageMs < 10_000) return `${(Math.max(0, ageMs) / 1000).toFixed(1)} s ago`;
  return `${formatDuration(ageMs / 1000)} ago`;
}

/** The section, or null when there is nothing to compare (SQLite: a single node, always this one). */
export function clusterSection(view: ClusterView): ClusterSection | null {
  if (view.backend !== 'postgres') return null;
  const live = view.nodes.filter((n) => n.live).length;
  return {
    leaderText: view.leader ?? 'none (the singleton lease is free: alerts and retention wait for a node to take it)',
    summary: `${plural(live, 'live node')} of ${view.nodes.length} in ${plural(view.regions.length, 'region')}`,
    regions: view.regions.map((r) => ({
      name: r.name,
      health: r.health,
      healthLabel: REGION_HEALTH_LABELS[r.health][0],
      healthTitle: REGION_HEALTH_LABELS[r.health][1],
      text: `${r.liveNodes} of ${plural(r.nodes, 'node')} live, ${r.failed} of ${plural(r.fresh, 'fresh endpoint')} failing`,
    })),
    nodes: view.nodes.map((n) => {
      const state = stateOf(n);
      return {
        name: n.name,
        region: n.region,
        version: n.version,
        state,
        stateLabel: STATE_LABELS[state],
        heartbeatText: heartbeatText(n.lastHeartbeatAgeMs),
        endpointsOwned: n.endpointsOwned,
        probesPerSText: n.probesPerS.toFixed(n.probesPerS < 10 ? 2 : 1),
        leader: n.leader,
        self: n.self,
      };
    }),
  };
}

/**
 * /dashboard.json's `cluster`: GET /api/v1/cluster's view without host names and pids (those stay
 * behind the API's token, as on the page), or null where the page shows no section (SQLite).
 */
export function clusterJson(view: ClusterView): unknown {
  if (view.backend !== 'postgres') return null;
  return {
    backend: view.backend,
    self: view.self,
    leader: view.leader,
    regions: view.regions,
    nodes: view.nodes.map(({ host: _host, pid: _pid, ...node }) => node),
  };
}
