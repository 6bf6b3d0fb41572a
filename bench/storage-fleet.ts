// A simulated fleet for the storage benchmark: N endpoints probed every 60 s, each at a fixed slot
// in the minute, with a seeded, repeatable mix of outcomes. Rounds come out as the Recorder takes
// them (RoundResult + RoundMeta), so the bench writes through the real Recorder and Storage.
import type { EndpointDefinition } from '../src/domain/endpoint.ts';
import type { FailureCode, Status } from '../src/domain/failure-codes.ts';
import type { ProbeResult } from '../src/domain/probe-result.ts';
import type { RoundMeta } from '../src/service/recorder.ts';
import type { RoundResult } from '../src/service/round.ts';
import { seededRandom } from '../test/store/helper.ts';

export const INTERVAL_MS = 60_000;
const TIMEOUT_MS = 15_000;
/** A round starts a failure streak with this chance; streaks last 1 + geometric(mean 20) rounds: ~1 % down, most streaks open an incident. */
const STREAK_START = 1 / 2000;
const STREAK_MEAN = 20;
/** Single rounds whose tools/list failed. */
const DEGRADED = 0.015;
/** Certificates rotate about monthly, tool lists change about weekly. */
const CERT_ROTATION = 1 / (1440 * 30);
const TOOLS_CHANGE = 1 / (1440 * 7);
const DOWN_CODES: readonly FailureCode[] = ['PROBE_TIMEOUT', 'TCP_REFUSED', 'HTTP_5XX', 'TLS_HANDSHAKE_FAILED'];

/** Endpoints that answer 401 on every round (1 %) and that are dead the whole time (0.5 %). */
const isAuthOnly = (i: number): boolean => i % 100 === 37;
const isDead = (i: number): boolean => i % 200 === 11;

interface Sim {
  /** Failing rounds left in the current streak. */
  streak: number;
  code: FailureCode;
  cert: number;
  tools: number;
  /** Typical round length, ms: endpoints differ by an order of magnitude. */
  readonly baseMs: number;
}

export function definition(i: number): EndpointDefinition {
  return {
    slug: `ep-${i}`,
    name: `Endpoint ${i}`,
    url: `https://server-${i}.example.com/mcp`,
    intervalS: INTERVAL_MS / 1000,
    timeoutMs: TIMEOUT_MS,
    era: 'auto',
    public: i % 10 !== 0,
    paused: false,
    pausedReason: null,
    tags: [`team-${i % 7}`],
    listTools: true,
    allowPrivate: false,
    source: 'config',
    secrets: { headers: {}, bearerToken: null },
  };
}

export interface Landed {
  /** Index of the endpoint in the fleet (its slug is ep-<index>). */
  readonly index: number;
  readonly round: RoundResult;
  readonly meta: RoundMeta;
}

export class Fleet {
  readonly size: number;
  readonly #random: () => number;
  readonly #sims: Sim[];
  /** Endpoint indexes by the second of the minute their slot falls in. */
  readonly #slots: number[][] = Array.from({ length: INTERVAL_MS / 1000 }, () => []);
  readonly statuses: Record<Status, number> = { up: 0, degraded: 0, auth_required: 0, down: 0 };

  constructor(size: number, seed = 12) {
    this.size = size;
    this.#random = seededRandom(seed);
    this.#sims = Array.from({ length: size }, () => ({ streak: 0, code: 'PROBE_TIMEOUT', cert: 0, tools: 0, baseMs: 40 + Math.floor(this.#random() ** 2 * 900) }));
    for (let i = 0; i < size; i++) this.#slots[Math.floor((i * INTERVAL_MS) / size / 1000)]?.push(i);
  }

