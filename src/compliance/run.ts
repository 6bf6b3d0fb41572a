// The compliance runner (issue 15): every check of the catalogue against one endpoint, in
// catalogue order, each under its own deadline inside one bounded run. Never rejects: what could
// not be observed is an `error` result, which the grade does not count against the server.
import { performance } from 'node:perf_hooks';
import type { CheckResult, ComplianceReport, ComplianceRunner } from '../domain/compliance.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import { parseEndpointUrl } from '../domain/url.ts';
import type { Clock } from '../probe/deadline.ts';
import { Deadline } from '../probe/deadline.ts';
import { ResponseLog } from '../probe/http.ts';
import { withDescribeAuth } from '../probe/mcp/auth.ts';
import type { McpContext } from '../probe/mcp/context.ts';
import { handshake } from '../probe/mcp/handshake.ts';
import { PhaseRecorder } from '../probe/phases.ts';
import { hasCredentials, probeLimits, requestHeaders, type ProbeDeps, type ProbeRequest, type ProbeSettings } from '../probe/run-probe.ts';
import { emptyVettedFacts, openVetted } from '../probe/vetted.ts';
import { probeRequestFor } from '../service/round.ts';
import { CHECKS, needsHandshake, type CheckId } from './catalogue.ts';
import { AUTH_CHECKS } from './checks/auth.ts';
import { MODERN_CHECKS } from './checks/modern.ts';
import { ORIGIN_CHECKS } from './checks/origin.ts';
import { STREAMABLE_CHECKS } from './checks/streamable.ts';
import { TOOLS_CHECKS } from './checks/tools.ts';
import type { CheckContext, CheckFn, HandshakeFacts } from './context.ts';
import { observations } from './observations.ts';
import { notApplicable, unobserved, type Verdict } from './verdict.ts';

const CHECK_FNS = { ...MODERN_CHECKS, ...STREAMABLE_CHECKS, ...ORIGIN_CHECKS, ...AUTH_CHECKS, ...TOOLS_CHECKS } satisfies Record<CheckId, CheckFn>;

export interface ComplianceLimits {
  /** The whole run, handshake included. */
  readonly totalMs: number;
  /** One check (its requests, and any observation it is first to need). */
  readonly perCheckMs: number;
}

/** Some 25 checks of one or two requests each: a minute and a half covers a slow server. */
export const DEFAULT_COMPLIANCE_LIMITS: ComplianceLimits = Object.freeze({ totalMs: 90_000, perCheckMs: 10_000 });

export type ComplianceDeps = Omit<ProbeDeps, 'signal' | 'tlsSessions'>;

/** The runner the service schedules hourly: the endpoint's own settings, as a probe round uses them. */
export function createComplianceRunner(settings: ProbeSettings, deps: ComplianceDeps = {}, limits: ComplianceLimits = DEFAULT_COMPLIANCE_LIMITS): ComplianceRunner {
  return (endpoint: Endpoint, signal?: AbortSignal) => {
    const endpointSettings: ProbeSettings = { ...settings, timeoutMs: endpoint.timeoutMs, allowPrivate: settings.allowPrivate || endpoint.allowPrivate };
    return runCompliance(probeRequestFor(endpoint, null), endpointSettings, { ...deps, ...(signal ? { signal } : {}) }, limits);
  };
}

