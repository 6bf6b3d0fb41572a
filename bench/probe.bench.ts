// Wall time and client CPU of one full probe against server-everything over TLS on loopback.
// The servers run in child processes, so process.cpuUsage() here is the prober's own cost.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runProbe, DEFAULT_PROBE_SETTINGS, type ProbeRequest, type ProbeSettings } from '../src/probe/run-probe.ts';
import { createResolver } from '../src/probe/dns.ts';
import { HostsFile, SYSTEM_HOSTS_FILE } from '../src/probe/hosts-file.ts';
import { createTrustContext } from '../src/probe/tls.ts';
import { TlsSessionCache } from '../src/probe/tls-session-cache.ts';
import { createTestPki } from '../test/fixtures/certs.ts';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { startEverything } from '../test/fixtures/mcp-servers.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function startChild(args: readonly string[]): Promise<{ line: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
  return { line, stop: () => child.kill('SIGTERM') };
}

async function startTerminatorChild(certJson: string, upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<{ port: number; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-bench-'));
  const file = join(dir, 'cert.json');
  writeFileSync(file, certJson);
  const child = await startChild(['bench/tls-terminator-child.ts', file, String(upstreamPort), upstreamHost]);
  return { port: Number(child.line), stop: () => child.stop() };
}

async function measure(label: string, request: ProbeRequest, settings: ProbeSettings, deps: Parameters<typeof runProbe>[2]): Promise<void> {
  for (let i = 0; i < 20; i++) await runProbe(request, settings, deps); // warm-up: JIT, TLS session code paths
  const walls: number[] = [];
  const cpus: number[] = [];
  let failures = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await runProbe(request, settings, deps);
    walls.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
    if (result.status !== 'up') failures++;
  }
  walls.sort((a, b) => a - b);
  const cpuMean = cpus.reduce((sum, c) => sum + c, 0) / cpus.length;
  cpus.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} n=${ROUNDS}  wall p50 ${quantile(walls, 0.5).toFixed(2)} ms  p95 ${quantile(walls, 0.95).toFixed(2)} ms` +
      `  cpu mean ${cpuMean.toFixed(2)} ms  p50 ${quantile(cpus, 0.5).toFixed(2)} ms  p95 ${quantile(cpus, 0.95).toFixed(2)} ms  not-up ${failures}`,
  );
}

/** Rows to run: every row whose label contains one of these |-separated strings (default: all). */
const ONLY = (process.env.BENCH_PROBE_ROWS ?? '').split('|').filter(Boolean);

export async function benchProbe(): Promise<void> {
  console.log(`# probe: Node ${process.version}, ${ROUNDS} sequential probes per row after 20 warm-up probes; cpu = process.cpuUsage() of the prober`);
  const pki = await createTestPki();
  const cert = await pki.issue({ hostnames: ['mcp.bench', 'modern.bench'] });
  const dns = await startDnsServer({ 'mcp.bench': { a: ['127.0.0.1'], ttl: 300 }, 'modern.bench': { a: ['127.0.0.1'], ttl: 300 } });
  const streamable = await startEverything('streamableHttp');
  const sse = await startEverything('sse');
  // The fleet server answers the 2026-07-28 handshake and tools/list in one write each, on 127.0.1.1.
  const modern = await startChild(['bench/fleet-server.ts', '1']);
  const terminator = await startTerminatorChild(JSON.stringify(cert), Number(new URL(streamable.url).port));
  const modernTerminator = await startTerminatorChild(JSON.stringify(cert), Number(modern.line.split(' ')[0]), '127.0.1.1');
  try {
    const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, dnsServers: [dns.address], extraCaPem: pki.caPem };
    const shared = {
      resolver: createResolver({ servers: [dns.address], timeoutMs: 2000 }),
      hosts: new HostsFile({ path: SYSTEM_HOSTS_FILE }),
      trust: createTrustContext(pki.caPem),
    };
    // Every probe a full handshake (as `check` does), or resuming the last session (as `serve` does).
    const full = { ...shared, tlsSessions: null };
    const resumed = { ...shared, tlsSessions: new TlsSessionCache() };
    const modernUrl = `https://modern.bench:${modernTerminator.port}/mcp`;
    const tlsUrl = `https://mcp.bench:${terminator.port}/mcp`;
    const rows: Array<[string, ProbeRequest, Parameters<typeof runProbe>[2]]> = [
      ['modern, TLS, DNS, hinted era, full handshake', { url: modernUrl, eraHint: 'modern' }, full],
      ['modern, TLS, DNS, hinted era, resumed', { url: modernUrl, eraHint: 'modern' }, resumed],
      ['everything streamable, TLS, DNS, hinted era', { url: tlsUrl, eraHint: 'streamable' }, full],
      ['everything streamable, TLS, DNS, + tools/list', { url: tlsUrl, eraHint: 'streamable', listTools: true }, full],
      ['everything streamable, TLS, + tools/list, resumed', { url: tlsUrl, eraHint: 'streamable', listTools: true }, resumed],
      ['everything streamable, TLS, DNS, detection', { url: tlsUrl }, full],
      ['everything HTTP+SSE, plain HTTP, hinted era', { url: sse.url, eraHint: 'sse' }, full],
    ];
    for (const [label, request, deps] of rows) {
      if (ONLY.length === 0 || ONLY.some((word) => label.includes(word))) await measure(label, request, settings, deps);
    }
  } finally {
    terminator.stop();
    modernTerminator.stop();
    modern.stop();
    await Promise.all([streamable.close(), sse.close(), dns.close()]);
  }
}
