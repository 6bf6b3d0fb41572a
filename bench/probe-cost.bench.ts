// CPU per probe of the serve path, in this process: the worker's probe (runRound with the caching
// resolver and the TLS session cache) over K endpoints, C in flight, against the bench fleet server
// over TLS in a child process, so process.cpuUsage() is the prober's own cost. Unlike `capacity`
// (the real serve under a scheduler, minutes per row), it runs in well under a minute and barely
// moves with the machine's load, which makes it the figure to compare two builds of the probe on a
// shared box: run it alternately on each. After a warm-up of three passes, every probe resumes.
//   BENCH_PROBE_COST_K=400 endpoints, BENCH_PROBE_COST_C=64 in flight, BENCH_PROBE_COST_M=6000 measured probes
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serialize } from 'node:v8';
import type { Endpoint } from '../src/domain/endpoint.ts';
import { createResolver } from '../src/probe/dns.ts';
import { createCachingResolver } from '../src/probe/dns-cache.ts';
import { runProbe, DEFAULT_PROBE_SETTINGS, type ProbeDeps, type ProbeSettings } from '../src/probe/run-probe.ts';
import { createTrustContext } from '../src/probe/tls.ts';
import { TlsSessionCache } from '../src/probe/tls-session-cache.ts';
import { runRound } from '../src/service/round.ts';
import { createTestPki } from '../test/fixtures/certs.ts';
import { startDnsServer } from '../test/fixtures/dns-server.ts';
import { fleetHostAddress } from './fleet-address.ts';

const K = Number(process.env.BENCH_PROBE_COST_K ?? 400);
const C = Number(process.env.BENCH_PROBE_COST_C ?? 64);
const M = Number(process.env.BENCH_PROBE_COST_M ?? 6000);
const HOSTS = 8;

export async function benchProbeCost(): Promise<void> {
  const pki = await createTestPki();
  const cert = await pki.issue({ hostnames: ['*.fleet.test'] });
  const dir = mkdtempSync(join(tmpdir(), 'mcpwatch-probe-cost-'));
  writeFileSync(join(dir, 'cert.json'), JSON.stringify(cert));
  const fleet = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet-server.ts', String(HOSTS), '0', '--tls', join(dir, 'cert.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: fleet.stdout }).once('line', resolve));
  const port = Number(line.split(' ')[0]);
  const zone: Record<string, { a: string[]; ttl: number }> = {};
  for (let i = 0; i < K; i++) zone[`e${i}.fleet.test`] = { a: [fleetHostAddress((i % HOSTS) + 1)], ttl: 300 };
  const dns = await startDnsServer(zone, { record: false });
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  try {
    const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, allowPrivate: true, dnsServers: [dns.address], extraCaPem: pki.caPem };
    const deps: ProbeDeps = {
      resolver: createCachingResolver(createResolver({ servers: [dns.address], timeoutMs: 2000 }), { clock: Date.now }),
      hosts: null,
      trust: createTrustContext(pki.caPem),
      tlsSessions: new TlsSessionCache(),
      signal: shutdown.signal,
    };
    const endpoints = Array.from({ length: K }, (_, i) => ({
      id: `e${i}`,
      url: `https://e${i}.fleet.test:${port}/mcp`,
      secrets: { headers: {}, bearerToken: null },
      era: 'auto',
      listTools: false,
      timeoutMs: 10_000,
      allowPrivate: true,
    }) as unknown as Endpoint);
    let notUp = 0;
    let resumed = 0;
    let cloneBytes = 0;
    const pass = async (count: number): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: C }, async () => {
          while (next < count) {
            const i = next++;
            const round = await runRound(runProbe, endpoints[i % K]!, 'modern', settings, deps, true);
            if (round.result.status !== 'up') notUp++;
            if (round.result.certificate?.resumed) resumed++;
            // What a worker posts to the main thread, cloned as postMessage would.
            cloneBytes += serialize({ seq: i, round, stalled: false, overload: null }).length;
          }
        }),
      );
    };
    await pass(K * 3);
    notUp = 0;
    resumed = 0;
    cloneBytes = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pass(M);
    const cpu = process.cpuUsage(cpu0);
    const wallS = (performance.now() - t0) / 1000;
    console.log(
      `probe-cost K=${K} C=${C} M=${M}: CPU ${((cpu.user + cpu.system) / 1000 / M).toFixed(3)} ms per probe (user ${(cpu.user / 1000 / M).toFixed(3)}, system ${(cpu.system / 1000 / M).toFixed(3)}); ` +
        `${(M / wallS).toFixed(0)} probes/s; resumed ${resumed}/${M}; not up ${notUp}; result clone ${Math.round(cloneBytes / M)} B`,
    );
  } finally {
    shutdown.abort();
    fleet.kill('SIGTERM');
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
