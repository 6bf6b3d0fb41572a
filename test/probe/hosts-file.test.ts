// The hosts-file parser as a table (text in, names out), then HostsFile on real files: read once,
// re-read on change no more often than its recheck interval, never blocked by an odd file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HostsFile, normalizeHostName, parseHosts, type HostsAddress } from '../../src/probe/hosts-file.ts';

const v4 = (address: string): HostsAddress => ({ address, family: 4 });
const v6 = (address: string): HostsAddress => ({ address, family: 6 });

interface ParseCase {
  readonly name: string;
  readonly text: string;
  readonly maxChars?: number;
  /** Every name the table must hold, and nothing else. */
  readonly names: Readonly<Record<string, readonly HostsAddress[]>>;
  readonly truncated?: boolean;
}

const PARSE_CASES: readonly ParseCase[] = [
  { name: 'empty file', text: '', names: {} },
  { name: 'Debian default', text: '127.0.0.1\tlocalhost\n127.0.1.1\tbox.example.org\tbox\n', names: { localhost: [v4('127.0.0.1')], 'box.example.org': [v4('127.0.1.1')], box: [v4('127.0.1.1')] } },
  { name: 'a comment line', text: '# 10.0.0.1 commented.test\n10.0.0.2 live.test\n', names: { 'live.test': [v4('10.0.0.2')] } },
  { name: 'a comment after the names ends the line', text: '10.0.0.1 a.test b.test # c.test d.test\n', names: { 'a.test': [v4('10.0.0.1')], 'b.test': [v4('10.0.0.1')] } },
  { name: 'a comment glued to a name', text: '10.0.0.1 a.test#b.test\n', names: { 'a.test': [v4('10.0.0.1')] } },
  { name: 'canonical name and aliases', text: '10.0.0.1 mcp.example.test mcp mcp-alias\n', names: { 'mcp.example.test': [v4('10.0.0.1')], mcp: [v4('10.0.0.1')], 'mcp-alias': [v4('10.0.0.1')] } },
  {
    name: 'IPv6 entries',
    text: '::1 localhost ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\n2001:db8::5 v6.test\n',
    names: { localhost: [v6('::1')], 'ip6-localhost': [v6('::1')], 'ip6-loopback': [v6('::1')], 'ip6-localnet': [v6('fe00::0')], 'v6.test': [v6('2001:db8::5')] },
  },
  { name: 'a name on several lines gets every address, in file order', text: '127.0.0.1 localhost\n::1 localhost\n127.0.0.2 localhost\n', names: { localhost: [v4('127.0.0.1'), v6('::1'), v4('127.0.0.2')] } },
  { name: 'an address repeated for a name counts once', text: '10.0.0.1 a.test\n10.0.0.1 a.test A.TEST\n', names: { 'a.test': [v4('10.0.0.1')] } },
  { name: 'names are stored lower-case and without a trailing dot', text: '10.0.0.1 MixedCase.Example.TEST. Short\n', names: { 'mixedcase.example.test': [v4('10.0.0.1')], short: [v4('10.0.0.1')] } },
  { name: 'tabs, runs of spaces and CRLF line ends', text: '  10.0.0.1 \t a.test\t\tb.test  \r\n10.0.0.2\tc.test\r\n', names: { 'a.test': [v4('10.0.0.1')], 'b.test': [v4('10.0.0.1')], 'c.test': [v4('10.0.0.2')] } },
  { name: 'an address without names is nothing', text: '10.0.0.1\n10.0.0.2   # only a comment\n', names: {} },
  // glibc takes 127.1; the address policy refuses such spellings as ambiguous, so they are skipped.
  { name: 'lines without a plain IP address are skipped', text: 'localhost 127.0.0.1\n127.1 short.test\n999.0.0.1 bad.test\n10.0.0.1 ok.test\n', names: { 'ok.test': [v4('10.0.0.1')] } },
  { name: 'no newline at the end', text: '10.0.0.1 last.test', names: { 'last.test': [v4('10.0.0.1')] } },
  {
    name: 'oversize: only whole lines before the cap count',
    // The cap falls inside the second line: it is dropped whole, not read as "b.te".
    text: '10.0.0.1 a.test\n10.0.0.2 b.test\n10.0.0.3 c.test\n',
    maxChars: 20,
    names: { 'a.test': [v4('10.0.0.1')] },
    truncated: true,
  },
  { name: 'exactly at the cap is not oversize', text: '10.0.0.1 a.test\n', maxChars: 16, names: { 'a.test': [v4('10.0.0.1')] }, truncated: false },
];

