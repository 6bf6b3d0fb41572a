// The TLS sessions the probe keeps, made cheap to resume. A session as Node hands it out is
// OpenSSL's DER encoding of SSL_SESSION (ssl/ssl_asn1.c): a SEQUENCE of fields, one of them the
// server's leaf certificate ([3] EXPLICIT, optional). Every resumption decodes the session twice
// (tls.connect passes it to the TLSSocket constructor, then calls setSession again), and each
// decode parses that certificate through OpenSSL 3's slow key decoders: measured on loopback
// (P-256 leaf, Node 20.20, OpenSSL 3.0.19), a resumed client connection cost 0.91–1.25 ms of CPU
// with the certificate in the session and 0.46–0.68 ms without it.
//
// Nothing needs the certificate on a resumed connection: the probe's facts come from the full
// handshake the session descends from (tls-session-cache.ts), Node skips its identity check on a
// reused session, and OpenSSL reports a TLS 1.3 resumption without a peer certificate as
// verified. So the field is dropped before a session is kept (also ~400 B less per endpoint).

const SEQUENCE = 0x30;
/** [3] EXPLICIT, constructed: the `peer` field of SSL_SESSION_ASN1. */
const PEER_CERTIFICATE = 0xa3;

interface Tlv {
  readonly tag: number;
  /** Offset of the contents. */
  readonly start: number;
  /** Offset just past the contents. */
  readonly end: number;
}

/** One DER element at `offset` with a single-byte tag, or null when it is not well formed within `limit`. */
function readTlv(der: Uint8Array, offset: number, limit: number): Tlv | null {
  if (offset + 2 > limit) return null;
  const tag = der[offset]!;
  // A multi-byte tag (low bits all set) never occurs in SSL_SESSION; refuse rather than guess.
  if ((tag & 0x1f) === 0x1f) return null;
  const first = der[offset + 1]!;
  let start = offset + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    // Indefinite lengths are not DER; four length bytes already exceed any session.
    if (count === 0 || count > 4 || start + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? null : { tag, start, end };
}

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/**
 * The session without the server's certificate; the session itself when it carries none, or when
 * it is not the DER this expects (then it is kept as it came: slower to resume, never wrong).
 */
export function withoutPeerCertificate(session: Buffer): Buffer {
  const outer = readTlv(session, 0, session.length);
  if (outer === null || outer.tag !== SEQUENCE || outer.end !== session.length) return session;
  let peer: Tlv | null = null;
  for (let offset = outer.start; offset < outer.end; ) {
    const field = readTlv(session, offset, outer.end);
    if (field === null) return session;
    if (field.tag === PEER_CERTIFICATE) peer = { tag: field.tag, start: offset, end: field.end };
    offset = field.end;
  }
  if (peer === null) return session;
  const before = session.subarray(outer.start, peer.start);
  const after = session.subarray(peer.end, outer.end);
  const head = Buffer.from([SEQUENCE, ...derLength(before.length + after.length)]);
  return Buffer.concat([head, before, after]);
}
