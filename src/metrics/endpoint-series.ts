// The per-endpoint series, rendered by hand: prom-client's registry.metrics() takes ~130–150 ms for
// 80k series and blocks the loop while it does; these are plain strings, so the caller can feed
// endpoints in slices and yield between them. Names follow blackbox_exporter where the meaning
// is the same, so existing alert rules and dashboards work unchanged.
//
// Labels are bounded: `slug` on every series (and `region`, the node's, on a PostgreSQL cluster:
// one set of series per region that scrapes are taken from), plus `phase`, `status` and `code` (closed sets) and
// the server's identity on the info series (one series per endpoint at a time). Never URLs, never
// user tags.
//
// Semantics worth knowing:
// - An endpoint never checked has no probe_* or mcp_probe_* series at all, and no mcp_endpoint_up
//   until its health is confirmed (absent means unknown, as with a target never scraped).
// - probe_success is about the last confirmed round (the result after its immediate retry):
//   1 unless that round counts as a failure under the health policy. With the default policy
//   `up`, `degraded` and `auth_required` are 1 and `down` is 0; authRequiredIsOutage and
//   degradedIsOutage turn those into 0, so probe_success and mcp_endpoint_up agree on what an
//   outage is. mcp_endpoint_up is the confirmed health (after downAfter/upAfter rounds).
// - mcp_probe_status is one-hot over up|degraded|auth_required|down (all four series present).
// - mcp_probe_failure{code} is present (value 1) only while the last round carried a code; codes
//   come from the closed FAILURE_CODES set.
// - probe_ssl_earliest_cert_expiry keeps the last known value when the certificate has expired,
//   fails verification, or the last probe never reached TLS.
// - The blackbox_exporter series of the last full result (probe_http_*, probe_tls_version_info,
//   probe_ssl_last_chain_expiry_timestamp_seconds, probe_ip_*) have blackbox's meanings; see
//   blackbox.ts. Like the phases they come from the last result since this process started.
// - mcp_probe_phase_duration_seconds sums repeated steps of one phase (a discover retried after
//   -32022 counts both requests), so each phase is one series.
// - mcp_compliance_score is the grade's score (0–100, domain/grade.ts), absent while the grade is
//   pending (no report yet, no round in 30 days, or a run that observed nothing).
//   mcp_compliance_check{check,level} is 1 for a check that passed and 0 for one that failed in the
//   latest report; a check that did not apply (not_applicable) or could not be observed (error) has
//   no series: it is neither a pass nor a failure, and a 0 would page someone for a timeout. Check
//   ids come from the checks' closed catalogue; the level is MUST or SHOULD.
import { STATUSES } from '../domain/failure-codes.ts';
import { isFailure, type EndpointState, type HealthPolicy } from '../domain/health.ts';
import type { ComplianceReport } from '../domain/compliance.ts';
import type { Era, PhaseName, PhaseTiming, ProbeResult } from '../domain/probe-result.ts';
import { BLACKBOX_FAMILIES, blackboxSamples } from './blackbox.ts';
import { escapeLabelValue, familyHeader, formatValue, remoteLabelValue, type Family } from './exposition.ts';

export const ENDPOINT_FAMILIES = {
  success: { name: 'probe_success', type: 'gauge', help: 'Whether the last confirmed probe round succeeded (1) or counts as a failure under the health policy (0).' },
  duration: { name: 'probe_duration_seconds', type: 'gauge', help: 'How long the last probe round took, in seconds.' },
  dns: { name: 'probe_dns_lookup_time_seconds', type: 'gauge', help: 'DNS lookup time of the last probe, in seconds (0 for an IP address).' },
  certExpiry: {
    name: 'probe_ssl_earliest_cert_expiry',
    type: 'gauge',
    help: 'Earliest notAfter in the presented certificate chain, unix seconds; the last known value is kept when verification or the probe fails.',
  },
  phase: { name: 'mcp_probe_phase_duration_seconds', type: 'gauge', help: 'Time spent in each phase of the last probe, in seconds.' },
  status: { name: 'mcp_probe_status', type: 'gauge', help: 'Status of the last confirmed probe round, one-hot over up, degraded, auth_required and down.' },
  failure: { name: 'mcp_probe_failure', type: 'gauge', help: 'Failure code of the last confirmed probe round (1); absent when the round carried no code.' },
  serverInfo: {
    name: 'mcp_server_info',
    type: 'gauge',
    help: 'Protocol era, revision and server identity the endpoint last answered with (always 1); name and version are server-supplied and cut to 128 characters.',
  },
  // Not mcp_tools_count: a `_count` suffix belongs to summaries and histograms (promtool flags it).
  toolsCount: { name: 'mcp_tools_listed', type: 'gauge', help: 'Number of tools the endpoint listed in its last tools/list.' },
  up: { name: 'mcp_endpoint_up', type: 'gauge', help: 'Confirmed health after the down/up thresholds: 1 up, 0 down; absent until confirmed.' },
  incidentOpen: { name: 'mcp_incident_open', type: 'gauge', help: 'Whether the endpoint has an open incident (1) or not (0).' },
  lastCheck: { name: 'mcp_probe_last_check_timestamp_seconds', type: 'gauge', help: 'When the last probe round started, unix seconds.' },
  complianceScore: { name: 'mcp_compliance_score', type: 'gauge', help: 'Grade of the endpoint, 0-100, from 30-day uptime, p95 latency and compliance; absent while pending.' },
  complianceCheck: {
    name: 'mcp_compliance_check',
    type: 'gauge',
    help: 'Compliance check of the latest report: 1 passed, 0 failed; absent when not applicable or not observed.',
  },
  ...BLACKBOX_FAMILIES,
} as const satisfies Record<string, Family>;

