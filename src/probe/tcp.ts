import { connect, type Socket } from 'node:net';
import type { Outcome } from '../domain/failure-codes.ts';
import { classifyError } from './classify.ts';
import type { Deadline } from './deadline.ts';

/** Opens a TCP connection to one already-vetted address; never resolves a name itself. */
export async function connectTcp(
  address: string,
  port: number,
  timeoutMs: number,
  deadline: Deadline,
): Promise<Outcome<{ socket: Socket }>> {
  let socket: Socket | undefined;
  try {
    // No abort listener: a wait that ends early rejects, and the catch below destroys the socket.
    const connected = await deadline.wait(timeoutMs, 'TCP_TIMEOUT', () => {
      return new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: address, port, noDelay: true });
        socket = s;
        s.once('connect', () => {
          s.removeListener('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    });
    return { ok: true, socket: connected };
  } catch (err) {
    socket?.destroy();
    return { ok: false, ...classifyError(err, 'connect') };
  }
}
