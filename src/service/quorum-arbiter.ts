// The quorum arbiter (issue 14): singleton work on the lease holder of a PostgreSQL cluster. Every
// few seconds it reads every region's confirmed health of every endpoint, decides the overall
// status per endpoint (src/domain/quorum-decision.ts) and writes what changed, in one transaction,
// into the overall state, incidents and events, exactly as a single node's tick would. The alert
// engine then derives alerts from those events as before. One place decides, so two regions
// seeing an outage open one incident, not two.
import type { Logger } from 'pino';
import type { Endpoint } from '../domain/endpoint.ts';
import { initialState, type EndpointState, type HealthEvent } from '../domain/health.ts';
import { decidePass, freshnessFor, INITIAL_MEMORY, type EndpointEvidence, type PassDecision } from '../domain/quorum-decision.ts';
import type { RegionVerdict } from '../domain/quorum.ts';
import type { QuorumSnapshot, QuorumStore, QuorumWrite } from '../store/regions.ts';
import { STATE_FIELDS } from '../store/write-behind.ts';

export interface QuorumSettings {
  /** Regions that must see an endpoint down; null: a majority of the regions that count. */
  readonly quorum: number | null;
  /** Share of a region's fresh endpoints failing at once that makes it look cut off; (0, 1]. */
  readonly isolationShare: number;
  /** Fewer fresh endpoints than this never make a region isolated. */
  readonly isolationMinEndpoints: number;
}

export const DEFAULT_ARBITER_INTERVAL_MS = 5_000;

export interface QuorumArbiterOptions {
  readonly store: QuorumStore;
  /** The endpoints being probed (paused ones included: they keep no fresh word and count as stale). */
  readonly endpoints: () => readonly Endpoint[];
  readonly settings: QuorumSettings;
  readonly intervalMs?: number;
  readonly logger: Logger;
}

export interface PassSummary {
  readonly regions: ReadonlyMap<string, RegionVerdict>;
  readonly written: { readonly states: number; readonly events: number };
  /** No region counted for any endpoint while some region reported: the monitor sees nothing. */
  readonly blind: boolean;
}

/** Every endpoint's evidence from a snapshot; endpoints no region has spoken of yet are left out. */
export function evidenceOf(snapshot: QuorumSnapshot, endpoints: readonly Endpoint[], settings: QuorumSettings): Map<number, EndpointEvidence> {
  const out = new Map<number, EndpointEvidence>();
  for (const endpoint of endpoints) {
    const regions = snapshot.regionStates.get(endpoint.id);
    if (regions === undefined || regions.length === 0) continue;
    out.set(endpoint.id, {
      overall: snapshot.overall.get(endpoint.id) ?? initialState(endpoint.id),
      memory: snapshot.memory.get(endpoint.id) ?? INITIAL_MEMORY,
      regions,
      freshnessMs: freshnessFor({ intervalMs: endpoint.intervalS * 1000, timeoutMs: endpoint.timeoutMs }),
      ...(settings.quorum === null ? {} : { quorum: settings.quorum }),
    });
  }
  return out;
}

/** One pass over a snapshot: the decision and what to write. Pure, for the arbiter and the cluster view. */
export function planPass(snapshot: QuorumSnapshot, endpoints: readonly Endpoint[], settings: QuorumSettings): { decision: PassDecision; write: QuorumWrite } {
  const evidence = evidenceOf(snapshot, endpoints, settings);
  const decision = decidePass(evidence, snapshot.openIncidentRegions, { isolationShare: settings.isolationShare, isolationMinEndpoints: settings.isolationMinEndpoints }, snapshot.now);
  const states: EndpointState[] = [];
  const events: Array<{ endpointId: number; event: HealthEvent }> = [];
  const incidentRegions: Array<QuorumWrite['incidentRegions'][number]> = [];
  const memory: Array<QuorumWrite['memory'][number]> = [];
  for (const [endpointId, d] of decision.endpoints) {
    const before = evidence.get(endpointId);
    if (before === undefined) continue;
    if (!snapshot.overall.has(endpointId) || !sameState(before.overall, d.state)) states.push(d.state);
    for (const event of d.events) events.push({ endpointId, event });
    if (d.incident !== null) incidentRegions.push({ endpointId, incidentId: d.incident.id, regions: d.incident.regions });
    if (!snapshot.memory.has(endpointId) || before.memory.status !== d.memory.status || before.memory.partial !== d.memory.partial) {
      memory.push({ endpointId, status: d.memory.status, partial: d.memory.partial, votes: d.verdict.regions });
    }
  }
  return { decision, write: { states, events, incidentRegions, memory } };
}

function sameState(a: EndpointState, b: EndpointState): boolean {
  return STATE_FIELDS.every((field) => a[field] === b[field]);
}

export class QuorumArbiter {
  readonly #options: QuorumArbiterOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #blind = false;
  #flagged = new Map<string, RegionVerdict['health']>();

  constructor(options: QuorumArbiterOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'quorum' });
  }

  /** Passes every intervalMs until stop(); a pass never overlaps the previous one. */
  start(): this {
    const intervalMs = this.#options.intervalMs ?? DEFAULT_ARBITER_INTERVAL_MS;
    const tick = (): void => {
      if (this.#running !== null) return;
      this.#running = this.pass()
        .catch((err: unknown) => this.#log.warn({ err }, 'quorum pass failed; the next one retries'))
        .finally(() => {
          this.#running = null;
        });
    };
    this.#timer = setInterval(tick, intervalMs);
    tick();
    return this;
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  get blind(): boolean {
    return this.#blind;
  }

  async pass(): Promise<PassSummary> {
    const snapshot = await this.#options.store.snapshot();
    const { decision, write } = planPass(snapshot, this.#options.endpoints(), this.#options.settings);
    await this.#options.store.write(write);
    this.#report(decision);
    return { regions: decision.regions, written: { states: write.states.length, events: write.events.length }, blind: this.#blind };
  }

  /** Logs each change of a region's health, and the monitor going blind or seeing again. */
  #report(decision: PassDecision): void {
    for (const [name, verdict] of decision.regions) {
      const before = this.#flagged.get(name) ?? 'reporting';
      if (before === verdict.health) continue;
      this.#flagged.set(name, verdict.health);
      const fields = { region: name, health: verdict.health, fresh: verdict.fresh, failed: verdict.failed };
      if (verdict.health === 'reporting') this.#log.info(fields, 'region reports again: counted in the quorum');
      else this.#log.warn(fields, `region ${verdict.health === 'isolated' ? 'looks cut off (isolated)' : 'is not reporting'}: left out of the quorum`);
    }
    const decided = [...decision.endpoints.values()];
    const blind = decided.length > 0 && decided.every((d) => d.verdict.counted === 0) && [...decision.regions.values()].some((r) => r.health !== 'not_reporting');
    if (blind !== this.#blind) {
      this.#blind = blind;
      if (blind) this.#log.error({ regions: Object.fromEntries([...decision.regions].map(([n, v]) => [n, v.health])) }, 'no region counts for any endpoint: overall status unknown everywhere, nothing pages');
      else this.#log.info('regions count again');
    }
  }
}
