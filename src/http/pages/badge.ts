// Shields-style flat badges, built as text: every string goes through escapeXml, and widths come
// from a per-character table for 11 px Verdana (the font shields.io lays out with), so the badge
// needs no font metrics at runtime.
import type { GradeLetter } from '../../domain/grade.ts';
import type { UptimeLevel } from './uptime.ts';
import type { DisplayStatus } from './status-display.ts';

export interface BadgeSpec {
  readonly label: string;
  readonly message: string;
  readonly color: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text for XML content and attributes; characters XML 1.0 forbids are dropped. */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export const COLORS = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  blue: '#007ec6',
  grey: '#9f9f9f',
} as const;
export type BadgeColor = keyof typeof COLORS;

export const STATUS_BADGE = {
  up: { message: 'up', color: 'brightgreen' },
  degraded: { message: 'degraded', color: 'yellow' },
  auth_required: { message: 'auth required', color: 'blue' },
  down: { message: 'down', color: 'red' },
  unknown: { message: 'pending', color: 'grey' },
  paused: { message: 'paused', color: 'grey' },
  archived: { message: 'archived', color: 'grey' },
} as const satisfies Record<DisplayStatus, { message: string; color: BadgeColor }>;

/** Grade letters (domain/grade.ts) to colours; `pending` while there is no score. */
export const GRADE_BADGE_COLOR = {
  A: 'brightgreen',
  B: 'green',
  C: 'yellow',
  D: 'orange',
  E: 'orange',
  F: 'red',
  pending: 'grey',
} as const satisfies Record<GradeLetter | 'pending', BadgeColor>;

export const UPTIME_BADGE_COLOR = {
  ok: 'brightgreen',
  minor: 'green',
  major: 'yellow',
  bad: 'red',
  none: 'grey',
} as const satisfies Record<UptimeLevel, BadgeColor>;

// Approximate advance widths of Verdana at 11 px for printable ASCII, to 0.1 px; anything else
// counts as a wide character. Close is enough: the text is centred in its box.
const ASCII_WIDTHS: readonly number[] = [
  3.9, 4.7, 5.5, 9.1, 7.0, 12.3, 8.0, 3.2, 5.0, 5.0, 7.0, 9.1, 4.0, 5.0, 4.0, 5.0, // space..'/'
  7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 9.1, 9.1, 9.1, 6.0, // '0'..'?'
  11.0, 7.5, 7.5, 7.7, 8.5, 7.0, 6.3, 8.5, 8.3, 4.6, 5.0, 7.6, 6.1, 9.2, 8.3, 8.7, // '@'..'O'
  6.6, 8.7, 7.7, 7.5, 6.8, 8.1, 7.5, 10.9, 7.5, 6.8, 7.5, 5.0, 5.0, 5.0, 9.1, 7.0, // 'P'..'_'
  7.0, 6.6, 6.8, 5.7, 6.8, 6.6, 3.9, 6.8, 7.0, 3.0, 3.8, 6.5, 3.0, 10.7, 7.0, 6.7, // '`'..'o'
  6.8, 6.8, 4.7, 5.7, 4.3, 7.0, 6.5, 9.0, 6.5, 6.5, 5.8, 7.0, 5.0, 7.0, 9.1, // 'p'..'~'
];

export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    width += code >= 32 && code < 127 ? ASCII_WIDTHS[code - 32]! : 11;
  }
  return width;
}

const MAX_TEXT = 64;

function clip(text: string): string {
  const chars = [...text];
  return chars.length > MAX_TEXT ? `${chars.slice(0, MAX_TEXT - 1).join('')}…` : text;
}

export function badgeSvg(spec: BadgeSpec): string {
  const label = clip(spec.label);
  const message = clip(spec.message);
  const color = Object.hasOwn(COLORS, spec.color) ? COLORS[spec.color as BadgeColor] : COLORS.grey;
  const lw = Math.round(textWidth(label) + 10);
  const mw = Math.round(textWidth(message) + 10);
  const w = lw + mw;
  const title = escapeXml(`${label}: ${message}`);
  const l = escapeXml(label);
  const m = escapeXml(message);
  // Text is drawn at 10x and scaled down, as shields does, for crisper hinting.
  const lx = (lw / 2) * 10;
  const mx = (lw + mw / 2) * 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g>`,
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">',
    `<text aria-hidden="true" x="${lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">${l}</text>`,
    `<text x="${lx}" y="140" transform="scale(.1)">${l}</text>`,
    `<text aria-hidden="true" x="${mx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">${m}</text>`,
    `<text x="${mx}" y="140" transform="scale(.1)">${m}</text>`,
    '</g></svg>',
  ].join('');
}

/** https://shields.io/badges/endpoint-badge: the color is a shields name, so it works there too. */
export function shieldsJson(spec: BadgeSpec): { schemaVersion: 1; label: string; message: string; color: string } {
  return { schemaVersion: 1, label: clip(spec.label), message: clip(spec.message), color: spec.color };
}
