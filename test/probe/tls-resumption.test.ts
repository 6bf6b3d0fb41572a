// TLS session resumption between full handshakes, against a real TLS terminator (in front of the
// fault server's working responder) that counts full and resumed handshakes on its side.
import { X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeResult } from '../../src/domain/probe-result.ts';
import { DEFAULT_PROBE_SETTINGS, runProbe, type ProbeSettings } from '../../src/probe/run-probe.ts';
import { Deadline } from '../../src/probe/deadline.ts';
import { connectTcp } from '../../src/probe/tcp.ts';
import { createTrustContext, sessionKey, startTls } from '../../src/probe/tls.ts';
import { DEFAULT_SESSION_MAX_AGE_MS, TlsSessionCache } from '../../src/probe/tls-session-cache.ts';
import { createTestPki, type TestPki } from '../fixtures/certs.ts';
import { startFaultServer, type FaultServer } from '../fixtures/fault-server.ts';
import { startSwitchablePort, type SwitchablePort } from '../fixtures/switchable-port.ts';
import { startTlsTerminator, type TlsTerminator } from '../fixtures/tls-terminator.ts';

const SETTINGS: ProbeSettings = Object.freeze({ ...DEFAULT_PROBE_SETTINGS, timeoutMs: 5000, allowPrivate: true });

let pki: TestPki;
let upstream: FaultServer;
let terminator: TlsTerminator;
let trust: ReturnType<typeof createTrustContext>;

before(async () => {
  pki = await createTestPki();
  trust = createTrustContext(pki.caPem);
  upstream = await startFaultServer();
});

after(async () => {
  await upstream.close();
});

/** A session cache on a clock the test moves. */
function cacheWithClock(): { cache: TlsSessionCache; advance: (ms: number) => void } {
  let now = Date.parse('2026-06-01T00:00:00Z');
  return { cache: new TlsSessionCache({ clock: () => now }), advance: (ms) => (now += ms) };
}

async function probe(url: string, cache: TlsSessionCache | null, path = '/ok'): Promise<ProbeResult> {
  return runProbe({ url: url.replace(/\/ok$/, path) }, SETTINGS, { trust, tlsSessions: cache, hosts: null });
}

function up(result: ProbeResult): NonNullable<ProbeResult['certificate']> {
  assert.equal(result.status, 'up', `${result.code}: ${result.detail}`);
  assert.ok(result.certificate);
  return result.certificate;
}

