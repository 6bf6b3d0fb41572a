// Seeds a page bench fleet fast: endpoints, live states and incidents through the store, and 90 days
// of hourly and daily rollups written straight into SQLite with one INSERT … SELECT each. Writing
// 2,160 raw rounds per endpoint through writeTick would take ~20 min at 10,000 endpoints; the pages
// read only rollups, states, gaps and incidents (ARCHITECTURE §5), so no raw row is written here.
// The rollups are what the store would have folded from one round at one minute past every hour
// (test/http/page-seed.ts's wave latency, down one hour in 97).
import { incidentIdFor } from '../src/domain/health.ts';
import { addRound, emptyAgg } from '../src/store/rollup-math.ts';
import type { SqliteStore } from '../src/store/sqlite/store.ts';
import { definition, EMPTY_TICK, result, state } from '../test/store/helper.ts';
import { DAY, HOUR, hourlyTimestamps, waveLatency } from '../test/http/page-seed.ts';

const BUCKET_COLUMNS = Array.from({ length: 16 }, (_, i) => `b${i}`);
const COLUMNS = ['up', 'degraded', 'auth_required', 'down', 'latency_sum_ms', 'latency_min_ms', 'latency_max_ms', ...BUCKET_COLUMNS];
/** The rollup tables hold the buckets in one blob (migration 0013): the columns written, and the values from a row `t` of COLUMNS. */
const TARGET = ['up', 'degraded', 'auth_required', 'down', 'latency_sum_ms', 'latency_min_ms', 'latency_max_ms', 'buckets'];
const targetValues = (t: string): string => [...COLUMNS.slice(0, 7).map((c) => `${t}.${c}`), `mcpwatch_pack_buckets(${BUCKET_COLUMNS.map((b) => `${t}.${b}`).join(', ')})`].join(', ');

export async function seedFleetRollups(store: SqliteStore, n: number, now: number): Promise<void> {
  const endpoints = [];
  for (let i = 0; i < n; i++) {
    endpoints.push(await store.createEndpoint(definition(`ep-${i}`, { name: `Endpoint ${i}`, tags: [`team-${i % 5}`], public: i % 10 !== 0 })));
  }
  const db = store.database;
  db.exec('CREATE TEMP TABLE seed_hours (start INTEGER PRIMARY KEY, up INTEGER, degraded INTEGER, auth_required INTEGER, down INTEGER, latency_sum_ms INTEGER, latency_min_ms INTEGER, latency_max_ms INTEGER, ' + BUCKET_COLUMNS.map((b) => `${b} INTEGER`).join(', ') + ')');
  const insertHour = db.prepare(`INSERT INTO seed_hours (start, ${COLUMNS.join(', ')}) VALUES (${['?', ...COLUMNS.map(() => '?')].join(', ')})`);
  db.transaction(() => {
    for (const ts of hourlyTimestamps(now, 90)) {
      const agg = emptyAgg();
      addRound(agg, result(0, ts, { durationMs: waveLatency(ts), ...(ts % (97 * HOUR) < HOUR ? { status: 'down', code: 'TCP_REFUSED', detail: 'connection refused' } : {}) }));
      insertHour.run(Math.floor(ts / HOUR) * HOUR, agg.up, agg.degraded, agg.authRequired, agg.down, agg.latencySumMs, agg.latencyMinMs, agg.latencyMaxMs, ...agg.buckets);
    }
  })();
  db.exec(`INSERT INTO rollups_hourly (start, endpoint_id, ${TARGET.join(', ')}) SELECT h.start, e.id, ${targetValues('h')} FROM seed_hours h CROSS JOIN endpoints e ORDER BY h.start, e.id`);
  const sums = COLUMNS.map((c) => (c === 'latency_min_ms' ? 'min(h.latency_min_ms)' : c === 'latency_max_ms' ? 'max(h.latency_max_ms)' : `sum(h.${c})`));
  db.exec(`INSERT INTO rollups_daily (start, endpoint_id, ${TARGET.join(', ')}) SELECT d.day, e.id, ${targetValues('d')} FROM (SELECT (h.start / ${DAY}) * ${DAY} AS day, ${sums.map((s, i) => `${s} AS ${COLUMNS[i]}`).join(', ')} FROM seed_hours h GROUP BY 1) d CROSS JOIN endpoints e ORDER BY d.day, e.id`);
  db.exec('DROP TABLE seed_hours');

  const opened = [];
  const resolved = [];
  for (const [i, endpoint] of endpoints.entries()) {
    const startedAt = now - ((i % 80) + 1) * DAY;
    const id = incidentIdFor(endpoint.id, 1);
    opened.push({ endpointId: endpoint.id, event: { kind: 'incident_opened', at: new Date(startedAt).toISOString(), incidentId: id, startedAt: new Date(startedAt).toISOString(), code: 'TCP_REFUSED', detail: 'connection refused' } as const });
    resolved.push({ endpointId: endpoint.id, event: { kind: 'incident_resolved', at: new Date(startedAt + 20 * 60_000).toISOString(), incidentId: id, lastCode: 'TCP_REFUSED', lastDetail: 'connection refused' } as const });
  }
  await store.writeTick({ ...EMPTY_TICK, events: opened });
  await store.writeTick({ ...EMPTY_TICK, events: resolved });
  const last = hourlyTimestamps(now, 1).at(-1)!;
  await store.writeTick({
    ...EMPTY_TICK,
    states: endpoints.map((endpoint) =>
      state(endpoint.id, {
        health: 'up',
        healthSince: new Date(now - 10 * DAY).toISOString(),
        consecutiveSuccesses: 12,
        lastStatus: 'up',
        lastCheckedAt: new Date(last).toISOString(),
        lastDurationMs: waveLatency(last),
        era: 'streamable',
        protocolVersion: '2025-06-18',
        serverName: `${endpoint.slug}-server`,
        serverVersion: '1.4.2',
        incidentsOpened: 1,
      }),
    ),
  });
  store.checkpoint();
}
