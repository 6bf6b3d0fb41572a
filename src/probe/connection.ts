import type { Socket } from 'node:net';
import { Client, type buildConnector } from 'undici';
import type { Deadline } from './deadline.ts';
import { connectTcp } from './tcp.ts';
import { startTls, type TlsOptions } from './tls.ts';

export interface CheckedTarget {
  /** scheme://host:port of the endpoint URL; undici sends Host from it. */
  readonly origin: string;
  /** The address that passed the policy; every connection goes here and nowhere else. */
  readonly address: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  /** TLS settings and the fingerprint of the certificate already checked, or null for http. */
  readonly tls: (Omit<TlsOptions, 'timeoutMs'> & { timeoutMs: number; fingerprint256: string }) | null;
}

/** Status line and headers of one response; Node's own default, which real MCP servers stay far below. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

class PinnedCertificateError extends Error {
  readonly code = 'ERR_TLS_CERT_CHANGED';
}

/**
 * What the clients are destroyed with once the probe is over. Without an error undici builds a
 * ClientDestroyedError per client, and Node's stream destroy formats every error's stack: 3 % of
 * a probe's CPU spent on the success path. One error built once costs neither.
 */
const PROBE_FINISHED = Object.assign(new Error('the probe is finished'), { code: 'MCPWATCH_PROBE_FINISHED' });

/** HTTP clients bound to one vetted address: `main` for requests, `stream()` for a long-lived GET. */
export interface CheckedDispatchers {
  readonly main: Client;
  /** A second connection, for the HTTP+SSE GET stream that must stay open while POSTs go on `main`. */
  stream(): Client;
  destroy(): Promise<void>;
}

/**
 * undici clients whose connector hands over the socket the probe already checked, and dials any
 * further connection to the same vetted address, pinned to the same certificate. So the address
 * checked is the address used: no second DNS lookup, no rebinding window, and the TLS timing in
 * the waterfall is the handshake that carried the requests. Single-connection clients, because a
 * pool opened a fresh connection (a whole TLS handshake) for requests that could reuse one.
 */
export function checkedDispatchers(target: CheckedTarget, first: Socket, deadline: Deadline): CheckedDispatchers {
  let spare: Socket | undefined = first;
  const connector: buildConnector.connector = (_options, callback) => {
    if (spare && !spare.destroyed) {
      const socket = spare;
      spare = undefined;
      // undici marks the client as connecting only after the connector returns; a synchronous
      // callback would land before that and the request would wait forever.
      process.nextTick(() => callback(null, socket));
      return;
    }
    spare = undefined;
    dial(target, deadline).then(
      (socket) => callback(null, socket),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
  // The response head is server data too: capped here rather than by undici's default (which
  // follows --max-http-header-size), so a flag cannot lift it. Past it: BODY_TOO_LARGE.
  const options = { connect: connector, pipelining: 1, keepAliveTimeout: 10_000, maxHeaderSize: MAX_RESPONSE_HEAD_BYTES };
  const clients: Client[] = [new Client(target.origin, options)];
  return {
    main: clients[0]!,
    stream() {
      const client = new Client(target.origin, options);
      clients.push(client);
      return client;
    },
    async destroy() {
      spare?.destroy();
      await Promise.all(clients.map((c) => c.destroy(PROBE_FINISHED).catch(() => undefined)));
    },
  };
}

async function dial(target: CheckedTarget, deadline: Deadline): Promise<Socket> {
  const tcp = await connectTcp(target.address, target.port, target.connectTimeoutMs, deadline);
  if (!tcp.ok) throw Object.assign(new Error(tcp.detail), { code: tcp.code === 'TCP_REFUSED' ? 'ECONNREFUSED' : 'ECONNRESET' });
  if (target.tls === null) return tcp.socket;
  const tls = await startTls(tcp.socket, target.tls, deadline);
  if (!tls.ok) throw Object.assign(new Error(tls.detail), { code: 'ECONNRESET' });
  if (tls.certificate.fingerprint256 !== target.tls.fingerprint256) {
    tls.socket.destroy();
    throw new PinnedCertificateError('the server presented a different certificate on a second connection');
  }
  return tls.socket;
}
