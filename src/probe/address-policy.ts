// SSRF policy for a monitor that connects to user-supplied URLs. Every address a probe is about to
// connect to (the IP literal in the URL, or each address DNS returned) goes through checkAddress;
// judging the resolved address rather than the name is what defeats DNS tricks and rebinding.
//
// Pure and synchronous on purpose: the policy must be trivially testable and must never be the
// thing that waits on the network.
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'documentation'
  | 'metadata'
  | 'reserved'
  | 'benchmarking'
  | 'invalid';

/** allowPrivate admits loopback, private (RFC 1918), link-local, cgnat and unique-local addresses. */
export interface AddressPolicy {
  readonly allowPrivate: boolean;
}

export type AddressDecision =
  | { readonly allowed: true; readonly address: string; readonly family: 4 | 6 }
  | { readonly allowed: false; readonly address: string; readonly addressClass: AddressClass; readonly reason: string };

type Rule = readonly [cidr: string, addressClass: AddressClass];

// Checked in order, first match wins, no match means public. Metadata endpoints come first because
// they sit inside link-local, CGNAT or even public space and must not inherit those verdicts.
// 'public' rows are the globally reachable exceptions carved out of a special-purpose block.
const IPV4_RULES: readonly Rule[] = [
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OCI, DigitalOcean... instance metadata
  ['169.254.170.2/32', 'metadata'], // AWS ECS task credentials
  ['169.254.170.23/32', 'metadata'], // AWS EKS Pod Identity credentials
  ['169.254.0.23/32', 'metadata'], // Tencent Cloud metadata
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud metadata
  ['168.63.129.16/32', 'metadata'], // Azure WireServer: looks public, but serves VM config and secrets
  ['0.0.0.0/8', 'unspecified'], // Linux connects 0.0.0.0 to the local host
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['169.254.0.0/16', 'link-local'],
  ['100.64.0.0/10', 'cgnat'],
  ['192.0.0.9/32', 'public'], // PCP anycast (RFC 7723)
  ['192.0.0.10/32', 'public'], // TURN anycast (RFC 8155)
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['198.18.0.0/15', 'benchmarking'],
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast, deprecated (RFC 7526)
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];

// Embedded-IPv4 forms are judged before these rules (see EMBEDDINGS), so this table only has to
// describe native IPv6 space.
const IPV6_RULES: readonly Rule[] = [
  ['fd00:ec2::254/128', 'metadata'], // AWS instance metadata over IPv6
  ['fd00:ec2::23/128', 'metadata'], // AWS EKS Pod Identity over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'], // discard-only (RFC 6666)
  ['100:0:0:1::/64', 'reserved'], // dummy prefix (RFC 9780)
  ['2001:1::1/128', 'public'], // PCP anycast
  ['2001:1::2/128', 'public'], // TURN anycast
  ['2001:1::3/128', 'public'], // DNS-SD SRP anycast
  ['2001:3::/32', 'public'], // AMT (RFC 7450)
  ['2001:4:112::/48', 'public'], // AS112-v6 (RFC 7535)
  ['2001:2::/48', 'benchmarking'],
  ['2001::/23', 'reserved'], // rest of the IETF protocol block: ORCHIDs and drone tags are not routable
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'reserved'], // SRv6 SIDs (RFC 9602)
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'], // site-local, deprecated since RFC 3879; nobody should still route it
  ['ff00::/8', 'multicast'],
  // Only 2000::/3 is allocated for global unicast; everything else left over is IETF-reserved.
  ['::/3', 'reserved'],
  ['4000::/2', 'reserved'],
  ['8000::/1', 'reserved'],
];

type ParsedRule<T> = readonly [range: [T, number], addressClass: AddressClass];

const IPV4_TABLE: readonly ParsedRule<ipaddr.IPv4>[] = IPV4_RULES.map(([cidr, cls]) => [ipaddr.IPv4.parseCIDR(cidr), cls]);
const IPV6_TABLE: readonly ParsedRule<ipaddr.IPv6>[] = IPV6_RULES.map(([cidr, cls]) => [ipaddr.IPv6.parseCIDR(cidr), cls]);

interface Embedding {
  readonly name: string;
  readonly range: [ipaddr.IPv6, number];
  readonly extract: (bytes: readonly number[]) => number[];
}

const lastFourBytes = (bytes: readonly number[]): number[] => bytes.slice(12, 16);

