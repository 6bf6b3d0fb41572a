// API bearer tokens: `mcpw_` + 32 random bytes in base64url. The prefix makes a leaked token easy
// to recognise (secret scanners, logs); the database keeps only its SHA-256.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'mcpw_';
const TOKEN_BYTES = 32;
/** 32 bytes are 43 base64url characters (no padding). */
export const TOKEN_PATTERN = /^mcpw_[A-Za-z0-9_-]{43}$/;
export const TOKEN_NAME_MAX_LENGTH = 100;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** SHA-256, lowercase hex: what api_tokens.hash holds. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isTokenFormat(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** Two hex digests compared in constant time (length differences return false at once: lengths are public). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The token from an `Authorization: Bearer …` header: `absent` when there is no header, `malformed`
 * when there is one that is not a bearer credential of our format.
 */
export function bearerFromHeader(header: string | undefined): { kind: 'absent' } | { kind: 'malformed' } | { kind: 'token'; token: string } {
  if (header === undefined || header === '') return { kind: 'absent' };
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match || !isTokenFormat(match[1]!)) return { kind: 'malformed' };
  return { kind: 'token', token: match[1]! };
}

/** A token name as people type it: trimmed, 1–100 characters, no control characters. */
export function checkTokenName(name: string): { ok: true; name: string } | { ok: false; message: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { ok: false, message: 'the token name must not be empty' };
  if ([...trimmed].length > TOKEN_NAME_MAX_LENGTH) return { ok: false, message: `the token name must be at most ${TOKEN_NAME_MAX_LENGTH} characters` };
  if (/\p{Cc}/u.test(trimmed)) return { ok: false, message: 'the token name must not contain control characters' };
  return { ok: true, name: trimmed };
}
