// Dropping the server's certificate from a kept TLS session (src/probe/tls-session-der.ts): the
// DER surgery on made-up sessions, and on a real one from a loopback handshake.
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutPeerCertificate } from '../../src/probe/tls-session-der.ts';
import { createTestPki } from '../fixtures/certs.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('withoutPeerCertificate', () => {
  const cases: Array<[string, string, string]> = [
    ['drops the [3] field', '30 0b 02 01 01 a3 03 04 01 ff 04 01 aa', '30 06 02 01 01 04 01 aa'],
    ['drops it when it is the last field', '30 08 02 01 01 a3 03 04 01 ff', '30 03 02 01 01'],
    ['keeps a session without one as it is', '30 06 02 01 01 04 01 aa', '30 06 02 01 01 04 01 aa'],
    ['keeps other context tags ([4], [6])', '30 0a a4 03 04 01 01 a6 03 04 01 02', '30 0a a4 03 04 01 01 a6 03 04 01 02'],
    ['keeps a field length that overruns the sequence as it came', '30 05 02 01 01 a3 09', '30 05 02 01 01 a3 09'],
    ['keeps trailing bytes after the sequence as they came', '30 03 02 01 01 00', '30 03 02 01 01 00'],
    ['keeps what is not a sequence', '04 03 a3 01 00', '04 03 a3 01 00'],
    ['keeps an indefinite length', '30 80 02 01 01 00 00', '30 80 02 01 01 00 00'],
    ['keeps an empty buffer', '', ''],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      assert.equal(withoutPeerCertificate(hex(input)).toString('hex'), hex(expected).toString('hex'));
    });
  }

  test('re-encodes long lengths, shorter where the content got shorter', () => {
    const other = Buffer.concat([hex('04 81 c8'), Buffer.alloc(200, 7)]); // 203 bytes
    const peer = Buffer.concat([hex('a3 82 01 2c'), Buffer.alloc(300, 9)]); // 304 bytes
    const session = Buffer.concat([hex('30 82 01 fb'), other, peer]);
    assert.equal(session.length, 4 + 0x1fb);
    const stripped = withoutPeerCertificate(session);
    assert.equal(stripped.toString('hex'), Buffer.concat([hex('30 81 cb'), other]).toString('hex'));
  });

  test('a real session loses its certificate and still resumes', async () => {
    const pki = await createTestPki();
    const server = createServer({ cert: pki.valid.chainPem, key: pki.valid.keyPem }, (socket) => socket.end('x'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const handshake = (session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined }> =>
      new Promise((resolve, reject) => {
        let latest: Buffer | undefined;
        let reused = false;
        const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.caPem, ...(session ? { session } : {}) });
        socket.on('session', (s: Buffer) => (latest = s));
        socket.once('secureConnect', () => (reused = socket.isSessionReused()));
        socket.on('data', () => undefined);
        socket.once('end', () => {
          socket.destroy();
          resolve({ reused, session: latest });
        });
        socket.once('error', reject);
      });
    try {
      const first = await handshake();
      assert.ok(first.session);
      const leaf = new X509Certificate(pki.valid.certPem).raw;
      assert.ok(first.session.includes(leaf), 'the session as issued carries the leaf');
      const stripped = withoutPeerCertificate(first.session);
      assert.equal(stripped.includes(leaf), false);
      assert.ok(stripped.length < first.session.length - leaf.length + 16);
      const second = await handshake(stripped);
      assert.equal(second.reused, true);
    } finally {
      server.close();
    }
  });
});
