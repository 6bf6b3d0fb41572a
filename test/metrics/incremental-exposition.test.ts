// The incrementally kept /metrics block against the full render it replaced: through a fleet with
// churn (endpoints added, changed, renamed, paused, archived, deleted, certificates lost), every
// scrape must carry exactly the samples a fresh full render of the same state carries, family by
// family; gzip answers must decode to the plain text; promtool must accept it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import Fastify from 'fastify';
import { parseConfig } from '../../src/config/parse.ts';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { STATUSES, type Status } from '../../src/domain/failure-codes.ts';
import { initialState, type EndpointState } from '../../src/domain/health.ts';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { metricsRoutes } from '../../src/http/routes/metrics.ts';
import { ENDPOINT_FAMILIES, EndpointSeriesWriter } from '../../src/metrics/endpoint-series.ts';
import { acceptsGzip, crc32Combine, gzipBody, pack, type Packable } from '../../src/metrics/gzip-body.ts';
import { MetricsScraper, type ScrapeSource } from '../../src/metrics/scrape.ts';
import { probeResult } from '../fixtures/probe-result.ts';
import { definition } from '../store/helper.ts';

const PROMTOOL = '/usr/bin/promtool';
const parsed = parseConfig('', {});
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const CONFIG = parsed.config;
const POLICY = CONFIG.health;
const ENDPOINT_FAMILY_NAMES: ReadonlySet<string> = new Set(Object.values(ENDPOINT_FAMILIES).map((f) => f.name));

/** A deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function endpoint(id: number, overrides: Partial<Endpoint> = {}): Endpoint {
  return { ...definition(`server-${id}`), id, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', archivedAt: null, ...overrides };
}

/** A fleet whose endpoints, states and results the test changes between scrapes. */
class Fleet {
  endpoints: Endpoint[] = [];
  readonly states = new Map<number, EndpointState>();
  readonly latest = new Map<number, ProbeResult>();
  now = Date.parse('2026-03-01T12:00:00.000Z');
  #nextId = 1;
  #round = 0;

  readonly source: ScrapeSource = {
    listEndpoints: () => this.endpoints,
    // A fresh initialState for a never-checked endpoint, as the recorder answers.
    state: (id) => this.states.get(id) ?? initialState(id),
    latestResult: (id) => this.latest.get(id),
    clock: () => this.now,
    policy: POLICY,
    scheduler: () => ({ dispatched: 1, skippedOverlap: 0, notOwned: 0, missed: 0, runErrors: 0, endpoints: this.endpoints.length, lastLagMs: 1, recentLagsMs: [1, 2], inFlight: 0, queued: 0 }),
    loopDelayMs: () => 0,
  };

