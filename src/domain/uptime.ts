// The one definition of uptime, used by every page, badge, API response and MCP tool.
//
// Uptime is the share of observed rounds that were not outages under the health policy (degraded
// and auth_required count as good unless the operator made them outages, as for incidents). Time
// mcpwatch did not observe (a monitoring gap: it was down, restarting or stalled) has no rounds,
// so it counts neither up nor down.
//
// Shown figures are FLOORED to two decimals, computed from the integer counts: 99.996 % reads
// "99.99%", and "100%" only when no round failed. Rounding to nearest (half-even included) would
// show 99.995 % as "100.00%" while an outage happened, and an uptime figure that overstates is the
// one a reader must never see. Integers matter too: flooring the float ratio (0.57 × 10000 =
// 5699.999…) showed 57 good rounds of 100 as "56.99%" where the API said 0.57.
import { isFailure, type HealthPolicy } from './health.ts';

export interface RoundCounts {
  readonly up: number;
  readonly degraded: number;
  readonly authRequired: number;
  readonly down: number;
}

export interface Uptime {
  /** Rounds that were not outages. */
  readonly good: number;
  /** Rounds observed (monitoring gaps have none). */
  readonly total: number;
  /** good / total, unrounded; null when nothing was observed. */
  readonly ratio: number | null;
  /** The shown figure in hundredths of a percent, floored: 5 of 9 → 5555. */
  readonly basisPoints: number | null;
  /** The shown figure as a percentage with two decimals, floored: 5 of 9 → 55.55. */
  readonly percent: number | null;
}

export function totalRounds(c: RoundCounts): number {
  return c.up + c.degraded + c.authRequired + c.down;
}

export function goodRounds(c: RoundCounts, policy: HealthPolicy): number {
  return (
    c.up +
    (isFailure('degraded', policy) ? 0 : c.degraded) +
    (isFailure('auth_required', policy) ? 0 : c.authRequired) +
    (isFailure('down', policy) ? 0 : c.down)
  );
}

export function uptimeOf(c: RoundCounts, policy: HealthPolicy): Uptime {
  const good = goodRounds(c, policy);
  const total = totalRounds(c);
  if (total === 0) return { good, total, ratio: null, basisPoints: null, percent: null };
  // An exact integer quotient is exact in floating point and a non-integer one is at least
  // 1/total away from the next integer, far beyond rounding error: the floor is the true floor.
  const basisPoints = Math.floor((good * 10_000) / total);
  return { good, total, ratio: good / total, basisPoints, percent: basisPoints / 100 };
}

/** "55.55%", "100%" (nothing failed), "—" (nothing observed). */
export function formatUptime(u: Uptime): string {
  if (u.basisPoints === null) return '—';
  if (u.good === u.total) return '100%';
  return `${(u.basisPoints / 100).toFixed(2)}%`;
}

/** How much of [fromMs, toMs) the spans cover (overlaps counted once): the window's not-monitored time. */
export function notMonitoredMs(spans: ReadonlyArray<{ readonly fromMs: number; readonly toMs: number }>, fromMs: number, toMs: number): number {
  const clipped = spans
    .map((s) => [Math.max(s.fromMs, fromMs), Math.min(s.toMs, toMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}
