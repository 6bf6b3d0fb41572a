// How numbers and times read on the pages. Pure; the JSON twins carry the raw values instead.
import type { Era } from '../../domain/probe-result.ts';

const MINUTE_S = 60;
const HOUR_S = 3_600;
const DAY_S = 86_400;

export const DASH = '—';

export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A length of time in the two largest units: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < MINUTE_S) return `${s} s`;
  if (s < HOUR_S) return `${Math.floor(s / MINUTE_S)} min`;
  if (s < DAY_S) {
    const h = Math.floor(s / HOUR_S);
    const m = Math.floor((s % HOUR_S) / MINUTE_S);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(s / DAY_S);
  const h = Math.floor((s % DAY_S) / HOUR_S);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** "2026-03-01 21:47 UTC": absolute, so a cached page stays true. */
export function formatUtc(at: string | number): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return DASH;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "2026-03-01" (UTC day). */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatRelative(atMs: number, nowMs: number): string {
  const s = Math.round((nowMs - atMs) / 1000);
  if (s < 5) return 'just now';
  return `${formatDuration(s).split(' ').slice(0, 2).join(' ')} ago`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "17:50:03 UTC": when a live view was last refreshed. */
export function formatClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

export const ERA_LABELS = {
  modern: 'Modern HTTP',
  streamable: 'Streamable HTTP',
  sse: 'HTTP+SSE (legacy)',
} as const satisfies Record<Era, string>;

export function eraLabel(era: Era | null): string {
  return era === null ? DASH : ERA_LABELS[era];
}
