// Seeds a store the way a running service would have filled it: one round per hour for 90 days,
// the live state, incidents, certificate observations and tool snapshots, then a checkpoint so the
// rollups are on disk.
import type { Endpoint, EndpointDefinition } from '../../src/domain/endpoint.ts';
import type { FailureCode } from '../../src/domain/failure-codes.ts';
import { incidentIdFor, type EndpointState } from '../../src/domain/health.ts';
import type { ResultRow, Store } from '../../src/store/store.ts';
import { definition, EMPTY_TICK, result, state } from '../store/helper.ts';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface SeedIncident {
  readonly startedAt: number;
  readonly resolvedAt: number | null;
  readonly code: FailureCode;
  readonly detail: string;
}

export interface SeedSpec {
  readonly slug: string;
  readonly definition?: Partial<EndpointDefinition>;
  /** Days of hourly rounds before `now` (default 90; 0 for none). */
  readonly days?: number;
  /** Overrides for the round at `ts` (the index counts from the oldest round). */
  readonly row?: (ts: number, index: number) => Partial<ResultRow>;
  readonly state?: Partial<EndpointState>;
  readonly incidents?: readonly SeedIncident[];
  readonly tools?: ReadonlyArray<{ readonly ts: number; readonly names: readonly string[] }>;
  readonly cert?: { readonly notAfter: string; readonly issuer: string };
}

/** Round timestamps: one minute past each hour, oldest first, all before `now`. */
export function hourlyTimestamps(now: number, days: number): number[] {
  const current = Math.floor(now / HOUR) * HOUR + 60_000;
  const out: number[] = [];
  for (let k = days * 24 - 1; k >= 0; k--) {
    const ts = current - k * HOUR;
    if (ts < now) out.push(ts);
  }
  return out;
}

/** A gentle daily latency wave, so charts have a shape: 90–170 ms. */
export function waveLatency(ts: number): number {
  return Math.round(130 + 40 * Math.sin((ts / HOUR / 24) * 2 * Math.PI));
}

export async function seedEndpoint(store: Store, now: number, spec: SeedSpec): Promise<{ endpoint: Endpoint; rows: ResultRow[] }> {
  const endpoint = await store.createEndpoint(definition(spec.slug, { public: true, ...spec.definition }));
  const rows = hourlyTimestamps(now, spec.days ?? 90).map((ts, i) => result(endpoint.id, ts, { durationMs: waveLatency(ts), ...spec.row?.(ts, i) }));
  await store.writeTick({ ...EMPTY_TICK, results: rows });

  for (const [n, incident] of (spec.incidents ?? []).entries()) {
    const id = incidentIdFor(endpoint.id, n + 1);
    const opened = { kind: 'incident_opened', at: new Date(incident.startedAt).toISOString(), incidentId: id, startedAt: new Date(incident.startedAt).toISOString(), code: incident.code, detail: incident.detail } as const;
    await store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: endpoint.id, event: opened }] });
    if (incident.resolvedAt === null) continue;
    const resolved = { kind: 'incident_resolved', at: new Date(incident.resolvedAt).toISOString(), incidentId: id, lastCode: incident.code, lastDetail: incident.detail } as const;
    await store.writeTick({ ...EMPTY_TICK, events: [{ endpointId: endpoint.id, event: resolved }] });
  }
  for (const [i, tools] of (spec.tools ?? []).entries()) {
    await store.writeTick({ ...EMPTY_TICK, toolSnapshots: [{ endpointId: endpoint.id, ts: tools.ts, hash: `hash-${i}-${tools.names.join(',')}`, count: tools.names.length, names: tools.names }] });
  }
  if (spec.cert) {
    await store.writeTick({
      ...EMPTY_TICK,
      certObservations: [
        { endpointId: endpoint.id, ts: now - DAY, fingerprint256: `fp-${spec.slug}`, subject: `CN=${spec.slug}.example.com`, issuer: spec.cert.issuer, notBefore: new Date(now - 60 * DAY).toISOString(), notAfter: spec.cert.notAfter, sans: [] },
      ],
    });
  }

  const last = rows.at(-1);
  const open = (await store.incidents({ endpointId: endpoint.id, openOnly: true, limit: 1 }))[0];
  await store.writeTick({
    ...EMPTY_TICK,
    states: [
      state(endpoint.id, {
        health: 'up',
        healthSince: new Date(now - 10 * DAY).toISOString(),
        consecutiveSuccesses: 12,
        lastStatus: 'up',
        lastCheckedAt: last ? new Date(last.ts).toISOString() : null,
        lastDurationMs: last?.durationMs ?? null,
        era: 'streamable',
        protocolVersion: '2025-06-18',
        serverName: `${spec.slug}-server`,
        serverVersion: '1.4.2',
        certNotAfter: spec.cert?.notAfter ?? null,
        toolsCount: spec.tools?.at(-1)?.names.length ?? null,
        openIncidentId: open?.id ?? null,
        incidentsOpened: spec.incidents?.length ?? 0,
        ...spec.state,
      }),
    ],
  });
  return { endpoint, rows };
}