  add(count: number): void {
    for (let i = 0; i < count; i++) this.endpoints.push(endpoint(this.#nextId++));
  }

  /** A round lands: a new state and, unless the probe never reached TLS, a result with a certificate. */
  land(id: number, rng: () => number): void {
    const round = ++this.#round;
    const status: Status = STATUSES[Math.floor(rng() * STATUSES.length)] ?? 'up';
    const at = new Date(this.now - 1000 * round).toISOString();
    const notAfter = new Date(this.now + (1 + Math.floor(rng() * 90)) * 86_400_000).toISOString();
    const reachedTls = rng() < 0.8;
    const before = this.states.get(id) ?? initialState(id);
    this.states.set(id, {
      ...before,
      health: status === 'down' ? 'down' : 'up',
      lastStatus: status,
      lastCode: status === 'up' ? null : status === 'down' ? 'HTTP_5XX' : status === 'auth_required' ? 'AUTH_REQUIRED' : 'PROTOCOL_VERSION_UNSUPPORTED',
      lastCheckedAt: at,
      lastDurationMs: Math.round(rng() * 5000) / 10,
      era: 'streamable',
      protocolVersion: '2025-06-18',
      serverName: rng() < 0.1 ? 'We"ird\\name' : rng() < 0.15 ? `Ünïcødé 服务 🚀 ${id}` : `srv-${id}`,
      serverVersion: `1.${round % 7}`,
      toolsCount: Math.floor(rng() * 20),
      openIncidentId: status === 'down' ? round : null,
      certNotAfter: before.certNotAfter ?? notAfter,
    });
    this.latest.set(
      id,
      probeResult({
        status,
        url: `https://server-${id}.example.com/mcp`,
        durationMs: Math.round(rng() * 5000) / 10,
        phases: [
          { phase: 'dns', startMs: 0, ms: Math.round(rng() * 100) / 10, ok: true },
          { phase: 'connect', startMs: 1, ms: Math.round(rng() * 100) / 10, ok: reachedTls },
          ...(reachedTls ? [{ phase: 'tls' as const, startMs: 2, ms: Math.round(rng() * 300) / 10, ok: true }] : []),
        ],
        http: reachedTls ? { lastStatus: status === 'down' ? 503 : 200, version: '1.1', responses: 2, headWaitMs: Math.round(rng() * 400) / 10 } : null,
        addresses: [{ address: `192.0.2.${id % 250}`, family: 4, ttl: 60 }],
        connectedAddress: `192.0.2.${id % 250}`,
        certificate: reachedTls
          ? {
              subject: 'CN=x',
              issuer: 'CN=ca',
              sans: [],
              notBefore: '2025-01-01T00:00:00.000Z',
              notAfter,
              daysLeft: 10,
              earliestNotAfter: notAfter,
              fingerprint256: `fp${round}`,
              serialNumber: '01',
              protocol: 'TLSv1.3',
              cipher: null,
              chainValid: rng() < 0.9,
              chainError: null,
              hostnameValid: true,
              observedAt: at,
              resumed: false,
            }
          : null,
      }),
    );
  }

  pick(rng: () => number): Endpoint | undefined {
    return this.endpoints[Math.floor(rng() * this.endpoints.length)];
  }

  replace(id: number, change: (e: Endpoint) => Endpoint): void {
    this.endpoints = this.endpoints.map((e) => (e.id === id ? change(e) : e));
  }
}

/**
 * The renderer the incremental block replaced: every active endpoint in listing order through
 * EndpointSeriesWriter, the last known expiry remembered from one render to the next.
 */
class FullRender {
  #certExpiry = new Map<number, number>();

  render(fleet: Fleet): string {
    const writer = new EndpointSeriesWriter(POLICY);
    const remembered = new Map<number, number>();
    for (const e of fleet.endpoints) {
      if (e.paused || e.archivedAt !== null) continue;
      const state = fleet.source.state(e.id);
      const latest = fleet.source.latestResult(e.id);
      const fromProbe = latest?.certificate ? Date.parse(latest.certificate.earliestNotAfter) : Number.NaN;
      const fromState = state.certNotAfter === null ? Number.NaN : Date.parse(state.certNotAfter);
      const expiry = Number.isFinite(fromProbe) ? fromProbe : (this.#certExpiry.get(e.id) ?? (Number.isFinite(fromState) ? fromState : null));
      if (expiry !== null) remembered.set(e.id, expiry);
      writer.add({ slug: e.slug, state, latest, certExpiryMs: expiry });
    }
    this.#certExpiry = remembered;
    return writer.finish().toString();
  }
}

interface FamilyText {
  readonly name: string;
  readonly header: readonly string[];
  readonly samples: readonly string[];
}

/** The per-endpoint families of an exposition in order, each with its HELP/TYPE and its samples sorted. */
function endpointFamilies(text: string): FamilyText[] {
  const families: { name: string; header: string[]; samples: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const name = line.startsWith('#') ? (line.split(' ')[2] ?? '') : (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '');
    if (!ENDPOINT_FAMILY_NAMES.has(name)) continue;
    let family = families.at(-1);
    if (family?.name !== name) {
      assert.ok(!families.some((f) => f.name === name), `family ${name} is split`);
      family = { name, header: [], samples: [] };
      families.push(family);
    }
    (line.startsWith('#') ? family.header : family.samples).push(line);
  }
  for (const family of families) family.samples.sort();
  return families;
}

/** What GET /metrics needs of the app's dependencies, from a fleet. */
function routeDeps(fleet: Fleet): AppDeps {
  return {
    config: CONFIG,
    clock: fleet.source.clock,
    state: fleet.source.state,
    latestResult: fleet.source.latestResult,
    endpoints: fleet.source.listEndpoints,
    scheduler: fleet.source.scheduler,
    loopDelayMs: fleet.source.loopDelayMs,
  } as unknown as AppDeps;
}

/** Scrapes plain and gzip, checks both against the full render, returns the plain text. */
async function scrapeAndCompare(scraper: MetricsScraper, fleet: Fleet, full: FullRender, step: string): Promise<string> {
  // Past the one-second cache; plain and gzip are then the same scrape.
  fleet.now += 2000;
  const plain = (await scraper.render()).toString();
  const gzip = await scraper.renderGzip();
  assert.equal(gunzipSync(gzip).toString(), plain, `${step}: gzip decodes to something else`);
  // One member, one deflate stream: a client that stops at the first member's end still reads it all.
  assert.equal(inflateRawSync(gzip.subarray(10, gzip.length - 8)).toString(), plain, `${step}: not a single deflate stream`);
  assert.deepEqual(endpointFamilies(plain), endpointFamilies(full.render(fleet)), `${step}: differs from the full render`);
  return plain;
}

test('through churn, every scrape carries exactly the samples of a full render of the same state, plain and gzip', async () => {
  const rng = random(20261202);
  const fleet = new Fleet();
  const full = new FullRender();
  // Small segments, so endpoints move between many of them and near-empty ones are folded.
  const scraper = new MetricsScraper(fleet.source, { refreshMs: 0, segmentSize: 8, sliceMs: 1 });
  fleet.add(60);
  await scrapeAndCompare(scraper, fleet, full, 'never checked');
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  let body = await scrapeAndCompare(scraper, fleet, full, 'first results');
  assert.ok(body.includes('probe_ssl_earliest_cert_expiry{slug="server-1"}'));

  for (let step = 0; step < 40; step++) {
    const moves = 1 + Math.floor(rng() * 12);
    for (let m = 0; m < moves; m++) {
      const e = fleet.pick(rng);
      if (e === undefined) continue;
      const dice = rng();
      if (dice < 0.6) fleet.land(e.id, rng);
      else if (dice < 0.68) fleet.add(1);
      else if (dice < 0.74) fleet.endpoints = fleet.endpoints.filter((x) => x.id !== e.id);
      else if (dice < 0.8) fleet.replace(e.id, (x) => ({ ...x, paused: !x.paused }));
      else if (dice < 0.85) fleet.replace(e.id, (x) => ({ ...x, archivedAt: x.archivedAt === null ? '2026-02-01T00:00:00.000Z' : null }));
      else if (dice < 0.9) fleet.replace(e.id, (x) => ({ ...x, slug: `${x.slug}-r` }));
      // A new state object with the same content (the flush carrying an incident id back, unchanged).
      else if (dice < 0.95) fleet.states.set(e.id, { ...(fleet.states.get(e.id) ?? initialState(e.id)) });
      // Listed in another order (a reload): content is the same, order within a family is free.
      else fleet.endpoints = [...fleet.endpoints].reverse();
    }
    body = await scrapeAndCompare(scraper, fleet, full, `step ${step}`);
  }

  if (existsSync(PROMTOOL)) {
    const checked = spawnSync(PROMTOOL, ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 30_000 });
    assert.equal(checked.stdout + checked.stderr, '', 'promtool reported problems');
    assert.equal(checked.status, 0);
  }
});

test('nothing changed: no new version, the same pieces; a re-render with the same text keeps the version', async () => {
  const rng = random(7);
  const fleet = new Fleet();
  fleet.add(20);
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const scraper = new MetricsScraper(fleet.source, { maxAgeMs: 0, refreshMs: 0 });
  const first = await scraper.render();
  const version = scraper.version;
  const sync = await scraper.refresh();
  assert.equal(sync.rendered, 0);
  assert.equal(scraper.version, version);
  // A new object, same content: rendered again, but the text (and so the version) stands.
  const e = fleet.endpoints[3];
  assert.ok(e);
  fleet.states.set(e.id, { ...(fleet.states.get(e.id) ?? initialState(e.id)) });
  assert.equal((await scraper.refresh()).rendered, 1);
  assert.equal(scraper.version, version);
  fleet.now += 2000;
  const second = await scraper.render();
  assert.equal(endpointFamilies(second.toString()).length, endpointFamilies(first.toString()).length);
  fleet.land(e.id, rng);
  await scraper.refresh();
  assert.ok(scraper.version > version);
});

test('after the first scrape the refresh timer takes results in between scrapes, and stops on close', async () => {
  const rng = random(11);
  const fleet = new Fleet();
  fleet.add(5);
  // All checked: a never-checked endpoint's fresh initialState is rendered again by every sweep.
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const scraper = new MetricsScraper(fleet.source, { maxAgeMs: 0, refreshMs: 5 });
  try {
    await scraper.render();
    const version = scraper.version;
    fleet.land(1, rng);
    // Generous: the timer fires every 5 ms; a loaded runner may be slow, never this slow.
    for (let i = 0; i < 1000 && scraper.version === version; i++) await delay(10);
    assert.ok(scraper.version > version, 'the refresh timer never took the new result in');
    // The version moves inside the timer's sweep, which may still be finishing: a refresh asked
    // for now joins it and answers with the timer's own figures (rendered 1, seen on a loaded
    // runner). The one after that is the scrape's own.
    await scraper.refresh();
    assert.equal((await scraper.refresh()).rendered, 0, 'the scrape found work the timer should have done');
  } finally {
    scraper.close();
  }
  const closed = scraper.version;
  fleet.land(2, rng);
  await delay(50);
  assert.equal(scraper.version, closed, 'a closed scraper kept refreshing');
});

test('nobody scraping for idleStopMs stops the refresh timer; the next scrape starts it again and catches up', async () => {
  const rng = random(13);
  const fleet = new Fleet();
  fleet.add(5);
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const scraper = new MetricsScraper(fleet.source, { maxAgeMs: 0, refreshMs: 5, idleStopMs: 60_000 });
  const full = new FullRender();
  try {
    await scraper.render();
    full.render(fleet);
    fleet.now += 60_001;
    // A few ticks for the timer to notice the silence (generous for a loaded runner).
    await delay(200);
    const version = scraper.version;
    fleet.land(1, rng);
    await delay(100);
    assert.equal(scraper.version, version, 'the timer kept refreshing with nobody scraping');
    const body = (await scraper.render()).toString();
    assert.deepEqual(endpointFamilies(body), endpointFamilies(full.render(fleet)), 'the scrape did not catch up');
    const caughtUp = scraper.version;
    fleet.land(2, rng);
    for (let i = 0; i < 1000 && scraper.version === caughtUp; i++) await delay(10);
    assert.ok(scraper.version > caughtUp, 'the timer did not start again');
  } finally {
    scraper.close();
  }
});

test('while the refresh timer keeps up a scrape only joins; once it falls behind, the scrape sweeps every endpoint itself', async () => {
  const rng = random(17);
  const fleet = new Fleet();
  fleet.add(5);
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const scraper = new MetricsScraper(fleet.source, { maxAgeMs: 0, refreshMs: 5 });
  const full = new FullRender();
  const slugOf = (body: string, id: number): boolean => body.includes(`{slug="server-${id}-r"`);
  try {
    await scraper.render();
    assert.ok((scraper.figures?.sync.rendered ?? 0) > 0, 'the first scrape, before any timer sweep, rendered nothing itself');
    // A rename is off schedule: only a full sweep (every tenth tick) takes it in. Once one has, the
    // timer has swept recently.
    fleet.replace(1, (x) => ({ ...x, slug: `${x.slug}-r` }));
    const version = scraper.version;
    for (let i = 0; i < 1000 && scraper.version === version; i++) await delay(10);
    assert.ok(slugOf((await scraper.render()).toString(), 1), 'the timer never took the rename in');
    await delay(100);

    // A scrape right after an off-schedule change serves the timer's block. On a loaded runner the
    // timer may lag past its window for a while, and then a scrape sweeps (as it should): so the
    // claim is that, with the timer keeping up, some scrape does not; a scrape that always swept
    // would render the change every time.
    let servedByTimer = false;
    for (let k = 0; k < 50 && !servedByTimer; k++) {
      fleet.replace(2, (x) => ({ ...x, slug: `server-2-v${k}` }));
      await scraper.render();
      servedByTimer = scraper.figures?.sync.rendered === 0;
      if (!servedByTimer) await delay(50);
    }
    assert.ok(servedByTimer, 'every scrape swept the fleet although the timer keeps up');
    const expected = endpointFamilies(full.render(fleet));
    let body = '';
    for (let i = 0; i < 1000 && !isDeepStrictEqual(endpointFamilies(body), expected); i++) {
      await delay(10);
      body = (await scraper.render()).toString();
    }
    assert.deepEqual(endpointFamilies(body), expected, 'the timer never caught up');

    // The loop held for 20 ticks: the timer's last full sweep is old, so the scrape, which starts
    // before any tick can run, sweeps itself.
    fleet.replace(3, (x) => ({ ...x, slug: `${x.slug}-r` }));
    const held = performance.now();
    while (performance.now() - held < 100) {
      // a stalled event loop
    }
    body = (await scraper.render()).toString();
    assert.ok((scraper.figures?.sync.rendered ?? 0) > 0, 'the scrape did not sweep while the timer lagged');
    assert.deepEqual(endpointFamilies(body), endpointFamilies(full.render(fleet)), 'a scrape served an old block while the timer lagged');
  } finally {
    scraper.close();
  }
});

test('GET /metrics: gzip when the scraper asks for it, plain otherwise, the same text', async () => {
  const rng = random(3);
  const fleet = new Fleet();
  fleet.add(30);
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const deps = routeDeps(fleet);
  const app = Fastify();
  await app.register(metricsRoutes, { deps });
  try {
    const gz = await app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.statusCode, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'accept-encoding');
    assert.equal(gz.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const plain = await app.inject({ url: '/metrics' });
    assert.equal(plain.headers['content-encoding'], undefined);
    // Within the one-second cache both answers are the same scrape.
    assert.equal(gunzipSync(gz.rawPayload).toString(), plain.body);
    assert.ok(gz.rawPayload.length * 4 < plain.rawPayload.length, 'gzip hardly compressed');
    const refused = await app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    assert.equal(refused.headers['content-encoding'], undefined);
  } finally {
    await app.close();
  }
});

test('acceptsGzip reads Accept-Encoding as Prometheus and browsers send it', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['deflate, gzip;q=1.0, *;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.001', true],
    ['br, deflate', false],
    ['x-gzip', true],
    ['identity', false],
  ];
  for (const [header, expected] of cases) assert.equal(acceptsGzip(header), expected, String(header));
});

