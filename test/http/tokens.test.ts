// API tokens: format, hashing, the store's table, revocation and last_used_at.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { TOUCH_INTERVAL_MS } from '../../src/http/api/auth.ts';
import { bearerFromHeader, checkTokenName, generateToken, hashToken, isTokenFormat, sameHash } from '../../src/http/api/tokens.ts';
import { buildTestApp } from './helper.ts';

describe('token format and hashing', () => {
  test('mcpw_ + 32 random bytes in base64url, never the same twice', () => {
    const tokens = Array.from({ length: 50 }, generateToken);
    for (const token of tokens) {
      assert.match(token, /^mcpw_[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(token.slice(5), 'base64url').length, 32);
      assert.ok(isTokenFormat(token));
    }
    assert.equal(new Set(tokens).size, tokens.length);
  });

  test('hash is SHA-256 in lowercase hex', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.match(hashToken(generateToken()), /^[0-9a-f]{64}$/);
  });

  test('sameHash compares whole values, and different lengths are unequal', () => {
    const h = hashToken('x');
    assert.equal(sameHash(h, hashToken('x')), true);
    assert.equal(sameHash(h, hashToken('y')), false);
    assert.equal(sameHash(h, h.slice(0, 63)), false);
    assert.equal(sameHash('', ''), true);
  });

  const headers: { header: string | undefined; kind: 'absent' | 'malformed' | 'token' }[] = [
    { header: undefined, kind: 'absent' },
    { header: '', kind: 'absent' },
    { header: `Bearer ${'mcpw_' + 'A'.repeat(43)}`, kind: 'token' },
    { header: `bearer ${'mcpw_' + 'A'.repeat(43)}`, kind: 'token' },
    { header: `Bearer ${'mcpw_' + 'A'.repeat(42)}`, kind: 'malformed' },
    { header: `Bearer ${'xxxx_' + 'A'.repeat(43)}`, kind: 'malformed' },
    { header: `Basic ${'mcpw_' + 'A'.repeat(43)}`, kind: 'malformed' },
    { header: `Bearer ${'mcpw_' + 'A'.repeat(43)} extra`, kind: 'malformed' },
    { header: 'Bearer', kind: 'malformed' },
  ];
  for (const { header, kind } of headers) {
    test(`Authorization ${JSON.stringify(header)} → ${kind}`, () => {
      assert.equal(bearerFromHeader(header).kind, kind);
    });
  }

  test('token names: trimmed, not empty, bounded, no control characters', () => {
    assert.deepEqual(checkTokenName('  CI bot '), { ok: true, name: 'CI bot' });
    assert.equal(checkTokenName('   ').ok, false);
    assert.equal(checkTokenName('x'.repeat(101)).ok, false);
    assert.equal(checkTokenName('a\nb').ok, false);
  });
});

describe('tokens in the store and the API', () => {
  test('only the hash is stored; listing never shows it', async () => {
    const t = await buildTestApp();
    try {
      const token = generateToken();
      const created = await t.store.createToken('ci', hashToken(token), true);
      assert.deepEqual({ ...created, createdAt: '' }, { id: created.id, name: 'ci', readOnly: true, role: 'viewer', ownerUserId: null, createdAt: '', lastUsedAt: null });
      assert.equal((await t.store.findTokenByHash(hashToken(token)))?.id, created.id);
      assert.equal(await t.store.findTokenByHash(hashToken(generateToken())), undefined);
      assert.deepEqual(Object.keys((await t.store.listTokens())[0] ?? {}).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'ownerUserId', 'readOnly', 'role']);

      const db = new Database(join(t.dir, 'mcpwatch.db'), { readonly: true });
      const rows = db.prepare('SELECT * FROM api_tokens').all();
      db.close();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(token));
      assert.ok(JSON.stringify(rows).includes(hashToken(token)));
    } finally {
      await t.close();
    }
  });

  test('a revoked token is refused at once', async () => {
    const t = await buildTestApp();
    try {
      const token = generateToken();
      const { id } = await t.store.createToken('ci', hashToken(token), false);
      const headers = { authorization: `Bearer ${token}` };
      const ok = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers });
      assert.equal(ok.statusCode, 200);
      assert.equal(await t.store.revokeToken(id), true);
      assert.equal(await t.store.revokeToken(id), false);
      const refused = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers });
      assert.equal(refused.statusCode, 401);
      assert.match(String(refused.headers['www-authenticate']), /invalid_token/);
      assert.deepEqual(await t.store.listTokens(), []);
    } finally {
      await t.close();
    }
  });

  test('last_used_at is set on use and rewritten at most once a minute', async () => {
    let now = Date.UTC(2026, 5, 1, 12, 0, 0);
    const t = await buildTestApp({ clock: () => now });
    try {
      const token = generateToken();
      const { id } = await t.store.createToken('ci', hashToken(token), true);
      const lastUsed = async (): Promise<string | null> => (await t.store.listTokens()).find((row) => row.id === id)?.lastUsedAt ?? null;
      assert.equal(await lastUsed(), null);
      const use = async (): Promise<void> => {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.statusCode, 200);
      };
      await use();
      assert.equal(await lastUsed(), new Date(now).toISOString());
      const first = now;
      now += TOUCH_INTERVAL_MS - 1;
      await use();
      assert.equal(await lastUsed(), new Date(first).toISOString());
      now += 1;
      await use();
      assert.equal(await lastUsed(), new Date(now).toISOString());
      // Anonymous requests and bad tokens touch nothing.
      now += TOUCH_INTERVAL_MS * 2;
      await t.app.inject({ method: 'GET', url: '/api/v1/endpoints' });
      await t.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${generateToken()}` } });
      assert.equal(await lastUsed(), new Date(now - TOUCH_INTERVAL_MS * 2).toISOString());
    } finally {
      await t.close();
    }
  });
});
