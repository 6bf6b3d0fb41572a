// Which probe worker thread of this process probes an endpoint. Pure: no clock, no state.
//
// A fixed worker per endpoint keeps that worker's DNS cache and TLS sessions warm for it (each
// worker has its own: they are per thread). By the id, not the host: one host serving thousands of
// endpoints (a SaaS gateway) would otherwise load one worker and idle the rest. The seeds differ
// from the phase hash's (phase.ts) and the node hash's (rendezvous.ts): a worker's share must not
// bunch in part of the interval, nor follow which node of a cluster owns the endpoint.
import { fmix32 } from './phase.ts';

const TWO_POW_32 = 2 ** 32;
const SEED_LOW = 0x6a09_e667;
const SEED_HIGH = 0xbb67_ae85;

/** The worker, in [0, workers), that probes the endpoint. */
export function workerFor(endpointId: number, workers: number): number {
  if (!Number.isSafeInteger(endpointId)) throw new RangeError(`endpoint id must be a safe integer, got ${endpointId}`);
  if (!Number.isSafeInteger(workers) || workers <= 0) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const high = Math.floor(endpointId / TWO_POW_32);
  const hash = fmix32(((endpointId >>> 0) ^ SEED_LOW) ^ fmix32(high ^ SEED_HIGH));
  // Multiply-shift instead of `hash % workers`: no modulo bias.
  return Math.floor((hash / TWO_POW_32) * workers);
}
