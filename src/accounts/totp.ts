// TOTP second factor (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits — what
// every authenticator app defaults to. A code is accepted one step either side of now (clock drift),
// and the step last accepted is remembered by the caller so a code cannot be replayed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOTP_STEP_S = 30;
export const TOTP_DIGITS = 6;
/** 20 bytes: RFC 4226's recommended secret length for SHA-1. */
const SECRET_BYTES = 20;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 (case, spaces and padding ignored); undefined when a character is not base32. */
export function base32Decode(text: string): Buffer | undefined {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index === -1) return undefined;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** The HOTP value for counter `step` (RFC 4226 §5.3 dynamic truncation). */
export function hotp(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, '0');
}

export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_S);
}

export function totpCode(secretBase32: string, nowMs: number): string {
  const secret = base32Decode(secretBase32);
  if (!secret) throw new TypeError('the TOTP secret is not base32');
  return hotp(secret, totpStep(nowMs));
}

/**
 * The step `code` matches (now, one before or one after), or undefined. Steps at or before
 * `lastUsedStep` are refused: a code seen once (shoulder-surfed, replayed) does not work again.
 */
export function verifyTotp(secretBase32: string, code: string, nowMs: number, lastUsedStep: number | null = null): number | undefined {
  const secret = base32Decode(secretBase32);
  const typed = code.replace(/\s/g, '');
  if (!secret || !/^\d{6}$/.test(typed)) return undefined;
  const now = totpStep(nowMs);
  let matched: number | undefined;
  for (const step of [now - 1, now, now + 1]) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    // Every candidate is compared (no early return), in constant time.
    if (timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(typed)) && matched === undefined) matched = step;
  }
  return matched;
}

/** The otpauth:// URI authenticator apps import (Key Uri Format); shown as text, no QR code needed. */
export function otpauthUri(issuer: string, account: string, secretBase32: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_STEP_S}`;
}
