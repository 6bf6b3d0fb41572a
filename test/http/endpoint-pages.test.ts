// GET /api/v1/endpoints a page at a time: following `next` (or the Link header) from the first page
// visits every endpoint the caller may see exactly once, in id order, whatever the page size, and
// private endpoints never show without a token.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { generateToken, hashToken } from '../../src/http/api/tokens.ts';
import { pageAfter } from '../../src/http/api/endpoint-routes.ts';
import { definition } from '../store/helper.ts';
import { buildTestApp, type TestApp } from './helper.ts';

async function walk(t: TestApp, first: string, headers: Record<string, string>): Promise<{ slugs: string[]; pages: number }> {
  const slugs: string[] = [];
  let url: string | null = first;
  let pages = 0;
  while (url !== null) {
    const res: Awaited<ReturnType<TestApp['app']['inject']>> = await t.app.inject({ url, headers });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ endpoints: Array<{ slug: string }>; next: string | null }>();
    assert.equal(res.headers.link, body.next === null ? undefined : `<${body.next}>; rel="next"`);
    slugs.push(...body.endpoints.map((e) => e.slug));
    url = body.next;
    assert.ok(++pages < 100, 'the pages end');
  }
  return { slugs, pages };
}

test('paging through /api/v1/endpoints covers every endpoint exactly once', async () => {
  const t = await buildTestApp();
  try {
    const all: string[] = [];
    for (let i = 0; i < 23; i++) {
      const e = await t.store.createEndpoint(definition(`ep-${String(i).padStart(2, '0')}`, { public: i % 4 !== 0 }));
      all.push(e.slug);
    }
    // A gap in the ids: a deleted endpoint is skipped, not a reason to stop.
    await t.store.deleteEndpoint((await t.store.getEndpointBySlug('ep-05'))!.id);
    const live = all.filter((s) => s !== 'ep-05');
    const token = generateToken();
    await t.store.createToken('reader', hashToken(token), true);
    const auth = { authorization: `Bearer ${token}` };

    for (const limit of [1, 4, 7, 22, 23, 1000]) {
      const { slugs, pages } = await walk(t, `/api/v1/endpoints?limit=${limit}`, auth);
      assert.deepEqual(slugs, live, `limit ${limit}`);
      assert.equal(pages, Math.max(1, Math.ceil(live.length / limit)), `limit ${limit}`);
    }
    const anonymous = await walk(t, '/api/v1/endpoints?limit=3', {});
    assert.deepEqual(anonymous.slugs, live.filter((s) => Number(s.slice(3)) % 4 !== 0));

    // Without parameters: the first 100 (all of these), and no next page.
    const plain = (await t.app.inject({ url: '/api/v1/endpoints', headers: auth })).json<{ endpoints: unknown[]; next: string | null }>();
    assert.equal(plain.endpoints.length, live.length);
    assert.equal(plain.next, null);
    for (const bad of ['limit=0', 'limit=1001', 'after=-1', 'limit=abc', 'page=2']) {
      assert.equal((await t.app.inject({ url: `/api/v1/endpoints?${bad}`, headers: auth })).statusCode, 400, bad);
    }
  } finally {
    await t.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test('pageAfter: ids in any order, the cursor past the end, a filter that keeps nothing', () => {
  const e = (id: number) => ({ ...definition(`e${id}`), id }) as unknown as Parameters<typeof pageAfter>[0][number];
  const list = [e(9), e(2), e(5), e(7)];
  assert.deepEqual(pageAfter(list, 0, 2, () => true).items.map((x) => x.id), [2, 5]);
  assert.deepEqual(pageAfter(list, 5, 2, () => true), { items: [e(7), e(9)], more: false });
  assert.deepEqual(pageAfter(list, 9, 2, () => true), { items: [], more: false });
  assert.deepEqual(pageAfter(list, 0, 1, (x) => x.id > 6), { items: [e(7)], more: true });
  assert.deepEqual(pageAfter(list, 0, 5, () => false), { items: [], more: false });
});