// A packet to any of these ends up at the embedded IPv4 address (via the kernel, a NAT64 gateway or
// a tunnel relay), so that address is what has to pass the policy.
const EMBEDDINGS: readonly Embedding[] = [
  { name: 'IPv4-mapped', range: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), extract: lastFourBytes },
  { name: 'NAT64', range: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), extract: lastFourBytes },
  // Local-use NAT64 (RFC 8215) may use any prefix length; /96 is what deployments use in practice.
  { name: 'NAT64', range: ipaddr.IPv6.parseCIDR('64:ff9b:1::/48'), extract: lastFourBytes },
  { name: '6to4', range: ipaddr.IPv6.parseCIDR('2002::/16'), extract: (bytes) => bytes.slice(2, 6) },
  // Teredo obfuscates the client address by inverting it, precisely so NATs don't rewrite it.
  { name: 'Teredo', range: ipaddr.IPv6.parseCIDR('2001::/32'), extract: (bytes) => bytes.slice(12, 16).map((b) => ~b & 0xff) },
  // Listed last so :: and ::1, which also fall in ::/96, are excluded by isIPv4Compatible first.
  { name: 'IPv4-compatible', range: ipaddr.IPv6.parseCIDR('::/96'), extract: lastFourBytes },
];

const ZERO_OR_ONE = ipaddr.IPv6.parseCIDR('::/127');

// What allowPrivate opens up: where internal MCP servers and test fixtures live. Metadata is
// deliberately absent even though it sits in link-local/CGNAT space: allowPrivate exists to reach
// internal MCP servers, never to let a monitored URL read the instance's cloud credentials.
// Multicast, unspecified, broadcast, documentation, reserved and benchmarking are absent too:
// nothing legitimate is served there.
/** The classes allowPrivate admits. */
export const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set<AddressClass>([
  'loopback',
  'private',
  'link-local',
  'cgnat',
  'unique-local',
]);

const DESCRIPTIONS: Readonly<Record<AddressClass, string>> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  'link-local': 'a link-local address',
  cgnat: 'a carrier-grade NAT (RFC 6598) address',
  'unique-local': 'a unique-local IPv6 address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  documentation: 'a documentation address',
  metadata: 'a cloud metadata address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  invalid: 'not an IP address',
};

interface Inspection {
  readonly addressClass: AddressClass;
  readonly family?: 4 | 6;
  /** Why the class is not the obvious one, for the refusal reason. */
  readonly note?: string;
}

export function classifyAddress(address: string): AddressClass {
  return inspect(address).addressClass;
}

export function checkAddress(address: string, policy: AddressPolicy): AddressDecision {
  const { addressClass, family, note } = inspect(address);
  if (family !== undefined && isAdmitted(addressClass, policy)) return { allowed: true, address, family };
  return { allowed: false, address, addressClass, reason: describe(address, addressClass, note) };
}

/**
 * Turns a WHATWG URL hostname into the bare IP it denotes, or undefined when it is a DNS name.
 * `[::1]` becomes `::1`. URL has already rewritten 0x7f.1, 2130706433 and 0177.0.0.1 to dotted
 * quads, but hostnames that bypassed URL may still carry those spellings, and getaddrinfo would
 * honour them as addresses; normalising them here keeps them from passing as names.
 */
export function hostIsIpLiteral(hostname: string): string | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    const inner = hostname.slice(1, -1);
    return parseIPv6(inner) === undefined ? undefined : inner;
  }
  if (parseIPv6(hostname) !== undefined) return hostname;
  if (!IPV4_SPELLING.test(hostname)) return undefined;
  if (isFourPartDecimal(hostname)) return hostname;
  return legacyIPv4(hostname);
}

// ipaddr.js validates IPv4 by throwing and catching (a stack trace per call, ~10 µs): names, the
// common case, and other non-candidates are turned away by these patterns before it is asked.
const IPV4_SPELLING = /^[0-9a-fx.]+$/i;
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

function isFourPartDecimal(text: string): boolean {
  return FOUR_PART_DECIMAL.test(text) && ipaddr.IPv4.isValidFourPartDecimal(text);
}

function isAdmitted(addressClass: AddressClass, policy: AddressPolicy): boolean {
  return addressClass === 'public' || (policy.allowPrivate && PRIVATE_CLASSES.has(addressClass));
}

function describe(address: string, addressClass: AddressClass, note: string | undefined): string {
  const shown = addressClass === 'invalid' ? JSON.stringify(address) : address;
  const suffix = note === undefined ? '' : ` (${note})`;
  return `${shown} is ${DESCRIPTIONS[addressClass]}${suffix}`;
}