describe('parseHosts', () => {
  for (const c of PARSE_CASES) {
    test(c.name, () => {
      const table = parseHosts(c.text, c.maxChars);
      assert.deepEqual(Object.fromEntries(table.names), c.names);
      assert.equal(table.truncated, c.truncated ?? false);
    });
  }

  test('normalizeHostName: case and one trailing dot', () => {
    assert.equal(normalizeHostName('LocalHost.'), 'localhost');
    assert.equal(normalizeHostName('a.Test'), 'a.test');
  });

  test('a blocklist-sized file: 150,000 names, one shared object per address', () => {
    const lines = Array.from({ length: 150_000 }, (_, i) => `0.0.0.0 ads-${i}.blocked.test`);
    const table = parseHosts(`${lines.join('\n')}\n`);
    assert.equal(table.names.size, 150_000);
    assert.equal(table.names.get('ads-0.blocked.test')?.[0], table.names.get('ads-149999.blocked.test')?.[0]);
  });
});

describe('HostsFile on a real file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpwatch-hosts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A HostsFile whose clock the test moves. */
  function hostsAt(path: string, options: { maxBytes?: number } = {}): { hosts: HostsFile; advance: (ms: number) => void } {
    let now = 0;
    const hosts = new HostsFile({ path, recheckMs: 1000, clock: () => now, ...options });
    return { hosts, advance: (ms) => (now += ms) };
  }

  test('looks names up case-insensitively, with or without the trailing dot', async () => {
    const path = join(dir, 'case');
    await writeFile(path, '10.0.0.1 MCP.Example.Test\n');
    const { hosts } = hostsAt(path);
    assert.deepEqual(await hosts.lookup('mcp.example.test'), [v4('10.0.0.1')]);
    assert.deepEqual(await hosts.lookup('MCP.EXAMPLE.TEST.'), [v4('10.0.0.1')]);
    assert.equal(await hosts.lookup('other.test'), undefined);
  });

  test('a change is seen after the recheck interval, not before', async () => {
    const path = join(dir, 'edited');
    await writeFile(path, '10.0.0.1 a.test\n');
    const { hosts, advance } = hostsAt(path);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.1')]);
    await writeFile(path, '10.0.0.2 a.test b.test\n');
    advance(999);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.1')], 'the file was checked again before its interval');
    advance(1);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.2')]);
    assert.deepEqual(await hosts.lookup('b.test'), [v4('10.0.0.2')]);
  });

  test('a file replaced by rename (how editors and Docker write it) is seen', async () => {
    const path = join(dir, 'replaced');
    await writeFile(path, '10.0.0.1 a.test\n');
    const { hosts, advance } = hostsAt(path);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.1')]);
    // The same size: only the inode and the times tell the new file apart.
    await writeFile(`${path}.new`, '10.0.0.9 a.test\n');
    await rename(`${path}.new`, path);
    advance(1000);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.9')]);
  });

  test('an unchanged file is not parsed again', async () => {
    const path = join(dir, 'unchanged');
    await writeFile(path, '10.0.0.1 a.test\n');
    const { hosts, advance } = hostsAt(path);
    const first = await hosts.table();
    advance(5000);
    assert.equal(await hosts.table(), first);
  });

  test('a missing file gives no names; once it appears it is read', async () => {
    const path = join(dir, 'appears-later');
    const { hosts, advance } = hostsAt(path);
    assert.equal(await hosts.lookup('a.test'), undefined);
    await writeFile(path, '10.0.0.1 a.test\n');
    advance(1000);
    assert.deepEqual(await hosts.lookup('a.test'), [v4('10.0.0.1')]);
  });

  test('an oversize file: the lines before the cap are used, the rest ignored', async () => {
    const path = join(dir, 'oversize');
    const head = '10.0.0.1 early.test\n';
    await writeFile(path, `${head}${'10.0.0.2 filler.test\n'.repeat(1000)}10.0.0.3 late.test\n`);
    const { hosts } = hostsAt(path, { maxBytes: 1024 });
    const table = await hosts.table();
    assert.equal(table.truncated, true);
    assert.deepEqual(table.names.get('early.test'), [v4('10.0.0.1')]);
    assert.equal(table.names.get('late.test'), undefined);
  });

  test('concurrent lookups share one read', async () => {
    const path = join(dir, 'shared');
    await writeFile(path, '10.0.0.1 a.test\n');
    const { hosts } = hostsAt(path);
    const tables = await Promise.all(Array.from({ length: 20 }, () => hosts.table()));
    assert.ok(tables.every((t) => t === tables[0]));
  });

  test('a FIFO at the path is not read (a read would block until a writer came)', async (t) => {
    const path = join(dir, 'fifo');
    const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
    if (made.error !== undefined || made.status !== 0) {
      t.skip(`mkfifo unavailable: ${made.error?.message ?? made.stderr}`);
      return;
    }
    const { hosts } = hostsAt(path);
    assert.equal(await hosts.lookup('a.test'), undefined);
  });

  test('a directory at the path gives no names', async () => {
    const { hosts } = hostsAt(dir);
    assert.equal(await hosts.lookup('a.test'), undefined);
  });
});
