// The quorum arbiter over the real PostgreSQL store: two regions' recorders write their own
// rounds and health (region mode), the arbiter reads them and writes one overall truth.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Endpoint } from '../../src/domain/endpoint.ts';
import { QuorumArbiter } from '../../src/service/quorum-arbiter.ts';
import { openPostgresStorage } from '../../src/store/postgres/open.ts';
import type { Storage } from '../../src/store/store.ts';
import { regionRecorder, type RegionRecorder } from '../fixtures/region-recorder.ts';
import { testDatabase } from '../fixtures/postgres.ts';
import { definition } from '../store/helper.ts';

const SETTINGS = { quorum: null, isolationShare: 1, isolationMinEndpoints: 3 };

async function open(t: TestContext): Promise<Storage | undefined> {
  const db = await testDatabase(t);
  if (!db) return undefined;
  const storage = await openPostgresStorage(db.url, { max: 4, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
  t.after(() => storage.close());
  return storage;
}

const region = (storage: Storage, name: string): RegionRecorder => regionRecorder(storage, name);

async function createEndpoints(storage: Storage, ...slugs: string[]): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const slug of slugs) out.push(await storage.store.createEndpoint(definition(slug)));
  return out;
}

function arbiterOver(storage: Storage, endpoints: readonly Endpoint[]): QuorumArbiter {
  return new QuorumArbiter({ store: storage.regions!.quorum, endpoints: () => endpoints, settings: SETTINGS, logger: pino({ level: 'silent' }) });
}

/** Three endpoints (the fewest that can make a region isolated), two regions' recorders, an arbiter. */
async function threeEndpointsTwoRegions(t: TestContext, first: string, second: string) {
  const storage = await open(t);
  if (!storage) return undefined;
  const endpoints = await createEndpoints(storage, 'a', 'b', 'c');
  return { storage, endpoints, regions: [region(storage, first), region(storage, second)] as const, arbiter: arbiterOver(storage, endpoints) };
}

async function kinds(storage: Storage, endpointId?: number): Promise<string[]> {
  return (await storage.store.events({ limit: 100, afterId: 0, ...(endpointId === undefined ? {} : { endpointId }) })).map((e) => e.kind);
}

test('two regions: one down is a partial outage, both down one incident with both regions, recovery resolves it', { timeout: 120_000 }, async (t) => {
  const storage = await open(t);
  if (!storage) return;
  const endpoints = await createEndpoints(storage, 'a', 'b', 'c');
  const target = endpoints[0]!;
  const eu = region(storage, 'eu');
  const us = region(storage, 'us');
  const arbiter = arbiterOver(storage, endpoints);

  await eu.round(endpoints, () => false);
  await us.round(endpoints, () => false);
  const first = await arbiter.pass();
  assert.deepEqual([...first.regions.values()].map((r) => [r.region, r.health, r.fresh]), [
    ['eu', 'reporting', 3],
    ['us', 'reporting', 3],
  ]);
  assert.equal((await storage.store.loadStates()).find((s) => s.endpointId === target.id)?.health, 'up');
  assert.deepEqual(await kinds(storage), []);

  // The region writers never touched the overall tables; the rows carry their region.
  const rows = await storage.store.results(target.id, { fromMs: 0, toMs: Date.now() + 1, limit: 10 });
  assert.equal(rows.length, 2);

  // eu sees it down (two failed rounds confirm it), us does not: a partial outage, no incident.
  await eu.round(endpoints, (e) => e.id === target.id);
  await eu.round(endpoints, (e) => e.id === target.id);
  await us.round(endpoints, () => false);
  await arbiter.pass();
  assert.deepEqual(await kinds(storage, target.id), ['partial_outage_started']);
  assert.deepEqual(await storage.store.incidents({ limit: 10 }), []);

  // us agrees: one incident, recorded with both regions' word.
  await us.round(endpoints, (e) => e.id === target.id);
  await us.round(endpoints, (e) => e.id === target.id);
  await arbiter.pass();
  await arbiter.pass();
  assert.deepEqual(await kinds(storage, target.id), ['partial_outage_started', 'incident_opened', 'partial_outage_ended']);
  const [incident, ...more] = await storage.store.incidents({ limit: 10 });
  assert.equal(more.length, 0, 'exactly one incident');
  assert.equal(incident?.endpointId, target.id);
  assert.deepEqual(
    Object.entries(incident?.regions ?? {}).map(([name, word]) => [name, word.health, word.counted, word.code]),
    [
      ['eu', 'down', true, 'TCP_REFUSED'],
      ['us', 'down', true, 'TCP_REFUSED'],
    ],
  );
  const overall = (await storage.store.loadStates()).find((s) => s.endpointId === target.id);
  assert.equal(overall?.health, 'down');
  assert.equal(overall?.openIncidentId, incident?.id);

  // Both recover: resolved once.
  await eu.round(endpoints, () => false);
  await us.round(endpoints, () => false);
  await arbiter.pass();
  await arbiter.pass();
  assert.deepEqual(await kinds(storage, target.id), ['partial_outage_started', 'incident_opened', 'partial_outage_ended', 'incident_resolved']);
  assert.notEqual((await storage.store.incidents({ limit: 10 }))[0]?.resolvedAt, null);
  assert.deepEqual(await kinds(storage), await kinds(storage, target.id), 'the other endpoints had nothing to say');
});

