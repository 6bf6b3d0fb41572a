// Shared builders for the store tests: temp directories, endpoint definitions, raw rows, states.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointDefinition } from '../../src/domain/endpoint.ts';
import type { FailureCode, Status } from '../../src/domain/failure-codes.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { ResultRow } from '../../src/store/store.ts';

/** A fresh directory under the OS temp dir, removed when `cleanup` runs. */
export function tempDir(prefix = 'mcpwatch-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function definition(slug: string, overrides: Partial<EndpointDefinition> = {}): EndpointDefinition {
  return {
    slug,
    name: `Server ${slug}`,
    url: `https://${slug}.example.com/mcp`,
    intervalS: 60,
    timeoutMs: 15_000,
    era: 'auto',
    public: false,
    paused: false,
    pausedReason: null,
    tags: [],
    listTools: true,
    allowPrivate: false,
    source: 'api',
    secrets: { headers: {}, bearerToken: null },
    ...overrides,
  };
}

export function result(endpointId: number, ts: number, overrides: Partial<ResultRow> = {}): ResultRow {
  const status: Status = overrides.status ?? 'up';
  const code: FailureCode | null = status === 'up' ? null : 'HTTP_5XX';
  return {
    endpointId,
    ts,
    status,
    code,
    detail: status === 'up' ? null : 'HTTP 503 from the server',
    durationMs: 120,
    dnsMs: 2,
    connectMs: 5,
    tlsMs: 12,
    era: 'streamable',
    retried: false,
    stalled: false,
    lagMs: 3,
    ...overrides,
  };
}

export function state(endpointId: number, overrides: Partial<EndpointState> = {}): EndpointState {
  return { ...initialState(endpointId), ...overrides };
}

export const EMPTY_TICK = { results: [], states: [], events: [], certObservations: [], toolSnapshots: [] } as const;

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock the test moves by hand. */
export function manualClock(startMs: number): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
