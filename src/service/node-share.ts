// Which endpoints this node probes, slot by slot (issue 14): rendezvous ownership over the live
// nodes of its region, with the handover rule of src/domain/handover.ts applied at every change
// of that live set, so an endpoint moves at a slot boundary every node derives alike.
//
// The Monitor asks `owns(id, slotAt)` for every slot it is about to probe; the answer is the
// owner under the current node set, unless a handover of that endpoint is pending, in which case
// slots before its boundary keep the previous answer (the old owner finishes the slot it is in,
// the new one starts with the next).
//
// A node cut off from the database keeps its last share (the others still count it live) until
// its own last good heartbeat is older than the liveness window: from then on the others have
// declared it dead and taken its endpoints over, so it stops probing rather than double-probe.
// A node that was alone in its region goes on probing everything: nobody takes over, and its
// rounds wait in memory for the database (a node that joined meanwhile may double-probe until
// the heartbeat is back; monitoring nothing would be worse).
import { ownerLookup } from '../domain/rendezvous.ts';
import { planHandover, type MembershipChange, type SlottedEndpoint } from '../domain/handover.ts';

const RATE_WINDOW_MS = 5000;

interface Pending {
  readonly boundaryAt: number;
  readonly ownedBefore: boolean;
}

export interface NodeShareOptions {
  readonly self: string;
  /** The liveness window: how long after its last good heartbeat this node still counts itself live. */
  readonly liveForMs: number;
  /**
   * How long before a failed heartbeat is reported the last good one may have been (a beat's
   * pause plus its deadline): the node stops that much early rather than late.
   */
  readonly failureLagMs: number;
  /** Local monotonic-enough ms clock, only compared with itself (Date.now in production). */
  readonly clock?: () => number;
}

export class NodeShare {
  readonly #self: string;
  readonly #liveForMs: number;
  readonly #clock: () => number;
  #nodes: readonly string[] = [];
  #owner: (id: number) => string | undefined = () => undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #failureLagMs: number;
  /** Local time of the last heartbeat that surely reached the database, while the heartbeat fails; null while it works. */
  #lastGoodAt: number | null = null;
  #registered = false;
  #member = true;
  #probes = 0;
  #probesSince: number;
  #rate = 0;

  constructor(options: NodeShareOptions) {
    this.#self = options.self;
    this.#liveForMs = options.liveForMs;
    this.#failureLagMs = options.failureLagMs;
    this.#clock = options.clock ?? Date.now;
    this.#probesSince = this.#clock();
  }

  get nodes(): readonly string[] {
    return this.#nodes;
  }

  /**
   * Applies one change of the region's live set. `change.previous` is the set the endpoints were
   * divided over until now, `changedAt` the database time every node derives alike.
   */
  apply(change: MembershipChange, endpoints: Iterable<SlottedEndpoint>): { started: number; stopped: number } {
    const list = [...endpoints];
    const plan = planHandover(this.#self, change, list);
    const now = this.#clock();
    // Old pendings whose boundary passed are folded into the current set and can go.
    for (const [id, pending] of this.#pending) if (pending.boundaryAt <= now) this.#pending.delete(id);
    for (const handover of plan.start) this.#pending.set(handover.id, { boundaryAt: handover.boundaryAt, ownedBefore: this.#pending.get(handover.id)?.ownedBefore ?? false });
    for (const handover of plan.stop) this.#pending.set(handover.id, { boundaryAt: handover.boundaryAt, ownedBefore: this.#pending.get(handover.id)?.ownedBefore ?? true });
    this.#nodes = [...change.next];
    this.#owner = ownerLookup(this.#nodes);
    return { started: plan.start.length, stopped: plan.stop.length };
  }

  /** The heartbeat started reaching the database (true) or stopped (false); `member` false when the name was taken. */
  heartbeat(ok: boolean, member: boolean): void {
    if (ok) {
      this.#registered = true;
      this.#lastGoodAt = null;
    } else this.#lastGoodAt ??= this.#clock() - this.#failureLagMs;
    this.#member = member;
  }

  /** Whether this node probes the endpoint's slot starting at `slotAt`. Counts the yeses for probes/s. */
  owns(id: number, slotAt: number): boolean {
    const yes = this.#ownsNow(id, slotAt);
    if (yes) this.#probes++;
    return yes;
  }

  /** Owned endpoints among `ids` right now (for the cluster view), without counting probes. */
  ownedCount(ids: Iterable<number>): number {
    const now = this.#clock();
    let n = 0;
    for (const id of ids) if (this.#ownsNow(id, now)) n++;
    return n;
  }

  /** Probes per second over the last window of at least RATE_WINDOW_MS (rounds bunch at slot starts; a short window would read 0 or double). */
  takeProbesPerS(): number {
    const now = this.#clock();
    if (now - this.#probesSince < RATE_WINDOW_MS) return this.#rate;
    this.#rate = (this.#probes * 1000) / (now - this.#probesSince);
    this.#probes = 0;
    this.#probesSince = now;
    return this.#rate;
  }

  #ownsNow(id: number, slotAt: number): boolean {
    if (!this.#registered || !this.#member) return false;
    if (this.#lastGoodAt !== null && this.#clock() - this.#lastGoodAt >= this.#liveForMs && this.#nodes.some((name) => name !== this.#self)) return false;
    const pending = this.#pending.get(id);
    if (pending !== undefined && slotAt < pending.boundaryAt) return pending.ownedBefore;
    return this.#owner(id) === this.#self;
  }
}
