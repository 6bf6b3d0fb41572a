// The Prometheus text exposition format (version 0.0.4), the few pieces the hand-rendered block
// needs. Pure string functions; the per-endpoint block calls them ~200k times per scrape at 10k
// endpoints, so the common case (nothing to escape) returns its input untouched.

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'summary' | 'histogram' | 'untyped';

/** One metric family of a hand-rendered block. */
export interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
}

/** `# HELP` and `# TYPE` lines of one family, each ending in a newline. */
export function familyHeader(name: string, type: MetricType, help: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** HELP text escapes only backslash and newline. */
export function escapeHelp(text: string): string {
  return /[\\\n]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
}

// Other control characters are legal inside a quoted label value but make lines that tools and
// people misread (a bare CR rewinds a terminal line), so they are replaced rather than escaped.
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[\\"\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;

/** A label value as it goes between the quotes: `\`, `"` and newline escaped, other controls replaced. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(CONTROL, '\uFFFD');
}

/** Longest label value taken from a remote server (server name, version, protocol version), in characters. */
export const MAX_REMOTE_LABEL_CHARS = 128;

/**
 * A server-supplied string made safe as a label value: cut to `maxChars` code points (never
 * splitting a surrogate pair; a cut value ends in "…"), then escaped. Cutting before escaping keeps
 * an escape sequence from being cut in half.
 */
export function remoteLabelValue(value: string, maxChars = MAX_REMOTE_LABEL_CHARS): string {
  let text = value;
  if (text.length > maxChars) {
    const points = Array.from(text);
    if (points.length > maxChars) text = `${points.slice(0, maxChars - 1).join('')}…`;
  }
  return escapeLabelValue(text);
}

/** A sample value: Go's float syntax, with Prometheus' spellings of the non-finite values. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** A metric or sample name (the exposition format's). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

// Sample names a summary or histogram family writes besides its own name.
const SAMPLE_SUFFIXES = ['_sum', '_count', '_bucket'] as const;

/**
 * Whether a family is asked for by `names` (a `name[]` selection): by its own name, or by one of
 * its samples' names (`x_count` selects the summary `x`), as client_python's `name[]` selects samples.
 */
export function familySelected(family: string, names: ReadonlySet<string>): boolean {
  return names.has(family) || SAMPLE_SUFFIXES.some((suffix) => names.has(family + suffix));
}

/**
 * The families of an exposition that `names` selects, whole (HELP, TYPE and every sample). A
 * sample belongs to the family of the HELP or TYPE line before it, as every renderer here writes them.
 */
export function selectFamilies(text: string, names: ReadonlySet<string>): string {
  let keep = false;
  let family = '';
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const name = line.slice(7, line.indexOf(' ', 7) >>> 0);
      if (name !== family) {
        family = name;
        keep = familySelected(name, names);
      }
    }
    if (keep) out.push(line);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
