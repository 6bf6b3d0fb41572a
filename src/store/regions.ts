// The storage of several regions (issue 14), backend-neutral: a PostgreSQL node writes its
// REGION's rounds and confirmed health through RegionTicks, and the quorum arbiter (singleton work)
// reads every region's word and writes the overall truth through QuorumStore. SQLite has one
// region and no arbiter: Storage.regions is absent there.
import type { EndpointState, HealthEvent } from '../domain/health.ts';
import type { IncidentRegions, QuorumMemory, RegionEvidence } from '../domain/quorum-decision.ts';
import type { OverallStatus, RegionVote } from '../domain/quorum.ts';
import type { RegionWord } from '../domain/region-board.ts';
import type { TickWriter } from './store.ts';

/** A node's writer in region mode: rounds carry the region, states are the region's, no incidents or events. */
export type RegionTicks = Pick<TickWriter, 'loadStates' | 'writeTick'>;

export interface QuorumSnapshot {
  /** The database's clock, ms: every `at` below is on it. */
  readonly now: number;
  /** Every region's state of every endpoint, `at` when the region last wrote it. */
  readonly regionStates: ReadonlyMap<number, readonly RegionEvidence[]>;
  /** The overall states (endpoint_state), by endpoint id. */
  readonly overall: ReadonlyMap<number, EndpointState>;
  readonly memory: ReadonlyMap<number, QuorumMemory>;
  /** The region record of each endpoint's open incident. */
  readonly openIncidentRegions: ReadonlyMap<number, IncidentRegions>;
}

export interface QuorumWrite {
  readonly states: readonly EndpointState[];
  /** In order; incident_* events also write the incident rows. */
  readonly events: ReadonlyArray<{ readonly endpointId: number; readonly event: HealthEvent }>;
  readonly incidentRegions: ReadonlyArray<{ readonly endpointId: number; readonly incidentId: number; readonly regions: IncidentRegions }>;
  readonly memory: ReadonlyArray<{ readonly endpointId: number; readonly status: OverallStatus; readonly partial: boolean; readonly votes: readonly RegionVote[] }>;
}

export interface QuorumStore {
  snapshot(): Promise<QuorumSnapshot>;
  /** One transaction; rows of endpoints deleted meanwhile are dropped. */
  write(write: QuorumWrite): Promise<void>;
  /** The stored verdict per endpoint (endpoint_quorum), for the API. */
  verdicts(): Promise<ReadonlyMap<number, { readonly status: OverallStatus; readonly partial: boolean; readonly votes: readonly RegionVote[] }>>;
}

/** What the pages read (src/domain/region-board.ts): less than the arbiter's snapshot, and no writes. */
export interface RegionReader {
  /**
   * Every region's latest word on every endpoint, with `now` on the database's clock; like the
   * arbiter's snapshot, a word older than a day is forgotten. One fleet-wide read: callers cache it.
   */
  words(): Promise<{ readonly now: number; readonly words: readonly RegionWord[] }>;
}

export interface RegionStorage {
  ticks(region: string): RegionTicks;
  readonly quorum: QuorumStore;
  readonly reader: RegionReader;
}