test('crc32Combine gives the CRC-32 of the concatenation, empty parts and large lengths included', () => {
  const rng = random(5);
  const parts = [0, 1, 7, 64, 1000, 0, 65_537, 3].map((n) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256))));
  let crc = 0;
  for (const part of parts) crc = crc32Combine(crc, crc32(part), part.length);
  assert.equal(crc, crc32(Buffer.concat(parts)));
  // Lengths past 2^31 and 2^32 (a number, not an int32): combining stays associative.
  const [a, b, c] = [0x12345678, 0x9abcdef0, 0x0badf00d];
  const lb = 2 ** 32 + 3;
  const lc = 2 ** 31 + 9;
  assert.equal(crc32Combine(crc32Combine(a, b, lb), c, lc), crc32Combine(a, crc32Combine(b, c, lc), lb + lc));
});

test('a packed piece holds its own deflated bytes, not the 16 KiB zlib worked in, and still decodes', () => {
  const rng = random(21);
  const pieces = [40, 600, 5_000, 70_000].map((n): Packable => ({ data: Buffer.from(Array.from({ length: n }, () => 'abcdefgh'[Math.floor(rng() * 8)]).join('')) }));
  for (const piece of pieces) {
    pack(piece, 1);
    const deflated = piece.packed?.deflated;
    assert.ok(deflated);
    assert.ok(deflated.buffer.byteLength <= Math.max(deflated.byteLength * 2, 64), `a ${piece.data.length}-byte piece keeps ${deflated.buffer.byteLength} bytes alive for ${deflated.byteLength}`);
  }
  const tail = Buffer.from('tail\n');
  assert.deepEqual(gunzipSync(gzipBody(pieces, tail, 1)), Buffer.concat([...pieces.map((p) => p.data), tail]));
});

