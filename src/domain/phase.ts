// Where in its interval each endpoint runs. Pure: no clock, no state.
//
// The phase comes from a hash of the id, not `id mod interval`: sequential ids would then fill
// the first seconds of every interval in order, and ids created in batches would bunch.

const TWO_POW_32 = 2 ** 32;

/** murmur3's 32-bit finaliser: every input bit flips about half of the output bits. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a safe integer id; the high word is folded in so ids above 2^32 still spread. */
export function hashId(endpointId: number): number {
  if (!Number.isSafeInteger(endpointId)) throw new RangeError(`endpoint id must be a safe integer, got ${endpointId}`);
  const high = Math.floor(endpointId / TWO_POW_32);
  // The golden-ratio constant keeps id 0 (and high word 0) away from fmix32's fixed point at 0.
  return fmix32((endpointId >>> 0) ^ fmix32(high + 0x9e37_79b9));
}

function checkInterval(intervalMs: number): void {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`intervalMs must be a positive integer, got ${intervalMs}`);
}

/**
 * The endpoint's fixed offset inside its interval, in [0, intervalMs).
 *
 * When the interval is a whole number of seconds the phase is too: the scheduler ticks once a
 * second, so a sub-second phase would only add up to a second of lag that no probe could avoid,
 * and the lag metric would show that noise instead of real queueing.
 */
export function phaseMs(endpointId: number, intervalMs: number): number {
  checkInterval(intervalMs);
  const unit = intervalMs % 1000 === 0 ? 1000 : 1;
  const slots = intervalMs / unit;
  // Multiply-shift instead of `hash % slots`: no modulo bias, and the top bits are the best mixed.
  return Math.floor((hashId(endpointId) / TWO_POW_32) * slots) * unit;
}

/** The first time t > afterMs with t ≡ phaseMs(endpointId, intervalMs) (mod intervalMs). */
export function nextDue(endpointId: number, intervalMs: number, afterMs: number): number {
  const phase = phaseMs(endpointId, intervalMs);
  if (!Number.isFinite(afterMs)) throw new RangeError(`afterMs must be finite, got ${afterMs}`);
  // Slots are whole ms, so flooring a fractional clock (timeOrigin + performance.now()) finds the
  // same slot and keeps the arithmetic exact.
  const after = Math.floor(afterMs);
  const sinceSlot = (((after - phase) % intervalMs) + intervalMs) % intervalMs;
  return after - sinceSlot + intervalMs;
}
