// The one place that reads Node, undici and OpenSSL error codes and turns them into our closed
// set. Everything else in the probe deals in FailureCode only.
import type { Failure, FailureCode } from '../domain/failure-codes.ts';
import { WaitTimeout } from './deadline.ts';

export type Stage = 'dns' | 'connect' | 'tls' | 'http' | 'body';

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

const DNS_CODES: Record<string, FailureCode> = {
  ENOTFOUND: 'DNS_NXDOMAIN',
  ENODATA: 'DNS_NO_RECORDS',
  ETIMEOUT: 'DNS_TIMEOUT',
  ESERVFAIL: 'DNS_SERVFAIL',
  EREFUSED: 'DNS_SERVFAIL',
  // c-ares's "could not contact DNS servers": every server refused (ICMP port unreachable) or had
  // no route. It comes back at once; calling it a timeout sends people after a slow server.
  ECONNREFUSED: 'DNS_UNREACHABLE',
  EBADRESP: 'DNS_SERVFAIL',
  EFORMERR: 'DNS_SERVFAIL',
  ENOTIMP: 'DNS_SERVFAIL',
  EBADNAME: 'URL_INVALID',
  ECANCELLED: 'DNS_TIMEOUT',
  EAI_AGAIN: 'DNS_TIMEOUT',
  EAI_NONAME: 'DNS_NXDOMAIN',
  EAI_NODATA: 'DNS_NO_RECORDS',
};

const SOCKET_CODES: Record<string, FailureCode> = {
  ECONNREFUSED: 'TCP_REFUSED',
  ETIMEDOUT: 'TCP_TIMEOUT',
  EHOSTUNREACH: 'TCP_UNREACHABLE',
  ENETUNREACH: 'TCP_UNREACHABLE',
  EHOSTDOWN: 'TCP_UNREACHABLE',
  ENETDOWN: 'TCP_UNREACHABLE',
  EADDRNOTAVAIL: 'TCP_UNREACHABLE',
  EACCES: 'TCP_UNREACHABLE',
  EPERM: 'TCP_UNREACHABLE',
  ECONNRESET: 'CONN_RESET',
  EPIPE: 'CONN_RESET',
  ECONNABORTED: 'CONN_RESET',
  UND_ERR_SOCKET: 'CONN_RESET',
  UND_ERR_CLOSED: 'CONN_RESET',
  UND_ERR_CONNECT_TIMEOUT: 'TCP_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'HTTP_TTFB_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'BODY_TIMEOUT',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'BODY_TOO_LARGE',
  UND_ERR_HEADERS_OVERFLOW: 'BODY_TOO_LARGE',
  HPE_HEADER_OVERFLOW: 'BODY_TOO_LARGE',
};

/** Maps a thrown error at a given stage to a failure with a readable detail. */
export function classifyError(err: unknown, stage: Stage): Failure {
  if (err instanceof WaitTimeout) return { code: err.code, detail: timeoutDetail(err, stage) };
  const code = errorCode(err);
  const message = errorMessage(err);
  if (stage === 'dns') {
    const mapped: FailureCode = (code !== undefined ? DNS_CODES[code] : undefined) ?? 'DNS_SERVFAIL';
    if (mapped === 'DNS_UNREACHABLE') return { code: mapped, detail: `DNS: no DNS server could be reached (${message})` };
    return { code: mapped, detail: `DNS: ${message}` };
  }
  // A peer that hangs up mid-handshake is refusing TLS (unknown SNI, no shared cipher), not a flaky network.
  if (stage === 'tls' && (code === 'ECONNRESET' || code === 'EPIPE' || /before secure TLS connection/.test(message))) {
    return { code: 'TLS_HANDSHAKE_FAILED', detail: `TLS handshake failed: ${message}` };
  }
  if (code && SOCKET_CODES[code]) {
    return { code: SOCKET_CODES[code], detail: `${stageLabel(stage)}: ${socketMessage(message, code)}` };
  }
  if (stage === 'tls' || (code !== undefined && (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS')))) {
    return { code: 'TLS_HANDSHAKE_FAILED', detail: `TLS handshake failed: ${message}` };
  }
  if (code === 'HPE_INVALID_CONSTANT' || code?.startsWith('HPE_')) {
    return { code: 'NOT_MCP', detail: `${stageLabel(stage)}: the reply is not valid HTTP (${message})` };
  }
  if (stage === 'connect') return { code: 'TCP_UNREACHABLE', detail: `connect: ${code !== undefined ? socketMessage(message, code) : message}` };
  return { code: 'CONN_RESET', detail: `${stageLabel(stage)}: ${message}` };
}

const SOCKET_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ENETDOWN: 'network is down',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'not permitted',
  EPERM: 'not permitted',
  ECONNRESET: 'connection reset by the peer',
  EPIPE: 'connection closed by the peer',
  ECONNABORTED: 'connection aborted',
};

/**
 * Node words socket errors as "<syscall> <CODE> <address>" ("connect ECONNREFUSED 127.0.0.1:443"):
 * behind our own stage label that read "connect: connect ECONNREFUSED …". Say it once, in words.
 */
function socketMessage(message: string, code: string): string {
  const match = /^(?:connect|read|write)\s+([A-Z_]+)(?:\s+(.+))?$/.exec(message);
  if (!match || match[1] !== code) return message;
  const words = SOCKET_WORDS[code] ?? code;
  return match[2] ? `${words} (${match[2]})` : words;
}

function stageLabel(stage: Stage): string {
  return { dns: 'DNS', connect: 'connect', tls: 'TLS', http: 'HTTP', body: 'body' }[stage];
}

function timeoutDetail(err: WaitTimeout, stage: Stage): string {
  if (err.cancelled) return `the probe was cancelled during ${stageLabel(stage)}`;
  if (err.code === 'PROBE_TIMEOUT') return `the probe ran out of its overall time budget during ${stageLabel(stage)}`;
  const what = {
    dns: 'no DNS answer',
    connect: 'no TCP connection',
    tls: 'no TLS handshake',
    http: 'no response headers',
    body: 'the body did not finish',
  }[stage];
  return `${what} within ${Math.round(err.waitedMs)} ms`;
}
