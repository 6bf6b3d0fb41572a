// Which live node of a region probes which endpoint: rendezvous (highest-random-weight) hashing.
//
// Every node scores every (endpoint, node) pair and the highest score owns the endpoint, so each
// node computes its share from the live node list alone, with no coordinator. Removing a node
// moves only the endpoints it owned (each goes to its runner-up); adding one moves only the
// endpoints it now wins. Pure: no clock, no I/O.
//
// The weight is not a cryptographic hash: nobody gains from steering an endpoint to a node, and
// SHA-256 per pair (node:crypto, which domain/ must not import anyway) costs ~1 µs, i.e. ~0.5 s
// for 50,000 endpoints × 10 nodes. Instead each endpoint and each node name is hashed once to two
// 32-bit words and a pair's weight is murmur3's fmix32 finaliser over the XOR of the words. fmix32
// is a bijection with full avalanche, so for two nodes whose words differ by d the endpoint goes
// to each with probability exactly 1/2 (x and x ^ d pair up), and the two words give a 53-bit
// weight whose ties (one in ~2^53 per pair) are broken by node name so the result stays a total
// order. Measured: assign() of 50,000 endpoints over 10 nodes takes 8–15 ms warm (17 ms on the
// first, unoptimised call) on the shared 2-core box under load 3 (Node 20), against a 100 ms
// budget; test/domain/rendezvous.test.ts keeps a loose bound so a regression to per-pair
// string hashing or allocation would show.
import { fmix32 } from './phase.ts';

const TWO_POW_32 = 2 ** 32;
const TWO_POW_21 = 2 ** 21;
// Seeds differ from the phase hash's (src/domain/phase.ts): which node owns an endpoint must say
// nothing about where in the interval it runs, or a node's share would bunch in part of the
// minute. The pair mix alone already decorrelates them (the test measures it); the seeds are a second guard.
const ENDPOINT_SEED_A = 0x3c6e_f372;
const ENDPOINT_SEED_B = 0xa54f_f53a;
const NODE_SEED_A = 0x510e_527f;
const NODE_SEED_B = 0x9b05_688c;

interface Words {
  readonly a: number;
  readonly b: number;
}

function endpointWords(endpointId: number): Words {
  if (!Number.isSafeInteger(endpointId)) throw new RangeError(`endpoint id must be a safe integer, got ${endpointId}`);
  const low = endpointId >>> 0;
  const high = Math.floor(endpointId / TWO_POW_32) >>> 0;
  return {
    a: fmix32(low ^ fmix32(high + ENDPOINT_SEED_A)),
    b: fmix32(Math.imul(low, 0x9e37_79b1) ^ fmix32(high ^ ENDPOINT_SEED_B)),
  };
}

/** FNV-1a over UTF-16 code units, then fmix32: FNV alone leaves names differing in the last character too close. */
function stringWord(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x0100_0193);
  return fmix32(h ^ s.length);
}

interface NodeKey extends Words {
  readonly name: string;
}

/** Distinct names, each hashed once; the input order does not matter to any caller of this. */
function nodeKeys(nodes: readonly string[]): NodeKey[] {
  return [...new Set(nodes)].map((name) => ({ name, a: stringWord(name, NODE_SEED_A), b: stringWord(name, NODE_SEED_B) }));
}

function weight(e: Words, n: NodeKey): number {
  return fmix32(e.a ^ n.a) * TWO_POW_21 + (fmix32(e.b ^ n.b) >>> 11);
}

function winner(e: Words, keys: readonly NodeKey[]): NodeKey | undefined {
  let best: NodeKey | undefined;
  let bestWeight = -1;
  for (const key of keys) {
    const w = weight(e, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && key.name < best.name)) {
      best = key;
      bestWeight = w;
    }
  }
  return best;
}

/** The node that probes this endpoint, or undefined when no node is live. */
export function ownerOf(endpointId: number, nodes: readonly string[]): string | undefined {
  return winner(endpointWords(endpointId), nodeKeys(nodes))?.name;
}

/** ownerOf for one node set and many endpoints: the node names are hashed once, not per endpoint. */
export function ownerLookup(nodes: readonly string[]): (endpointId: number) => string | undefined {
  const keys = nodeKeys(nodes);
  return (endpointId) => winner(endpointWords(endpointId), keys)?.name;
}

/**
 * Every node's share, each id list in input order. Every distinct node gets an entry, an empty
 * list included, so a node owning nothing is visible; no nodes gives an empty map.
 */
export function assign(endpointIds: Iterable<number>, nodes: readonly string[]): Map<string, number[]> {
  const keys = nodeKeys(nodes);
  const shares = new Map<string, number[]>(keys.map((key) => [key.name, []]));
  if (keys.length === 0) return shares;
  for (const id of endpointIds) shares.get(winner(endpointWords(id), keys)!.name)!.push(id);
  return shares;
}
