// build(t)-style helper: a real app over a real SQLite file, with service hooks the test controls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../src/config/parse.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { buildApp, type AppOptions } from '../../src/http/app.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import type { ProbeRequest } from '../../src/probe/run-probe.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.ts';

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
  overrides: Partial<AppDeps> & { yaml?: string; checkResult?: ProbeResult; withStore?: (store: SqliteStore, config: Config) => Partial<AppDeps> | Promise<Partial<AppDeps>>; appOptions?: AppOptions } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-http-'));
  // A test (or bench) that brings its own view of the service's memory needs no refreshing.
  const live = liveStore(openSqliteStore(join(dir, 'mcpwatch.db')), overrides.state === undefined || overrides.endpoints === undefined);
  const { store } = live;
  const config = overrides.config ?? testConfig(overrides.yaml ?? '');
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
    state: live.state,
    endpoints: live.endpoints,
    onEndpointsChanged: () => {
      result.reloads++;
    },
    checkNow: (request) => {
      result.checks.push(request);
      if (!overrides.checkResult) return Promise.reject(new Error('no checkResult configured for this test'));
      return Promise.resolve(overrides.checkResult);
    },
    readiness: async () => ({ database: await store.isWritable(), scheduler: true }),
    scheduler: () => ({ dispatched: 0, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: 0, lastLagMs: 0, recentLagsMs: [], inFlight: 0, queued: 0 }),
    loopDelayMs: () => 0,
    latestResult: () => undefined,
    ...overrides,
    ...(await overrides.withStore?.(store, config)),
  };
  (result as { app: FastifyInstance }).app = await buildApp(deps, overrides.appOptions);
  return result;
}

/** Store methods after which the live view (states, endpoint list) is read again. */
const WRITES: ReadonlySet<PropertyKey> = new Set(['writeTick', 'flush', 'createEndpoint', 'updateEndpoint', 'deleteEndpoint', 'syncConfigEndpoints', 'pruneArchivedEndpoints']);

/**
 * The app reads states and the endpoint list synchronously from the service's memory (the
 * Recorder, the Monitor). Here that memory is the store's content as of its last write: `store`
 * is the real store, and every write through it (the test's or the API's) refreshes the view.
 */
export function liveStore(target: SqliteStore, refreshing = true): { store: SqliteStore; state: (id: number) => EndpointState; endpoints: () => readonly Endpoint[] } {
  let states = new Map<number, EndpointState>();
  let endpoints: readonly Endpoint[] = [];
  if (!refreshing) return { store: target, state: (id) => initialState(id), endpoints: () => endpoints };
  const refresh = async (): Promise<void> => {
    if (!target.database.open) return;
    states = new Map((await target.loadStates()).map((s) => [s.endpointId, s]));
    endpoints = await target.listEndpoints();
  };
  const store = new Proxy(target, {
    get(object, property) {
      // Bound to the real store: its private fields do not exist on the proxy.
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!WRITES.has(property)) return method.bind(object);
      return async (...args: unknown[]) => {
        const out = await method.apply(object, args);
        await refresh();
        return out;
      };
    },
  });
  return { store, state: (id) => states.get(id) ?? initialState(id), endpoints: () => endpoints };
}
