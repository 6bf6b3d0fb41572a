import type { CertificateFacts } from '../domain/probe-result.ts';

/**
 * What a verified full handshake left behind for one endpoint: its certificate facts and the
 * newest session the server handed out since. A resumed handshake proves the server still holds
 * the keys of a session we verified, but shows no certificate, so its facts are these.
 */
export interface SessionEntry {
  /** Wall-clock ms of the full handshake the facts come from. */
  readonly fullAt: number;
  readonly facts: CertificateFacts;
  /** The latest session ticket (or id) for this endpoint; null until the server sends one. */
  session: Buffer | null;
}

export interface TlsSessionCacheOptions {
  /**
   * Entries kept (least recently used go first). A session is ~380 B once its certificate is
   * dropped (tls-session-der.ts; 794 B with it, P-256 leaf, measured), and the facts' strings are
   * shared with the latest result, so the default costs ~50–100 MB at most. It covers 50,000 endpoints because an LRU smaller than the set probed in a
   * round would evict every entry before its next use.
   */
  readonly maxEntries?: number;
  /** A full handshake (fresh certificate facts) at least this often per endpoint. */
  readonly maxAgeMs?: number;
  /** Wall clock in ms; injected so tests can pass the hour without waiting it. */
  readonly clock?: () => number;
}

export const DEFAULT_SESSION_MAX_ENTRIES = 50_000;
export const DEFAULT_SESSION_MAX_AGE_MS = 3_600_000;

/**
 * TLS sessions per endpoint (host:port and SNI), so most probes resume instead of running a full
 * handshake: on loopback a resumed TLS 1.3 handshake skips the certificate chain's verification
 * and Node's own getPeerCertificate(true) walk, which was 13 % of a probe's CPU.
 */
export class TlsSessionCache {
  readonly #entries = new Map<string, SessionEntry>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;

  constructor(options: TlsSessionCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_SESSION_MAX_ENTRIES;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
    this.#clock = options.clock ?? Date.now;
  }

  /** The entry to resume from, or undefined when there is none or its full handshake is too old. */
  resumable(key: string): (SessionEntry & { session: Buffer }) | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#clock() - entry.fullAt >= this.#maxAgeMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-inserted so Map order is least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.session === null ? undefined : (entry as SessionEntry & { session: Buffer });
  }

  /** Records a verified full handshake; sessions arriving later on its socket attach to it. */
  rememberFull(key: string, facts: CertificateFacts): SessionEntry {
    const entry: SessionEntry = { fullAt: this.#clock(), facts, session: null };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return entry;
  }

  /** Drops an endpoint's entry, so its next handshake is a full one. */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