export type FamilyKey = keyof typeof ENDPOINT_FAMILIES;

/** The latest compliance report and grade score of an endpoint (the ComplianceBook's entry). */
export interface ComplianceSeriesInput {
  readonly report: ComplianceReport;
  readonly grade: { readonly score: number | null };
}

/** What one endpoint contributes to a scrape. */
export interface EndpointSeriesInput {
  readonly slug: string;
  readonly state: EndpointState;
  /** The last full result since this process started (phase timings live only here). */
  readonly latest: ProbeResult | undefined;
  /** Last known earliest certificate expiry, ms since the epoch; null when never seen. */
  readonly certExpiryMs: number | null;
  /** The node's region on a PostgreSQL cluster: a `region` label on every series. Absent on SQLite. */
  readonly region?: string;
  readonly compliance?: ComplianceSeriesInput | undefined;
}

/** The families in exposition order. */
export const FAMILY_KEYS = Object.keys(ENDPOINT_FAMILIES) as FamilyKey[];

type Lines = Record<FamilyKey, string[]>;

function emptyLines(): Lines {
  const lines = {} as Lines;
  for (const key of FAMILY_KEYS) lines[key] = [];
  return lines;
}

const seconds = (ms: number): string => formatValue(ms / 1000);

/** Time per phase in first-run order, repeated steps summed (a discover retried after -32022), and the DNS total. */
export function phaseTotals(phases: readonly PhaseTiming[]): { names: PhaseName[]; totals: number[]; dnsMs: number } {
  let dnsMs = 0;
  const names: PhaseName[] = [];
  const totals: number[] = [];
  for (const p of phases) {
    if (p.phase === 'dns') dnsMs += p.ms;
    const i = names.indexOf(p.phase);
    if (i < 0) {
      names.push(p.phase);
      totals.push(p.ms);
    } else totals[i] = (totals[i] ?? 0) + p.ms;
  }
  return { names, totals, dnsMs };
}

/** mcp_server_info's labels after the slug; server-supplied values cut and escaped. */
export function serverInfoLabels(era: Era, protocolVersion: string | null, serverName: string | null, serverVersion: string | null): string {
  return (
    `era="${era}",protocol_version="${remoteLabelValue(protocolVersion ?? '')}"` +
    `,server_name="${remoteLabelValue(serverName ?? '')}",server_version="${remoteLabelValue(serverVersion ?? '')}"`
  );
}

/** Receives one sample line (newline included) of one family. */
export type LineSink = (key: FamilyKey, line: string) => void;

