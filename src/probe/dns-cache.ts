// A TTL-respecting cache in front of the service's c-ares resolver. At 10k endpoints the service
// asked DNS twice per probe (A and AAAA): a busy loop let UDP replies pile up and drop, and 1,742
// of 4,891 probes ended in DNS_TIMEOUT against a healthy resolver. Most endpoints share a few
// names, so answering from memory removes nearly all of those queries, and concurrent misses for
// one name share a single query. Hand-written rather than a library: the LRU caches in the tree
// (toad-cache) keep one TTL for all entries, and DNS needs one per answer and an injected clock.
import type { RecordWithTtl } from 'node:dns';
import type { DnsResolver } from './dns.ts';

export interface DnsCacheOptions {
  /** ms since the epoch; the cache's only source of time. */
  readonly clock: () => number;
  /** Most answers kept (A and AAAA of a name are two); the least recently used goes first. */
  readonly maxEntries?: number;
  /** TTL floor, s: a TTL of 0 (some CDNs) would otherwise send every probe to DNS. */
  readonly minTtlS?: number;
  /** TTL ceiling, s: a moved or deleted name is noticed within this long whatever its TTL says. */
  readonly maxTtlS?: number;
  /** How long "no such name" is remembered, s (kept short: it may be a typo being fixed). */
  readonly negativeTtlS?: number;
  /**
   * How long "no records of this type" for a name that exists is remembered, s: the AAAA of an
   * IPv4-only server, asked beside its A on every probe. Kept as long as a positive answer: at 30 s
   * every probe at the default 60 s asked for it again, ~5 % of a probe's CPU in the capacity bench.
   */
  readonly nodataTtlS?: number;
}

export const DNS_CACHE_DEFAULTS = Object.freeze({ maxEntries: 65_536, minTtlS: 5, maxTtlS: 300, negativeTtlS: 30, nodataTtlS: 300 });

/** Answers that say the name or its records do not exist; every other error (timeout, SERVFAIL, refused) is asked again. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

type Entry = { readonly expiresAt: number } & ({ readonly records: readonly RecordWithTtl[] } | { readonly error: Error });

export interface DnsCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
}

export interface CachingResolver extends DnsResolver {
  readonly stats: DnsCacheStats;
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
}

export function createCachingResolver(inner: DnsResolver, options: DnsCacheOptions): CachingResolver {
  const maxEntries = options.maxEntries ?? DNS_CACHE_DEFAULTS.maxEntries;
  const minTtlS = options.minTtlS ?? DNS_CACHE_DEFAULTS.minTtlS;
  const maxTtlS = Math.max(minTtlS, options.maxTtlS ?? DNS_CACHE_DEFAULTS.maxTtlS);
  const negativeTtlS = Math.min(maxTtlS, options.negativeTtlS ?? DNS_CACHE_DEFAULTS.negativeTtlS);
  const nodataTtlS = Math.min(maxTtlS, options.nodataTtlS ?? DNS_CACHE_DEFAULTS.nodataTtlS);
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  // Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<RecordWithTtl[]>>();
  let hits = 0;
  let misses = 0;

  const store = (key: string, entry: Entry): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };

  const ask = (family: 4 | 6, hostname: string): Promise<RecordWithTtl[]> => {
    const key = `${family} ${hostname.toLowerCase().replace(/\.$/, '')}`;
    const now = options.clock();
    const cached = entries.get(key);
    if (cached !== undefined && cached.expiresAt > now) {
      hits++;
      store(key, cached);
      if ('error' in cached) return Promise.reject(cached.error);
      // The TTL a caller sees is what is left of it, as from any caching resolver.
      const left = Math.max(0, Math.ceil((cached.expiresAt - now) / 1000));
      return Promise.resolve(cached.records.map((r) => ({ address: r.address, ttl: Math.min(r.ttl, left) })));
    }
    if (cached !== undefined) entries.delete(key);
    const inFlight = pending.get(key);
    if (inFlight !== undefined) {
      hits++;
      return inFlight.then((records) => records.map((r) => ({ ...r })));
    }
    misses++;
    const query = (family === 4 ? inner.resolve4(hostname, { ttl: true }) : inner.resolve6(hostname, { ttl: true })).then(
      (records) => {
        const ttl = records.reduce((min, r) => Math.min(min, r.ttl), maxTtlS);
        store(key, { expiresAt: options.clock() + Math.max(minTtlS, ttl) * 1000, records: records.map((r) => ({ ...r })) });
        return records;
      },
      (error: unknown) => {
        const code = errorCode(error);
        if (NEGATIVE.has(code) && error instanceof Error) store(key, { expiresAt: options.clock() + (code === 'ENODATA' ? nodataTtlS : negativeTtlS) * 1000, error });
        throw error;
      },
    );
    const settled = query.finally(() => pending.delete(key));
    pending.set(key, settled);
    return settled;
  };

  return {
    resolve4: (hostname) => ask(4, hostname),
    resolve6: (hostname) => ask(6, hostname),
    get stats() {
      return { hits, misses, entries: entries.size };
    },
  };
}
