// Public pages go out gzipped to a client that accepts it (issue 16, "fast: page weight"): a status
// page of 200 endpoints is ~2.9 MB of HTML, almost all of it 90 bars a card. The compressed body is
// the same page, under its own ETag, compressed once; a page for one viewer is never compressed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { seedFleetRollups } from '../../bench/page-fleet-seed.ts';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { buildPagesApp, type PagesApp } from './status-page-fixture.ts';

const MEMBERS = 200;

describe('public pages are sent gzipped when the client accepts it', () => {
  let t: PagesApp;
  let viewer: string;

  before(async () => {
    t = await buildPagesApp({ pageCacheMs: 0 });
    // One in ten seeded endpoints is private: 230 give 207 public ones.
    await seedFleetRollups(t.store, 230, Date.now());
    const slugs = (await t.store.listEndpoints()).filter((e) => e.public).map((e) => e.slug).slice(0, MEMBERS);
    assert.equal((await t.send('POST', '/api/v1/status-pages', { slug: 'big', title: 'Big' })).statusCode, 201);
    assert.equal((await t.send('PUT', '/api/v1/status-pages/big/groups', { groups: [{ name: 'All', endpoints: slugs }] })).statusCode, 200);
    viewer = generateToken();
    await t.store.createToken('viewer', hashToken(viewer), true);
  });
  after(async () => {
    await t?.close();
  });

  test(`a status page of ${MEMBERS} endpoints: the same page in a fraction of the bytes, its own ETag, 304 on a match`, async () => {
    const plain = await t.app.inject({ url: '/status/p/big' });
    const gz = await t.app.inject({ url: '/status/p/big', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'accept-encoding');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'accept-encoding');
    assert.match(String(gz.headers['content-type']), /^text\/html/);
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), plain.body, 'the same page');
    console.log(`/status/p/big with ${MEMBERS} endpoints: ${plain.rawPayload.length} B as HTML, ${gz.rawPayload.length} B gzipped`);
    assert.ok(plain.rawPayload.length > 1_000_000, `the page is big (${plain.rawPayload.length} B)`);
    assert.ok(gz.rawPayload.length * 20 < plain.rawPayload.length, `gzipped ${gz.rawPayload.length} B is under 5 % of ${plain.rawPayload.length} B`);

    assert.notEqual(gz.headers.etag, plain.headers.etag, 'another representation, another ETag');
    assert.match(String(gz.headers.etag), /-gzip"$/);
    const again = await t.app.inject({ url: '/status/p/big', headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) } });
    assert.equal(again.statusCode, 304);
    // The plain ETag does not match the gzipped representation, nor the other way round.
    assert.equal((await t.app.inject({ url: '/status/p/big', headers: { 'accept-encoding': 'gzip', 'if-none-match': String(plain.headers.etag) } })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/status/p/big', headers: { 'if-none-match': String(gz.headers.etag) } })).statusCode, 200);
  });

  test('gzip;q=0 and identity-only clients get the plain page; the overview and the JSON twins are compressed too', async () => {
    for (const header of ['gzip;q=0', 'identity', 'br']) {
      const response = await t.app.inject({ url: '/status/p/big', headers: { 'accept-encoding': header } });
      assert.equal(response.headers['content-encoding'], undefined, header);
    }
    for (const url of ['/status', '/status.json', '/status/p/big.json']) {
      const response = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.headers['content-encoding'], 'gzip', url);
      assert.doesNotThrow(() => gunzipSync(response.rawPayload), url);
    }
  });

  test('a page for one viewer (a private endpoint with a token) and a small badge are never compressed', async () => {
    const priv = await t.app.inject({ url: '/endpoints/ep-0', headers: { authorization: `Bearer ${viewer}`, 'accept-encoding': 'gzip' } });
    assert.equal(priv.statusCode, 200);
    assert.match(String(priv.headers['cache-control']), /^private/);
    assert.equal(priv.headers['content-encoding'], undefined);
    // A public endpoint's page varies by viewer too: both reasons are named.
    const pub = await t.app.inject({ url: '/endpoints/ep-1', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(pub.headers['content-encoding'], 'gzip');
    assert.equal(pub.headers.vary, 'authorization, cookie, accept-encoding');
    const badge = await t.app.inject({ url: '/badge/ep-1.svg', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(badge.statusCode, 200);
    assert.equal(badge.headers['content-encoding'], undefined, 'under 1 KiB: not worth it');
  });
});
