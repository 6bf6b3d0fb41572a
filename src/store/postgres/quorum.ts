// The quorum arbiter's store (src/store/regions.ts QuorumStore): every region's word in, the
// overall truth out. Only the arbiter writes endpoint_state, incidents, events and endpoint_quorum
// on a PostgreSQL cluster (0005_regions.sql); it runs on one node (the singleton lease).
import type { EndpointState } from '../../domain/health.ts';
import type { IncidentRegions, QuorumMemory, RegionEvidence } from '../../domain/quorum-decision.ts';
import type { OverallStatus, RegionVote } from '../../domain/quorum.ts';
import type { QuorumSnapshot, QuorumStore, QuorumWrite } from '../regions.ts';
import { allRegionStates, applyIncidentEvent, insertEvents, liveEndpoints, loadStates, upsertStates } from './health-writes.ts';
import { type Pool, transaction } from './pool.ts';

interface MemoryRow {
  endpoint_id: number;
  status: OverallStatus;
  partial: boolean;
  votes: RegionVote[];
}

export class PgQuorum implements QuorumStore {
  constructor(private readonly pool: Pool) {}

  async snapshot(): Promise<QuorumSnapshot> {
    const { rows, nowMs } = await allRegionStates(this.pool);
    const regionStates = new Map<number, RegionEvidence[]>();
    for (const row of rows) {
      const list = regionStates.get(row.state.endpointId) ?? [];
      list.push({ region: row.region, state: row.state, at: row.atMs });
      regionStates.set(row.state.endpointId, list);
    }
    const overall = new Map<number, EndpointState>((await loadStates(this.pool, null)).map((s) => [s.endpointId, s]));
    const memory = new Map<number, QuorumMemory>();
    for (const row of (await this.pool.query<MemoryRow>('SELECT endpoint_id, status, partial FROM endpoint_quorum')).rows) memory.set(row.endpoint_id, { status: row.status, partial: row.partial });
    const open = await this.pool.query<{ endpoint_id: number; regions: IncidentRegions }>('SELECT endpoint_id, regions FROM incidents WHERE resolved_at IS NULL');
    const openIncidentRegions = new Map(open.rows.map((row) => [row.endpoint_id, row.regions]));
    return { now: nowMs, regionStates, overall, memory, openIncidentRegions };
  }

  async write(write: QuorumWrite): Promise<void> {
    if (write.states.length === 0 && write.events.length === 0 && write.incidentRegions.length === 0 && write.memory.length === 0) return;
    await transaction(this.pool, async (client) => {
      const live = await liveEndpoints(client, [
        ...write.states.map((s) => s.endpointId),
        ...write.events.map((e) => e.endpointId),
        ...write.incidentRegions.map((i) => i.endpointId),
        ...write.memory.map((m) => m.endpointId),
      ]);
      const events = write.events.filter((e) => live.has(e.endpointId));
      for (const { endpointId, event } of events) await applyIncidentEvent(client, endpointId, event);
      const records = write.incidentRegions.filter((i) => live.has(i.endpointId));
      if (records.length > 0) {
        await client.query('UPDATE incidents AS i SET regions = u.regions FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, regions) WHERE i.id = u.id', [
          records.map((r) => r.incidentId),
          records.map((r) => JSON.stringify(r.regions)),
        ]);
      }
      await upsertStates(client, write.states.filter((s) => live.has(s.endpointId)), null);
      const memory = write.memory.filter((m) => live.has(m.endpointId)).sort((a, b) => a.endpointId - b.endpointId);
      if (memory.length > 0) {
        // `since` moves only when the verdict does.
        await client.query(
          `INSERT INTO endpoint_quorum AS q (endpoint_id, status, partial, since, votes, updated_at)
           SELECT endpoint_id, status, partial, now(), votes, now() FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::jsonb[]) AS u(endpoint_id, status, partial, votes)
           ON CONFLICT (endpoint_id) DO UPDATE SET status = excluded.status, partial = excluded.partial, votes = excluded.votes, updated_at = now(),
             since = CASE WHEN q.status = excluded.status THEN q.since ELSE now() END`,
          [memory.map((m) => m.endpointId), memory.map((m) => m.status), memory.map((m) => m.partial), memory.map((m) => JSON.stringify(m.votes))],
        );
      }
      await insertEvents(client, events);
    });
  }

  async verdicts(): Promise<ReadonlyMap<number, { status: OverallStatus; partial: boolean; votes: RegionVote[] }>> {
    const { rows } = await this.pool.query<MemoryRow>('SELECT endpoint_id, status, partial, votes FROM endpoint_quorum');
    return new Map(rows.map((row) => [row.endpoint_id, { status: row.status, partial: row.partial, votes: row.votes }]));
  }
}
