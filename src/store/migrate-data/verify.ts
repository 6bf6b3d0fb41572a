// The verification pass of migrate-data: every copied table holds as many rows on both sides, and
// both backends, read through their own Storage, answer the questions the service asks with the
// same answers (endpoints, tokens, incidents, alert settings and outbox, uptime and rollups of
// every endpoint over the whole history).
import { isDeepStrictEqual } from 'node:util';
import { openPostgresStorage } from '../postgres/open.ts';
import { textForPostgres } from '../postgres/safe-text.ts';
import { openSqliteStorage } from '../sqlite/open.ts';
import type { Storage } from '../store.ts';
import type { Target } from './copy.ts';
import type { Source } from './source.ts';
import { COPIED_TABLES } from './tables.ts';

export interface CountRow {
  readonly table: string;
  readonly source: number;
  readonly target: number;
}

export interface CheckRow {
  readonly check: string;
  readonly equal: boolean;
  /** What differed, when something did. */
  readonly detail?: string;
}

export interface VerifyReport {
  readonly counts: readonly CountRow[];
  readonly checks: readonly CheckRow[];
  readonly equal: boolean;
}

/** Everything a listing returns, however long (these are the small tables). */
const ALL = 1_000_000;
/** Endpoints whose hourly and daily rollups are compared one by one (uptime is compared for all). */
const ROLLUP_SAMPLE = 50;

type Probe = (storage: Storage, ids: readonly number[], toMs: number) => Promise<unknown>;

const CHECKS: ReadonlyArray<readonly [string, Probe]> = [
  ['endpoints', (s) => s.store.listEndpoints()],
  ['api tokens', (s) => s.store.listTokens()],
  ['incidents', (s) => s.store.incidents({ limit: ALL })],
  ['events (newest 10,000)', (s) => s.store.events({ limit: 10_000 })],
  ['endpoint states', (s) => s.store.loadStates().then((states) => [...states].sort((a, b) => a.endpointId - b.endpointId))],
  ['uptime, every endpoint, whole history', (s, _ids, toMs) => s.store.uptimeAll(0, toMs).then((map) => [...map].sort((a, b) => a[0] - b[0]))],
  [
    `hourly and daily rollups (${ROLLUP_SAMPLE} endpoints)`,
    async (s, ids, toMs) => {
      const out: unknown[] = [];
      for (const id of ids) out.push(await s.store.rollups('hour', id, 0, toMs), await s.store.rollups('day', id, 0, toMs), await s.store.uptime(id, 0, toMs));
      return out;
    },
  ],
  ['monitoring gaps', (s, _ids, toMs) => s.store.gapsAll(0, toMs).then((map) => [...map].sort((a, b) => a[0] - b[0]))],
  ['alert channels, routes, windows', async (s) => [await s.alertSettings.channels(), await s.alertSettings.routes.list(), await s.alertSettings.windows.list()]],
  ['alert outbox, instance id, cursor', async (s) => [await s.outbox.entries({ limit: ALL }), await s.outbox.instanceId(), await s.outbox.cursor()]],
];

/** Spread over the id range, so a sample of a large database is not only its oldest endpoints. */
function sample(ids: readonly number[], size: number): number[] {
  if (ids.length <= size) return [...ids];
  return Array.from({ length: size }, (_, i) => ids[Math.floor((i * ids.length) / size)]!);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A SQLite answer as PostgreSQL can hold it: NUL and lone surrogates become U+FFFD on the way in
 * (safe-text.ts; the driver's UTF-8 encoding does the same to a lone surrogate in text), which is
 * a deliberate change, not a difference.
 */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return textForPostgres(value).replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(storable);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, storable(v)]));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)]));
  return value;
}

/** Where two answers first differ, e.g. `[3].lastError: "x" / "y"`. */
function describeDifference(a: unknown, b: unknown, path = ''): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path || 'items'}: ${a.length} in SQLite, ${b.length} in PostgreSQL`;
    const i = a.findIndex((item, j) => !isDeepStrictEqual(item, b[j]));
    return describeDifference(a[i], b[i], `${path}[${i}]`);
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !(a instanceof Map)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const key = keys.find((k) => !isDeepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
    if (key !== undefined) return describeDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
  }
  return `${path || 'value'}: ${JSON.stringify(a)?.slice(0, 200)} in SQLite, ${JSON.stringify(b)?.slice(0, 200)} in PostgreSQL`;
}

export async function verify(source: Source, target: Target, options: { readonly clock?: () => number } = {}): Promise<VerifyReport> {
  const counts: CountRow[] = [];
  for (const table of COPIED_TABLES) {
    const { rows } = await target.pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${table.name}`);
    counts.push({ table: table.name, source: source.count(table.name), target: rows[0]?.n ?? 0 });
  }
  // A day past now: rounds of the current hour and day are inside the window on both sides.
  const toMs = (options.clock ?? Date.now)() + 86_400_000;
  const sqlite = openSqliteStorage(source.path);
  let postgres: Storage | undefined;
  const checks: CheckRow[] = [];
  try {
    postgres = await openPostgresStorage(target.url, { max: 2, statementTimeoutMs: 10 * 60_000, applicationName: 'mcpwatch migrate-data verify' });
    const ids = sample(
      (await sqlite.store.listEndpoints()).map((e) => e.id),
      ROLLUP_SAMPLE,
    );
    for (const [check, probe] of CHECKS) {
      const a = storable(await probe(sqlite, ids, toMs));
      const b = await probe(postgres, ids, toMs);
      const equal = isDeepStrictEqual(a, b);
      checks.push(equal ? { check, equal } : { check, equal, detail: describeDifference(a, b) });
    }
  } finally {
    await sqlite.close();
    await postgres?.close();
  }
  const equal = counts.every((c) => c.source === c.target) && checks.every((c) => c.equal);
  return { counts, checks, equal };
}

/** The report as the table the command prints. */
export function formatReport(report: VerifyReport): string {
  const width = Math.max(...report.counts.map((c) => c.table.length), 'TABLE'.length);
  const lines = [`${'TABLE'.padEnd(width)}  ${'SQLITE'.padStart(12)}  ${'POSTGRESQL'.padStart(12)}`];
  for (const c of report.counts) {
    lines.push(`${c.table.padEnd(width)}  ${c.source.toLocaleString('en').padStart(12)}  ${c.target.toLocaleString('en').padStart(12)}  ${c.source === c.target ? 'equal' : 'DIFFERENT'}`);
  }
  lines.push('');
  for (const c of report.checks) lines.push(`${c.equal ? 'equal    ' : 'DIFFERENT'}  ${c.check}${c.detail !== undefined ? `: ${c.detail}` : ''}`);
  lines.push('', report.equal ? 'verification: everything equal' : 'verification: DIFFERENCES found (see above)');
  return lines.join('\n');
}