describe('TLS session resumption', () => {
  let url: string;
  beforeEach(async () => {
    await terminator?.close();
    terminator = await startTlsTerminator(pki.valid, Number(new URL(upstream.url('/ok')).port));
    url = terminator.url(upstream.url('/ok'));
  });
  after(async () => {
    await terminator?.close();
  });

  test('the second probe resumes the first one\'s session and says the facts are from the first', async () => {
    const { cache } = cacheWithClock();
    const first = up(await probe(url, cache));
    assert.equal(first.resumed, false);
    // The fault server's responder closes connections, so one probe dials several: only the first is full.
    const afterFirst = terminator.handshakes();
    assert.equal(afterFirst.full, 1);

    const second = up(await probe(url, cache));
    assert.equal(terminator.handshakes().full, 1);
    assert.ok(terminator.handshakes().resumed > afterFirst.resumed);
    assert.equal(second.resumed, true);
    assert.equal(second.observedAt, first.observedAt);
    assert.equal(second.fingerprint256, first.fingerprint256);
    assert.equal(second.chainValid, true);
    assert.equal(second.hostnameValid, true);
    assert.equal(second.protocol, 'TLSv1.3');
  });

  test('the kept session leaves the server\'s certificate out, and still resumes', async () => {
    const { cache } = cacheWithClock();
    up(await probe(url, cache));
    const key = sessionKey({ hostname: '127.0.0.1', isIpLiteral: true, port: Number(new URL(url).port) });
    const kept = cache.resumable(key)?.session;
    assert.ok(kept, 'a session was kept');
    assert.equal(kept.includes(new X509Certificate(pki.valid.certPem).raw), false);
    assert.equal(up(await probe(url, cache)).resumed, true);
    assert.equal(terminator.handshakes().full, 1);
  });

  test('without a cache every probe is a full handshake', async () => {
    up(await probe(url, null));
    up(await probe(url, null));
    assert.equal(terminator.handshakes().resumed, 0);
    assert.ok(terminator.handshakes().full >= 2);
  });

  test('a full handshake, with fresh facts, once the last full one is an hour old', async () => {
    const { cache, advance } = cacheWithClock();
    const first = up(await probe(url, cache));
    advance(DEFAULT_SESSION_MAX_AGE_MS - 60_000);
    assert.equal(up(await probe(url, cache)).resumed, true);
    advance(60_000);
    const third = up(await probe(url, cache));
    assert.equal(third.resumed, false);
    assert.notEqual(third.observedAt, first.observedAt);
    assert.equal(terminator.handshakes().full, 2);
    // And the hour starts again from that full handshake.
    assert.equal(up(await probe(url, cache)).resumed, true);
  });

  test('a session the server no longer accepts falls back to a full handshake, then resumes again', async () => {
    const { cache } = cacheWithClock();
    up(await probe(url, cache));
    terminator.rotateTicketKeys();
    const second = up(await probe(url, cache));
    assert.equal(second.resumed, false);
    assert.equal(terminator.handshakes().full, 2);
    assert.equal(up(await probe(url, cache)).resumed, true);
  });

  test('a rotated certificate is seen at the next full handshake', async () => {
    const { cache, advance } = cacheWithClock();
    const before = up(await probe(url, cache));
    const rotated = await pki.issue({ hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    terminator.rotate(rotated, { keepTickets: true });

    // Still resuming: the old facts, and the probe says they are old.
    const resumed = up(await probe(url, cache));
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.fingerprint256, before.fingerprint256);

    advance(DEFAULT_SESSION_MAX_AGE_MS);
    const fresh = up(await probe(url, cache));
    assert.equal(fresh.resumed, false);
    assert.notEqual(fresh.fingerprint256, before.fingerprint256);
    assert.equal(fresh.serialNumber.toLowerCase(), new (await import('node:crypto')).X509Certificate(rotated.certPem).serialNumber.toLowerCase());
  });

  test('a certificate swap that also changes ticket keys is seen at once', async () => {
    const { cache } = cacheWithClock();
    const before = up(await probe(url, cache));
    terminator.rotate(await pki.issue({ hostnames: ['localhost'], ipAddresses: ['127.0.0.1'] }));
    const after = up(await probe(url, cache));
    assert.equal(after.resumed, false);
    assert.notEqual(after.fingerprint256, before.fingerprint256);
  });

  test('an HTTP failure after a resumed handshake makes the next probe a full one', async () => {
    const { cache } = cacheWithClock();
    up(await probe(url, cache));
    const failed = await probe(url, cache, '/error-500');
    assert.equal(failed.status, 'down');
    assert.equal(failed.certificate?.resumed, true);
    assert.equal(up(await probe(url, cache)).resumed, false);
    assert.equal(terminator.handshakes().full, 2);
  });
});

describe('TLS session resumption with a TLS 1.2 server', () => {
  test('the ticket sent during the handshake is kept and resumed', async () => {
    const server = await startTlsTerminator(pki.valid, Number(new URL(upstream.url('/ok')).port), '127.0.0.1', { maxVersion: 'TLSv1.2' });
    try {
      const { cache } = cacheWithClock();
      const url = server.url(upstream.url('/ok'));
      const first = up(await probe(url, cache));
      assert.equal(first.protocol, 'TLSv1.2');
      const second = up(await probe(url, cache));
      assert.equal(second.resumed, true);
      assert.equal(second.protocol, 'TLSv1.2');
      assert.equal(server.handshakes().full, 1);
    } finally {
      await server.close();
    }
  });
});

describe('TLS session resumption across an outage', () => {
  let switchable: SwitchablePort;
  let behind: TlsTerminator;
  before(async () => {
    behind = await startTlsTerminator(pki.valid, Number(new URL(upstream.url('/ok')).port));
    switchable = await startSwitchablePort(behind.port);
  });
  after(async () => {
    await switchable.close();
    await behind.close();
  });

  test('after the server was unreachable, the next probe sees the certificate afresh', async () => {
    const { cache } = cacheWithClock();
    const url = `https://127.0.0.1:${switchable.port}/ok`;
    up(await probe(url, cache));
    assert.equal(up(await probe(url, cache)).resumed, true);
    await switchable.down();
    const down = await probe(url, cache);
    assert.equal(down.code, 'TCP_REFUSED');
    await switchable.up();
    assert.equal(up(await probe(url, cache)).resumed, false);
    assert.equal(behind.handshakes().full, 2);
  });
});

describe('the socket startTls hands on', () => {
  test('keeps no stand-in for getPeerCertificate once the handshake is done', async () => {
    const server = await startTlsTerminator(pki.valid, Number(new URL(upstream.url('/ok')).port));
    const deadline = new Deadline(() => performance.now(), 5000);
    try {
      const tcp = await connectTcp('127.0.0.1', server.port, 2000, deadline);
      assert.ok(tcp.ok);
      const options = { hostname: 'localhost', isIpLiteral: false, port: server.port, context: trust, timeoutMs: 2000, now: new Date() };
      const tls = await startTls(tcp.socket, options, deadline);
      assert.ok(tls.ok, tls.ok ? '' : tls.detail);
      // Node's own call during the handshake got a stand-in; the socket must not keep it.
      assert.equal(Object.hasOwn(tls.socket, 'getPeerCertificate'), false);
      // The chain walked on X509Certificate: the root CA outlives the leaf here.
      assert.equal(tls.certificate.earliestNotAfter, tls.certificate.notAfter);
      tls.socket.destroy();
    } finally {
      deadline.dispose();
      await server.close();
    }
  });
});

describe('TlsSessionCache', () => {
  test('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new TlsSessionCache({ maxEntries: 2 });
    const facts = {} as Parameters<TlsSessionCache['rememberFull']>[1];
    for (const key of ['a', 'b']) cache.rememberFull(key, facts).session = Buffer.from(key);
    assert.ok(cache.resumable('a'));
    cache.rememberFull('c', facts).session = Buffer.from('c');
    assert.equal(cache.size, 2);
    assert.equal(cache.resumable('b'), undefined);
    assert.ok(cache.resumable('a'));
    assert.ok(cache.resumable('c'));
  });

  test('an entry without a session yet is not resumable', () => {
    const cache = new TlsSessionCache();
    cache.rememberFull('a', {} as Parameters<TlsSessionCache['rememberFull']>[1]);
    assert.equal(cache.resumable('a'), undefined);
  });
});
