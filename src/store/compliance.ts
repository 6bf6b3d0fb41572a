// Compliance reports as stored (issue 15): the latest few per endpoint, one JSON document each.
// A report is server-derived evidence, so hostile: every string is cut and cleaned here, before
// either backend sees it, so both store (and give back) the very same thing, and a stored report
// has a hard size bound whatever the checks wrote. Escaping is the surfaces' job.
import { CHECK_OUTCOMES, COMPLIANCE_LEVELS, type CheckResult, type ComplianceReport } from '../domain/compliance.ts';
import { ERAS } from '../domain/probe-result.ts';

/** Reports kept per endpoint (a day at the hourly default); older ones are deleted on save. */
export const COMPLIANCE_HISTORY = 24;
/** At most this many results per report; the catalogue has a few dozen. */
export const MAX_RESULTS = 200;
export const MAX_EVIDENCE_CHARS = 500;
export const MAX_ID_CHARS = 120;
const MAX_VERSION_CHARS = 64;
/**
 * The bound on one stored report's JSON: MAX_RESULTS × (id + evidence, each character at most 6
 * bytes as a JSON escape) plus the frame, ~ 750 KB in the worst case; a real report is a few KB.
 */
export const MAX_REPORT_JSON_BYTES = MAX_RESULTS * (MAX_EVIDENCE_CHARS + MAX_ID_CHARS + 64) * 6 + 1024;

export interface ComplianceStore {
  /**
   * Stores the report (capped, see capReport) as the endpoint's latest and drops its reports
   * beyond the newest COMPLIANCE_HISTORY. False when the endpoint does not exist (deleted meanwhile).
   */
  saveReport(endpointId: number, report: ComplianceReport): Promise<boolean>;
  latestReport(endpointId: number): Promise<ComplianceReport | undefined>;
  /** latestReport for every endpoint that has one. */
  latestReports(): Promise<Map<number, ComplianceReport>>;
  /** Newest first, at most `limit`. */
  reportHistory(endpointId: number, limit: number): Promise<ComplianceReport[]>;
}

// Control characters (a line break would forge a second line of evidence) and lone surrogates
// (PostgreSQL's jsonb refuses them) become U+FFFD, as a decoder shows undecodable input.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One line of at most `max` characters (code points), control characters replaced. */
export function cleanText(text: string, max: number): string {
  const clean = text.replace(LONE_SURROGATE, '\ufffd').replace(CONTROL, '\ufffd');
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}

/** What is stored: every string cut and cleaned, results capped, numbers made finite. */
export function capReport(report: ComplianceReport): ComplianceReport {
  const checkedAt = Number.isFinite(Date.parse(report.checkedAt)) ? new Date(report.checkedAt).toISOString() : new Date(0).toISOString();
  return {
    checkedAt,
    era: report.era !== null && ERAS.includes(report.era) ? report.era : null,
    protocolVersion: report.protocolVersion === null ? null : cleanText(report.protocolVersion, MAX_VERSION_CHARS),
    results: report.results.slice(0, MAX_RESULTS).map(
      (r): CheckResult => ({ id: cleanText(r.id, MAX_ID_CHARS), level: r.level, outcome: r.outcome, evidence: cleanText(r.evidence, MAX_EVIDENCE_CHARS) }),
    ),
    durationMs: Number.isFinite(report.durationMs) ? Math.max(0, Math.round(report.durationMs)) : 0,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A stored document back to a report; undefined when it is not one (a row written by a future
 * version, or edited by hand). Results of an unknown level or outcome are left out rather than guessed.
 */
export function decodeReport(value: unknown): ComplianceReport | undefined {
  const doc: unknown = typeof value === 'string' ? safeParse(value) : value;
  if (!isRecord(doc) || typeof doc.checkedAt !== 'string' || !Array.isArray(doc.results)) return undefined;
  const results: CheckResult[] = [];
  for (const r of doc.results as unknown[]) {
    if (!isRecord(r) || typeof r.id !== 'string' || typeof r.evidence !== 'string') continue;
    const level = COMPLIANCE_LEVELS.find((l) => l === r.level);
    const outcome = CHECK_OUTCOMES.find((o) => o === r.outcome);
    if (level === undefined || outcome === undefined) continue;
    results.push({ id: r.id, level, outcome, evidence: r.evidence });
  }
  return {
    checkedAt: doc.checkedAt,
    era: ERAS.find((e) => e === doc.era) ?? null,
    protocolVersion: typeof doc.protocolVersion === 'string' ? doc.protocolVersion : null,
    results,
    durationMs: typeof doc.durationMs === 'number' ? doc.durationMs : 0,
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
