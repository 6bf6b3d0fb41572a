// `npm run bench -- storage`: both storage backends under the recorder's write pattern, side by
// side. A simulated fleet (bench/storage-fleet.ts) is probed every 60 s on a simulated clock; its
// rounds go through the real Recorder, which flushes once per simulated second, into each backend
// through the Storage contract. Then the real HTTP app reads the pages over that history, and
// retention prunes the part before the UTC midnight the span crosses (and, second, half an hour
// into the new day). Per endpoint-day figures are extrapolated linearly from the span simulated.
// Prints figures, never fails on a number.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/parse.ts';
import type { Endpoint } from '../src/domain/endpoint.ts';
import { DEFAULT_HEALTH_POLICY } from '../src/domain/health.ts';
import { buildApp } from '../src/http/app.ts';
import { pruneOnce } from '../src/service/retention.ts';
import { sealOnce } from '../src/service/sealing.ts';
import { DEFAULT_RETENTION } from '../src/config/schema.ts';
import { Recorder } from '../src/service/recorder.ts';
import { openPostgresStorage } from '../src/store/postgres/open.ts';
import { openSqliteStorage } from '../src/store/sqlite/open.ts';
import type { Storage, StorageBackend } from '../src/store/store.ts';
import { createTestDatabase, postgresMissing } from '../test/fixtures/postgres.ts';
import { Fleet, INTERVAL_MS, definition } from './storage-fleet.ts';

const DAY_MS = 86_400_000;
const ENDPOINTS = Number(process.env.BENCH_STORAGE_ENDPOINTS ?? 10_000);
const HOURS = Number(process.env.BENCH_STORAGE_HOURS ?? 2);
const REQUESTS = Number(process.env.BENCH_STORAGE_REQUESTS ?? 10);
const BACKENDS = (process.env.BENCH_STORAGE_BACKENDS ?? 'sqlite,postgres').split(',') as StorageBackend[];
/** The span is centred on this UTC midnight, so PostgreSQL's retention has a whole day partition to drop. */
const MIDNIGHT = Date.UTC(2026, 10, 26);
const PAGES = ['/', '/status', '/status/:slug', '/status.json'] as const;
const PRUNE_BATCH = 5000;

interface Figures {
  readonly setupS: number;
  readonly ticks: number[];
  readonly rows: number;
  readonly writeMs: number;
  /** SQLite: bytes the process wrote (/proc/self/io write_bytes, checkpoint included); PostgreSQL: WAL bytes. */
  readonly writtenBytes: number;
  /** PostgreSQL only: WAL plus database growth (the heap and index pages reach disk once more at checkpoints). */
  readonly writtenWithGrowth?: number;
  readonly growthBytes: number;
  readonly pages: Record<(typeof PAGES)[number], number[]>;
  readonly prunes: Array<{ label: string; results: number; resultsMs: number; rollups: number; rollupsMs: number }>;
  readonly notes: string[];
  /** What the fleet did over the span (the same for every backend: the mix is seeded). */
  readonly mix: string;
  /** SQLite: sealing the span's raw rows into blocks, and what the file holds per table after. */
  readonly seal?: SealFigures;
}

