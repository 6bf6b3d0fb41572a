// The SSRF guard of API-created channels: which resolved addresses survive the policy, and the two
// shapes in which net.connect asks its lookup. Resolvers here are fakes, so names under .invalid
// are never looked up; the only sockets opened go to a loopback listener.
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { connect, createServer, type LookupFunction, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AddressRefusedError, guardedLookup, resolveVetted, vetAddresses, vetLiteral, type ResolveAll } from '../../src/alerts/channels/address-guard.ts';

const v = (address: string): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 });
const HOST = 'hook.invalid';

describe('vetAddresses: resolved addresses in, decision out', () => {
  const cases: ReadonlyArray<{ name: string; addresses: string[]; allowPrivate: boolean; expected: string[] | string }> = [
    { name: 'loopback without allowPrivate', addresses: ['127.0.0.1'], allowPrivate: false, expected: `refusing to deliver to ${HOST}: 127.0.0.1 is a loopback address` },
    { name: 'loopback with allowPrivate', addresses: ['127.0.0.1'], allowPrivate: true, expected: ['127.0.0.1'] },
    { name: 'IPv6 loopback without allowPrivate', addresses: ['::1'], allowPrivate: false, expected: `refusing to deliver to ${HOST}: ::1 is a loopback address` },
    {
      name: 'metadata even with allowPrivate',
      addresses: ['169.254.169.254'],
      allowPrivate: true,
      expected: `refusing to deliver to ${HOST}: 169.254.169.254 is a cloud metadata address`,
    },
    {
      name: 'loopback dressed as IPv4-mapped IPv6',
      addresses: ['::ffff:127.0.0.1'],
      allowPrivate: false,
      expected: `refusing to deliver to ${HOST}: ::ffff:127.0.0.1 is a loopback address (IPv4-mapped, embeds 127.0.0.1)`,
    },
    {
      name: 'mixed, without allowPrivate: a public answer does not launder a private one (rebinding)',
      addresses: ['93.184.215.14', '10.0.0.5'],
      allowPrivate: false,
      expected: `refusing to deliver to ${HOST}: 10.0.0.5 is a private (RFC 1918) address`,
    },
    { name: 'mixed, with allowPrivate: metadata among them refuses the name', addresses: ['10.0.0.5', '93.184.215.14', '169.254.169.254'], allowPrivate: true, expected: `refusing to deliver to ${HOST}: 169.254.169.254 is a cloud metadata address` },
    { name: 'mixed, with allowPrivate: private and public both pass', addresses: ['10.0.0.5', '93.184.215.14', '::1'], allowPrivate: true, expected: ['10.0.0.5', '93.184.215.14', '::1'] },
    {
      name: 'nothing admitted: every reason is given',
      addresses: ['10.0.0.5', '169.254.169.254'],
      allowPrivate: false,
      expected: `refusing to deliver to ${HOST}: 10.0.0.5 is a private (RFC 1918) address; 169.254.169.254 is a cloud metadata address`,
    },
    { name: 'no address at all', addresses: [], allowPrivate: true, expected: `refusing to deliver to ${HOST}: it resolves to no address` },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const vetted = vetAddresses(HOST, c.addresses.map(v), { allowPrivate: c.allowPrivate });
      if (typeof c.expected === 'string') assert.deepEqual(vetted, { ok: false, detail: c.expected });
      else assert.deepEqual(vetted, { ok: true, addresses: c.expected.map(v) });
    });
  }
});

describe('vetLiteral: IP-literal hosts, which no lookup sees', () => {
  const cases: ReadonlyArray<{ hostname: string; allowPrivate: boolean; expected: 'name' | 'allowed' | { refused: string } }> = [
    { hostname: '127.0.0.1', allowPrivate: false, expected: { refused: 'refusing to deliver to 127.0.0.1: 127.0.0.1 is a loopback address' } },
    { hostname: '[::1]', allowPrivate: false, expected: { refused: 'refusing to deliver to [::1]: ::1 is a loopback address' } },
    { hostname: '169.254.169.254', allowPrivate: true, expected: { refused: 'refusing to deliver to 169.254.169.254: 169.254.169.254 is a cloud metadata address' } },
    { hostname: '127.0.0.1', allowPrivate: true, expected: 'allowed' },
    { hostname: '93.184.215.14', allowPrivate: false, expected: 'allowed' },
    { hostname: HOST, allowPrivate: false, expected: 'name' },
  ];
  for (const c of cases) {
    test(`${c.hostname}, allowPrivate ${c.allowPrivate}`, () => {
      const vetted = vetLiteral(c.hostname, { allowPrivate: c.allowPrivate });
      if (c.expected === 'name') assert.equal(vetted, undefined);
      else if (c.expected === 'allowed') assert.equal(vetted?.ok, true);
      else assert.deepEqual(vetted, { ok: false, detail: c.expected.refused });
    });
  }

  test('resolveVetted judges a literal without asking the resolver', async () => {
    const asked: string[] = [];
    const resolve: ResolveAll = (hostname) => {
      asked.push(hostname);
      return Promise.resolve([v('93.184.215.14')]);
    };
    assert.deepEqual(await resolveVetted('127.0.0.1', { allowPrivate: true }, resolve), { ok: true, addresses: [v('127.0.0.1')] });
    assert.deepEqual(await resolveVetted(HOST, { allowPrivate: false }, resolve), { ok: true, addresses: [v('93.184.215.14')] });
    assert.deepEqual(asked, [HOST]);
  });
});