test('a region that sees every endpoint fail while the other sees them up is isolated: no incident, no partial outage', { timeout: 120_000 }, async (t) => {
  const setup = await threeEndpointsTwoRegions(t, 'cut', 'ok');
  if (!setup) return;
  const { storage, endpoints, regions: [cut, ok], arbiter } = setup;
  for (let i = 0; i < 3; i++) {
    await cut.round(endpoints, () => true);
    await ok.round(endpoints, () => false);
  }
  const pass = await arbiter.pass();
  assert.equal(pass.regions.get('cut')?.health, 'isolated');
  assert.equal(pass.regions.get('ok')?.health, 'reporting');
  assert.deepEqual(await kinds(storage), []);
  assert.deepEqual(await storage.store.incidents({ limit: 10 }), []);
  assert.deepEqual(
    (await storage.store.loadStates()).map((s) => s.health),
    ['up', 'up', 'up'],
  );
  assert.deepEqual([...(await storage.regions!.quorum.verdicts()).values()].map((v) => v.status), ['up', 'up', 'up']);
});

test('one region: the verdict is that region’s health, decided by the arbiter, with the domain’s incident id', { timeout: 120_000 }, async (t) => {
  const storage = await open(t);
  if (!storage) return;
  const endpoints = await createEndpoints(storage, 'solo');
  const only = region(storage, 'default');
  const arbiter = arbiterOver(storage, endpoints);
  await only.round(endpoints, () => false);
  await only.round(endpoints, () => true);
  await arbiter.pass();
  assert.deepEqual(await kinds(storage), [], 'one failure is not down');
  await only.round(endpoints, () => true);
  await arbiter.pass();
  assert.deepEqual(await kinds(storage), ['incident_opened']);
  await only.round(endpoints, () => false);
  await arbiter.pass();
  assert.deepEqual(await kinds(storage), ['incident_opened', 'incident_resolved']);
  // Region states load per region, for a node's handover.
  const loaded = await storage.regions!.ticks('default').loadStates();
  assert.deepEqual(
    loaded.map((s) => [s.endpointId, s.health]),
    [[endpoints[0]!.id, 'up']],
  );
  assert.deepEqual(await storage.regions!.ticks('elsewhere').loadStates(), []);
});

test('every region sees every endpoint fail at once: nothing counts, nothing opens, and the arbiter says it is blind', { timeout: 120_000 }, async (t) => {
  const setup = await threeEndpointsTwoRegions(t, 'eu', 'us');
  if (!setup) return;
  const { storage, endpoints, regions: [eu, us], arbiter } = setup;
  await eu.round(endpoints, () => false);
  await us.round(endpoints, () => false);
  assert.equal((await arbiter.pass()).blind, false);
  for (let i = 0; i < 3; i++) {
    await eu.round(endpoints, () => true);
    await us.round(endpoints, () => true);
  }
  const pass = await arbiter.pass();
  assert.deepEqual([...pass.regions.values()].map((r) => r.health), ['isolated', 'isolated']);
  assert.equal(pass.blind, true);
  assert.equal(arbiter.blind, true);
  assert.deepEqual(await kinds(storage), []);
  assert.deepEqual([...(await storage.regions!.quorum.verdicts()).values()].map((v) => v.status), ['unknown', 'unknown', 'unknown']);
  assert.deepEqual((await storage.store.loadStates()).map((s) => s.health), ['up', 'up', 'up'], 'the last counted verdict stands');
});
