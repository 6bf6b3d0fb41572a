// The one shape of a failed probe, whoever builds it: the probe at the step that failed, or the
// round's last guard when a probe threw. The detail is sanitized here, where the result is made.
import { sanitizeDetail } from './detail.ts';
import type { Failure } from './failure-codes.ts';
import type { AuthFacts, CertificateFacts, Era, HttpFacts, ProbeResult, ResolvedAddress, Warning } from './probe-result.ts';
import { statusForFailure } from './status.ts';

/** What was learned before the failure. */
export interface FailureFacts {
  readonly warnings?: readonly Warning[];
  readonly era?: Era | null;
  readonly addresses?: readonly ResolvedAddress[];
  readonly connectedAddress?: string | null;
  readonly certificate?: CertificateFacts | null;
  readonly auth?: AuthFacts | null;
  readonly http?: HttpFacts | null;
}

export function failureResult(base: Pick<ProbeResult, 'url' | 'startedAt' | 'phases' | 'durationMs'>, failure: Failure, facts: FailureFacts = {}): ProbeResult {
  return {
    ...base,
    status: statusForFailure(failure.code),
    code: failure.code,
    detail: sanitizeDetail(failure.detail),
    warnings: facts.warnings ?? [],
    era: facts.era ?? null,
    protocolVersion: null,
    supportedVersions: [],
    transport: null,
    server: null,
    capabilities: null,
    tools: null,
    addresses: facts.addresses ?? [],
    connectedAddress: facts.connectedAddress ?? null,
    certificate: facts.certificate ?? null,
    http: facts.http ?? null,
    auth: facts.auth ?? null,
    eraSource: null,
  };
}
