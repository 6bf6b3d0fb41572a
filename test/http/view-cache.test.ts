// The short view-model cache behind the dashboard and the overview: only slow builds are kept,
// and only for the TTL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ViewCache } from '../../src/http/pages/view-cache.ts';

function setup(buildMs: number): { cache: ViewCache<number>; advance: (ms: number) => void; build: () => number; builds: () => number } {
  let now = 0;
  let builds = 0;
  const cache = new ViewCache<number>({ ttlMs: 10_000, minBuildMs: 100, maxEntries: 2, now: () => now });
  return {
    cache,
    advance: (ms) => (now += ms),
    build: () => {
      now += buildMs;
      return ++builds;
    },
    builds: () => builds,
  };
}

describe('ViewCache', () => {
  test('a slow build is reused until the TTL runs out', async () => {
    const s = setup(150);
    assert.equal(await s.cache.get('', s.build), 1);
    s.advance(9_000);
    assert.equal(await s.cache.get('', s.build), 1);
    assert.equal(await s.cache.get('?tag=a', s.build), 2);
    s.advance(1_000);
    assert.equal(await s.cache.get('', s.build), 3);
  });

  test('a fast build is never kept', async () => {
    const s = setup(5);
    await s.cache.get('', s.build);
    await s.cache.get('', s.build);
    assert.equal(s.builds(), 2);
  });

  test('at most maxEntries keys are kept', async () => {
    const s = setup(150);
    for (const key of ['a', 'b', 'c']) await s.cache.get(key, s.build);
    assert.equal(await s.cache.get('a', s.build), 4);
    assert.equal(await s.cache.get('c', s.build), 3);
  });

  test('requests arriving while a view is built wait for that build', async () => {
    let builds = 0;
    let finish: (value: number) => void = () => undefined;
    const cache = new ViewCache<number>({ ttlMs: 0, minBuildMs: 100 });
    const build = (): Promise<number> => {
      builds++;
      return new Promise((resolve) => (finish = resolve));
    };
    const first = cache.get('', build);
    const second = cache.get('', build);
    finish(7);
    assert.deepEqual(await Promise.all([first, second]), [7, 7]);
    assert.equal(builds, 1);
    // Once it is done (and not kept: ttl 0), the next request builds again.
    const third = cache.get('', build);
    finish(8);
    assert.equal(await third, 8);
    assert.equal(builds, 2);
  });
});
