import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkBounds, MAX_JSON_DEPTH, parseBoundedJson } from '../../src/domain/bounded-json.ts';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('parseBoundedJson', () => {
  const cases: ReadonlyArray<{ name: string; text: string; expected: ReturnType<typeof parseBoundedJson> }> = [
    { name: 'a scalar', text: '7', expected: { ok: true, value: 7 } },
    { name: 'an object', text: '{"a":[1,{"b":null}]}', expected: { ok: true, value: { a: [1, { b: null }] } } },
    { name: 'not JSON', text: '{"a":', expected: { ok: false, reason: 'syntax', detail: 'not valid JSON' } },
    { name: 'empty text', text: '', expected: { ok: false, reason: 'syntax', detail: 'not valid JSON' } },
    { name: 'exactly the depth limit', text: nested(MAX_JSON_DEPTH), expected: { ok: true, value: JSON.parse(nested(MAX_JSON_DEPTH)) as unknown } },
    { name: 'one level past the limit', text: nested(MAX_JSON_DEPTH + 1), expected: { ok: false, reason: 'depth', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` } },
    { name: '5000-level schema crash: the reply that overflowed the hash', text: `{"tools":[{"name":"x","inputSchema":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}]}`, expected: { ok: false, reason: 'depth', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` } },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseBoundedJson(c.text), c.expected));
  }

  test('a __proto__ key stays an own property and changes no prototype', () => {
    const parsed = parseBoundedJson('{"__proto__":{"polluted":true},"a":1}');
    assert.ok(parsed.ok);
    const value = parsed.value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('checkBounds', () => {
  test('counts values: a wide array over the limit is refused', () => {
    assert.deepEqual(checkBounds(new Array(11).fill(0), { maxDepth: 10, maxNodes: 10 }), { reason: 'size', detail: 'holds more than 10 JSON values' });
    assert.equal(checkBounds(new Array(9).fill(0), { maxDepth: 10, maxNodes: 10 }), undefined);
  });

  test('1,000,000 levels are measured without recursion', () => {
    let value: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) value = [value];
    assert.deepEqual(checkBounds(value), { reason: 'depth', detail: `nests deeper than ${MAX_JSON_DEPTH} levels` });
  });

  test('agrees with a recursive depth count on any JSON value', () => {
    const depthOf = (v: unknown): number =>
      typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(depthOf));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, maxDepth) => {
        const verdict = checkBounds(value, { maxDepth, maxNodes: 1e9 });
        return (verdict === undefined) === depthOf(value) <= maxDepth;
      }),
      { numRuns: 2000 },
    );
  });
});
