// The per-endpoint block of /metrics kept up to date instead of rendered per scrape: each endpoint's
// lines are rendered again only when its state, last result or slug changes, and a scrape joins
// cached pieces instead of 330k lines.
//
// Changes are found by identity, not by hooks into the recorder: the recorder replaces an
// endpoint's state object on every round and flush (states are immutable), the monitor stores a
// new result object per round, so a sweep comparing three references per endpoint finds exactly
// what moved, and nothing outside src/metrics needs to call in. A re-render whose text comes out
// the same (a fresh initialState for a never-checked endpoint) changes nothing. Measured at 10,000
// endpoints (bench/metrics.bench.ts, 2 loaded cores): a sweep with nothing new ~3.8 ms; rendering,
// joining and deflating what changed ~46 µs per result, ~1 % of a core at 60 s probing.
//
// The format wants each family's samples together under one HELP/TYPE, so a scrape cannot simply
// concatenate per-endpoint text; joining 10,000 endpoints × 27 families piece by piece cost
// ~150 ms of CPU per scrape. Endpoints are therefore grouped in segments of SEGMENT_SIZE, each
// holding its members' lines joined per family; a scrape concatenates segments × families
// buffers. An endpoint whose text changed moves to the newest segment: results arrive in
// schedule order, so the endpoints of one segment come due together again and the other segments
// stay untouched (clean) — only the segments being filled and emptied are joined again.
// Within a family, samples are therefore in arrival order, not slug order; Prometheus reads
// either. The price is memory: the lines are held twice (per endpoint, and joined per segment),
// ~27 MiB of heap and ~34 MiB of buffers at 10,000 endpoints.
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isIdle, type Endpoint } from '../domain/endpoint.ts';
import type { EndpointState, HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import { ENDPOINT_FAMILIES, FAMILY_KEYS, endpointSamples, type ComplianceSeriesInput, type EndpointSeriesInput, type FamilyKey } from './endpoint-series.ts';
import { familyHeader } from './exposition.ts';
import type { PackedPiece } from './gzip-body.ts';

export interface EndpointBlockSource {
  readonly listEndpoints: () => readonly Endpoint[];
  readonly state: (endpointId: number) => EndpointState;
  readonly latestResult: (endpointId: number) => ProbeResult | undefined;
  /** The latest compliance report and grade; replaced (a new object) whenever either changes. */
  readonly compliance?: (endpointId: number) => ComplianceSeriesInput | undefined;
  readonly policy: HealthPolicy;
}

/** What one sweep did. */
export interface SyncFigures {
  /** CPU time of the sweep's slices (without the waits between them), ms. */
  readonly cpuMs: number;
  /** The longest slice, ms: how long the sweep held the loop at once. */
  readonly longestSliceMs: number;
  readonly endpoints: number;
  /** Endpoints whose lines were rendered again. */
  readonly rendered: number;
}

interface Entry {
  readonly slug: string;
  state: EndpointState;
  latest: ProbeResult | undefined;
  compliance: ComplianceSeriesInput | undefined;
  /** Last known earliest certificate expiry, ms; kept while later probes never reach TLS. */
  readonly certExpiryMs: number | null;
  /**
   * All this endpoint's lines, families in FAMILY_KEYS order, as one flat string: family f is
   * text.slice(starts[f], starts[f + 1]). Two objects per endpoint, not a string per line: 330k
   * long-lived template-literal strings (ropes) at 10,000 endpoints made every join and every
   * major GC walk millions of nodes (a join took ~1 s).
   */
  readonly text: string;
  readonly starts: readonly number[];
  segment: Segment;
  /** The sweep that last saw the endpoint active. */
  seen: number;
  intervalS: number;
  /** The second its next result is expected (the bucket of #due it is in); +Infinity when never checked. */
  dueSecond: number;
}

/** A run of bytes of the block, with its gzip form once a gzip scrape wanted it (see gzip-body.ts). */
export interface Piece {
  readonly data: Buffer;
  packed?: PackedPiece;
}

/** The block's pieces in order, and the same pieces family by family (FAMILY_KEYS order). */
export interface BlockPieces {
  readonly all: readonly Piece[];
  readonly byFamily: readonly (readonly Piece[])[];
}

interface Segment {
  readonly members: Map<number, Entry>;
  /** Members' lines per family, joined and encoded; stale while `dirty`. */
  chunks: readonly Piece[];
  dirty: boolean;
  /** Gained members since it was last joined (only losing them is `dirty` alone). */
  grew: boolean;
  /** The last sweep that added or removed a member. */
  changedAt: number;
}

/** An endpoint the sweep found changed, with what it read. */
interface Changed {
  readonly id: number;
  readonly slug: string;
  readonly state: EndpointState;
  readonly latest: ProbeResult | undefined;
  readonly compliance: ComplianceSeriesInput | undefined;
  readonly intervalS: number;
}

// 128 × 27 families: ~1.5 ms to join one segment; 79 segments at 10,000 endpoints, ~2,100 buffers
// per scrape. A scrape joins and deflates the open segment and those draining that tick: at 256,
// ~5-8 ms of a 17 ms scrape at 10,000 endpoints; at 128, half (bench/metrics.bench.ts), for a
// gzip body 5 % larger (1.27 → 1.34 MiB: pieces are deflated apart).
export const SEGMENT_SIZE = 128;
const FAMILY_INDEX = Object.fromEntries(FAMILY_KEYS.map((key, i) => [key, i])) as Record<FamilyKey, number>;
const HEADERS: readonly Piece[] = FAMILY_KEYS.map((key) => ({ data: Buffer.from(familyHeader(ENDPOINT_FAMILIES[key].name, ENDPOINT_FAMILIES[key].type, ENDPOINT_FAMILIES[key].help)) }));
const CHECK_EVERY = 32;

export class EndpointBlocks {
  readonly #policy: HealthPolicy;
  readonly #sliceMs: number;
  readonly #segmentSize: number;
  readonly #entries = new Map<number, Entry>();
  #segments: Segment[] = [];
  #sweep = 0;
  #version = 0;
  #joins = 0;
  #pieces: { readonly version: number; readonly pieces: BlockPieces } | undefined;
  /** Endpoint ids by the second their next result is due (see syncDue); stale ids are skipped. */
  readonly #due = new Map<number, number[]>();

  readonly #region: string | undefined;

  constructor(policy: HealthPolicy, options: { readonly sliceMs?: number; readonly segmentSize?: number; readonly region?: string } = {}) {
    this.#policy = policy;
    this.#region = options.region;
    this.#sliceMs = options.sliceMs ?? 8;
    this.#segmentSize = options.segmentSize ?? SEGMENT_SIZE;
  }

  /** Bumped whenever the block's text changes. */
  get version(): number {
    return this.#version;
  }

  /** Endpoints with lines in the block. */
  get size(): number {
    return this.#entries.size;
  }

  /** Segments joined so far (each join re-reads its members' lines and drops its gzip form). */
  get joins(): number {
    return this.#joins;
  }

  /**
   * Brings every endpoint's lines up to date with the source, in slices of at most ~sliceMs. One at a time.
   *
   * Two passes: the sweep finds what changed (three identity checks per endpoint), then the changed
   * endpoints are rendered in the order they are next due (last check + interval, to the second), so each segment
   * holds endpoints that come due together and empties at once instead of losing a few members at
   * every refresh. Results landing in schedule order are already in that order; a first render
   * (after a start, or a first scrape) is sorted into it, so segments follow arrival order from the
   * start instead of after a whole interval of churn. At 50,000 endpoints, with listing order kept,
   * the first interval's scrapes joined again and deflated ~200 segments each: 1.2 s (bench/metrics.bench.ts).
   */
  async sync(source: EndpointBlockSource): Promise<SyncFigures> {
    const slices = new Slices(this.#sliceMs);
    const sweep = ++this.#sweep;
    const endpoints = source.listEndpoints();
    let active = 0;
    // The changed endpoints by the second they are next due: grouping, not sorting 50,000 of them
    // (a comparison sort of that many took 55–80 ms in one block on a loaded machine).
    const due = new Map<number, Changed[]>();
    let rendered = 0;
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[i];
      // A paused or archived endpoint is not probed: its last values would read as current, so it has no series.
      if (endpoint === undefined || isIdle(endpoint)) continue;
      active++;
      const before = this.#entries.get(endpoint.id);
      const state = source.state(endpoint.id);
      const latest = source.latestResult(endpoint.id);
      const compliance = source.compliance?.(endpoint.id);
      if (before !== undefined && before.slug === endpoint.slug && before.state === state && before.latest === latest && before.compliance === compliance) {
        before.seen = sweep;
      } else {
        // Seen now, so the deletions below leave it alone even if it is rendered after a yield.
        if (before !== undefined) before.seen = sweep;
        const second = nextDueSecond(state, endpoint.intervalS);
        const group = due.get(second);
        const c: Changed = { id: endpoint.id, slug: endpoint.slug, state, latest, compliance, intervalS: endpoint.intervalS };
        if (group === undefined) due.set(second, [c]);
        else group.push(c);
        rendered++;
      }
      if (i % CHECK_EVERY === CHECK_EVERY - 1) await slices.maybeYield();
    }
    // Never-checked endpoints (due +Infinity) go last; within a second, in listing order.
    let k = 0;
    for (const second of Float64Array.from(due.keys()).sort()) {
      for (const c of due.get(second) ?? []) {
        // An endpoint deleted during a yield is still rendered once; the next sweep drops it.
        this.#update(c, this.#entries.get(c.id), sweep);
        if (++k % CHECK_EVERY === 0) await slices.maybeYield();
      }
    }
    // Endpoints that were deleted, paused or archived drop out here, their remembered expiry with
    // them. Every active endpoint has an entry marked with this sweep, so equal counts mean none left.
    if (this.#entries.size > active) for (const [id, entry] of this.#entries) {
      if (entry.seen === sweep) continue;
      this.#entries.delete(id);
      this.#leave(id, entry.segment);
    }
    this.#foldSettled(sweep);
    return { ...slices.end(), endpoints: active, rendered };
  }

  /**
   * Takes in the results due by `nowMs` and no others: looks only at the endpoints whose next
   * result was expected by then (last check + interval), instead of three lookups for every
   * endpoint. A result lands at its endpoint's slot, so this finds every scheduled round; one that
   * has not landed yet is looked at again a second later. What lands off schedule (a state written
   * back by the flush, a compliance report, an endpoint added, renamed, paused or deleted) waits for
   * the next full `sync`, which every scrape runs. Measured at 50,000 endpoints, 2 loaded cores: a
   * full sweep 20–33 ms, this ~1 ms plus the rendering.
   */
  async syncDue(source: EndpointBlockSource, nowMs: number): Promise<SyncFigures> {
    const slices = new Slices(this.#sliceMs);
    const sweep = ++this.#sweep;
    const now = Math.floor(nowMs / 1000);
    const changed: Changed[] = [];
    let checked = 0;
    for (const [second, ids] of this.#due) {
      if (second > now) continue;
      this.#due.delete(second);
      for (const id of ids) {
        const entry = this.#entries.get(id);
        // Deleted, or rescheduled since (its id sits in another bucket too).
        if (entry === undefined || entry.dueSecond !== second) continue;
        const state = source.state(id);
        const latest = source.latestResult(id);
        const compliance = source.compliance?.(id);
        if (entry.state === state && entry.latest === latest && entry.compliance === compliance) this.#schedule(id, entry, now + 1);
        else changed.push({ id, slug: entry.slug, state, latest, compliance, intervalS: entry.intervalS });
        if (++checked % CHECK_EVERY === 0) await slices.maybeYield();
      }
    }
    for (let k = 0; k < changed.length; k++) {
      const c = changed[k];
      if (c === undefined) continue;
      // Deleted during a yield: the next full sweep would drop it again.
      const before = this.#entries.get(c.id);
      if (before === undefined) continue;
      this.#update(c, before, sweep);
      if (k % CHECK_EVERY === CHECK_EVERY - 1) await slices.maybeYield();
    }
    this.#foldSettled(sweep);
    return { ...slices.end(), endpoints: this.#entries.size, rendered: changed.length };
  }

  /**
   * The block as of the last sync, as pieces to write one after another: every family that has
   * samples, its HELP and TYPE then its segments' chunks (`byFamily[f]` holds family f's, in
   * FAMILY_KEYS order). Segments that changed are joined again first; the lists are reused while
   * the version stands.
   */
  async pieces(): Promise<BlockPieces> {
    await this.joinChanged();
    // From here on synchronous: the pieces match the version they are cached under.
    if (this.#pieces?.version === this.#version) return this.#pieces.pieces;
    this.#segments = this.#segments.filter((segment) => segment.members.size > 0);
    const all: Piece[] = [];
    const byFamily: Piece[][] = [];
    for (let f = 0; f < HEADERS.length; f++) {
      const header = HEADERS[f];
      const family: Piece[] = [];
      for (const segment of this.#segments) {
        const chunk = segment.chunks[f];
        if (chunk === undefined || chunk.data.length === 0) continue;
        if (family.length === 0 && header) family.push(header);
        family.push(chunk);
      }
      byFamily.push(family);
      all.push(...family);
    }
    const pieces: BlockPieces = { all, byFamily };
    this.#pieces = { version: this.#version, pieces };
    return pieces;
  }

  /**
   * Joins again the segments whose members changed — with `settledOnly`, only those that gained
   * members or did not change in the last sweep — yielding between segments once a slice has run
   * ~sliceMs. Returns the new pieces.
   *
   * The refresh leaves alone a segment that is losing members: its members come due together, so it
   * is usually empty by the next sweep and dropped unjoined. One that lost some and then settled (a
   * 30 s endpoint beside 60 s ones) is joined by the next refresh rather than by the next scrape:
   * left for the scrape, a segment that loses a few members every few seconds made scrapes 15 s
   * apart join ~50 of them at 50,000 endpoints (~1 s).
   */
  async joinChanged(options: { readonly settledOnly?: boolean } = {}): Promise<Piece[]> {
    const joined: Piece[] = [];
    let sliceStart = performance.now();
    this.#segments = this.#segments.filter((segment) => segment.members.size > 0);
    const open = this.#segments.at(-1);
    for (const segment of this.#segments) {
      if (!segment.dirty) continue;
      // The open segment, still filling, is joined by the scrape: joined by every refresh, its
      // members were joined and deflated again twice on average before it filled.
      if (options.settledOnly === true && ((!segment.grew && segment.changedAt === this.#sweep) || (segment === open && segment.members.size < this.#segmentSize))) continue;
      // A segment is joined whole and synchronously: a sweep running between slices may dirty it again.
      this.#join(segment);
      joined.push(...segment.chunks);
      if (performance.now() - sliceStart >= this.#sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    // A sweep that ran while this one yielded may have dirtied segments already passed.
    if (options.settledOnly !== true && this.#segments.some((segment) => segment.dirty)) joined.push(...(await this.joinChanged()));
    return joined;
  }

  #update(c: Changed, before: Entry | undefined, sweep: number): void {
    const { id, slug, state, latest, compliance, intervalS } = c;
    const certExpiryMs = certExpiry(state, latest, before?.certExpiryMs ?? null);
    const { text, starts } = this.#render({ slug, state, latest, certExpiryMs, compliance });
    const due = nextDueSecond(state, intervalS);
    if (before !== undefined && before.text === text && sameStarts(before.starts, starts)) {
      // Same text: remember the new objects so the next sweep does not render it again.
      before.state = state;
      before.latest = latest;
      before.compliance = compliance;
      before.seen = sweep;
      before.intervalS = intervalS;
      if (due !== before.dueSecond) this.#schedule(id, before, due);
      return;
    }
    if (before !== undefined) this.#leave(id, before.segment);
    const segment = this.#openSegment();
    const entry: Entry = { slug, state, latest, compliance, certExpiryMs, text, starts, segment, seen: sweep, intervalS, dueSecond: Number.NaN };
    this.#entries.set(id, entry);
    this.#enter(segment, id, entry);
    this.#schedule(id, entry, due);
    this.#version++;
  }

  /** Files the endpoint under the second its next result is due (never checked: under none). */
  #schedule(id: number, entry: Entry, second: number): void {
    entry.dueSecond = second;
    if (!Number.isFinite(second)) return;
    const bucket = this.#due.get(second);
    if (bucket === undefined) this.#due.set(second, [id]);
    else bucket.push(id);
  }

  #enter(segment: Segment, id: number, entry: Entry): void {
    segment.members.set(id, entry);
    segment.dirty = true;
    segment.grew = true;
    segment.changedAt = this.#sweep;
  }

  #leave(id: number, segment: Segment): void {
    segment.members.delete(id);
    segment.dirty = true;
    segment.changedAt = this.#sweep;
    this.#version++;
  }

  /**
   * Moves the members of sparse segments that stopped changing to the open segment. A segment left
   * with a few slow endpoints (a 1 h interval among 60 s ones) would otherwise linger, and thousands
   * of near-empty segments would make every scrape a fine-grained join. Only settled ones: folding
   * a segment while it drains moved its last members, due a moment later, into the newest segment,
   * which then lost them too and had to be joined again (at 50,000 endpoints, every segment).
   */
  #foldSettled(sweep: number): void {
    const open = this.#segments.at(-1);
    for (const segment of this.#segments) {
      if (segment === open || segment.members.size === 0 || segment.members.size >= this.#segmentSize / 4 || segment.changedAt === sweep) continue;
      const movers = [...segment.members];
      segment.members.clear();
      segment.dirty = true;
      for (const [moverId, entry] of movers) {
        const target = this.#openSegment();
        entry.segment = target;
        this.#enter(target, moverId, entry);
      }
      this.#version++;
    }
  }

  #openSegment(): Segment {
    const last = this.#segments.at(-1);
    if (last !== undefined && last.members.size < this.#segmentSize) return last;
    const segment: Segment = { members: new Map(), chunks: [], dirty: true, grew: true, changedAt: this.#sweep };
    this.#segments.push(segment);
    return segment;
  }

  #join(segment: Segment): void {
    const chunks: Piece[] = [];
    for (let f = 0; f < FAMILY_KEYS.length; f++) {
      const pieces: string[] = [];
      for (const entry of segment.members.values()) {
        const from = entry.starts[f] ?? 0;
        const to = entry.starts[f + 1] ?? 0;
        if (to > from) pieces.push(entry.text.slice(from, to));
      }
      chunks.push({ data: Buffer.from(pieces.join('')) });
    }
    segment.chunks = chunks;
    this.#joins++;
    segment.dirty = false;
    segment.grew = false;
  }

  #render(input: EndpointSeriesInput): { text: string; starts: number[] } {
    const families: string[][] = FAMILY_KEYS.map(() => []);
    endpointSamples(this.#region === undefined ? input : { ...input, region: this.#region }, this.#policy, (key, line) => families[FAMILY_INDEX[key]]?.push(line));
    const all: string[] = [];
    const starts: number[] = [0];
    let length = 0;
    for (const lines of families) {
      for (const line of lines) {
        all.push(line);
        length += line.length;
      }
      starts.push(length);
    }
    // join() writes one flat string; the lines it came from die young.
    return { text: all.join(''), starts };
  }
}

/** A sweep's work in slices of ~sliceMs with a yield between them, and what the slices cost. */
class Slices {
  readonly #sliceMs: number;
  #start = performance.now();
  #cpuMs = 0;
  #longest = 0;

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** Yields to the event loop once the current slice has run ~sliceMs. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.#start < this.#sliceMs) return;
    this.#endSlice();
    await yieldToLoop();
    this.#start = performance.now();
  }

  end(): { cpuMs: number; longestSliceMs: number } {
    this.#endSlice();
    return { cpuMs: this.#cpuMs, longestSliceMs: this.#longest };
  }

  #endSlice(): void {
    const ms = performance.now() - this.#start;
    this.#cpuMs += ms;
    if (ms > this.#longest) this.#longest = ms;
  }
}

/** The earliest certificate expiry to export: the last result's chain, else the one remembered, else the stored leaf. */
function certExpiry(state: EndpointState, latest: ProbeResult | undefined, remembered: number | null): number | null {
  const fromProbe = latest?.certificate ? Date.parse(latest.certificate.earliestNotAfter) : Number.NaN;
  if (Number.isFinite(fromProbe)) return fromProbe;
  if (remembered !== null) return remembered;
  // After a restart only the leaf's notAfter survives (endpoint_state); usually the same date.
  const fromState = state.certNotAfter === null ? Number.NaN : Date.parse(state.certNotAfter);
  return Number.isFinite(fromState) ? fromState : null;
}

/** The second (since the epoch) an endpoint's next result should land: its last check plus its interval; +Infinity when never checked. */
function nextDueSecond(state: EndpointState, intervalS: number): number {
  const at = state.lastCheckedAt === null ? Number.NaN : Date.parse(state.lastCheckedAt);
  return Number.isFinite(at) ? Math.floor(at / 1000) + intervalS : Number.POSITIVE_INFINITY;
}

function sameStarts(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