interface SealFigures {
  readonly rows: number;
  readonly steps: number;
  readonly longestStepMs: number;
  readonly longestStepCpuMs: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Bytes the process wrote while sealing, checkpoint included. */
  readonly writtenBytes: number;
  /** results() of one endpoint over the last 24 h, ms per call, before and after the seal. */
  readonly readBeforeMs: number[];
  readonly readAfterMs: number[];
  readonly rowsRead: number;
  /** dbstat: bytes of each table (with its indexes) and its row count, after the seal. */
  readonly tables: Record<string, { bytes: number; rows: number }>;
  /** Raw rows left in the head (the newest, never sealed). */
  readonly headRows: number;
  /** probe_results bytes per row before the seal (b-tree included). */
  readonly headBytesPerRow: number;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function processWriteBytes(): number {
  const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

/** What a backend needs besides the Storage: its write counter and size, measured its own way. */
interface Opened {
  readonly storage: Storage;
  written(): Promise<number>;
  /** Settles what is buffered (SQLite: checkpoint, so the WAL is in the file). */
  settle(): Promise<void>;
  /** Other activity on a shared server while the span ran, for the reader to judge the WAL figure. */
  noise?(): Promise<string>;
  close(): Promise<void>;
}

function openSqlite(clock: () => number): Opened {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-storage-bench-'));
  const storage = openSqliteStorage(join(dir, 'mcpwatch.db'), { clock });
  return {
    storage,
    written: () => Promise.resolve(processWriteBytes()),
    settle: () => storage.maintenance.checkpoint(),
    async close() {
      await storage.close();
      // BENCH_STORAGE_KEEP=1 leaves the file for a look with sqlite3 (dbstat, page fill).
      if (process.env.BENCH_STORAGE_KEEP === '1') console.log(`  sqlite: kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(clock: () => number): Promise<Opened> {
  const db = await createTestDatabase();
  try {
    const storage = await openPostgresStorage(db.url, { clock, applicationName: 'mcpwatch-storage-bench' });
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    const scalar = async (sql: string): Promise<number> => Number((await admin.query<{ v: string }>(sql)).rows[0]?.v);
    const othersCommits = (): Promise<number> => scalar(`SELECT coalesce(sum(xact_commit), 0) AS v FROM pg_stat_database WHERE datname IS DISTINCT FROM '${db.name}'`);
    const commitsBefore = await othersCommits();
    return {
      storage,
      written: () => scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS v"),
      settle: () => Promise.resolve(),
      noise: async () => `other databases on the cluster committed ${(await othersCommits()) - commitsBefore} transactions meanwhile (the WAL figure is cluster-wide)`,
      async close() {
        await admin.end().catch(() => undefined);
        await storage.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

async function timePages(storage: Storage, recorder: Recorder, endpoints: readonly Endpoint[], now: number): Promise<Figures['pages']> {
  const parsed = parseConfig('', {});
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const app = await buildApp({
    store: storage.store,
    config: parsed.config,
    clock: () => now,
    state: (id) => recorder.state(id),
    endpoints: () => endpoints,
    onEndpointsChanged: () => undefined,
    checkNow: () => Promise.reject(new Error('not in the benchmark')),
    readiness: () => ({ database: true, scheduler: true }),
    scheduler: () => ({ dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: endpoints.length, lastLagMs: 0, recentLagsMs: [], inFlight: 0, queued: 0 }),
    latestResult: () => undefined,
    loopDelayMs: () => 0,
    pageCacheMs: 0,
  });
  // A public endpoint that had incidents: its page shows them.
  const slug = endpoints.find((e) => e.public && recorder.state(e.id).incidentsOpened > 0)?.slug ?? endpoints[1]?.slug ?? 'ep-1';
  const out = {} as Figures['pages'];
  try {
    for (const page of PAGES) {
      const url = page.replace(':slug', slug);
      const first = await app.inject({ url });
      if (first.statusCode !== 200) console.log(`  ! ${url} answered ${first.statusCode}`);
      const times: number[] = [];
      for (let r = 0; r < REQUESTS; r++) {
        const t0 = performance.now();
        await app.inject({ url });
        times.push(performance.now() - t0);
      }
      out[page] = times;
    }
  } finally {
    await app.close();
  }
  return out;
}

async function prune(storage: Storage, label: string, cutMs: number): Promise<Figures['prunes'][number]> {
  const base = { cron: '', batch: PRUNE_BATCH };
  // Raw rows first (rollups kept for ten years), then rollups (raw rows kept): the service's own loop, timed apart.
  let t0 = performance.now();
  const raw = await pruneOnce(storage.store, { ...base, rawDays: 1, rollupDays: 3650 }, cutMs + DAY_MS);
  const resultsMs = performance.now() - t0;
  t0 = performance.now();
  const rolled = await pruneOnce(storage.store, { ...base, rawDays: 3650, rollupDays: 1 }, cutMs + DAY_MS);
  return { label, results: raw.results, resultsMs, rollups: rolled.rollups, rollupsMs: performance.now() - t0 };
}

async function runBackend(backend: StorageBackend): Promise<Figures> {
  const spanMs = HOURS * 3_600_000;
  const start = MIDNIGHT - Math.round(spanMs / 2 / 1000) * 1000;
  let now = start - INTERVAL_MS;
  const clock = (): number => now;
  const opened = backend === 'sqlite' ? openSqlite(clock) : await openPostgres(clock);
  const { storage } = opened;
  const notes: string[] = [];
  try {
    const t0 = performance.now();
    const { endpoints } = await storage.store.syncConfigEndpoints(Array.from({ length: ENDPOINTS }, (_, i) => definition(i)));
    const setupS = (performance.now() - t0) / 1000;
    const fleet = new Fleet(ENDPOINTS);
    const recorder = await Recorder.open(storage.store, DEFAULT_HEALTH_POLICY);
    const events = new Map<string, number>();
    recorder.onEvent((_, event) => events.set(event.kind, (events.get(event.kind) ?? 0) + 1));
    const ticks: number[] = [];
    let rows = 0;
    // Only the flush (the tick's writeTick) is timed: making up the rounds and advancing their states is not storage.
    const tick = async (): Promise<void> => {
      now += 1000;
      for (const { index, round, meta } of fleet.roundsBefore(now)) recorder.record(endpoints[index]!, round, meta);
      const t = performance.now();
      rows += await recorder.flush();
      ticks.push(performance.now() - t);
    };
    // Warm-up: one interval, every endpoint's first round (it records each certificate and tool list once).
    while (now < start) await tick();
    await storage.store.flush();
    await opened.settle();
    const warm = { ...fleet.statuses };
    events.clear();
    const writtenBefore = await opened.written();
    const sizeBefore = await storage.sizeBytes();
    ticks.length = 0;
    rows = 0;
    const loadBefore = loadavg()[0] ?? 0;
    const end = start + spanMs;
    const progressEvery = Math.max(1, Math.round(spanMs / 1000 / 8));
    while (now < end) {
      await tick();
      if (ticks.length % progressEvery === 0) process.stdout.write(`  ${backend}: ${((ticks.length / (spanMs / 1000)) * 100).toFixed(0)} % of the span, tick p50 ${quantile(ticks.slice(-progressEvery), 0.5).toFixed(1)} ms\n`);
    }
    await storage.store.flush();
    await opened.settle();
    const writtenBytes = (await opened.written()) - writtenBefore;
    const growthBytes = (await storage.sizeBytes()) - sizeBefore;
    notes.push(`1-min load average ${fmt(loadBefore)} at the span's start, ${fmt(loadavg()[0] ?? 0)} at its end (${cpus().length} cores)`);
    if (opened.noise) notes.push(await opened.noise());
    const statuses = Object.entries(fleet.statuses).map(([status, n]) => [status, n - warm[status as keyof typeof warm]] as const);
    const total = statuses.reduce((a, [, n]) => a + n, 0);
    const mix = `${total} rounds: ${statuses.map(([status, n]) => `${status} ${fmt((n / total) * 100, 2)} %`).join(', ')}; events ${[...events].map(([kind, n]) => `${kind} ${n}`).join(', ')}`;
    const pages = await timePages(storage, recorder, endpoints, now);
    let seal: SealFigures | undefined;
    if (backend === 'sqlite') {
      // Every whole hour of the span is due once the clock is past its end plus the slack (10 min).
      now = end + 3_600_000 + 11 * 60_000;
      seal = await sealSpan(opened, endpoints, end);
    }
    const prunes = [await prune(storage, 'cut at the midnight (a whole day partition)', MIDNIGHT), await prune(storage, 'cut at 00:30 (rows inside a partition)', MIDNIGHT + 30 * 60_000)];
    return {
      setupS,
      ticks,
      rows,
      writeMs: ticks.reduce((a, b) => a + b, 0),
      writtenBytes,
      ...(backend === 'postgres' ? { writtenWithGrowth: writtenBytes + growthBytes } : {}),
      growthBytes,
      pages,
      prunes,
      notes,
      mix,
      ...(seal ? { seal } : {}),
    };
  } finally {
    await opened.close();
  }
}

async function sealSpan(opened: Opened, endpoints: readonly Endpoint[], end: number): Promise<SealFigures> {
  const store = opened.storage.store as ReturnType<typeof openSqliteStorage>['store'];
  const tableBytes = (name: string): number => (store.database.prepare('SELECT coalesce(sum(pgsize), 0) AS b FROM dbstat WHERE name = ?').get(name) as { b: number }).b;
  const headRowsBefore = (store.database.prepare('SELECT count(*) AS n FROM probe_results').get() as { n: number }).n;
  const headBytesPerRow = tableBytes('probe_results') / Math.max(1, headRowsBefore);
  const sample = endpoints.filter((_, i) => i % Math.max(1, Math.floor(endpoints.length / 20)) === 0).slice(0, 20);
  const window = { fromMs: end - DAY_MS, toMs: end, limit: 1440 };
  const timeReads = async (): Promise<{ ms: number[]; rows: number }> => {
    const ms: number[] = [];
    let rows = 0;
    for (const endpoint of sample) {
      const t0 = performance.now();
      rows += (await store.results(endpoint.id, window)).length;
      ms.push(performance.now() - t0);
    }
    return { ms, rows };
  };
  const before = await timeReads();
  const written0 = processWriteBytes();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await sealOnce((budgetMs) => Promise.resolve(store.sealStep(budgetMs)));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await opened.settle();
  const writtenBytes = processWriteBytes() - written0;
  const after = await timeReads();
  if (after.rows !== before.rows) console.log(`  ! results() read ${before.rows} rows before the seal and ${after.rows} after`);
  const db = store.database;
  const tables: SealFigures['tables'] = {};
  const owners = new Map<string, string>((db.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')").all() as { name: string; tbl_name: string }[]).map((r) => [r.name, r.tbl_name]));
  for (const { name, bytes } of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]) {
    const table = owners.get(name) ?? name;
    const entry = (tables[table] ??= { bytes: 0, rows: 0 });
    entry.bytes += bytes;
  }
  for (const table of ['probe_results', 'result_blocks', 'rollups_hourly', 'rollups_daily']) {
    const entry = (tables[table] ??= { bytes: 0, rows: 0 });
    entry.rows = (db.prepare(table === 'result_blocks' ? 'SELECT coalesce(sum(rows), 0) AS n FROM result_blocks' : `SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }
  return {
    rows: report.sealed,
    steps: report.steps,
    longestStepMs: report.longestStepMs,
    longestStepCpuMs: report.longestStepCpuMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    writtenBytes,
    readBeforeMs: before.ms,
    readAfterMs: after.ms,
    rowsRead: before.rows,
    tables,
    headRows: tables.probe_results?.rows ?? 0,
    headBytesPerRow,
  };
}

/** The SQLite figures after sealing, and the file at 10,000 endpoints with the default retention, extrapolated. */
function sealReport(f: Figures): void {
  const seal = f.seal;
  if (!seal) return;
  const endpointDays = ENDPOINTS * (HOURS / 24);
  const blocks = seal.tables.result_blocks ?? { bytes: 0, rows: 0 };
  const hourly = seal.tables.rollups_hourly ?? { bytes: 0, rows: 0 };
  const daily = seal.tables.rollups_daily ?? { bytes: 0, rows: 0 };
  const head = seal.tables.probe_results ?? { bytes: 0, rows: 0 };
  const r = DEFAULT_RETENTION;
  const perRow = (t: { bytes: number; rows: number }): number => t.bytes / Math.max(1, t.rows);
  const roundsPerDay = 1440;
  const at10k = {
    raw: perRow(blocks) * roundsPerDay * r.rawDays * 10_000,
    // The head holds the current hour, the 10 min of slack, up to one rollup flush (15 min: only folded rows are sealed)
    // and one prune interval (5 min) before the seal: 90 min of rows.
    head: 90 * 10_000 * seal.headBytesPerRow,
    hourly: perRow(hourly) * 24 * r.hourlyRollupDays * 10_000,
    daily: perRow(daily) * r.rollupDays * 10_000,
  };
  const total = at10k.raw + at10k.head + at10k.hourly + at10k.daily;
  console.log('');
  console.log(`# SQLite raw rows sealed into blocks (seal run with the clock past the span's end; budget per step 10 ms)`);
  console.log(`rows sealed                                 ${seal.rows} in ${seal.steps} steps (${seal.headRows} left in the head)`);
  console.log(`seal CPU per endpoint-day                   ${fmt((seal.cpuMs / endpointDays) * 1000, 1)} µs  (total ${fmt(seal.cpuMs, 0)} ms CPU, ${fmt(seal.wallMs, 0)} ms wall)`);
  console.log(`longest seal step (event loop held)         ${fmt(seal.longestStepMs, 1)} ms wall; most CPU in one step ${fmt(seal.longestStepCpuMs, 1)} ms`);
  console.log(`written by the seal per endpoint-day        ${bytes(seal.writtenBytes / endpointDays)}  (full day at ${ENDPOINTS}: ${bytes((seal.writtenBytes * 24) / HOURS)})`);
  console.log(`written per day at ${ENDPOINTS}, ticks + seal      ${bytes(((f.writtenBytes + seal.writtenBytes) * 24) / HOURS)}`);
  console.log(`raw bytes per row: blocks / head            ${fmt(perRow(blocks), 2)} B / ${fmt(seal.headBytesPerRow, 2)} B  (blocks ${bytes(blocks.bytes)} for ${blocks.rows} rows; head ${head.rows} rows after)`);
  console.log(`raw bytes per endpoint-day, sealed          ${bytes(perRow(blocks) * roundsPerDay)}`);
  console.log(`rollup bytes per row: hourly / daily        ${fmt(perRow(hourly), 1)} B / ${fmt(perRow(daily), 1)} B`);
  console.log(`results() 24 h of one endpoint, before seal p50 ${fmt(quantile(seal.readBeforeMs, 0.5), 2)} ms, max ${fmt(Math.max(...seal.readBeforeMs), 2)} ms; after p50 ${fmt(quantile(seal.readAfterMs, 0.5), 2)} ms, max ${fmt(Math.max(...seal.readAfterMs), 2)} ms (${seal.readBeforeMs.length} endpoints, ${seal.rowsRead} rows in all)`);
  console.log(
    `at 10,000 endpoints, default retention (raw ${r.rawDays} d sealed, hourly ${r.hourlyRollupDays} d, daily ${r.rollupDays} d), per-row sizes measured here: ` +
      `raw ${bytes(at10k.raw)} + head ${bytes(at10k.head)} + hourly ${bytes(at10k.hourly)} + daily ${bytes(at10k.daily)} = ${bytes(total)}`,
  );
}

const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const bytes = (value: number): string => (Math.abs(value) >= 1024 * 1024 * 1024 ? `${fmt(value / 1024 ** 3, 2)} GiB` : Math.abs(value) >= 1024 * 1024 ? `${fmt(value / 1024 ** 2)} MiB` : `${fmt(value / 1024, 2)} KiB`);

function table(results: ReadonlyMap<StorageBackend, Figures>): void {
  const endpointDays = ENDPOINTS * (HOURS / 24);
  const fullDay = 24 / HOURS;
  type Row = [string, (f: Figures) => number, (v: number) => string];
  const rows: Row[] = [
    ['endpoints synced (s)', (f) => f.setupS, (v) => fmt(v)],
    ['tick write p50 (ms)', (f) => quantile(f.ticks, 0.5), (v) => fmt(v, 2)],
    ['tick write p99 (ms)', (f) => quantile(f.ticks, 0.99), (v) => fmt(v, 2)],
    ['tick write max (ms)', (f) => Math.max(...f.ticks), (v) => fmt(v)],
    ['ticks over 100 ms', (f) => f.ticks.filter((t) => t > 100).length, (v) => fmt(v, 0)],
    ['rows/s (rows ÷ time in writes)', (f) => f.rows / (f.writeMs / 1000), (v) => fmt(v, 0)],
    ['time in writes, % of real time', (f) => (f.writeMs / (HOURS * 3_600_000)) * 100, (v) => fmt(v, 2)],
    ['bytes written per endpoint-day', (f) => f.writtenBytes / endpointDays, bytes],
    ['  with table growth (PG)', (f) => (f.writtenWithGrowth ?? Number.NaN) / endpointDays, bytes],
    ['database size per endpoint-day', (f) => f.growthBytes / endpointDays, bytes],
    [`full day at ${ENDPOINTS}: written`, (f) => (f.writtenWithGrowth ?? f.writtenBytes) * fullDay, bytes],
    [`full day at ${ENDPOINTS}: size`, (f) => f.growthBytes * fullDay, bytes],
    ...PAGES.flatMap((page): Row[] => [
      [`${page} p50 (ms)`, (f) => quantile(f.pages[page], 0.5), (v) => fmt(v)],
      [`${page} p95 (ms)`, (f) => quantile(f.pages[page], 0.95), (v) => fmt(v)],
    ]),
    ...[0, 1].flatMap((k): Row[] => [
      [`prune ${k + 1}: raw rows removed`, (f) => f.prunes[k]?.results ?? Number.NaN, (v) => fmt(v, 0)],
      [`prune ${k + 1}: raw time (ms)`, (f) => f.prunes[k]?.resultsMs ?? Number.NaN, (v) => fmt(v)],
      [`prune ${k + 1}: µs per raw row`, (f) => ((f.prunes[k]?.resultsMs ?? Number.NaN) * 1000) / (f.prunes[k]?.results ?? Number.NaN), (v) => fmt(v, 2)],
      [`prune ${k + 1}: rollup rows removed`, (f) => f.prunes[k]?.rollups ?? Number.NaN, (v) => fmt(v, 0)],
      [`prune ${k + 1}: rollup time (ms)`, (f) => f.prunes[k]?.rollupsMs ?? Number.NaN, (v) => fmt(v)],
    ]),
  ];
  const sqlite = results.get('sqlite');
  const postgres = results.get('postgres');
  const width = 36;
  console.log(`${'figure'.padEnd(width)} ${'SQLite'.padStart(14)} ${'PostgreSQL'.padStart(14)} ${'PG/SQLite'.padStart(10)}`);
  for (const [label, pick, show] of rows) {
    const a = sqlite ? pick(sqlite) : Number.NaN;
    const b = postgres ? pick(postgres) : Number.NaN;
    console.log(`${label.padEnd(width)} ${show(a).padStart(14)} ${show(b).padStart(14)} ${(a > 0 && Number.isFinite(b) ? `${fmt(b / a, 2)}×` : '–').padStart(10)}`);
  }
  const any = sqlite ?? postgres;
  if (any) for (const [k, p] of any.prunes.entries()) console.log(`prune ${k + 1}: ${p.label}`);
  if (any) console.log(`the span: ${any.mix}`);
  for (const [backend, f] of results) for (const note of f.notes) console.log(`${backend}: ${note}`);
  if (sqlite) sealReport(sqlite);
}

export async function benchStorage(): Promise<void> {
  const endpointDays = ENDPOINTS * (HOURS / 24);
  console.log(
    `# storage: ${ENDPOINTS} endpoints at ${INTERVAL_MS / 1000} s for ${HOURS} simulated h around UTC midnight (one interval of warm-up before), ` +
      `the real Recorder flushing every simulated second (~${Math.round(ENDPOINTS / (INTERVAL_MS / 1000))} rounds a tick), Node ${process.version}. ` +
      `Per endpoint-day = measured ÷ ${fmt(endpointDays, 0)} endpoint-days; "full day" = measured × ${fmt(24 / HOURS, 1)}, linear. ` +
      `Written: SQLite /proc/self/io write_bytes (checkpoint included), PostgreSQL WAL (pg_current_wal_lsn difference, cluster-wide). ` +
      `Size: sizeBytes() growth over the span (SQLite after a checkpoint; PostgreSQL pg_database_size). Pages: server time via inject, ${REQUESTS} requests each after one, pageCacheMs 0. ` +
      `Retention: the service's pruneOnce (batch ${PRUNE_BATCH}), raw rows then rollups. Knobs: BENCH_STORAGE_ENDPOINTS, BENCH_STORAGE_HOURS, BENCH_STORAGE_REQUESTS, BENCH_STORAGE_BACKENDS, BENCH_STORAGE_KEEP=1 (keep the SQLite file).`,
  );
  const results = new Map<StorageBackend, Figures>();
  for (const backend of BACKENDS) {
    if (backend === 'postgres') {
      const missing = await postgresMissing();
      if (missing !== undefined) {
        console.log(`  postgres: not run: ${missing}`);
        continue;
      }
    }
    const wall = performance.now();
    results.set(backend, await runBackend(backend));
    console.log(`  ${backend}: done in ${fmt((performance.now() - wall) / 1000)} s`);
  }
  table(results);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStorage();
