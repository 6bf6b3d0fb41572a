// Server-side SVG geometry: sparklines, latency charts and the 90-day bars. Pure numbers in,
// coordinates and labels out; the templates only place them.
import type { HealthPolicy } from '../../domain/health.ts';
import { quantileFromBuckets } from '../../domain/latency.ts';
import type { Rollup } from '../../store/store.ts';
import { formatUptime, totalRounds, uptimeOf } from '../../domain/uptime.ts';
import { formatDay, formatMs, plural } from './format.ts';
import { DAY_MS, uptimeLevel, type StatusCounts, type UptimeLevel } from './uptime.ts';

export interface LatencyPoint {
  /** Slot start, ms since the epoch. */
  readonly start: number;
  readonly p50: number | null;
  readonly p95: number | null;
}

export function percentileOf(rollup: Rollup, q: number): number | null {
  return quantileFromBuckets(rollup.buckets, q, rollup.latencyMaxMs ?? 0);
}

/** Rollups placed into `count` fixed slots from `fromMs`; slots without a rollup are null. */
export function latencySeries(rollups: readonly Rollup[], fromMs: number, stepMs: number, count: number): LatencyPoint[] {
  const byStart = new Map(rollups.map((r) => [r.start, r]));
  return Array.from({ length: count }, (_, i) => {
    const start = fromMs + i * stepMs;
    const rollup = byStart.get(start);
    return { start, p50: rollup ? percentileOf(rollup, 0.5) : null, p95: rollup ? percentileOf(rollup, 0.95) : null };
  });
}

export interface Polyline {
  /** `points` attributes, one per unbroken run of values (gaps break the line). */
  readonly segments: readonly string[];
  /** Values with no neighbour on either side, drawn as dots since a one-point line is invisible. */
  readonly dots: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function polyline(values: readonly (number | null)[], x: (i: number) => number, y: (v: number) => number): Polyline {
  const segments: string[] = [];
  const dots: { x: number; y: number }[] = [];
  let run: string[] = [];
  const close = (i: number): void => {
    if (run.length > 1) segments.push(run.join(' '));
    else if (run.length === 1) {
      const v = values[i - 1];
      if (v !== null && v !== undefined) dots.push({ x: round1(x(i - 1)), y: round1(y(v)) });
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null) close(i);
    else run.push(`${round1(x(i))},${round1(y(v))}`);
  });
  close(values.length);
  return { segments, dots };
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (axis maxima people can read). */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exp >= value) return step * exp;
  return 10 * exp;
}

export interface Sparkline extends Polyline {
  readonly width: number;
  readonly height: number;
  readonly empty: boolean;
  /** For screen readers and the hover title. */
  readonly label: string;
}

export function sparkline(values: readonly (number | null)[], width = 120, height = 28): Sparkline {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return { width, height, segments: [], dots: [], empty: true, label: 'no latency data in the last 24 h' };
  // Scaled to the data's own range (a sparkline shows shape), but never stretching a spread
  // smaller than a fifth of the values into the full height, so noise stays flat.
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  const spread = Math.max(hi - lo, hi * 0.2, 1);
  const bottom = Math.max(0, lo - spread * 0.25);
  const top = hi + spread * 0.15;
  const pad = 2;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const line = polyline(
    values,
    (i) => pad + i * step,
    (v) => height - pad - ((v - bottom) / (top - bottom)) * (height - 2 * pad),
  );
  const label = `p50 latency per hour, last 24 h: ${formatMs(Math.min(...present))} to ${formatMs(Math.max(...present))}`;
  return { width, height, ...line, empty: false, label };
}

export interface Tick {
  readonly at: number;
  readonly label: string;
  readonly anchor: 'start' | 'middle' | 'end';
}

export interface LatencyChart {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly p50: Polyline;
  readonly p95: Polyline;
  readonly yTicks: readonly Tick[];
  readonly xTicks: readonly Tick[];
  readonly empty: boolean;
  readonly label: string;
}

const HOUR_MS = 3_600_000;
/** Tick spacings to choose from: the smallest that gives at most MAX_TICKS labels wins. */
const TICK_INTERVALS_MS = [1, 2, 3, 4, 6, 12, 24, 48, 120, 240].map((h) => h * HOUR_MS);
const MAX_TICKS = 7;

