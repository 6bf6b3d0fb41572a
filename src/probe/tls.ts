import type { Socket } from 'node:net';
import type { X509Certificate } from 'node:crypto';
import { connect, createSecureContext, rootCertificates, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { daysLeft, isUntrustedChainError, validityAt } from '../domain/certificate.ts';
import type { FailureCode, Failure } from '../domain/failure-codes.ts';
import type { CertificateFacts } from '../domain/probe-result.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';
import type { SessionEntry, TlsSessionCache } from './tls-session-cache.ts';
import { withoutPeerCertificate } from './tls-session-der.ts';

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
  /** The endpoint's port: with the host name and SNI, what a session is kept under. */
  readonly port: number;
  readonly context: SecureContext;
  readonly timeoutMs: number;
  readonly now: Date;
  /** Where this endpoint's sessions are kept; null or absent: every handshake is a full one. */
  readonly sessions?: TlsSessionCache | null;
}

export type TlsOutcome =
  | { ok: true; socket: TLSSocket; certificate: CertificateFacts }
  | ({ ok: false; certificate: CertificateFacts | null } & Failure);

/** X509Certificate names are newline-separated "K=V" lines. */
function flatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

function authorizationCode(socket: TLSSocket): string | null {
  const err = socket.authorizationError as unknown;
  if (err === null || err === undefined) return null;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : 'unknown verification error';
}

/**
 * The soonest expiry in the chain, walked on X509Certificate.issuerCertificate (~1 µs): the same
 * chain getPeerCertificate(true) builds as plain objects for ~0.2–0.4 ms.
 */
function earliestNotAfter(leaf: X509Certificate): Date {
  let earliest = new Date(leaf.validTo);
  const seen = new Set<string>();
  for (let cert: X509Certificate | undefined = leaf.issuerCertificate; cert && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    const notAfter = new Date(cert.validTo);
    if (notAfter < earliest) earliest = notAfter;
  }
  return earliest;
}

function hostnameMatches(leaf: X509Certificate, hostname: string, isIpLiteral: boolean): boolean {
  return isIpLiteral ? leaf.checkIP(hostname) !== undefined : leaf.checkHost(hostname, { subject: 'default' }) !== undefined;
}

export function certificateFacts(socket: TLSSocket, options: Pick<TlsOptions, 'hostname' | 'isIpLiteral' | 'now'>): CertificateFacts | null {
  const leaf = socket.getPeerX509Certificate();
  if (!leaf) return null;
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  // OpenSSL's chain verdict; the name is judged separately below (Node's own check is switched
  // off in startTls, and its code is filtered in case a caller left it on).
  const verifyError = authorizationCode(socket);
  const chainError = verifyError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? null : verifyError;
  return {
    subject: flatName(leaf.subject),
    issuer: flatName(leaf.issuer),
    sans: (leaf.subjectAltName ?? '').split(', ').filter((s) => s.length > 0),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    earliestNotAfter: earliestNotAfter(leaf).toISOString(),
    daysLeft: daysLeft(notAfter, options.now),
    fingerprint256: leaf.fingerprint256,
    serialNumber: leaf.serialNumber,
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    chainValid: chainError === null,
    chainError,
    hostnameValid: hostnameMatches(leaf, options.hostname, options.isIpLiteral),
    observedAt: options.now.toISOString(),
    resumed: false,
  };
}

/** The facts of the full handshake a resumed session descends from, with this connection's own parts. */
function resumedFacts(socket: TLSSocket, facts: CertificateFacts, now: Date): CertificateFacts {
  return {
    ...facts,
    daysLeft: daysLeft(new Date(facts.notAfter), now),
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    resumed: true,
  };
}

export function sessionKey(options: Pick<TlsOptions, 'hostname' | 'isIpLiteral' | 'port'>): string {
  return `${options.hostname}:${options.port}|${options.isIpLiteral ? '' : options.hostname}`;
}

/**
 * Decides the verdict on a certificate, most actionable first: a date problem is what the
 * operator must fix even when the chain is also wrong, then trust, then the name.
 */
