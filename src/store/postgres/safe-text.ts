// Text and JSON as PostgreSQL will take them. Strings we store come partly from the outside (a
// receiver's error page, a server's failure detail), and PostgreSQL refuses two things JavaScript
// strings can hold: NUL (in text and in jsonb) and, in jsonb, a lone UTF-16 surrogate. Refusing
// the write would be worse than the loss: a refused outbox commit stops alerting for good (the
// same events are read again and refused again). Both become U+FFFD, as a decoder would show them.

const NUL = /\0/g;

/** `text` without NUL characters. */
export function textForPostgres(text: string): string {
  return text.replace(NUL, '\ufffd');
}

// In JSON.stringify's output a NUL is always the escape \u0000 and a lone surrogate always an
// escape \udXXX (a valid pair is written as the characters themselves); an escaped backslash
// (\\) is consumed first so that "\\u0000" (a backslash, then "u0000") stays as it is.
const UNSTORABLE_ESCAPE = /\\(\\|u0000|ud[89a-f][0-9a-f]{2})/gi;

/** JSON text for a jsonb parameter. */
export function jsonForPostgres(value: unknown): string {
  return jsonTextForPostgres(JSON.stringify(value));
}

/**
 * JSON text already written (by JSON.stringify, e.g. a column of SQLite's) for a json or jsonb
 * parameter, its key order untouched (json keeps it; re-serialising would move integer-like keys).
 */
export function jsonTextForPostgres(text: string): string {
  return textForPostgres(text).replace(UNSTORABLE_ESCAPE, (escape: string, what: string) => (what === '\\' ? escape : '\\ufffd'));
}
