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
  test('a slow build is reused until the TTL runs out', () => {
    const s = setup(150);
    assert.equal(s.cache.get('', s.build), 1);
    s.advance(9_000);
    assert.equal(s.cache.get('', s.build), 1);
    assert.equal(s.cache.get('?tag=a', s.build), 2);
    s.advance(1_000);
    assert.equal(s.cache.get('', s.build), 3);
  });

  test('a fast build is never kept', () => {
    const s = setup(5);
    s.cache.get('', s.build);
    s.cache.get('', s.build);
    assert.equal(s.builds(), 2);
  });

  test('at most maxEntries keys are kept', () => {
    const s = setup(150);
    for (const key of ['a', 'b', 'c']) s.cache.get(key, s.build);
    assert.equal(s.cache.get('a', s.build), 4);
    assert.equal(s.cache.get('c', s.build), 3);
  });
});
