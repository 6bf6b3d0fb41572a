// build(t)-style helper: a real app over a real SQLite file, with service hooks the test controls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../src/config/parse.ts';
import type { Config } from '../../src/config/schema.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { buildApp, type AppOptions } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import type { ProbeRequest } from '../../src/probe/run-probe.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.ts';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: SqliteStore;
  readonly config: Config;
  readonly dir: string;
  /** How many times the API asked the schedule to reload. */
  reloads: number;
  readonly checks: ProbeRequest[];
  close(): Promise<void>;
}

export function testConfig(yaml = '', env: Record<string, string> = {}): Config {
  const parsed = parseConfig(yaml, env);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config;
}

/** `withStore` adds deps built on the app's own store (alert settings, an outbox). */
export async function buildTestApp(
  overrides: Partial<AppDeps> & { yaml?: string; checkResult?: ProbeResult; withStore?: (store: SqliteStore, config: Config) => Partial<AppDeps>; appOptions?: AppOptions } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-http-'));
  const store = openSqliteStore(join(dir, 'mcpwatch.db'));
  const config = overrides.config ?? testConfig(overrides.yaml ?? '');
  const states = (): Map<number, EndpointState> => new Map(store.loadStates().map((s) => [s.endpointId, s]));
  const result: TestApp = {
    app: undefined as unknown as FastifyInstance,
    store,
    config,
    dir,
    reloads: 0,
    checks: [],
    async close() {
      await result.app.close();
      store.close();
    },
  };
  const deps: AppDeps = {
    store,
    config,
    clock: Date.now,
    state: (id) => states().get(id) ?? initialState(id),
    endpoints: () => store.listEndpoints(),
    onEndpointsChanged: () => {
      result.reloads++;
    },
    checkNow: (request) => {
      result.checks.push(request);
      if (!overrides.checkResult) return Promise.reject(new Error('no checkResult configured for this test'));
      return Promise.resolve(overrides.checkResult);
    },
    readiness: () => ({ database: store.isWritable(), scheduler: true }),
    scheduler: () => ({ dispatched: 0, skippedOverlap: 0, missed: 0, runErrors: 0, endpoints: 0, lastLagMs: 0, recentLagsMs: [], inFlight: 0, queued: 0 }),
    loopDelayMs: () => 0,
    latestResult: () => undefined,
    ...overrides,
    ...overrides.withStore?.(store, config),
  };
  (result as { app: FastifyInstance }).app = await buildApp(deps, overrides.appOptions);
  return result;
}
