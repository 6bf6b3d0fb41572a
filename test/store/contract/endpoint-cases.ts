// EndpointStore cases written against the contract only, so the contract suite can run them over
// every backend: each takes a harness (a store with a hand-moved clock, and a way to open a second
// store on the same database, i.e. another node or process) and asserts through the interface.
import assert from 'node:assert/strict';
import type { EndpointStore, StoreErrorCode } from '../../../src/store/store.ts';
import { StoreError } from '../../../src/store/store.ts';
import { definition, type manualClock } from '../helper.ts';

export interface EndpointHarness {
  readonly store: EndpointStore;
  /** The clock `store` was opened with, at T0 to begin with. */
  readonly clock: ReturnType<typeof manualClock>;
  /** Another store on the same database (a second node), closed with the harness. */
  readonly openAnother: () => Promise<EndpointStore>;
}

export const T0 = Date.parse('2026-03-01T22:30:00.000Z');
const MIN = 60_000;

function code(expected: StoreErrorCode): (error: unknown) => boolean {
  return (error) => error instanceof StoreError && error.code === expected;
}

const config = (slug: string, overrides: Parameters<typeof definition>[1] = {}): ReturnType<typeof definition> => definition(slug, { source: 'config', ...overrides });

export const endpointCases: Record<string, (h: EndpointHarness) => Promise<void>> = {
  async 'create, read back (secrets included), list in id order, get by id and slug'({ store }) {
    const def = definition('alpha', {
      tags: ['prod', 'eu'],
      era: 'sse',
      public: true,
      paused: true,
      pausedReason: 'needs env MCP_TOKEN',
      allowPrivate: true,
      listTools: false,
      secrets: { headers: { 'X-Api-Key': 'k-123' }, bearerToken: 'tok-456' },
    });
    const created = await store.createEndpoint(def);
    assert.deepEqual(created, { ...def, id: created.id, createdAt: '2026-03-01T22:30:00.000Z', updatedAt: '2026-03-01T22:30:00.000Z', archivedAt: null });
    assert.deepEqual(await store.getEndpoint(created.id), created);
    assert.deepEqual(await store.getEndpointBySlug('alpha'), created);
    assert.equal(await store.getEndpoint(9999), undefined);
    assert.equal(await store.getEndpoint(1.5), undefined);
    assert.equal(await store.getEndpointBySlug('nope'), undefined);
    const second = await store.createEndpoint(definition('beta'));
    const third = await store.createEndpoint(definition('aardvark'));
    assert.deepEqual((await store.listEndpoints()).map((e) => e.slug), ['alpha', 'beta', 'aardvark'], 'id order, not slug order');
    assert.ok(second.id > created.id && third.id > second.id);
  },

  async 'a taken slug is SLUG_TAKEN; a definition the schema refuses is INVALID_ENDPOINT, without its secrets'({ store }) {
    await store.createEndpoint(definition('alpha'));
    await assert.rejects(store.createEndpoint(definition('alpha', { url: 'https://other.example.com/mcp' })), code('SLUG_TAKEN'));
    const secrets = { headers: { 'X-Api-Key': 'never-shown-123' }, bearerToken: 'never-shown-456' };
    const invalid = [
      { intervalS: 0 },
      { timeoutMs: -1 },
      { intervalS: 1.5 },
      { era: 'http2' as never },
      { source: 'marketplace' as never },
    ];
    for (const overrides of invalid) {
      const error = await store.createEndpoint(definition('bad', { ...overrides, secrets })).then(() => undefined, (e: unknown) => e);
      assert.ok(code('INVALID_ENDPOINT')(error), `${JSON.stringify(overrides)} → ${String(error)}`);
      assert.doesNotMatch(`${String(error)} ${JSON.stringify(error)}`, /never-shown/, 'the error does not carry the secrets');
    }
    assert.deepEqual((await store.listEndpoints()).map((e) => e.slug), ['alpha'], 'nothing refused was stored');
  },

  async 'update replaces the definition and moves updatedAt only'({ store, clock }) {
    const created = await store.createEndpoint(definition('alpha'));
    await store.createEndpoint(definition('beta'));
    clock.advance(5 * MIN);
    const updated = await store.updateEndpoint(created.id, definition('alpha-2', { url: 'https://new.example.com/mcp', intervalS: 30, tags: ['x'] }));
    assert.equal(updated.id, created.id);
    assert.equal(updated.slug, 'alpha-2');
    assert.equal(updated.intervalS, 30);
    assert.deepEqual(updated.tags, ['x']);
    assert.equal(updated.createdAt, created.createdAt);
    assert.equal(updated.updatedAt, '2026-03-01T22:35:00.000Z');
    assert.deepEqual(await store.getEndpoint(created.id), updated);
    await assert.rejects(store.updateEndpoint(created.id, definition('beta')), code('SLUG_TAKEN'));
    await assert.rejects(store.updateEndpoint(created.id, definition('alpha-2', { timeoutMs: 0 })), code('INVALID_ENDPOINT'));
    await assert.rejects(store.updateEndpoint(9999, definition('gamma')), code('ENDPOINT_NOT_FOUND'));
    assert.deepEqual(await store.getEndpoint(created.id), updated, 'refused updates changed nothing');
  },

  async 'delete removes the endpoint once; a new one never gets its id'({ store }) {
    const doomed = await store.createEndpoint(definition('doomed'));
    const kept = await store.createEndpoint(definition('kept'));
    assert.equal(await store.deleteEndpoint(doomed.id), true);
    assert.equal(await store.deleteEndpoint(doomed.id), false);
    assert.equal(await store.deleteEndpoint(9999), false);
    assert.equal(await store.getEndpoint(doomed.id), undefined);
    assert.equal(await store.getEndpointBySlug('doomed'), undefined);
    assert.deepEqual(await store.getEndpoint(kept.id), kept);
    assert.ok((await store.createEndpoint(definition('doomed'))).id > kept.id);
  },

  async 'sync adds, updates and archives config endpoints; leaves api and import ones alone'({ store, clock }) {
    const apiOne = await store.createEndpoint(definition('api-one', { source: 'api' }));
    const imported = await store.createEndpoint(definition('imported', { source: 'import' }));

    // The source of the input does not matter: whatever the file lists is the file's.
    const first = await store.syncConfigEndpoints([config('a'), definition('b', { source: 'api' })]);
    assert.deepEqual(first.endpoints.map((e) => [e.slug, e.source]), [['a', 'config'], ['b', 'config']]);
    assert.deepEqual([first.added, first.updated, first.archived, first.restored, first.conflicts], [['a', 'b'], [], [], [], []]);

    clock.advance(MIN);
    const second = await store.syncConfigEndpoints([config('a', { url: 'https://a2.example.com/mcp' }), config('c')]);
    const [a, c] = second.endpoints;
    assert.equal(a?.id, first.endpoints[0]?.id, 'a is updated in place');
    assert.equal(a?.url, 'https://a2.example.com/mcp');
    assert.equal(a?.updatedAt, '2026-03-01T22:31:00.000Z');
    assert.equal(c?.slug, 'c');
    assert.deepEqual([second.added, second.updated, second.archived, second.restored], [['c'], ['a'], ['b'], []]);
    assert.equal((await store.getEndpointBySlug('b'))?.archivedAt, '2026-03-01T22:31:00.000Z', 'b is archived, not deleted');
    assert.deepEqual(await store.getEndpoint(apiOne.id), apiOne);
    assert.deepEqual(await store.getEndpoint(imported.id), imported);

    clock.advance(MIN);
    const third = await store.syncConfigEndpoints([config('a', { url: 'https://a2.example.com/mcp' }), config('c')]);
    assert.equal(third.endpoints[0]?.updatedAt, '2026-03-01T22:31:00.000Z', 'an unchanged entry is not rewritten');
    assert.deepEqual([third.added, third.updated, third.archived, third.restored], [[], [], [], []], 'an archived endpoint is not archived again');
    assert.equal((await store.getEndpointBySlug('b'))?.archivedAt, '2026-03-01T22:31:00.000Z');
    assert.deepEqual((await store.listEndpoints()).map((e) => e.slug), ['api-one', 'imported', 'a', 'b', 'c']);
  },

  async 'sync reports several archived endpoints in id order'({ store }) {
    await store.syncConfigEndpoints(['z', 'y', 'x', 'keep'].map((slug) => config(slug)));
    const report = await store.syncConfigEndpoints([config('keep')]);
    assert.deepEqual(report.archived, ['z', 'y', 'x']);
  },

  async 'an archived endpoint listed again is restored with its id'({ store, clock }) {
    const [b] = (await store.syncConfigEndpoints([config('b'), config('same')])).endpoints;
    assert.ok(b);
    clock.advance(MIN);
    assert.deepEqual((await store.syncConfigEndpoints([])).archived, ['b', 'same']);

    clock.advance(MIN);
    const back = await store.syncConfigEndpoints([config('b', { intervalS: 120 }), config('same')]);
    assert.deepEqual([back.restored, back.updated, back.added], [['b', 'same'], [], []]);
    assert.equal(back.endpoints[0]?.id, b.id);
    assert.equal(back.endpoints[0]?.archivedAt, null);
    assert.equal(back.endpoints[0]?.intervalS, 120, 'the returning definition applies');
    assert.equal(back.endpoints[0]?.updatedAt, '2026-03-01T22:32:00.000Z');
    assert.equal(back.endpoints[1]?.updatedAt, '2026-03-01T22:30:00.000Z', 'restoring alone does not rewrite the definition');
    assert.deepEqual(await store.getEndpointBySlug('b'), back.endpoints[0]);
  },

  async 'a slug another owner holds is skipped and reported; the rest still applies'({ store }) {
    const apiOne = await store.createEndpoint(definition('api-one', { source: 'api' }));
    await store.syncConfigEndpoints([config('a')]);
    const report = await store.syncConfigEndpoints([config('b'), config('api-one', { url: 'https://other.example.com/mcp' })]);
    assert.deepEqual(report.endpoints.map((e) => e.slug), ['b']);
    assert.deepEqual(report.conflicts, [{ slug: 'api-one', holder: apiOne }]);
    assert.deepEqual(await store.getEndpoint(apiOne.id), apiOne, 'the holder is untouched');
    assert.deepEqual(report.archived, ['a']);
  },

  async 'a slug listed twice fails and changes nothing'({ store }) {
    await store.syncConfigEndpoints([config('a')]);
    const before = await store.listEndpoints();
    const version = await store.endpointsVersion();
    await assert.rejects(store.syncConfigEndpoints([config('b'), config('b')]), code('DUPLICATE_SLUG'));
    assert.deepEqual(await store.listEndpoints(), before);
    assert.equal(await store.endpointsVersion(), version);
  },

  async 'an invalid entry fails the whole sync and changes nothing'({ store }) {
    await store.syncConfigEndpoints([config('a'), config('b')]);
    const before = await store.listEndpoints();
    const version = await store.endpointsVersion();
    await assert.rejects(store.syncConfigEndpoints([config('new'), config('bad', { intervalS: 0 })]), code('INVALID_ENDPOINT'));
    assert.deepEqual(await store.listEndpoints(), before, 'neither the insert before it nor the archiving of a and b stayed');
    assert.equal(await store.endpointsVersion(), version);
  },

  async 'secret headers keep their order: an unchanged entry with several headers is not rewritten'({ store, clock }) {
    const secrets = { headers: { 'X-Zeta': 'z', Authorization: 'Basic x', 'X-A': 'a' }, bearerToken: null };
    const [first] = (await store.syncConfigEndpoints([config('h', { secrets })])).endpoints;
    assert.deepEqual(Object.keys(first?.secrets.headers ?? {}), ['X-Zeta', 'Authorization', 'X-A']);
    clock.advance(MIN);
    const again = await store.syncConfigEndpoints([config('h', { secrets })]);
    assert.deepEqual(again.updated, []);
    assert.deepEqual(Object.keys((await store.getEndpointBySlug('h'))?.secrets.headers ?? {}), ['X-Zeta', 'Authorization', 'X-A']);
  },

  async 'every endpoint change moves the version, from this store or another; a no-op does not'({ store, openAnother }) {
    const v0 = await store.endpointsVersion();
    const e = await store.createEndpoint(definition('one'));
    const v1 = await store.endpointsVersion();
    assert.ok(v1 > v0);
    await store.updateEndpoint(e.id, definition('one', { intervalS: 120 }));
    const v2 = await store.endpointsVersion();
    assert.ok(v2 > v1);
    const other = await openAnother();
    assert.equal(await other.endpointsVersion(), v2, 'both nodes read the same counter');
    await other.createEndpoint(definition('two'));
    const v3 = await store.endpointsVersion();
    assert.ok(v3 > v2, 'another node adding an endpoint is seen');
    await store.syncConfigEndpoints([config('three')]);
    const v4 = await other.endpointsVersion();
    assert.ok(v4 > v3, 'and this node syncing is seen by the other');
    // Nothing changed: no node needs to re-read.
    await assert.rejects(store.updateEndpoint(9999, definition('nobody')), code('ENDPOINT_NOT_FOUND'));
    assert.equal(await store.deleteEndpoint(9999), false);
    await store.syncConfigEndpoints([config('three')]);
    assert.deepEqual(await store.pruneArchivedEndpoints(T0 + MIN), []);
    assert.equal(await store.endpointsVersion(), v4);
    await store.deleteEndpoint(e.id);
    assert.ok((await other.endpointsVersion()) > v4);
  },

  async 'an archived endpoint goes once archived before the cut-off; live and api ones stay'({ store, clock }) {
    const { endpoints } = await store.syncConfigEndpoints([config('old'), config('live')]);
    const [old, live] = endpoints;
    assert.ok(old && live);
    const api = await store.createEndpoint(definition('api'));
    await store.syncConfigEndpoints([config('live')]);
    clock.advance(MIN);
    await store.syncConfigEndpoints([]);
    assert.deepEqual(await store.pruneArchivedEndpoints(T0), [], 'archived at T0, not before it');
    const gone = await store.pruneArchivedEndpoints(T0 + 1);
    assert.deepEqual(gone, [{ ...old, archivedAt: '2026-03-01T22:30:00.000Z' }]);
    assert.equal(await store.getEndpointBySlug('old'), undefined);
    assert.equal((await store.getEndpointBySlug('live'))?.archivedAt, '2026-03-01T22:31:00.000Z');
    assert.deepEqual(await store.getEndpoint(api.id), api);
    assert.deepEqual((await store.pruneArchivedEndpoints(T0 + 2 * MIN)).map((e) => e.slug), ['live']);
  },

  async 'two nodes creating the same slug at once: exactly one wins, the other gets SLUG_TAKEN'({ store, openAnother }) {
    const other = await openAnother();
    for (let round = 0; round < 5; round++) {
      const slug = `race-${round}`;
      const outcomes = await Promise.allSettled([store.createEndpoint(definition(slug)), other.createEndpoint(definition(slug, { url: 'https://other.example.com/mcp' }))]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${outcomes.map((o) => o.status).join(', ')}`);
      assert.equal(lost.length, 1);
      assert.ok(code('SLUG_TAKEN')(lost[0]?.reason), String(lost[0]?.reason));
    }
    assert.equal((await store.listEndpoints()).length, 5);
  },

  async 'two nodes syncing the same file at once end with one copy of each endpoint'({ store, openAnother }) {
    const other = await openAnother();
    await store.syncConfigEndpoints([config('old')]);
    const file = ['a', 'b', 'c', 'd'].map((slug) => config(slug));
    const [one, two] = await Promise.all([store.syncConfigEndpoints(file), other.syncConfigEndpoints(file)]);
    assert.deepEqual(one.endpoints.map((e) => e.id), two.endpoints.map((e) => e.id), 'both report the same rows');
    assert.deepEqual([...one.added, ...two.added].sort(), ['a', 'b', 'c', 'd'], 'each added exactly once');
    assert.deepEqual([...one.archived, ...two.archived], ['old'], 'archived exactly once');
    assert.deepEqual((await store.listEndpoints()).map((e) => e.slug), ['old', 'a', 'b', 'c', 'd']);
  },
};
