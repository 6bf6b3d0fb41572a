import type { Socket } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, rootCertificates, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { daysLeft, isUntrustedChainError, validityAt } from '../domain/certificate.ts';
import type { FailureCode, Failure } from '../domain/failure-codes.ts';
import type { CertificateFacts } from '../domain/probe-result.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';

/**
 * One SecureContext shared by every probe with the same trust store: building one per
 * connection costs ~25 % of a handshake's CPU.
 */
export function createTrustContext(extraCaPem?: string): SecureContext {
  const ca = extraCaPem ? [...rootCertificates, extraCaPem] : [...rootCertificates];
  return createSecureContext({ ca });
}

export interface TlsOptions {
  readonly hostname: string;
  /** Whether hostname is an IP literal: no SNI then (RFC 6066 forbids it), but the IP SAN is checked. */
  readonly isIpLiteral: boolean;
  readonly context: SecureContext;
  readonly timeoutMs: number;
  readonly now: Date;
}

export type TlsOutcome =
  | { ok: true; socket: TLSSocket; certificate: CertificateFacts }
  | ({ ok: false; certificate: CertificateFacts | null } & Failure);

function nameOf(entity: Record<string, string | string[] | undefined> | undefined): string {
  if (!entity) return '';
  return Object.entries(entity)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : (v ?? '')}`)
    .join(', ');
}

function sansOf(cert: PeerCertificate): string[] {
  return (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.length > 0);
}

function earliestNotAfter(cert: PeerCertificate): Date {
  let earliest = new Date(cert.valid_to);
  const seen = new Set<string>([cert.fingerprint256]);
  let next = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  while (next && !seen.has(next.fingerprint256)) {
    seen.add(next.fingerprint256);
    const notAfter = new Date(next.valid_to);
    if (notAfter < earliest) earliest = notAfter;
    next = (next as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return earliest;
}

function authorizationCode(socket: TLSSocket): string | null {
  const err = socket.authorizationError as unknown;
  if (err === null || err === undefined) return null;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : 'unknown verification error';
}

export function certificateFacts(socket: TLSSocket, options: Pick<TlsOptions, 'hostname' | 'now'>): CertificateFacts | null {
  const cert = socket.getPeerCertificate(true);
  if (!cert || Object.keys(cert).length === 0) return null;
  const notBefore = new Date(cert.valid_from);
  const notAfter = new Date(cert.valid_to);
  const chainError = authorizationCode(socket);
  return {
    subject: nameOf(cert.subject),
    issuer: nameOf(cert.issuer),
    sans: sansOf(cert),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    earliestNotAfter: earliestNotAfter(cert).toISOString(),
    daysLeft: daysLeft(notAfter, options.now),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    chainValid: chainError === null,
    chainError,
    hostnameValid: checkServerIdentity(options.hostname, cert) === undefined,
  };
}

/**
 * Decides the verdict on a certificate, most actionable first: a date problem is what the
 * operator must fix even when the chain is also wrong, then trust, then the name.
 */
export function judgeCertificate(facts: CertificateFacts, now: Date): Failure | undefined {
  const validity = validityAt(new Date(facts.notBefore), new Date(facts.notAfter), now);
  if (validity === 'expired' || facts.chainError === 'CERT_HAS_EXPIRED') {
    return { code: 'TLS_CERT_EXPIRED', detail: `certificate expired on ${facts.notAfter} (${-facts.daysLeft} day(s) ago)` };
  }
  if (validity === 'not_yet_valid' || facts.chainError === 'CERT_NOT_YET_VALID') {
    return { code: 'TLS_CERT_NOT_YET_VALID', detail: `certificate is not valid before ${facts.notBefore}` };
  }
  if (facts.chainError !== null) {
    const code: FailureCode = 'TLS_UNTRUSTED';
    const why = isUntrustedChainError(facts.chainError) ? 'no trusted chain' : 'chain verification failed';
    return { code, detail: `certificate not trusted (${why}: ${facts.chainError}); issuer ${facts.issuer}` };
  }
  if (!facts.hostnameValid) {
    return { code: 'TLS_HOSTNAME_MISMATCH', detail: `certificate does not cover this host name (SANs: ${facts.sans.join(', ') || 'none'})` };
  }
  return undefined;
}

/**
 * TLS on an open socket. Verification is done by hand (rejectUnauthorized: false) so that a bad
 * certificate still yields its facts: days left and issuer matter most when it is broken.
 */
export async function startTls(socket: Socket, options: TlsOptions, deadline: Deadline): Promise<TlsOutcome> {
  let tlsSocket: TLSSocket | undefined;
  try {
    tlsSocket = await deadline.wait(options.timeoutMs, 'TLS_TIMEOUT', (signal) => {
      return new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({
          socket,
          ...(options.isIpLiteral ? {} : { servername: options.hostname }),
          secureContext: options.context,
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        });
        tlsSocket = s;
        signal.addEventListener('abort', () => s.destroy(), { once: true });
        s.once('secureConnect', () => {
          s.removeListener('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    });
  } catch (err) {
    tlsSocket?.destroy();
    socket.destroy();
    return { ok: false, certificate: null, ...classifyError(err, 'tls') };
  }
  const certificate = certificateFacts(tlsSocket, options);
  if (certificate === null) {
    tlsSocket.destroy();
    return { ok: false, certificate: null, code: 'TLS_HANDSHAKE_FAILED', detail: 'the server presented no certificate' };
  }
  const verdict = judgeCertificate(certificate, options.now);
  if (verdict) {
    tlsSocket.destroy();
    return { ok: false, certificate, ...verdict };
  }
  return { ok: true, socket: tlsSocket, certificate };
}
