const DAY_MS = 86_400_000;

/** Whole days until notAfter, rounded down; negative once expired (−1 means expired within the last day). */
export function daysLeft(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

export type Validity = 'valid' | 'expired' | 'not_yet_valid';

export function validityAt(notBefore: Date, notAfter: Date, now: Date): Validity {
  if (now.getTime() > notAfter.getTime()) return 'expired';
  if (now.getTime() < notBefore.getTime()) return 'not_yet_valid';
  return 'valid';
}

/** OpenSSL verify error codes that mean "we cannot build a chain to a root we trust". */
const UNTRUSTED_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_REJECTED',
]);

export function isUntrustedChainError(code: string): boolean {
  return UNTRUSTED_ERRORS.has(code);
}