export function judgeCertificate(facts: CertificateFacts, now: Date): Failure | undefined {
  const validity = validityAt(new Date(facts.notBefore), new Date(facts.notAfter), now);
  if (validity === 'expired' || facts.chainError === 'CERT_HAS_EXPIRED') {
    const ago = Math.floor((now.getTime() - new Date(facts.notAfter).getTime()) / 86_400_000);
    return { code: 'TLS_CERT_EXPIRED', detail: `certificate expired on ${facts.notAfter} (${ago < 1 ? 'less than a day' : `${ago} day${ago === 1 ? '' : 's'}`} ago)` };
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
 *
 * With a session cache, the handshake offers the endpoint's last session. Only sessions born of
 * a handshake that passed every check are kept, so a resumed one inherits that verdict; its
 * dates are judged again against now, so expiry is still caught between full handshakes.
 */
export async function startTls(socket: Socket, options: TlsOptions, deadline: Deadline): Promise<TlsOutcome> {
  const cache = options.sessions ?? null;
  const key = cache ? sessionKey(options) : '';
  const offered = cache?.resumable(key);
  const sessions = cache ? new SessionCatcher() : null;
  let tlsSocket: TLSSocket | undefined;
  try {
    // No abort listener: a wait that ends early rejects, and the catch below destroys both sockets.
    tlsSocket = await deadline.wait(options.timeoutMs, 'TLS_TIMEOUT', () => {
      return new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({
          socket,
          ...(options.isIpLiteral ? {} : { servername: options.hostname }),
          secureContext: options.context,
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
          ...(offered ? { session: offered.session } : {}),
          // The host name is judged on the X509Certificate (certificateFacts), not by Node.
          checkServerIdentity: skipIdentityCheck,
        });
        tlsSocket = s;
        skipChainWalk(s);
        sessions?.listen(s);
        s.once('secureConnect', () => {
          restoreChainWalk(s);
          s.removeListener('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    });
  } catch (err) {
    tlsSocket?.destroy();
    socket.destroy();
    // A failed handshake that offered a session may have failed because of it: start afresh.
    if (cache) cache.forget(key);
    return { ok: false, certificate: null, ...classifyError(err, 'tls') };
  }
  if (offered && tlsSocket.isSessionReused()) {
    const certificate = resumedFacts(tlsSocket, offered.facts, options.now);
    const verdict = judgeCertificate(certificate, options.now);
    if (verdict) {
      cache!.forget(key);
      tlsSocket.destroy();
      return { ok: false, certificate, ...verdict };
    }
    sessions?.keepIn(offered);
    return { ok: true, socket: tlsSocket, certificate };
  }
  const certificate = certificateFacts(tlsSocket, options);
  if (certificate === null) {
    if (cache) cache.forget(key);
    tlsSocket.destroy();
    return { ok: false, certificate: null, code: 'TLS_HANDSHAKE_FAILED', detail: 'the server presented no certificate' };
  }
  const verdict = judgeCertificate(certificate, options.now);
  if (verdict) {
    if (cache) cache.forget(key);
    tlsSocket.destroy();
    return { ok: false, certificate, ...verdict };
  }
  if (cache) sessions?.keepIn(cache.rememberFull(key, certificate));
  return { ok: true, socket: tlsSocket, certificate };
}

function skipIdentityCheck(): undefined {
  return undefined;
}

const NO_CHAIN = Object.freeze({}) as PeerCertificate;

/**
 * Node's client handshake (onConnectSecure) calls getPeerCertificate(true) on every full
 * handshake, only to hand the chain as plain objects to checkServerIdentity, which we replace: that
 * one call was 13 % of a probe's CPU (~0.2–0.4 ms each). Until secureConnect, the socket answers it
 * with an empty object; nothing else calls it before then.
 */
function skipChainWalk(socket: TLSSocket): void {
  Object.defineProperty(socket, 'getPeerCertificate', { value: () => NO_CHAIN, configurable: true, writable: true });
}

function restoreChainWalk(socket: TLSSocket): void {
  delete (socket as { getPeerCertificate?: unknown }).getPeerCertificate;
}

/**
 * Catches the sessions a server hands out from the start of the handshake: TLS 1.2 sends its
 * ticket before the handshake ends, TLS 1.3 after it, with the first reply; each replaces the
 * last. They are kept only once the handshake has passed every check, and without the server's
 * certificate, which made each resumption cost twice the CPU (tls-session-der.ts).
 */
class SessionCatcher {
  #latest: Buffer | null = null;
  #entry: SessionEntry | null = null;

  listen(socket: TLSSocket): void {
    socket.on('session', (issued: Buffer) => {
      const session = withoutPeerCertificate(issued);
      this.#latest = session;
      if (this.#entry) this.#entry.session = session;
    });
  }

  keepIn(entry: SessionEntry): void {
    this.#entry = entry;
    if (this.#latest) entry.session = this.#latest;
  }
}
