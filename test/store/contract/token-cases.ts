// TokenStore cases written against the contract only, so the contract suite can run them over
// every backend.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TokenStore } from '../../../src/store/store.ts';
import type { manualClock } from '../helper.ts';

export interface TokenHarness {
  readonly store: TokenStore;
  /** The clock `store` was opened with, at T0 to begin with. */
  readonly clock: ReturnType<typeof manualClock>;
}

export const T0 = Date.parse('2026-06-01T12:00:00.000Z');

/** What the HTTP layer stores for a token: its SHA-256, lowercase hex. */
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export const tokenCases: Record<string, (h: TokenHarness) => Promise<void>> = {
  async 'create returns the token without its hash; find by hash returns it with the hash'({ store }) {
    const created = await store.createToken('ci', hashOf('mcpw_one'), true);
    assert.deepEqual(created, { id: created.id, name: 'ci', readOnly: true, role: 'viewer', ownerUserId: null, createdAt: '2026-06-01T12:00:00.000Z', lastUsedAt: null });
    assert.deepEqual(await store.findTokenByHash(hashOf('mcpw_one')), { ...created, hash: hashOf('mcpw_one') });
    assert.equal(await store.findTokenByHash(hashOf('mcpw_unknown')), undefined);
    const writer = await store.createToken('deploy', hashOf('mcpw_two'), false);
    assert.equal(writer.readOnly, false);
    assert.equal(writer.role, 'admin', 'a full token without a grant is an admin token, as before roles existed');
    assert.ok(writer.id > created.id);
  },

  async 'list is in id order and never shows a hash'({ store, clock }) {
    const a = await store.createToken('zeta', hashOf('a'), false);
    clock.advance(1000);
    const b = await store.createToken('alpha', hashOf('b'), true);
    const listed = await store.listTokens();
    assert.deepEqual(listed, [a, b]);
    assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'ownerUserId', 'readOnly', 'role']);
    assert.equal(b.createdAt, '2026-06-01T12:00:01.000Z');
  },

  async 'revoke deletes once; the hash no longer finds it'({ store }) {
    const { id } = await store.createToken('ci', hashOf('mcpw_x'), false);
    const kept = await store.createToken('kept', hashOf('mcpw_y'), false);
    assert.equal(await store.revokeToken(id), true);
    assert.equal(await store.revokeToken(id), false);
    assert.equal(await store.revokeToken(9999), false);
    assert.equal(await store.findTokenByHash(hashOf('mcpw_x')), undefined);
    assert.deepEqual(await store.listTokens(), [kept]);
  },

  async 'touch records the use time, to the millisecond, for that token only'({ store }) {
    const used = await store.createToken('used', hashOf('u'), true);
    const idle = await store.createToken('idle', hashOf('i'), true);
    await store.touchToken(used.id, T0 + 1234);
    assert.equal((await store.findTokenByHash(hashOf('u')))?.lastUsedAt, '2026-06-01T12:00:01.234Z');
    await store.touchToken(used.id, T0 + 1234);
    await store.touchToken(used.id, T0 + 60_000);
    assert.equal((await store.listTokens()).find((t) => t.id === used.id)?.lastUsedAt, '2026-06-01T12:01:00.000Z');
    assert.equal((await store.findTokenByHash(hashOf('i')))?.lastUsedAt, null);
    await store.touchToken(9999, T0);
    assert.deepEqual((await store.listTokens()).map((t) => t.id), [used.id, idle.id], 'touching a missing token creates nothing');
  },
};
