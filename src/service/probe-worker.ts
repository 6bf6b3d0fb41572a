// The body of a probe worker thread: the same probe, resolver, trust store, TLS session cache and
// loop monitor the in-process Monitor uses, one set per worker. Jobs arrive in batches; results
// leave in batches, one message per loop turn that finished any, so a busy worker sends few large
// messages rather than one per probe.
import { setMaxListeners } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import { createResolver } from '../probe/dns.ts';
import { createCachingResolver } from '../probe/dns-cache.ts';
import { HostsFile, SYSTEM_HOSTS_FILE } from '../probe/hosts-file.ts';
import { runProbe, type ProbeDeps } from '../probe/run-probe.ts';
import { createTrustContext } from '../probe/tls.ts';
import { TlsSessionCache } from '../probe/tls-session-cache.ts';
import { overloadMark, startLoopMonitor } from './loop-monitor.ts';
import type { FromWorker, ProbeJob, ProbeOutcome, ProbeWorkerInit, ToWorker } from './probe-messages.ts';
import { runRound } from './round.ts';

/** Serves probe jobs on `port` until the thread ends. */
export function serveProbes(port: MessagePort, init: ProbeWorkerInit): void {
  const clock = Date.now;
  const resolver = createCachingResolver(createResolver({ servers: init.settings.dnsServers, timeoutMs: init.settings.dnsTimeoutMs }), { clock });
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  const deps: ProbeDeps = {
    resolver,
    hosts: new HostsFile({ path: SYSTEM_HOSTS_FILE }),
    trust: createTrustContext(init.settings.extraCaPem),
    tlsSessions: new TlsSessionCache(),
    signal: shutdown.signal,
  };
  let maxDelay = 0;
  let maxOwnDelay = 0;
  // A saturated worker times its own probes out: its rounds are judged by its own loop, not the main thread's.
  const loop = startLoopMonitor({
    clock,
    onSample: (delayMs, _nowMs, workedMs) => {
      maxDelay = Math.max(maxDelay, delayMs);
      maxOwnDelay = Math.max(maxOwnDelay, Math.min(delayMs, workedMs));
    },
  });
  let outcomes: ProbeOutcome[] = [];
  let flushing = false;

  const send = (): void => {
    flushing = false;
    const { hits, misses } = resolver.stats;
    const message: FromWorker = { type: 'batch', outcomes, stats: { loopDelayMaxMs: maxDelay, loopOwnDelayMaxMs: maxOwnDelay, dnsCacheHits: hits, dnsCacheMisses: misses } };
    outcomes = [];
    maxDelay = 0;
    maxOwnDelay = 0;
    port.postMessage(message);
  };
  const land = (outcome: ProbeOutcome): void => {
    outcomes.push(outcome);
    if (flushing) return;
    flushing = true;
    setImmediate(send);
  };

  const run = async (job: ProbeJob): Promise<void> => {
    const startedAt = clock();
    const round = await runRound(runProbe, job.endpoint, job.hint, init.settings, deps, init.retryOnFailure);
    if (shutdown.signal.aborted && round.result.code === 'PROBE_TIMEOUT') {
      land({ seq: job.seq, round: null, stalled: false, overload: null });
      return;
    }
    const endedAt = clock();
    land({ seq: job.seq, round, stalled: loop.stalledBetween(startedAt, endedAt), overload: overloadMark(loop, startedAt, endedAt) });
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'abort') shutdown.abort();
    else for (const job of message.jobs) void run(job);
  });
  // The governor and /metrics hear an idle worker too; unref'd: it must not keep the thread alive.
  setInterval(() => {
    if (!flushing) send();
  }, init.statsEveryMs).unref();
}
