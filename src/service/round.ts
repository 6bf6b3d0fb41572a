import type { Endpoint } from '../domain/endpoint.ts';
import type { Era, ProbeResult } from '../domain/probe-result.ts';
import { unexpectedResult } from '../domain/unexpected.ts';
import type { ProbeDeps, ProbeRequest, ProbeSettings } from '../probe/run-probe.ts';

export type ProbeFn = (request: ProbeRequest, settings: ProbeSettings, deps: ProbeDeps) => Promise<ProbeResult>;

export interface RoundResult {
  readonly result: ProbeResult;
  /** The first attempt failed; `result` is the immediate retry's. */
  readonly retried: boolean;
  readonly firstAttempt: ProbeResult | null;
}

export function probeRequestFor(endpoint: Endpoint, hint: Era | null): ProbeRequest {
  return {
    url: endpoint.url,
    headers: endpoint.secrets.headers,
    ...(endpoint.secrets.bearerToken !== null ? { bearerToken: endpoint.secrets.bearerToken } : {}),
    era: endpoint.era,
    ...(hint !== null && endpoint.era === 'auto' ? { eraHint: hint } : {}),
    listTools: endpoint.listTools,
  };
}

/**
 * One round: a probe, and when it fails, one immediate retry on a fresh connection (every probe
 * dials its own) so a single dropped packet is not an observation of failure. Auth answers are
 * not retried: a 401 is an answer, not an accident.
 */
export async function runRound(
  probe: ProbeFn,
  endpoint: Endpoint,
  hint: Era | null,
  settings: ProbeSettings,
  deps: ProbeDeps,
  retry: boolean,
): Promise<RoundResult> {
  const endpointSettings: ProbeSettings = { ...settings, timeoutMs: endpoint.timeoutMs, allowPrivate: settings.allowPrivate || endpoint.allowPrivate };
  const first = await guarded(probe, probeRequestFor(endpoint, hint), endpointSettings, deps);
  const retryable = first.status === 'down' && !['URL_INVALID', 'ADDRESS_BLOCKED', 'AUTH_FAILED', 'AUTH_FORBIDDEN'].includes(first.code ?? '');
  if (!retry || !retryable || deps.signal?.aborted) return { result: first, retried: false, firstAttempt: null };
  // The retry re-detects the era when the hinted one failed: `first.era` is what answered, if anything.
  const second = await guarded(probe, probeRequestFor(endpoint, first.era ?? hint), endpointSettings, deps);
  return { result: second, retried: true, firstAttempt: first };
}

/**
 * runProbe never throws, but the round is where a result must exist whatever probe it was given:
 * a throw here would record nothing and leave the endpoint's last status standing.
 */
async function guarded(probe: ProbeFn, request: ProbeRequest, settings: ProbeSettings, deps: ProbeDeps): Promise<ProbeResult> {
  const startedAt = (deps.wallClock ?? (() => new Date()))();
  try {
    return await probe(request, settings, deps);
  } catch (err) {
    return unexpectedResult(request.url, startedAt, err);
  }
}
