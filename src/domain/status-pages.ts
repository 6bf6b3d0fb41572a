// Status pages an operator makes (issue 16): the closed list of an incident post's statuses and
// every size bound, defined once. The store, the API, the pages and (later) the forms take them
// from here, so a limit changes in one place and its error message follows.

/** What an operator says about an incident, in the order incidents usually go through them. */
export const INCIDENT_POST_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentPostStatus = (typeof INCIDENT_POST_STATUSES)[number];

export function isIncidentPostStatus(value: unknown): value is IncidentPostStatus {
  return typeof value === 'string' && (INCIDENT_POST_STATUSES as readonly string[]).includes(value);
}

export const INCIDENT_POST_STATUS_LABELS = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
} as const satisfies Record<IncidentPostStatus, string>;

/**
 * Lengths are in characters (code points). The logo bound keeps a page's one image small enough
 * to hold in a database row and serve from memory; 256 KiB is also the app's body limit.
 */
export const STATUS_PAGE_LIMITS = {
  slug: 64,
  title: 200,
  description: 2_000,
  footer: 1_000,
  /** RFC 1035: a name of at most 253 characters. */
  customDomain: 253,
  groups: 50,
  groupName: 100,
  /** Members of one page, all groups together: the page reads each member's facts. */
  members: 200,
  postTitle: 200,
  updateBody: 10_000,
  /** Updates of one post. */
  updates: 200,
  logoBytes: 256 * 1024,
  logoFileName: 100,
} as const;

/** The image types a logo may have, judged by the file's first bytes (sniffImage). */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export const LOGO_EXTENSIONS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' } as const satisfies Record<LogoType, string>;

export function isLogoType(value: unknown): value is LogoType {
  return typeof value === 'string' && (LOGO_TYPES as readonly string[]).includes(value);
}

export type SniffOutcome = { readonly ok: true; readonly type: LogoType } | { readonly ok: false; readonly message: string };

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean => prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/**
 * The logo's type from its magic bytes, never from the Content-Type the uploader claimed: a
 * browser told `image/png` still sniffs, and a file claimed to be one type may be another.
 * SVG is refused, not sanitised: an SVG is a document that can carry scripts and event handlers,
 * and served from our origin it would run with the page's authority.
 */
export function sniffImage(bytes: Uint8Array): SniffOutcome {
  if (bytes.length === 0) return { ok: false, message: 'the logo is empty' };
  if (bytes.length > STATUS_PAGE_LIMITS.logoBytes) return { ok: false, message: `the logo is ${bytes.length} bytes; the limit is ${STATUS_PAGE_LIMITS.logoBytes} bytes (256 KiB)` };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { ok: true, type: 'image/png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { ok: true, type: 'image/jpeg' };
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return { ok: true, type: 'image/gif' };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return { ok: true, type: 'image/webp' };
  if (looksLikeSvg(bytes)) return { ok: false, message: 'SVG logos are refused: an SVG can carry scripts; upload a PNG, JPEG, WebP or GIF' };
  return { ok: false, message: 'the logo is not a PNG, JPEG, WebP or GIF image (judged by its first bytes, not by its Content-Type)' };
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  // Text that is XML or mentions <svg early on; gzip (svgz) is refused as "not an image" anyway.
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 1024)).replace(/^\ufeff/, '').trimStart().toLowerCase();
  return head.startsWith('<?xml') || head.startsWith('<svg') || head.startsWith('<!doctype svg') || head.includes('<svg');
}

/**
 * A file name safe in a Content-Disposition header and on any file system: letters, digits, dot,
 * dash and underscore kept, everything else (quotes, newlines, slashes, non-ASCII) becomes "_",
 * and the extension is the sniffed type's, whatever the uploader named it.
 */
export function safeLogoFileName(claimed: string | null | undefined, type: LogoType): string {
  const extension = LOGO_EXTENSIONS[type];
  const stem = (claimed ?? '')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, STATUS_PAGE_LIMITS.logoFileName - extension.length - 1);
  return `${stem === '' ? 'logo' : stem}.${extension}`;
}