/** Results landing on schedule: endpoint i at its phase `i mod interval` of every interval, 60 s and 30 s mixed. */
class Schedule {
  readonly fleet = new Fleet();
  readonly rng = random(99);
  second = 0;

  constructor(count: number) {
    this.fleet.add(count);
    this.fleet.endpoints = this.fleet.endpoints.map((e) => ({ ...e, intervalS: e.id % 3 === 0 ? 30 : 60 }));
    // Every endpoint checked once already, at its slot of the last interval, listed in id order (not arrival order).
    for (const e of this.fleet.endpoints) this.#land(e, this.fleet.now - (e.intervalS - (e.id % e.intervalS)) * 1000);
  }

  /** One second passes; the endpoints due in it land. */
  tick(): void {
    this.second++;
    this.fleet.now += 1000;
    for (const e of this.fleet.endpoints) if (this.second % e.intervalS === e.id % e.intervalS) this.#land(e, this.fleet.now);
  }

  #land(e: Endpoint, at: number): void {
    this.fleet.land(e.id, this.rng);
    const state = this.fleet.states.get(e.id);
    if (state) this.fleet.states.set(e.id, { ...state, lastCheckedAt: new Date(at).toISOString() });
  }
}

test('results on schedule: segments follow arrival order from the first scrape, and a scrape joins next to nothing the refresh left', async () => {
  const schedule = new Schedule(600);
  const { fleet } = schedule;
  const full = new FullRender();
  // 16 per segment: 38 segments, ~15 results a second.
  const scraper = new MetricsScraper(fleet.source, { refreshMs: 0, segmentSize: 16, sliceMs: 1 });
  await scraper.renderGzip();
  full.render(fleet);
  const joined: number[] = [];
  for (let s = 1; s <= 150; s++) {
    schedule.tick();
    await scraper.refresh();
    if (s % 15 !== 0) continue;
    // Scrapes 15 s apart, as Prometheus' default; `now` moves with the scrape, not past the next tick.
    const plain = (await scraper.render()).toString();
    assert.equal(gunzipSync(await scraper.renderGzip()).toString(), plain, `second ${s}: gzip decodes to something else`);
    assert.deepEqual(endpointFamilies(plain), endpointFamilies(full.render(fleet)), `second ${s}: differs from the full render`);
    joined.push(scraper.figures?.joinedSegments ?? Number.NaN);
  }
  // Before, folding a draining segment into the newest one and leaving shrunk segments to the
  // scrape made every scrape join most segments again (~20 of 38 here; ~50 of 196 at 50,000 endpoints).
  assert.ok(Math.max(...joined) <= 3, `segments joined by scrapes: ${joined.join(', ')}`);

  // A deleted endpoint's series are gone from the next scrape; a changed result shows in it.
  const gone = fleet.endpoints[5];
  const changed = fleet.endpoints[6];
  assert.ok(gone && changed);
  fleet.endpoints = fleet.endpoints.filter((e) => e.id !== gone.id);
  const before = fleet.states.get(changed.id);
  assert.ok(before);
  fleet.states.set(changed.id, { ...before, serverVersion: '9.9.9-new', lastCheckedAt: new Date(fleet.now).toISOString() });
  await scraper.refresh();
  fleet.now += 2000;
  const body = (await scraper.render()).toString();
  assert.ok(!body.includes(`slug="${gone.slug}"`), 'a deleted endpoint kept series');
  assert.match(body, new RegExp(`mcp_server_info\\{slug="${changed.slug}",[^}]*server_version="9\\.9\\.9-new"\\} 1\\n`));
  assert.deepEqual(endpointFamilies(body), endpointFamilies(full.render(fleet)));
});

