// Runs every test file under test/ with node's own runner. Node 20's --test does not expand
// globs or pick up .ts files, so the list is built here; tsx compiles TypeScript on load.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return collect(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = collect('test')
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The official conformance suite lives apart (it needs Node 22); a fresh clone does not have it.
const CONFORMANCE_CLI = 'tools/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js';
if (files.some((f) => f.startsWith(`test${sep}conformance${sep}`)) && !existsSync(CONFORMANCE_CLI)) {
  console.error(
    [
      '',
      '*** The official MCP conformance suite is not installed: test/conformance/ will be SKIPPED',
      '*** (with CI set, it FAILS). Install it, with the Node 22 its CLI needs, kept apart from the',
      '*** Node that runs mcpwatch:',
      '***',
      '***     npm ci --prefix tools/conformance',
      '',
    ].join('\n'),
  );
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
