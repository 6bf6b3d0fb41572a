import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { get } from 'node:https';
import tls from 'node:tls';
import { createTestPki, startTlsServer, type IssuedCert, type TestPki } from '../fixtures/certs.ts';

interface Handshake {
  authorized: boolean;
  authorizationError: string | null;
  peer: tls.PeerCertificate;
}

let pki: TestPki;

before(async () => {
  pki = await createTestPki();
});

/** Chain verification only: hostname checking is disabled so each case shows its OpenSSL code. */
async function handshake(cert: IssuedCert): Promise<Handshake> {
  const server = await startTlsServer(cert);
  try {
    return await new Promise<Handshake>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port: server.port, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: false, checkServerIdentity: () => undefined },
        () => {
          const authorizationError = socket.authorizationError as Error | string | null;
          resolve({
            authorized: socket.authorized,
            authorizationError: authorizationError === null ? null : String(authorizationError),
            peer: socket.getPeerCertificate(),
          });
          socket.end();
        },
      );
      socket.once('error', reject);
    });
  } finally {
    await server.close();
  }
}

void test('valid: chain and hostname verify for localhost and 127.0.0.1', async () => {
  const result = await handshake(pki.valid);
  assert.equal(result.authorized, true);
  assert.equal(result.authorizationError, null);
  assert.equal(tls.checkServerIdentity('localhost', result.peer), undefined);
  assert.equal(tls.checkServerIdentity('127.0.0.1', result.peer), undefined);
});

void test('expired: CERT_HAS_EXPIRED', async () => {
  const result = await handshake(pki.expired);
  assert.equal(result.authorized, false);
  assert.equal(result.authorizationError, 'CERT_HAS_EXPIRED');
});

void test('notYetValid: CERT_NOT_YET_VALID', async () => {
  const result = await handshake(pki.notYetValid);
  assert.equal(result.authorizationError, 'CERT_NOT_YET_VALID');
});

void test('expiringIn5Days: authorized, notAfter about 5 days out', async () => {
  const result = await handshake(pki.expiringIn5Days);
  assert.equal(result.authorized, true);
  const daysLeft = (Date.parse(result.peer.valid_to) - Date.now()) / 86_400_000;
  assert.ok(daysLeft > 4.9 && daysLeft <= 5, `daysLeft=${daysLeft}`);
});

void test('selfSigned: DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
  const result = await handshake(pki.selfSigned);
  assert.equal(result.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
});

void test('untrustedCa with full chain: SELF_SIGNED_CERT_IN_CHAIN', async () => {
  const result = await handshake(pki.untrustedCa);
  assert.equal(result.authorizationError, 'SELF_SIGNED_CERT_IN_CHAIN');
});

void test('untrustedCa serving only the leaf: UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
  const result = await handshake({ ...pki.untrustedCa, chainPem: pki.untrustedCa.certPem });
  assert.equal(result.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

void test('wrongHost: chain verifies but checkServerIdentity rejects localhost', async () => {
  const result = await handshake(pki.wrongHost);
  assert.equal(result.authorized, true);
  const identityError: NodeJS.ErrnoException | undefined = tls.checkServerIdentity('localhost', result.peer);
  assert.equal(identityError?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

void test('wrongHost with default tls checks: authorizationError is the identity error', async () => {
  const server = await startTlsServer(pki.wrongHost);
  try {
    const error = await new Promise<unknown>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: pki.caPem, servername: 'localhost', rejectUnauthorized: false }, () => {
        resolve(socket.authorizationError);
        socket.end();
      });
    });
    assert.equal(String(error), 'ERR_TLS_CERT_ALTNAME_INVALID');
  } finally {
    await server.close();
  }
});

void test('leaf and CA certificates carry the expected extensions', () => {
  const ca = new X509Certificate(pki.caPem);
  const leaf = new X509Certificate(pki.valid.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca));
  assert.ok(leaf.verify(ca.publicKey));
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(pki.valid.chainPem, pki.valid.certPem + pki.caPem);
  assert.equal(pki.selfSigned.chainPem, pki.selfSigned.certPem);
  assert.equal(new X509Certificate(pki.wrongHost.certPem).subjectAltName, 'DNS:wrong.example');
});

void test('issue() honours custom hostnames and IPs', async () => {
  const cert = await pki.issue({ hostnames: ['mcp.test', 'alt.test'], ipAddresses: ['::1'] });
  const parsed = new X509Certificate(cert.certPem);
  assert.equal(parsed.subjectAltName, 'DNS:mcp.test, DNS:alt.test, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(tls.checkServerIdentity('alt.test', { subjectaltname: parsed.subjectAltName } as tls.PeerCertificate), undefined);
});

void test('startTlsServer serves the default handler over https', async () => {
  const server = await startTlsServer(pki.valid);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      get(server.url('/health'), { ca: pki.caPem, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      }).once('error', reject);
    });
    assert.equal(body, '200 ok');
    assert.match(server.url('x'), /^https:\/\/127\.0\.0\.1:\d+\/x$/);
  } finally {
    await server.close();
  }
});