test('GET /metrics?name[]=…: only the families named, whole; service families alone never touch the per-endpoint block', async () => {
  const rng = random(17);
  const fleet = new Fleet();
  fleet.add(40);
  for (const e of fleet.endpoints) fleet.land(e.id, rng);
  const scraper = new MetricsScraper(fleet.source, { refreshMs: 5, maxAgeMs: 0, segmentSize: 8 });
  try {
    const service = new Set(['mcpwatch_probes_dispatched_total', 'mcpwatch_schedule_lag_seconds_count']);
    const text = Buffer.concat(await scraper.renderSelected(service, { gzip: false })).toString();
    assert.deepEqual(
      text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/[{ ].*/, '')),
      ['mcpwatch_probes_dispatched_total', 'mcpwatch_schedule_lag_seconds', 'mcpwatch_schedule_lag_seconds', 'mcpwatch_schedule_lag_seconds'],
    );
    assert.equal(scraper.figures, undefined, 'a selection of service families rendered the per-endpoint block');
    assert.equal(scraper.version, 0);
    // Nor did it start the refresh timer: a result landing stays out of the block.
    fleet.land(1, rng);
    await delay(60);
    assert.equal(scraper.version, 0, 'the refresh timer started');

    const mixed = new Set(['probe_success', 'mcp_probe_status', 'mcpwatch_probes_dispatched_total', 'no_such_metric']);
    const plain = Buffer.concat(await scraper.renderSelected(mixed, { gzip: false })).toString();
    const gzip = Buffer.concat(await scraper.renderSelected(mixed, { gzip: true }));
    assert.equal(gunzipSync(gzip).toString(), plain);
    const all = (await scraper.render()).toString();
    const linesOf = (body: string, name: string): string[] => body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) || l.includes(` ${name} `)).sort();
    for (const name of ['probe_success', 'mcp_probe_status']) {
      assert.deepEqual(linesOf(plain, name), linesOf(all, name), name);
      assert.equal(linesOf(plain, name).filter((l) => !l.startsWith('#')).length, name === 'probe_success' ? 40 : 160);
    }
    assert.ok(!plain.includes('probe_duration_seconds'), 'an unselected family came along');
    assert.equal(plain.split('\n').filter((l) => l.startsWith('# TYPE ')).length, 3);
  } finally {
    scraper.close();
  }
});

