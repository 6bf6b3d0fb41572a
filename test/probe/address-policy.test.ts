import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAddress, classifyAddress, hostIsIpLiteral, type AddressClass } from '../../src/probe/address-policy.ts';

const DEFAULT = { allowPrivate: false } as const;
const PRIVATE = { allowPrivate: true } as const;

// [input, class, allowed by default, allowed with allowPrivate]. Inputs starting with http(s)://
// go through new URL().hostname and hostIsIpLiteral first, exactly as the prober does.
type Row = readonly [input: string, addressClass: AddressClass, allowedByDefault: boolean, allowedWithPrivate: boolean];

const ROWS: readonly Row[] = [
  // Public addresses that must stay reachable.
  ['8.8.8.8', 'public', true, true],
  ['1.1.1.1', 'public', true, true],
  ['93.184.216.34', 'public', true, true],
  ['2606:4700:4700::1111', 'public', true, true],
  ['2001:4860:4860::8888', 'public', true, true],
  ['2A00:1450:4001:80B::200E', 'public', true, true],
  ['192.0.0.9', 'public', true, true], // PCP anycast: the globally reachable exception in 192.0.0.0/24
  ['2001:3::1', 'public', true, true], // AMT
  ['3fff:1000::1', 'public', true, true], // just past 3fff::/20

  // IPv4 range boundaries.
  ['0.0.0.0', 'unspecified', false, false],
  ['0.255.255.255', 'unspecified', false, false],
  ['1.0.0.0', 'public', true, true],
  ['9.255.255.255', 'public', true, true],
  ['10.0.0.0', 'private', false, true],
  ['10.255.255.255', 'private', false, true],
  ['11.0.0.0', 'public', true, true],
  ['100.63.255.255', 'public', true, true],
  ['100.64.0.0', 'cgnat', false, true],
  ['100.127.255.255', 'cgnat', false, true],
  ['100.128.0.0', 'public', true, true],
  ['126.255.255.255', 'public', true, true],
  ['127.0.0.1', 'loopback', false, true],
  ['127.255.255.255', 'loopback', false, true],
  ['128.0.0.0', 'public', true, true],
  ['169.253.255.255', 'public', true, true],
  ['169.254.0.0', 'link-local', false, true],
  ['169.254.255.255', 'link-local', false, true],
  ['169.255.0.0', 'public', true, true],
  ['172.15.255.255', 'public', true, true],
  ['172.16.0.0', 'private', false, true],
  ['172.31.255.255', 'private', false, true],
  ['172.32.0.0', 'public', true, true],
  ['192.167.255.255', 'public', true, true],
  ['192.168.0.0', 'private', false, true],
  ['192.168.255.255', 'private', false, true],
  ['192.169.0.0', 'public', true, true],
  ['198.17.255.255', 'public', true, true],
  ['198.18.0.0', 'benchmarking', false, false],
  ['198.19.255.255', 'benchmarking', false, false],
  ['198.20.0.0', 'public', true, true],
  ['223.255.255.255', 'public', true, true],
  ['224.0.0.0', 'multicast', false, false],
  ['239.255.255.255', 'multicast', false, false],
  ['240.0.0.0', 'reserved', false, false],
  ['255.255.255.254', 'reserved', false, false],
  ['255.255.255.255', 'broadcast', false, false],

  // Other IPv4 special-purpose blocks.
  ['192.0.0.1', 'reserved', false, false],
  ['192.0.0.170', 'reserved', false, false],
  ['192.88.99.1', 'reserved', false, false],
  ['192.0.2.1', 'documentation', false, false],
  ['198.51.100.7', 'documentation', false, false],
  ['203.0.113.255', 'documentation', false, false],

  // Cloud metadata: refused even with allowPrivate; the neighbours are ordinary link-local/CGNAT.
  ['169.254.169.254', 'metadata', false, false],
  ['169.254.170.2', 'metadata', false, false],
  ['100.100.100.200', 'metadata', false, false],
  ['fd00:ec2::254', 'metadata', false, false],
  ['169.254.169.253', 'link-local', false, true],
  ['100.100.100.201', 'cgnat', false, true],
  ['fd00:ec2::253', 'unique-local', false, true],

  // Native IPv6 classes, zero-compressed and uppercase spellings.
  ['::', 'unspecified', false, false],
  ['0:0:0:0:0:0:0:0', 'unspecified', false, false],
  ['::1', 'loopback', false, true],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback', false, true],
  ['fe80::1', 'link-local', false, true],
  ['FE80::ABCD:1', 'link-local', false, true],
  ['febf:ffff::1', 'link-local', false, true],
  ['fe80::1%eth0', 'link-local', false, true],
  ['2606:4700:4700::1111%eth0', 'link-local', false, true], // a zone id means scoped, never public
  ['fc00::1', 'unique-local', false, true],
  ['FDFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'unique-local', false, true],
  ['ff02::1', 'multicast', false, false],
  ['FF05::1:3', 'multicast', false, false],
  ['2001:db8::1', 'documentation', false, false],
  ['2001:DB8:FFFF::', 'documentation', false, false],
  ['3fff::1', 'documentation', false, false],
  ['3fff:fff:ffff::1', 'documentation', false, false],
  ['2001:2::1', 'benchmarking', false, false],
  ['2001:2:0:ffff::1', 'benchmarking', false, false],
  ['100::1', 'reserved', false, false], // discard-only
  ['2001:10::1', 'reserved', false, false], // deprecated ORCHID
  ['fec0::1', 'reserved', false, false], // deprecated site-local
  ['5f00::1', 'reserved', false, false], // SRv6 SIDs
  ['4000::1', 'reserved', false, false], // outside 2000::/3
  ['1fff::1', 'reserved', false, false],

  // IPv4-mapped, dotted and hex.
  ['::ffff:127.0.0.1', 'loopback', false, true],
  ['::ffff:7f00:1', 'loopback', false, true],
  ['0:0:0:0:0:ffff:c0a8:0101', 'private', false, true],
  ['::FFFF:169.254.169.254', 'metadata', false, false],
  ['::ffff:a9fe:a9fe', 'metadata', false, false],
  ['::ffff:8.8.8.8', 'public', true, true],
  ['::ffff:0.0.0.0', 'unspecified', false, false],
  // IPv4-compatible (deprecated).
  ['::127.0.0.1', 'loopback', false, true],
  ['::10.1.2.3', 'private', false, true],
  ['::a9fe:a9fe', 'metadata', false, false],
  ['::2', 'unspecified', false, false],
  // NAT64, well-known and local-use prefixes.
  ['64:ff9b::a9fe:a9fe', 'metadata', false, false],
  ['64:ff9b::169.254.169.254', 'metadata', false, false],
  ['64:ff9b::7f00:1', 'loopback', false, true],
  ['64:ff9b::808:808', 'public', true, true],
  ['64:ff9b:1::a00:1', 'private', false, true],
  // 6to4: the IPv4 address is bits 16-48.
  ['2002:a9fe:a9fe::1', 'metadata', false, false],
  ['2002:7f00:1::', 'loopback', false, true],
  ['2002:c0a8:101:1::1', 'private', false, true],
  ['2002:808:808::1', 'public', true, true],
  // Teredo: the client IPv4 address is the bitwise NOT of the last 32 bits.
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation', false, false], // 192.0.2.45, RFC 4380's example
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', false, true], // 127.0.0.1
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'metadata', false, false], // 169.254.169.254
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public', true, true], // 8.8.8.8

  // URL spellings, normalised by WHATWG URL before they reach the policy.
  ['http://2130706433/', 'loopback', false, true],
  ['http://0x7f.1/', 'loopback', false, true],
  ['http://0177.0.0.1/', 'loopback', false, true],
  ['http://127.1/', 'loopback', false, true],
  ['http://0X7F000001:8080/mcp', 'loopback', false, true],
  ['http://127.0.0.1./', 'loopback', false, true],
  ['http://0/', 'unspecified', false, false],
  ['http://10.1/', 'private', false, true],
  ['http://192.168.1/', 'private', false, true],
  ['http://0xA9.0xFE.0xA9.0xFE/', 'metadata', false, false],
  ['http://2852039166/latest/meta-data/', 'metadata', false, false],
  ['http://0251.0376.0251.0376/', 'metadata', false, false],
  ['http://[::1]/', 'loopback', false, true],
  ['http://[0:0:0:0:0:0:0:1]:3000/', 'loopback', false, true],
  ['http://[::ffff:127.0.0.1]/', 'loopback', false, true],
  ['http://[::127.0.0.1]/', 'loopback', false, true],
  ['http://[FD00:EC2::254]/', 'metadata', false, false],
  ['http://[64:ff9b::169.254.169.254]/', 'metadata', false, false],
  ['http://[fe80::1]/', 'link-local', false, true],
  ['https://[2606:4700:4700::1111]/mcp', 'public', true, true],
  ['https://8.8.8.8/mcp', 'public', true, true],
  ['https://1.2.3/', 'public', true, true], // URL reads it as 1.2.0.3
  ['https://example.com/mcp', 'invalid', false, false], // a name: the resolved addresses get judged instead

  // Not IP addresses: refused outright.
  ['', 'invalid', false, false],
  ['example.com', 'invalid', false, false],
  ['localhost', 'invalid', false, false],
  ['1.2.3', 'invalid', false, false],
  ['127.1', 'invalid', false, false],
  ['0x7f.0.0.1', 'invalid', false, false],
  ['010.0.0.1', 'invalid', false, false], // octal or decimal? not ours to guess
  ['256.0.0.1', 'invalid', false, false],
  ['1.2.3.4.5', 'invalid', false, false],
  [' 8.8.8.8', 'invalid', false, false],
  ['8.8.8.8\n', 'invalid', false, false],
  ['::g', 'invalid', false, false],
  [':::1', 'invalid', false, false],
  ['1::2::3', 'invalid', false, false],
  ['1:2:3:4:5:6:7:8:9', 'invalid', false, false],
  ['1:2:3:4:5:6:7', 'invalid', false, false],
  ['12345::1', 'invalid', false, false],
  ['::ffff:127.1', 'invalid', false, false],
  ['::ffff:0x7f.0.0.1', 'invalid', false, false],
  ['fe80::1%', 'invalid', false, false],
  ['[::1]', 'invalid', false, false],
  ['2001:db8::/32', 'invalid', false, false],
];