  /** The rounds planned in the second before `tickMs` (a multiple of 1000), as one tick flushes them. */
  roundsBefore(tickMs: number): Landed[] {
    const second = Math.floor((tickMs - 1000) / 1000);
    const minuteStart = Math.floor((tickMs - 1000) / INTERVAL_MS) * INTERVAL_MS;
    const out: Landed[] = [];
    for (const i of this.#slots[second % this.#slots.length] ?? []) {
      const plannedAt = minuteStart + Math.floor((i * INTERVAL_MS) / this.size);
      const startedAt = plannedAt + Math.floor(this.#random() * 40);
      const result = this.#probe(i, startedAt);
      this.statuses[result.status]++;
      out.push({ index: i, round: { result, retried: result.status === 'down', firstAttempt: null }, meta: { plannedAt, startedAt, stalled: false } });
    }
    return out;
  }

  #probe(i: number, startedAt: number): ProbeResult {
    const s = this.#sims[i]!;
    const r = this.#random;
    if (s.streak === 0 && r() < STREAK_START) {
      s.streak = 1 + Math.floor(-Math.log(1 - r()) * STREAK_MEAN);
      s.code = DOWN_CODES[Math.floor(r() * DOWN_CODES.length)] ?? 'PROBE_TIMEOUT';
    }
    if (r() < CERT_ROTATION) s.cert++;
    if (r() < TOOLS_CHANGE) s.tools++;
    let status: Status = 'up';
    let code: FailureCode | null = null;
    if (isDead(i)) [status, code] = ['down', 'PROBE_TIMEOUT'];
    else if (s.streak > 0) {
      s.streak--;
      [status, code] = ['down', s.code];
    } else if (isAuthOnly(i)) [status, code] = ['auth_required', 'AUTH_REQUIRED'];
    else if (r() < DEGRADED) [status, code] = ['degraded', 'JSONRPC_ERROR'];
    // Log-normal spread around the endpoint's typical length; a timeout takes the whole timeout.
    const spread = Math.exp(0.35 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
    const durationMs = code === 'PROBE_TIMEOUT' ? TIMEOUT_MS : code === 'TCP_REFUSED' ? 2 + r() * 10 : s.baseMs * spread;
    const handshake = status !== 'down' || code === 'HTTP_5XX';
    const dns = 1 + r() * 8;
    const connect = s.baseMs * 0.1 * spread;
    const at = new Date(startedAt).toISOString();
    const notAfter = new Date(Date.UTC(2027, 1, 1) + s.cert * 30 * 86_400_000).toISOString();
    return {
      url: `https://server-${i}.example.com/mcp`,
      startedAt: at,
      status,
      code,
      detail: code === null ? '' : `${code.toLowerCase().replaceAll('_', ' ')} from server-${i}.example.com`,
      warnings: [],
      durationMs,
      phases: [
        { phase: 'dns', startMs: 0, ms: dns, ok: true },
        { phase: 'connect', startMs: dns, ms: connect, ok: code !== 'TCP_REFUSED' },
        ...(code === 'TCP_REFUSED' ? [] : [{ phase: 'tls' as const, startMs: dns + connect, ms: connect * 1.5, ok: handshake }]),
      ],
      era: handshake ? 'streamable' : null,
      protocolVersion: handshake ? '2025-06-18' : null,
      supportedVersions: [],
      transport: handshake ? 'streamable-http' : null,
      server: handshake ? { name: `server-${i}-mcp`, version: '1.4.2', title: null } : null,
      capabilities: null,
      tools: status === 'up' ? { count: 12, hash: `tools-${i}-${s.tools}`, names: Array.from({ length: 12 }, (_, k) => `tool_${k}_v${s.tools}`), pages: 1, truncated: false } : null,
      addresses: [{ address: `198.51.100.${i % 250}`, family: 4, ttl: 300 }],
      connectedAddress: `198.51.100.${i % 250}`,
      certificate: handshake
        ? {
            subject: `CN=server-${i}.example.com`,
            issuer: 'CN=Example CA',
            sans: [`server-${i}.example.com`],
            notBefore: '2026-01-01T00:00:00.000Z',
            notAfter,
            daysLeft: 60,
            earliestNotAfter: notAfter,
            fingerprint256: `fp-${i}-${s.cert}`,
            serialNumber: String(s.cert + 1),
            protocol: 'TLSv1.3',
            cipher: null,
            chainValid: true,
            chainError: null,
            hostnameValid: true,
            observedAt: at,
            resumed: false,
          }
        : null,
      http: handshake ? { lastStatus: code === 'HTTP_5XX' ? 503 : status === 'auth_required' ? 401 : 200, version: '1.1', responses: 3, headWaitMs: 20 } : null,
      auth: null,
      eraSource: handshake ? 'detected' : null,
    };
  }
}
