import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { isRecord } from '../../src/domain/jsonrpc.ts';
import { canonicalJson, hashToolList, toolSignature, type ToolSignature } from '../../src/domain/tool-hash.ts';

describe('canonicalJson', () => {
  const cases: readonly { name: string; value: unknown; expected: string }[] = [
    { name: 'keys sorted at the top level', value: { b: 1, a: 2 }, expected: '{"a":2,"b":1}' },
    { name: 'keys sorted at every depth', value: { z: { y: { b: true, a: null } }, a: [{ d: 1, c: 2 }] }, expected: '{"a":[{"c":2,"d":1}],"z":{"y":{"a":null,"b":true}}}' },
    { name: 'arrays keep their order', value: [3, 1, 2], expected: '[3,1,2]' },
    { name: 'undefined keys dropped', value: { a: undefined, b: 1, c: { d: undefined } }, expected: '{"b":1,"c":{}}' },
    { name: 'undefined array items become null, as JSON.stringify does', value: [undefined, 1], expected: '[null,1]' },
    { name: 'undefined alone → null', value: undefined, expected: 'null' },
    { name: 'strings escaped', value: { 'k"ey': 'line\nbreak' }, expected: '{"k\\"ey":"line\\nbreak"}' },
    { name: 'numbers and booleans as JSON', value: [0, -1.5, 1e21, false], expected: '[0,-1.5,1e+21,false]' },
    { name: 'empty object and array', value: { a: {}, b: [] }, expected: '{"a":{},"b":[]}' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(canonicalJson(c.value), c.expected);
    });
  }

  test('key order does not change the text at any depth', () => {
    const one = { type: 'object', properties: { message: { type: 'string', description: 'm' }, count: { type: 'number' } }, required: ['message'] };
    const two = { required: ['message'], properties: { count: { type: 'number' }, message: { description: 'm', type: 'string' } }, type: 'object' };
    assert.equal(canonicalJson(one), canonicalJson(two));
  });
});

/** The recursive implementation the hashes were first stored with: the new one must match it byte for byte. */
function recursiveCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(recursiveCanonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${recursiveCanonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

describe('canonicalJson without recursion', () => {
  test('gives the recursive version\'s text for any JSON value (stored hashes stay valid)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => canonicalJson(value) === recursiveCanonicalJson(value)),
      { numRuns: 3000 },
    );
  });

  test('5000-level schema crash: 100,000 levels of nesting hash without overflowing the stack', () => {
    const depth = 100_000;
    const value = JSON.parse(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`) as unknown;
    assert.equal(canonicalJson(value).length, depth * 8 + 1);
    assert.match(hashToolList([{ name: 'deep', inputSchema: value, outputSchema: null }]), /^[0-9a-f]{64}$/);
  });
});

describe('toolSignature', () => {
  const cases: readonly { name: string; tool: unknown; expected: ToolSignature | undefined }[] = [
    {
      name: 'keeps name and schemas, drops description, title and annotations',
      tool: { name: 'echo', title: 'Echo Tool', description: 'Echoes back the input string', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
      expected: { name: 'echo', inputSchema: { type: 'object' }, outputSchema: null },
    },
    {
      name: 'keeps outputSchema',
      tool: { name: 'get-structured-content', inputSchema: { type: 'object' }, outputSchema: { type: 'object', required: ['temperature'] } },
      expected: { name: 'get-structured-content', inputSchema: { type: 'object' }, outputSchema: { type: 'object', required: ['temperature'] } },
    },
    { name: 'missing schemas → null', tool: { name: 'bare' }, expected: { name: 'bare', inputSchema: null, outputSchema: null } },
    { name: 'nameless tool → undefined', tool: { description: 'x', inputSchema: {} }, expected: undefined },
    { name: 'numeric name → undefined', tool: { name: 7, inputSchema: {} }, expected: undefined },
    { name: 'null → undefined', tool: null, expected: undefined },
    { name: 'a string → undefined', tool: 'echo', expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(toolSignature(c.tool), c.expected);
    });
  }
});

describe('hashToolList', () => {
  // server-everything's echo and get-sum as listed in everything-streamable.txt (trimmed).
  const echo = {
    name: 'echo',
    title: 'Echo Tool',
    description: 'Echoes back the input string',
    inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { message: { type: 'string', description: 'Message to echo' } }, required: ['message'] },
  };
  const sum = {
    name: 'get-sum',
    description: 'Returns the sum of two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  };
  const sigs = (...tools: unknown[]): ToolSignature[] => tools.map((t) => toolSignature(t)!);
  const base = hashToolList(sigs(echo, sum));

  const cases: readonly { name: string; tools: unknown[]; same: boolean }[] = [
    { name: 'tool order does not matter', tools: [sum, echo], same: true },
    { name: 'schema key order does not matter', tools: [{ ...echo, inputSchema: { required: ['message'], properties: echo.inputSchema.properties, type: 'object', $schema: echo.inputSchema.$schema } }, sum], same: true },
    { name: 'a changed description does not change the hash', tools: [{ ...echo, description: 'Echo, reworded' }, sum], same: true },
    { name: 'a changed title does not change the hash', tools: [{ ...echo, title: 'Echo!' }, sum], same: true },
    { name: 'a changed inputSchema changes the hash', tools: [{ ...echo, inputSchema: { ...echo.inputSchema, required: [] } }, sum], same: false },
    { name: 'an added outputSchema changes the hash', tools: [{ ...echo, outputSchema: { type: 'object' } }, sum], same: false },
    { name: 'a renamed tool changes the hash', tools: [{ ...echo, name: 'echo2' }, sum], same: false },
    { name: 'a removed tool changes the hash', tools: [echo], same: false },
    { name: 'required array order matters (arrays keep order)', tools: [echo, { ...sum, inputSchema: { ...sum.inputSchema, required: ['b', 'a'] } }], same: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const hash = hashToolList(sigs(...c.tools));
      assert.equal(hash === base, c.same);
    });
  }

  test('is 64 lowercase hex characters, the sha256 of the sorted canonical list', () => {
    assert.match(base, /^[0-9a-f]{64}$/);
    const expected = createHash('sha256').update(canonicalJson(sigs(echo, sum))).digest('hex');
    assert.equal(base, expected);
  });

  test('an empty list hashes to sha256("[]")', () => {
    assert.equal(hashToolList([]), createHash('sha256').update('[]').digest('hex'));
  });

  test('does not reorder the caller’s array', () => {
    const list = sigs(sum, echo);
    hashToolList(list);
    assert.deepEqual(list.map((t) => t.name), ['get-sum', 'echo']);
  });

  // Finding: the sort key is the name only, so two tools sharing a name (a sloppy server) hash
  // differently depending on list order.
  test('two tools with the same name hash the same in either order', () => {
    const a = { name: 'dup', inputSchema: { type: 'object' } };
    const b = { name: 'dup', inputSchema: { type: 'string' } };
    assert.equal(hashToolList(sigs(a, b)), hashToolList(sigs(b, a)));
  });
});