test('GET /metrics?name[]= rejects what is not a metric name', async () => {
  const fleet = new Fleet();
  fleet.add(2);
  const deps = routeDeps(fleet);
  const app = Fastify();
  await app.register(metricsRoutes, { deps });
  try {
    const bad = await app.inject({ url: '/metrics?name[]=probe_success&name[]=bad%20name' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not a metric name: \\?"bad name\\?"/);
    const good = await app.inject({ url: '/metrics?name[]=mcp_incident_open', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(good.statusCode, 200);
    assert.equal(good.headers['content-encoding'], 'gzip');
    const body = gunzipSync(good.rawPayload).toString();
    assert.equal(body.split('\n').filter((l) => l.startsWith('mcp_incident_open{')).length, 2);
    assert.equal(body.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('mcp_incident_open{')).length, 0);
  } finally {
    await app.close();
  }
});

test('the refresh timer\'s due-only sweeps take in every result that lands on schedule; a full sweep then finds nothing left', async () => {
  const schedule = new Schedule(300);
  const { fleet } = schedule;
  const full = new FullRender();
  const scraper = new MetricsScraper(fleet.source, { refreshMs: 0, segmentSize: 16, sliceMs: 1 });
  await scraper.renderGzip();
  full.render(fleet);
  let taken = 0;
  for (let s = 1; s <= 75; s++) {
    schedule.tick();
    taken += (await scraper.refresh({ dueOnly: true })).rendered;
    if (s % 15 !== 0) continue;
    assert.equal((await scraper.refresh()).rendered, 0, `second ${s}: the due-only sweeps missed results`);
    const plain = (await scraper.render()).toString();
    assert.deepEqual(endpointFamilies(plain), endpointFamilies(full.render(fleet)), `second ${s}: differs from the full render`);
  }
  // 200 endpoints at 60 s and 100 at 30 s over 75 s: 250 + 250 results.
  assert.equal(taken, 500);
  // Off schedule (a state written back by the flush): left to the full sweep, which every scrape runs.
  const e = fleet.endpoints[0];
  assert.ok(e);
  const state = fleet.states.get(e.id);
  assert.ok(state);
  fleet.states.set(e.id, { ...state, openIncidentId: 4242 });
  assert.equal((await scraper.refresh({ dueOnly: true })).rendered, 0);
  fleet.now += 2000;
  assert.match((await scraper.render()).toString(), new RegExp(`mcp_incident_open\\{slug="${e.slug}"\\} 1\\n`));
});
