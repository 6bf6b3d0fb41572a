// The README's table of compliance checks is the catalogue's: generated from it, compared whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CHECKS } from '../../src/compliance/catalogue.ts';

function catalogueTable(): string {
  const rows = CHECKS.map((c) => `| \`${c.id}\` | ${c.level} | ${c.eras.join(', ')} | [${c.title.replace(/\|/g, '\\|')}](${c.spec}) |`);
  return ['| check | level | eras | requirement (spec) |', '|---|---|---|---|', ...rows].join('\n');
}

test('README lists every compliance check, as the catalogue defines it', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = catalogueTable();
  assert.ok(readme.includes(table), `README.md's "Compliance checks" table is out of date; paste:\n\n${table}\n`);
  for (const { id } of CHECKS) assert.equal(readme.split(`\`${id}\``).length - 1, 1, `${id} should appear once in README.md`);
});

test('every check id is unique and names its family', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of CHECKS) {
    assert.match(c.id, /^(modern|streamable|http|auth|tools)\.[a-z0-9-]+\.[a-z0-9-]+$/);
    assert.match(c.spec, /^https:\/\/modelcontextprotocol\.io\/specification\/\d{4}-\d{2}-\d{2}\//);
  }
});
