// Hosts-file cost: parsing a blocklist-sized file once, then what each probe pays for a name.
import { promises as dns } from 'node:dns';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostsFile } from '../src/probe/hosts-file.ts';

const NAMES = 150_000;
const LOOKUPS = 200_000;

export async function benchHosts(): Promise<void> {
  console.log(`# hosts: Node ${process.version}, a ${NAMES.toLocaleString('en')}-name hosts file (an ad-blocking list's size)`);
  const dir = await mkdtemp(join(tmpdir(), 'mcpwatch-hosts-bench-'));
  try {
    const path = join(dir, 'hosts');
    const lines = Array.from({ length: NAMES }, (_, i) => `0.0.0.0 ads-${i}.blocked.test`);
    const text = `127.0.0.1 localhost\n10.0.0.1 mcp.internal.test\n${lines.join('\n')}\n`;
    await writeFile(path, text);
    let started = performance.now();
    const hosts = new HostsFile({ path });
    await hosts.table();
    console.log(`first read + parse of ${(text.length / 1e6).toFixed(1)} MB: ${(performance.now() - started).toFixed(0)} ms (once, and again only when the file changes)`);
    started = performance.now();
    for (let i = 0; i < LOOKUPS; i++) await hosts.lookup(i % 2 === 0 ? 'mcp.internal.test' : 'not-there.test');
    const perLookupUs = ((performance.now() - started) * 1000) / LOOKUPS;
    console.log(`HostsFile.lookup: ${perLookupUs.toFixed(2)} µs a name (${LOOKUPS.toLocaleString('en')} lookups, hits and misses)`);
    // dns.lookup reads /etc/hosts on every call in the libuv pool; 'localhost' never leaves the machine.
    const rounds = 2000;
    started = performance.now();
    for (let i = 0; i < rounds; i++) await dns.lookup('localhost');
    console.log(`dns.lookup('localhost') with this machine's /etc/hosts: ${(((performance.now() - started) * 1000) / rounds).toFixed(1)} µs a call`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
