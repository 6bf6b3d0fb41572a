// Watches event-loop delay: a probe timed while the loop was stalled measured the stall, not the
// server, so its latency must not count (a saturated loop inflated loopback medians 4×).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { OverloadMark } from '../domain/probe-result.ts';
import { threadCpuClock } from './thread-cpu.ts';

/**
 * A round is overloaded when the loop stalled within this long before it ended: a deadline timer
 * that fires after a stall runs before the replies that arrived meanwhile are read (timers come
 * before I/O in a loop turn). A stall earlier in the round only delays the reading, so a real
 * timeout elsewhere still counts.
 */
export const OVERLOAD_WINDOW_MS = 1_000;
/**
 * Or when the loop was late for at least this share of the round: CPU starvation without one long
 * stall, every step of the probe waiting a late turn. A loop that keeps up is late a few % (1–2 ms
 * per 50 ms sample). It was half: on a runner starved by other processes (the overload test beside
 * three CPU hogs) healthy loopback probes with a 100 ms reply timed out at 1.5 s with the loop late
 * 742–752 ms of their 1,511–1,530 ms (49 %), a 315 ms stall among it, and in a rarer case 367 and
 * 432 ms of 1.5 s (24 %, 29 %), and were counted as failures. A fifth is still 5–10× what a loop
 * that keeps up shows; a server that really times out is counted by the first round after.
 */
export const OVERLOAD_LATE_SHARE = 0.2;

export interface LoopMonitor {
  /** Whether the loop stalled (by more than the threshold) at any time in [fromMs, toMs]. */
  stalledBetween(fromMs: number, toMs: number): boolean;
  /**
   * The longest stall overlapping [fromMs, toMs], ms (0 when none), counting one still going on:
   * a timer that fires right after a stall can run before the sampler has noticed it.
   */
  stallMsBetween(fromMs: number, toMs: number): number;
  /** How late the loop was in total over (fromMs, toMs], ms: the sum of the sample delays, the ongoing one included. */
  lateMsBetween(fromMs: number, toMs: number): number;
  /** The largest delay seen since the last call, ms (for metrics). */
  takeMaxDelayMs(): number;
  stop(): void;
}

export interface LoopMonitorOptions {
  readonly clock: () => number;
  readonly sampleMs?: number;
  readonly stallMs?: number;
  readonly keepMs?: number;
  /**
   * Every sample's delay, for whoever adapts to it (the concurrency governor), with how long the
   * loop worked since the previous sample, ms: a loop late by 300 ms that worked for 10 of them
   * was kept off the CPU by other threads or processes, not by its own work.
   */
  readonly onSample?: (delayMs: number, nowMs: number, workedMs: number) => void;
  /**
   * The loop's work so far, ms (tests). Default: the time this thread's event loop was active
   * (perf_hooks) and, where Linux says, no more than the CPU time the thread got: a loop preempted
   * in the middle of a callback is active without working.
   */
  readonly workedMs?: () => number;
}

/** This thread's event loop: active time (not waiting for I/O or timers) since it started, ms. */
function loopActiveMs(): () => number {
  const start: EventLoopUtilization = performance.eventLoopUtilization();
  return () => performance.eventLoopUtilization(start).active;
}

/** Whether mcpwatch was overloaded while timing a round that ran over [startedAt, endedAt]; null when it was not. */
export function overloadMark(loop: LoopMonitor, startedAt: number, endedAt: number): OverloadMark | null {
  const loopDelayMs = loop.lateMsBetween(startedAt, endedAt);
  const late = loopDelayMs > 0 && loopDelayMs >= OVERLOAD_LATE_SHARE * (endedAt - startedAt);
  return late || loop.stalledBetween(endedAt - OVERLOAD_WINDOW_MS, endedAt) ? { loopDelayMs: Math.round(loopDelayMs) } : null;
}

export function startLoopMonitor(options: LoopMonitorOptions): LoopMonitor {
  const sampleMs = options.sampleMs ?? 50;
  const stallMs = options.stallMs ?? 100;
  const keepMs = options.keepMs ?? 120_000;
  const stalls: Array<{ from: number; to: number }> = [];
  let expected = options.clock() + sampleMs;
  let maxDelay = 0;
  const active = options.workedMs ?? loopActiveMs();
  const cpu = options.workedMs === undefined ? threadCpuClock() : null;
  let activeBefore = active();
  let cpuBefore = cpu?.() ?? 0;
  // Sample times and running totals of their delays in a ring, so lateMsBetween is a binary search.
  const capacity = Math.ceil(keepMs / sampleMs) + 16;
  const times = new Float64Array(capacity);
  const totals = new Float64Array(capacity);
  let first = 0;
  let count = 0;
  let total = 0;
  let totalBeforeFirst = 0;
  const slot = (i: number): number => (first + i) % capacity;
  /** The running total after the last sample at or before t. */
  const totalAt = (t: number): number => {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[slot(mid)]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? totalBeforeFirst : totals[slot(lo - 1)]!;
  };

  const timer = setInterval(() => {
    const now = options.clock();
    const delay = now - expected;
    expected = now + sampleMs;
    if (delay > maxDelay) maxDelay = delay;
    if (delay > stallMs) stalls.push({ from: now - delay - sampleMs, to: now });
    while (stalls.length > 0 && stalls[0]!.to < now - keepMs) stalls.shift();
    total += Math.max(0, delay);
    if (count === capacity || (count > 0 && times[slot(0)]! < now - keepMs)) {
      totalBeforeFirst = totals[slot(0)]!;
      first = slot(1);
      count--;
    }
    times[slot(count)] = now;
    totals[slot(count)] = total;
    count++;
    if (options.onSample !== undefined) {
      const activeNow = active();
      let worked = activeNow - activeBefore;
      activeBefore = activeNow;
      if (cpu !== null) {
        const cpuNow = cpu();
        worked = Math.min(worked, cpuNow - cpuBefore);
        cpuBefore = cpuNow;
      }
      options.onSample(Math.max(0, delay), now, Math.max(0, worked));
    }
  }, sampleMs);
  timer.unref();

  const ongoing = (toMs: number): number => {
    const late = options.clock() - expected;
    return late > 0 && expected <= toMs ? late : 0;
  };
  const stallMsBetween = (fromMs: number, toMs: number): number => {
    let longest = 0;
    for (const s of stalls) if (s.from <= toMs && s.to >= fromMs) longest = Math.max(longest, s.to - s.from - sampleMs);
    const now = ongoing(toMs);
    return now > stallMs ? Math.max(longest, now) : longest;
  };
  return {
    stalledBetween(fromMs, toMs) {
      return stallMsBetween(fromMs, toMs) > 0;
    },
    stallMsBetween,
    lateMsBetween(fromMs, toMs) {
      return Math.max(0, totalAt(toMs) - totalAt(fromMs)) + ongoing(toMs);
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