/** Calls a lookup the way net.connect does and reports what came back. */
function ask(lookup: LookupFunction, all: boolean): Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family: number | undefined }> {
  return new Promise((resolve) => lookup(HOST, all ? { all: true } : {}, (err, address, family) => resolve({ err, address, family })));
}

describe('guardedLookup: both callback shapes', () => {
  const resolver =
    (...addresses: string[]): ResolveAll =>
    () =>
      Promise.resolve(addresses.map(v));

  test('all: true (autoSelectFamily) gets every admitted address as an array', async () => {
    const got = await ask(guardedLookup({ allowPrivate: true }, resolver('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')), true);
    assert.deepEqual(got, { err: null, address: [v('93.184.215.14'), v('2606:2800:21f:cb07:6820:80da:af6b:8b2c')], family: undefined });
  });

  test('without all gets the first admitted address and its family', async () => {
    const got = await ask(guardedLookup({ allowPrivate: false }, resolver('2606:2800:21f:cb07:6820:80da:af6b:8b2c', '93.184.215.14')), false);
    assert.deepEqual(got, { err: null, address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 });
  });

  for (const all of [true, false]) {
    test(`nothing admitted fails with AddressRefusedError (all: ${all})`, async () => {
      const { err } = await ask(guardedLookup({ allowPrivate: true }, resolver('169.254.169.254')), all);
      assert.ok(err instanceof AddressRefusedError);
      assert.equal(err.message, `refusing to deliver to ${HOST}: 169.254.169.254 is a cloud metadata address`);
    });
  }

  test('a resolver failure passes through unchanged (retryable, unlike a refusal)', async () => {
    const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${HOST}`), { code: 'ENOTFOUND' });
    const { err } = await ask(
      guardedLookup({ allowPrivate: false }, () => Promise.reject(notFound)),
      true,
    );
    assert.equal(err, notFound);
  });

  test('the family and hints net.connect asks with reach the resolver', async () => {
    const asked: unknown[] = [];
    const resolve: ResolveAll = (_hostname, options) => {
      asked.push(options);
      return Promise.resolve([v('93.184.215.14')]);
    };
    await new Promise((done) => guardedLookup({ allowPrivate: false }, resolve)(HOST, { family: 4, hints: 32, all: true }, done));
    assert.deepEqual(asked, [{ family: 4, hints: 32 }]);
  });
});

describe('guardedLookup in a real net.connect (its resolver answers 127.0.0.1, so only loopback is dialled)', () => {
  let server: Server;
  let port: number;
  let accepted = 0;
  before(async () => {
    server = createServer((socket) => {
      accepted += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const dial = (allowPrivate: boolean, autoSelectFamily: boolean): Promise<string> =>
    new Promise((resolve) => {
      const lookup = guardedLookup({ allowPrivate }, () => Promise.resolve([v('127.0.0.1')]));
      const socket = connect({ host: HOST, port, autoSelectFamily, lookup });
      socket.once('connect', () => {
        resolve(`connected to ${socket.remoteAddress ?? '?'}`);
        socket.destroy();
      });
      socket.once('error', (err) => resolve(`${err.name}: ${err.message}`));
    });

  for (const autoSelectFamily of [true, false]) {
    test(`autoSelectFamily ${autoSelectFamily}: refused without allowPrivate, connected with it`, async () => {
      const before = accepted;
      assert.equal(await dial(false, autoSelectFamily), `AddressRefusedError: refusing to deliver to ${HOST}: 127.0.0.1 is a loopback address`);
      assert.equal(await dial(true, autoSelectFamily), 'connected to 127.0.0.1');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(accepted - before, 1, 'only the allowed dial reached the listener');
    });
  }
});