// Verdicts by address text: a fleet probes the same addresses every round, and judging an IPv6
// address costs ~20 µs. Inspections are immutable; the map is emptied when full.
const inspected = new Map<string, Inspection>();
const INSPECTED_LIMIT = 65_536;

function inspect(address: string): Inspection {
  const known = inspected.get(address);
  if (known !== undefined) return known;
  const inspection = inspectUncached(address);
  if (inspected.size >= INSPECTED_LIMIT) inspected.clear();
  inspected.set(address, inspection);
  return inspection;
}

function inspectUncached(address: string): Inspection {
  // Only canonical spellings count as addresses here: this judges what a resolver or URL parser
  // produced, and an ambiguous form such as 010.0.0.1 (octal or decimal?) must not be guessed at.
  if (isFourPartDecimal(address)) {
    return { addressClass: matchRules(ipaddr.IPv4.parse(address), IPV4_TABLE), family: 4 };
  }
  const parsed = parseIPv6(address);
  if (parsed === undefined) return { addressClass: 'invalid' };
  const inspection = inspectIPv6(parsed.ip);
  return parsed.zone === undefined ? inspection : scoped(inspection);
}

// A zone id only means something for scoped (non-global) addresses, so a zoned address that would
// otherwise look public is treated as link-local rather than trusted.
function scoped(inspection: Inspection): Inspection {
  if (inspection.addressClass !== 'public') return inspection;
  return { addressClass: 'link-local', family: 6, note: 'it carries a zone id' };
}

function inspectIPv6(ip: ipaddr.IPv6): Inspection {
  const embedded = embeddedIPv4(ip);
  if (embedded !== undefined) {
    const v4 = embedded.address.toString();
    return { addressClass: matchRules(embedded.address, IPV4_TABLE), family: 6, note: `${embedded.name}, embeds ${v4}` };
  }
  return { addressClass: matchRules(ip, IPV6_TABLE), family: 6 };
}

function embeddedIPv4(ip: ipaddr.IPv6): { readonly name: string; readonly address: ipaddr.IPv4 } | undefined {
  if (ip.match(ZERO_OR_ONE)) return undefined;
  const embedding = EMBEDDINGS.find((e) => ip.match(e.range));
  if (embedding === undefined) return undefined;
  return { name: embedding.name, address: new ipaddr.IPv4(embedding.extract(ip.toByteArray())) };
}

function matchRules<T extends ipaddr.IPv4 | ipaddr.IPv6>(ip: T, table: readonly ParsedRule<T>[]): AddressClass {
  return table.find(([range]) => ip.match(range))?.[1] ?? 'public';
}

const IPV6_GROUP = /^[0-9a-f]{1,4}$/i;
// RFC 6874 allows any unreserved characters in a zone id; interface names and indexes fit this.
const ZONE_ID = /^[0-9a-z._~-]+$/i;

// ipaddr.js alone is too forgiving for a security check (it reads ::a.b.c.d as ::ffff:a.b.c.d and
// accepts octal/hex in the dotted tail), so the text form is validated strictly here first.
function parseIPv6(text: string): { readonly ip: ipaddr.IPv6; readonly zone: string | undefined } | undefined {
  const percent = text.indexOf('%');
  const body = percent === -1 ? text : text.slice(0, percent);
  const zone = percent === -1 ? undefined : text.slice(percent + 1);
  if (zone !== undefined && !ZONE_ID.test(zone)) return undefined;
  const hex = dottedTailToHex(body);
  if (hex === undefined || !isStrictIPv6Hex(hex) || !ipaddr.IPv6.isValid(hex)) return undefined;
  return { ip: ipaddr.IPv6.parse(hex), zone };
}

// Rewrites a trailing dotted quad (::ffff:1.2.3.4) as two hex groups (::ffff:102:304).
function dottedTailToHex(body: string): string | undefined {
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (!tail.includes('.')) return body;
  if (lastColon === -1 || !isFourPartDecimal(tail)) return undefined;
  const groups = ipaddr.IPv4.parse(tail).toIPv4MappedAddress().parts.slice(6);
  return body.slice(0, lastColon + 1) + groups.map((g) => g.toString(16)).join(':');
}

function isStrictIPv6Hex(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

// The inet_aton spellings WHATWG URL also accepts (127.1, 0x7f.1, 2130706433, 0177.0.0.1),
// including the single trailing dot URL tolerates.
function legacyIPv4(hostname: string): string | undefined {
  const bare = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return ipaddr.IPv4.isValid(bare) ? ipaddr.IPv4.parse(bare).toString() : undefined;
}
