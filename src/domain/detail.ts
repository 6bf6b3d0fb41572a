// Text that came (in part) from a server, made safe to store, log, print and render: one line of
// printable, well-formed text of bounded length. Applied once, where a ProbeResult is made.

/** Long enough for a code's explanation plus a snippet of the reply; a stored row stays small. */
export const MAX_DETAIL_CHARS = 500;

// Control (Cc), format (Cf: bidi overrides, zero-width), unassigned, private-use and lone
// surrogates (Cs: what JSON's "\ud800" produces, and not encodable as UTF-8), plus the line and
// paragraph separators. With the `u` flag a well-formed surrogate pair is one code point, not Cs.
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]+/gu;

/** One printable, well-formed line of at most `max` characters (an ellipsis marks a cut). */
export function sanitizeText(text: string, max: number): string {
  // Only the start can survive the cut: a detail joined from a server's 100,000-entry list is not
  // scanned whole. (A pair split here becomes a lone surrogate, which the next line removes.)
  const flat = text.slice(0, max * 4).replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').replace(/\uFFFD{2,}/g, '\uFFFD').trim();
  if (flat.length <= max) return flat;
  // Cut on a code point boundary: half a surrogate pair is not valid UTF-8.
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(flat.charAt(cut - 1))) cut -= 1;
  return `${flat.slice(0, cut)}…`;
}

export function sanitizeDetail(text: string): string {
  return sanitizeText(text, MAX_DETAIL_CHARS);
}

/**
 * A body that is not text (compressed, binary) decodes to a few printable characters among many
 * replacement characters and controls: echoing it tells a person nothing. Judged on the start of
 * the decoded text, which is what a snippet would show.
 */
export function looksBinary(text: string): boolean {
  const sample = text.slice(0, 512);
  let odd = 0;
  let total = 0;
  // Code points compared by number: a regular expression per character (\p{Cc}) took 8-10 µs for
  // a 364-character reply, now 1.2 µs; every reply is judged. Cc is U+0000–U+001F, U+007F–U+009F.
  for (let i = 0; i < sample.length; i++) {
    const code = sample.codePointAt(i)!;
    if (code > 0xffff) i++;
    total += 1;
    if (code === 0x0a || code === 0x0d || code === 0x09) continue;
    if (code === 0xfffd || code <= 0x1f || (code >= 0x7f && code <= 0x9f)) odd += 1;
  }
  return odd > total / 20;
}