function addressOf(input: string): string {
  if (!/^https?:\/\//.test(input)) return input;
  const { hostname } = new URL(input);
  return hostIsIpLiteral(hostname) ?? hostname;
}

for (const [input, expectedClass, allowedByDefault, allowedWithPrivate] of ROWS) {
  void test(`${JSON.stringify(input)} is ${expectedClass}`, () => {
    const address = addressOf(input);
    assert.equal(classifyAddress(address), expectedClass);
    const byDefault = checkAddress(address, DEFAULT);
    const withPrivate = checkAddress(address, PRIVATE);
    assert.equal(byDefault.allowed, allowedByDefault, `default policy: ${JSON.stringify(byDefault)}`);
    assert.equal(withPrivate.allowed, allowedWithPrivate, `allowPrivate: ${JSON.stringify(withPrivate)}`);
    for (const decision of [byDefault, withPrivate]) {
      assert.equal(decision.address, address);
      if (!decision.allowed) assert.equal(decision.addressClass, expectedClass);
    }
  });
}

void test('the table exercises every address class', () => {
  // A Record keyed by AddressClass makes the compiler flag a class added to the type but not here.
  const every: Record<AddressClass, true> = {
    public: true,
    loopback: true,
    private: true,
    'link-local': true,
    cgnat: true,
    'unique-local': true,
    multicast: true,
    unspecified: true,
    broadcast: true,
    documentation: true,
    metadata: true,
    reserved: true,
    benchmarking: true,
    invalid: true,
  };
  const covered = new Set(ROWS.map(([, cls]) => cls));
  assert.deepEqual(Object.keys(every).filter((cls) => !covered.has(cls as AddressClass)), []);
  assert.ok(ROWS.length >= 60);
});

void test('an allowed decision reports the address family', () => {
  assert.deepEqual(checkAddress('8.8.8.8', DEFAULT), { allowed: true, address: '8.8.8.8', family: 4 });
  assert.deepEqual(checkAddress('2606:4700:4700::1111', DEFAULT), {
    allowed: true,
    address: '2606:4700:4700::1111',
    family: 6,
  });
  assert.deepEqual(checkAddress('::ffff:8.8.8.8', DEFAULT), { allowed: true, address: '::ffff:8.8.8.8', family: 6 });
  assert.deepEqual(checkAddress('127.0.0.1', PRIVATE), { allowed: true, address: '127.0.0.1', family: 4 });
});

void test('a refusal names the address and its class', () => {
  assert.deepEqual(checkAddress('169.254.169.254', PRIVATE), {
    allowed: false,
    address: '169.254.169.254',
    addressClass: 'metadata',
    reason: '169.254.169.254 is a cloud metadata address',
  });
  const refused = (address: string): string => {
    const decision = checkAddress(address, DEFAULT);
    assert.equal(decision.allowed, false);
    return decision.allowed ? '' : decision.reason;
  };
  assert.equal(refused('10.0.0.1'), '10.0.0.1 is a private (RFC 1918) address');
  assert.equal(refused('::1'), '::1 is a loopback address');
  assert.equal(refused('255.255.255.255'), '255.255.255.255 is the broadcast address');
  assert.equal(refused('64:ff9b::a9fe:a9fe'), '64:ff9b::a9fe:a9fe is a cloud metadata address (NAT64, embeds 169.254.169.254)');
  assert.equal(
    refused('2001:0:4136:e378:8000:63bf:3fff:fdd2'),
    '2001:0:4136:e378:8000:63bf:3fff:fdd2 is a documentation address (Teredo, embeds 192.0.2.45)',
  );
  assert.equal(refused('example.com'), '"example.com" is not an IP address');
  assert.equal(refused(''), '"" is not an IP address');
});

void test('hostIsIpLiteral unwraps IP hostnames and leaves DNS names alone', () => {
  assert.equal(hostIsIpLiteral('[::1]'), '::1');
  assert.equal(hostIsIpLiteral('[::ffff:7f00:1]'), '::ffff:7f00:1');
  assert.equal(hostIsIpLiteral('::1'), '::1');
  assert.equal(hostIsIpLiteral('127.0.0.1'), '127.0.0.1');
  assert.equal(hostIsIpLiteral('example.com'), undefined);
  assert.equal(hostIsIpLiteral('xn--bcher-kva.example'), undefined);
  assert.equal(hostIsIpLiteral(''), undefined);
  assert.equal(hostIsIpLiteral('[example.com]'), undefined);
  assert.equal(hostIsIpLiteral('[1.2.3.4]'), undefined);
});

void test('hostIsIpLiteral normalises legacy IPv4 spellings that bypassed URL parsing', () => {
  // getaddrinfo would read these as addresses, so they must not pass as DNS names.
  assert.equal(hostIsIpLiteral('2130706433'), '127.0.0.1');
  assert.equal(hostIsIpLiteral('0x7f.1'), '127.0.0.1');
  assert.equal(hostIsIpLiteral('0177.0.0.1'), '127.0.0.1');
  assert.equal(hostIsIpLiteral('127.1'), '127.0.0.1');
  assert.equal(hostIsIpLiteral('127.0.0.1.'), '127.0.0.1');
  for (const host of ['2130706433', '0x7f.1', '0177.0.0.1', '127.1']) {
    assert.equal(new URL(`http://${host}/`).hostname, hostIsIpLiteral(host), `URL and hostIsIpLiteral agree on ${host}`);
  }
});
