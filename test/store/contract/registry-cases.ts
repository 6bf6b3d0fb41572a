// RegistryStore cases written against the contract only, run over every backend by
// registries.contract.test.ts: facts per endpoint, archive/restore, sync state, and the
// 'registry' endpoint source surviving a round trip.
import assert from 'node:assert/strict';
import type { RegistryFacts } from '../../../src/store/registries.ts';
import type { Storage } from '../../../src/store/store.ts';
import { StoreError } from '../../../src/store/store.ts';
import { definition } from '../helper.ts';

export interface RegistryHarness {
  readonly storage: Storage;
  /** The same database opened again (a restart). */
  readonly reopen: () => Promise<Storage>;
}

const FACTS: RegistryFacts = {
  registry: 'official',
  serverName: 'io.github.acme/weather',
  title: '<script>alert(1)</script>',
  description: 'Weather "forecasts" & more',
  version: '1.2.3',
  repositoryUrl: 'https://github.com/acme/weather',
  websiteUrl: null,
  status: 'active',
};

export const registryCases: Record<string, (h: RegistryHarness) => Promise<void>> = {
  async 'a registry endpoint keeps its source and its facts, verbatim, across a restart'({ storage, reopen }) {
    const created = await storage.store.createEndpoint(definition('r--io-github-acme-weather', { source: 'registry' }));
    assert.equal(created.source, 'registry');
    await storage.registries.setFacts(created.id, FACTS);
    await storage.registries.setFacts(created.id, { ...FACTS, version: '1.2.4', status: 'deprecated' });
    const again = await reopen();
    assert.equal((await again.store.getEndpoint(created.id))?.source, 'registry');
    assert.deepEqual([...(await again.registries.listFacts()).entries()], [[created.id, { ...FACTS, version: '1.2.4', status: 'deprecated' }]]);
  },

  async 'facts for an unknown endpoint are refused; deleting an endpoint deletes its facts'({ storage }) {
    await assert.rejects(storage.registries.setFacts(999_999, FACTS), (err: unknown) => err instanceof StoreError && err.code === 'ENDPOINT_NOT_FOUND');
    const created = await storage.store.createEndpoint(definition('r--gone', { source: 'registry' }));
    await storage.registries.setFacts(created.id, FACTS);
    assert.equal(await storage.store.deleteEndpoint(created.id), true);
    assert.equal((await storage.registries.listFacts()).size, 0);
  },

  async 'archive and restore keep the id, bump the endpoints version only on a change, and report unknown ids'({ storage }) {
    const created = await storage.store.createEndpoint(definition('r--archived', { source: 'registry' }));
    const v0 = await storage.store.endpointsVersion();
    assert.equal(await storage.registries.setArchived(created.id, '2026-06-01T12:00:00.000Z'), true);
    const archived = await storage.store.getEndpoint(created.id);
    assert.equal(archived?.archivedAt !== null && Date.parse(archived?.archivedAt ?? ''), Date.parse('2026-06-01T12:00:00.000Z'));
    const v1 = await storage.store.endpointsVersion();
    assert.ok(v1 > v0);
    // Archiving an archived endpoint again changes nothing, not even its archive time.
    assert.equal(await storage.registries.setArchived(created.id, '2026-06-02T12:00:00.000Z'), true);
    assert.equal(await storage.store.endpointsVersion(), v1);
    assert.equal(Date.parse((await storage.store.getEndpoint(created.id))?.archivedAt ?? ''), Date.parse('2026-06-01T12:00:00.000Z'));
    assert.equal(await storage.registries.setArchived(created.id, null), true);
    assert.equal((await storage.store.getEndpoint(created.id))?.archivedAt, null);
    assert.equal(await storage.registries.setArchived(999_999, null), false);
  },

  async 'sync states are saved by name, replaced, listed in name order'({ storage, reopen }) {
    assert.deepEqual(await storage.registries.listSyncStates(), []);
    const first = { name: 'official', updatedSince: null, lastAttemptMs: 1_780_000_000_000, lastSuccessMs: null, lastError: 'HTTP 500', servers: 0 };
    await storage.registries.saveSyncState(first);
    await storage.registries.saveSyncState({ name: 'acme', updatedSince: '2026-06-01T12:00:00Z', lastAttemptMs: 5, lastSuccessMs: 5, lastError: null, servers: 2500 });
    const second = { ...first, updatedSince: '2026-06-01T12:00:00.123456Z', lastSuccessMs: 1_780_000_000_500, lastError: null, servers: 3 };
    await storage.registries.saveSyncState(second);
    const again = await reopen();
    assert.deepEqual(await again.registries.listSyncStates(), [
      { name: 'acme', updatedSince: '2026-06-01T12:00:00Z', lastAttemptMs: 5, lastSuccessMs: 5, lastError: null, servers: 2500 },
      second,
    ]);
  },
};
