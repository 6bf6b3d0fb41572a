// Watches event-loop delay: a probe timed while the loop was stalled measured the stall, not the
// server, so its latency must not count (a saturated loop inflated loopback medians 4×).

export interface LoopMonitor {
  /** Whether the loop stalled (by more than the threshold) at any time in [fromMs, toMs]. */
  stalledBetween(fromMs: number, toMs: number): boolean;
  /** The largest delay seen since the last call, ms (for metrics). */
  takeMaxDelayMs(): number;
  stop(): void;
}

export function startLoopMonitor(options: { clock: () => number; sampleMs?: number; stallMs?: number; keepMs?: number }): LoopMonitor {
  const sampleMs = options.sampleMs ?? 50;
  const stallMs = options.stallMs ?? 100;
  const keepMs = options.keepMs ?? 120_000;
  const stalls: Array<{ from: number; to: number }> = [];
  let expected = options.clock() + sampleMs;
  let maxDelay = 0;
  const timer = setInterval(() => {
    const now = options.clock();
    const delay = now - expected;
    expected = now + sampleMs;
    if (delay > maxDelay) maxDelay = delay;
    if (delay > stallMs) stalls.push({ from: now - delay - sampleMs, to: now });
    while (stalls.length > 0 && stalls[0]!.to < now - keepMs) stalls.shift();
  }, sampleMs);
  timer.unref();
  return {
    stalledBetween(fromMs, toMs) {
      return stalls.some((s) => s.from <= toMs && s.to >= fromMs);
    },
    takeMaxDelayMs() {
      const value = Math.max(0, maxDelay);
      maxDelay = 0;
      return value;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
