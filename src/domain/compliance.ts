// What a compliance check reports (issue 15): the vocabulary the checks (src/compliance/), the
// grade (domain/grade.ts), storage and every surface share. The catalogue of checks itself — ids,
// titles, spec links, which era each applies to — is a closed list of its own next to the checks.
import type { Endpoint } from './endpoint.ts';
import type { Era } from './probe-result.ts';

/** The specification's requirement levels (RFC 2119) a check can carry; MUST failures weigh more. */
export const COMPLIANCE_LEVELS = ['MUST', 'SHOULD'] as const;
export type ComplianceLevel = (typeof COMPLIANCE_LEVELS)[number];

/**
 * - `pass` / `fail`: the requirement was observed held or broken (evidence says how).
 * - `not_applicable`: the era or the server's answers make it moot (no tools, no 401, …).
 * - `error`: the check could not observe it (the server timed out, the network failed): no verdict,
 *   never counted as a failure of the server.
 */
export const CHECK_OUTCOMES = ['pass', 'fail', 'not_applicable', 'error'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

export interface CheckResult {
  /** Stable id from the catalogue, e.g. `modern.discover.supported-versions`. */
  readonly id: string;
  readonly level: ComplianceLevel;
  readonly outcome: CheckOutcome;
  /** One line a person can act on: what was sent, what came back (sanitized, capped). */
  readonly evidence: string;
}

export interface ComplianceReport {
  /** ISO time the checks started. */
  readonly checkedAt: string;
  /** The era the server spoke when checked; null when no handshake succeeded. */
  readonly era: Era | null;
  readonly protocolVersion: string | null;
  /** In catalogue order. */
  readonly results: readonly CheckResult[];
  /** How long the whole run took, ms. */
  readonly durationMs: number;
}

/** Runs every applicable check against one endpoint; never rejects (a failure to observe is `error`). */
export type ComplianceRunner = (endpoint: Endpoint, signal?: AbortSignal) => Promise<ComplianceReport>;