/** Every sample line of one endpoint, in the order each family wants them (the order of families is the caller's). */
export function endpointSamples(input: EndpointSeriesInput, policy: HealthPolicy, emit: LineSink): void {
  const { state, latest } = input;
  const l = `{slug="${escapeLabelValue(input.slug)}"${input.region === undefined ? '' : `,region="${escapeLabelValue(input.region)}"`}`;

  if (state.lastStatus !== null) {
    emit('success', `probe_success${l}} ${isFailure(state.lastStatus, policy) ? 0 : 1}\n`);
    for (const status of STATUSES) emit('status', `mcp_probe_status${l},status="${status}"} ${state.lastStatus === status ? 1 : 0}\n`);
    if (state.lastCode !== null) emit('failure', `mcp_probe_failure${l},code="${state.lastCode}"} 1\n`);
  }
  if (state.lastDurationMs !== null) emit('duration', `probe_duration_seconds${l}} ${seconds(state.lastDurationMs)}\n`);
  if (state.lastCheckedAt !== null) {
    const at = Date.parse(state.lastCheckedAt);
    if (Number.isFinite(at)) emit('lastCheck', `mcp_probe_last_check_timestamp_seconds${l}} ${formatValue(at / 1000)}\n`);
  }
  if (latest) {
    const { names, totals, dnsMs } = phaseTotals(latest.phases);
    emit('dns', `probe_dns_lookup_time_seconds${l}} ${seconds(dnsMs)}\n`);
    for (let i = 0; i < names.length; i++) emit('phase', `mcp_probe_phase_duration_seconds${l},phase="${names[i]}"} ${seconds(totals[i] ?? 0)}\n`);
    blackboxSamples(latest, (key, labels, value) => {
      emit(key, `${ENDPOINT_FAMILIES[key].name}${l}${labels === '' ? '' : `,${labels}`}} ${value}\n`);
    });
  }
  if (input.certExpiryMs !== null) emit('certExpiry', `probe_ssl_earliest_cert_expiry${l}} ${formatValue(Math.floor(input.certExpiryMs / 1000))}\n`);
  if (state.era !== null) emit('serverInfo', `mcp_server_info${l},${serverInfoLabels(state.era, state.protocolVersion, state.serverName, state.serverVersion)}} 1\n`);
  if (state.toolsCount !== null) emit('toolsCount', `mcp_tools_listed${l}} ${state.toolsCount}\n`);
  if (state.health !== 'unknown') emit('up', `mcp_endpoint_up${l}} ${state.health === 'up' ? 1 : 0}\n`);
  emit('incidentOpen', `mcp_incident_open${l}} ${state.openIncidentId === null ? 0 : 1}\n`);
  const compliance = input.compliance;
  if (compliance !== undefined) {
    if (compliance.grade.score !== null) emit('complianceScore', `mcp_compliance_score${l}} ${compliance.grade.score}\n`);
    // A report holds each id once; a repeated one (a bug in the checks) must not break the exposition.
    const seen = new Set<string>();
    for (const r of compliance.report.results) {
      if ((r.outcome !== 'pass' && r.outcome !== 'fail') || seen.has(r.id)) continue;
      seen.add(r.id);
      emit('complianceCheck', `mcp_compliance_check${l},check="${escapeLabelValue(r.id)}",level="${r.level}"} ${r.outcome === 'pass' ? 1 : 0}\n`);
    }
  }
}

/**
 * Accumulates endpoints family by family (the format wants each family's samples together, under
 * one HELP/TYPE), so endpoints can be added in any number of slices before `finish`.
 *
 * The whole-fleet render /metrics did per scrape before it kept its block up to date
 * (endpoint-blocks.ts); the tests hold the kept block to it.
 *
 * Lines are short-lived strings in per-family arrays, turned into bytes by `flush` at the end of
 * each slice. Appending to one long string instead builds ropes that survive into the old
 * generation: at 10k endpoints that was 3× slower, mostly garbage collection, plus a 50–60 ms
 * flatten-and-encode in one block at the end.
 */
export class EndpointSeriesWriter {
  readonly #policy: HealthPolicy;
  #lines = emptyLines();
  #chunks = new Map<FamilyKey, Buffer[]>(FAMILY_KEYS.map((key) => [key, []]));

  constructor(policy: HealthPolicy) {
    this.#policy = policy;
  }

  add(input: EndpointSeriesInput): void {
    const t = this.#lines;
    endpointSamples(input, this.#policy, (key, line) => t[key].push(line));
  }

  /** Encodes the lines added since the last flush; call at the end of each slice. */
  flush(): void {
    for (const key of FAMILY_KEYS) {
      const lines = this.#lines[key];
      if (lines.length === 0) continue;
      this.#chunks.get(key)?.push(Buffer.from(lines.join('')));
      this.#lines[key] = [];
    }
  }

  /** The block: every family that has samples, under its HELP and TYPE. Resets the writer. */
  finish(): Buffer {
    this.flush();
    const parts: Buffer[] = [];
    for (const key of FAMILY_KEYS) {
      const chunks = this.#chunks.get(key) ?? [];
      if (chunks.length === 0) continue;
      const family = ENDPOINT_FAMILIES[key];
      parts.push(Buffer.from(familyHeader(family.name, family.type, family.help)), ...chunks);
      this.#chunks.set(key, []);
    }
    return Buffer.concat(parts);
  }
}
