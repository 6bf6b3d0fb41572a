// A short server-side cache for view models that are expensive to build (the dashboard and the
// public overview over a large fleet), so a burst of page loads builds once. Only a build that
// took at least `minBuildMs` is kept: small fleets always see fresh figures, and a cached view
// is at most `ttlMs` old (the pages show when they were built). Requests that arrive while a view
// is being built wait for that build instead of starting their own.

export interface ViewCacheOptions {
  readonly ttlMs: number;
  /** Builds faster than this are not cached. */
  readonly minBuildMs: number;
  /** Distinct keys kept at once (keys come from query parameters). */
  readonly maxEntries?: number;
  /** Monotonic milliseconds; real time, not the app clock, since it measures build time too. */
  readonly now?: () => number;
}

export class ViewCache<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly expiresAt: number }>();
  readonly #building = new Map<string, Promise<T>>();
  readonly #ttlMs: number;
  readonly #minBuildMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: ViewCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#minBuildMs = options.minBuildMs;
    this.#maxEntries = options.maxEntries ?? 32;
    this.#now = options.now ?? (() => performance.now());
  }

  get(key: string, build: () => T | Promise<T>): Promise<T> {
    const start = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > start) return Promise.resolve(hit.value);
    this.#entries.delete(key);
    const pending = this.#building.get(key);
    if (pending) return pending;
    const building = this.#build(key, build, start).finally(() => this.#building.delete(key));
    this.#building.set(key, building);
    return building;
  }

  async #build(key: string, build: () => T | Promise<T>, start: number): Promise<T> {
    const value = await build();
    const end = this.#now();
    if (end - start >= this.#minBuildMs && this.#ttlMs > 0) {
      for (const [k, entry] of this.#entries) if (entry.expiresAt <= end) this.#entries.delete(k);
      if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { value, expiresAt: end + this.#ttlMs });
    }
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** What the dashboard and the overview use: 10 s (unless `ttlMs` says otherwise), for builds of 100 ms or more. */
export function pageViewCache<T>(ttlMs = 10_000): ViewCache<T> {
  return new ViewCache<T>({ ttlMs, minBuildMs: 100 });
}
