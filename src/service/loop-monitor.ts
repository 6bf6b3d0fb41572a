// Watches event-loop delay: a probe timed while the loop was stalled measured the stall, not the
// server, so its latency must not count (a saturated loop inflated loopback medians 4×).

export interface LoopMonitor {
  /** Whether the loop stalled (by more than the threshold) at any time in [fromMs, toMs]. */
  stalledBetween(fromMs: number, toMs: number): boolean;
  /**
   * The longest stall overlapping [fromMs, toMs], ms (0 when none), counting one still going on:
   * a timer that fires right after a stall can run before the sampler has noticed it.
   */
  stallMsBetween(fromMs: number, toMs: number): number;
  /** The largest delay seen since the last call, ms (for metrics). */
  takeMaxDelayMs(): number;
  stop(): void;
}

export interface LoopMonitorOptions {
  readonly clock: () => number;
  readonly sampleMs?: number;
  readonly stallMs?: number;
  readonly keepMs?: number;
  /** Every sample's delay, for whoever adapts to it (the concurrency governor). */
  readonly onSample?: (delayMs: number, nowMs: number) => void;
}

export function startLoopMonitor(options: LoopMonitorOptions): LoopMonitor {
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
    options.onSample?.(Math.max(0, delay), now);
  }, sampleMs);
  timer.unref();
  const stallMsBetween = (fromMs: number, toMs: number): number => {
    let longest = 0;
    for (const s of stalls) if (s.from <= toMs && s.to >= fromMs) longest = Math.max(longest, s.to - s.from - sampleMs);
    const ongoing = options.clock() - expected;
    if (ongoing > stallMs && expected <= toMs) longest = Math.max(longest, ongoing);
    return longest;
  };
  return {
    stalledBetween(fromMs, toMs) {
      return stallMsBetween(fromMs, toMs) > 0;
    },
    stallMsBetween,
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