/** Ticks on round UTC times (00:00, 04:00, … or midnights), not wherever the slots happen to fall. */
function timeTicks(points: readonly LatencyPoint[], stepMs: number, x: (i: number) => number, plot: { left: number; right: number }): Tick[] {
  const span = points.length * stepMs;
  const interval = TICK_INTERVALS_MS.find((i) => i >= stepMs && span / i <= MAX_TICKS) ?? TICK_INTERVALS_MS.at(-1)!;
  const ticks: Tick[] = [];
  points.forEach((p, i) => {
    if (p.start % interval !== 0) return;
    const at = round1(x(i));
    const iso = new Date(p.start).toISOString();
    const anchor = at > plot.right - 20 ? 'end' : at < plot.left + 20 ? 'start' : 'middle';
    ticks.push({ at, label: interval < DAY_MS ? iso.slice(11, 16) : iso.slice(5, 10), anchor });
  });
  return ticks;
}

/** p50 and p95 lines over fixed slots, with a y axis from 0 to a round maximum. */
export function latencyChart(points: readonly LatencyPoint[], stepMs: number, width = 720, height = 200): LatencyChart {
  const plot = { left: 56, top: 10, right: width - 12, bottom: height - 24 };
  const all = points.flatMap((p) => [p.p50, p.p95]).filter((v): v is number => v !== null);
  const max = niceCeil(all.length === 0 ? 1 : Math.max(...all));
  const n = points.length;
  const x = (i: number): number => plot.left + (n > 1 ? (i * (plot.right - plot.left)) / (n - 1) : (plot.right - plot.left) / 2);
  const y = (v: number): number => plot.bottom - (Math.min(v, max) / max) * (plot.bottom - plot.top);
  // An empty chart gets only its baseline: labels on a made-up scale read as data ("1 ms, 1 ms, 0 ms").
  const yTicks = (all.length === 0 ? [0] : [0, max / 2, max]).map((v): Tick => ({ at: round1(y(v)), label: all.length === 0 ? '' : axisMs(v), anchor: 'end' }));
  const xTicks = timeTicks(points, stepMs, x, plot);
  const p50 = polyline(
    points.map((p) => p.p50),
    x,
    y,
  );
  const p95 = polyline(
    points.map((p) => p.p95),
    x,
    y,
  );
  const p50s = points.map((p) => p.p50).filter((v): v is number => v !== null);
  const label =
    all.length === 0
      ? 'no latency data in this range'
      : `latency chart: median p50 ${formatMs(median(p50s))}, highest p95 ${formatMs(Math.max(...points.map((p) => p.p95 ?? 0)))}`;
  return { width, height, plot, p50, p95, yTicks, xTicks, empty: all.length === 0, label };
}

/** An axis label: formatMs rounds to whole milliseconds, which would print 0.5 as "1 ms" beside 1. */
export function axisMs(ms: number): string {
  return ms > 0 && ms < 10 && !Number.isInteger(ms) ? `${ms.toFixed(1)} ms` : formatMs(ms);
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface DayInput {
  readonly dayStart: number;
  readonly counts: StatusCounts | null;
  readonly incidents: number;
}

export interface DayBar {
  readonly date: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly level: UptimeLevel;
  readonly uptime: number | null;
  readonly rounds: number;
  readonly incidents: number;
  readonly title: string;
}

export interface DayBars {
  readonly width: number;
  readonly height: number;
  readonly bars: readonly DayBar[];
  readonly label: string;
}

const BAR_WIDTH = 6;
const BAR_GAP = 2;
const BAR_HEIGHT = 34;

/** One bar per day, oldest first; a day with incidents is never shown as fully fine. */
export function dailyBars(days: readonly DayInput[], policy: HealthPolicy): DayBars {
  const bars = days.map((day, i): DayBar => {
    const rounds = day.counts ? totalRounds(day.counts) : 0;
    const u = day.counts ? uptimeOf(day.counts, policy) : null;
    const uptime = u?.ratio ?? null;
    let level: UptimeLevel = u ? uptimeLevel(u) : 'none';
    if (level === 'ok' && day.incidents > 0) level = 'minor';
    const date = formatDay(day.dayStart);
    const parts = [date, u === null || uptime === null ? 'no data' : `${formatUptime(u)} uptime`];
    if (day.incidents > 0 || uptime !== null) parts.push(day.incidents === 0 ? 'no incidents' : plural(day.incidents, 'incident'));
    return { date, x: i * (BAR_WIDTH + BAR_GAP), y: 0, width: BAR_WIDTH, height: BAR_HEIGHT, level, uptime, rounds, incidents: day.incidents, title: parts.join(' · ') };
  });
  const measured = bars.filter((b) => b.uptime !== null).length;
  const label = `${plural(bars.length, 'day')} of uptime, ${measured} with data`;
  return { width: Math.max(0, bars.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP), height: BAR_HEIGHT, bars, label };
}