/** Runs every check against `request`'s endpoint. `request.listTools` allows the tools checks. */
export async function runCompliance(
  request: ProbeRequest,
  settings: ProbeSettings,
  deps: ComplianceDeps & { readonly signal?: AbortSignal } = {},
  limits: ComplianceLimits = DEFAULT_COMPLIANCE_LIMITS,
): Promise<ComplianceReport> {
  const clock: Clock = deps.clock ?? (() => performance.now());
  const startedAt = clock();
  const checkedAt = (deps.wallClock ?? (() => new Date()))().toISOString();
  const overall = new Deadline(clock, limits.totalMs, deps.signal);
  const report = (facts: HandshakeFacts | null, results: CheckResult[]): ComplianceReport => ({
    checkedAt,
    era: facts?.era ?? null,
    protocolVersion: facts?.protocolVersion ?? null,
    results,
    durationMs: Math.round((clock() - startedAt) * 100) / 100,
  });
  let destroy: (() => Promise<void>) | undefined;
  try {
    const parsed = parseEndpointUrl(request.url);
    if (!parsed.ok) return report(null, everyCheck(() => unobserved(parsed.detail)));
    const url = parsed.url;
    const opened = await openVetted(url, settings, deps, overall, new PhaseRecorder(clock), emptyVettedFacts());
    if (!opened.ok) return report(null, everyCheck(() => unobserved(`${opened.code}: ${opened.detail}`)));
    const clients = opened.clients;
    destroy = () => clients.destroy();

    const pages: Readonly<Record<string, unknown>>[] = [];
    const base: McpContext = withDescribeAuth({
      dispatcher: clients.main,
      streamDispatcher: () => clients.stream(),
      url,
      headers: requestHeaders(request),
      hasCredentials: hasCredentials(request),
      limits: probeLimits(settings),
      responses: new ResponseLog(),
      deadline: overall,
      phases: new PhaseRecorder(clock),
      tools: { enabled: request.listTools ?? false, maxPages: settings.maxToolPages, maxBytes: settings.maxListBytes, call: null, onPage: (page) => pages.push(page) },
    });
    const facts = await withDeadline(clock, settings.timeoutMs, overall, (deadline) => learnHandshake({ ...base, deadline }, request, pages));
    const observe = observations({ settings, deps, clock });
    const results: CheckResult[] = [];
    for (const spec of CHECKS) {
      const verdict = await decide(spec.id, spec.eras, facts, () =>
        withDeadline(clock, limits.perCheckMs, overall, (deadline) => {
          const c: CheckContext = { mcp: { ...base, deadline, phases: new PhaseRecorder(clock), responses: new ResponseLog() }, handshake: facts, observe };
          return CHECK_FNS[spec.id](c);
        }),
      );
      results.push({ id: spec.id, level: spec.level, ...verdict });
    }
    return report(facts, results);
  } catch (err) {
    // A bug, not an observation: every check says so rather than the run vanishing.
    return report(null, everyCheck(() => unexpected(err)));
  } finally {
    overall.dispose();
    await destroy?.();
  }
}

function unexpected(err: unknown): Verdict {
  return unobserved(`mcpwatch could not run this check: ${err instanceof Error ? err.message : String(err)}`);
}

function everyCheck(verdict: () => Verdict): CheckResult[] {
  return CHECKS.map((spec) => ({ id: spec.id, level: spec.level, ...verdict() }));
}

async function decide(id: CheckId, eras: readonly string[], facts: HandshakeFacts, run: () => Promise<Verdict>): Promise<Verdict> {
  if (needsHandshake(id)) {
    if (facts.era === null) return facts.failure?.startsWith('AUTH_REQUIRED') ? notApplicable(`needs a handshake, and the server requires authorization (${facts.failure})`) : unobserved(`no handshake: ${facts.failure ?? 'unknown'}`);
    if (!eras.includes(facts.era)) return notApplicable(`applies to ${eras.join(', ')}; the server speaks ${facts.era}`);
  }
  try {
    return await run();
  } catch (err) {
    return unexpected(err);
  }
}

/** Runs `fn` under a deadline of its own, cut short by the run's. */
async function withDeadline<T>(clock: Clock, ms: number, overall: Deadline, fn: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = new Deadline(clock, Math.max(0, Math.min(ms, overall.remaining())), overall.signal);
  try {
    return await fn(deadline);
  } finally {
    deadline.dispose();
  }
}

/** The probe's own era detection, tools listed when allowed (never called). */
async function learnHandshake(ctx: McpContext, request: ProbeRequest, pages: Readonly<Record<string, unknown>>[]): Promise<HandshakeFacts> {
  const outcome = await handshake(ctx, request.era ?? 'auto', request.eraHint);
  const listTools = request.listTools ?? false;
  if (!outcome.ok) {
    return { era: outcome.era, protocolVersion: null, capabilities: null, failure: `${outcome.failure.code}: ${outcome.failure.detail}`, toolPages: null, toolsFailure: null, listTools };
  }
  const hs = outcome.handshake;
  const offersTools = hs.capabilities.tools !== undefined;
  const listed = hs.tools !== null;
  return {
    era: hs.era,
    protocolVersion: hs.protocolVersion,
    capabilities: hs.capabilities,
    failure: null,
    toolPages: listed ? pages : null,
    toolsFailure: !listed && offersTools && hs.followUpFailure ? hs.followUpFailure.detail : null,
    listTools,
  };
}
