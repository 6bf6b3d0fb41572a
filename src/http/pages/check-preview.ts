// A one-off probe's result as the endpoint form shows it before saving: the outcome in words, the
// facts a person checks (era, revision, server, tools, certificate) and the waterfall of every
// step the probe took, each bar where it started, so waits and retries show. Pure.
import type { PhaseName, ProbeResult } from '../../domain/probe-result.ts';
import { failureSummary } from '../../domain/failure-summary.ts';
import { formatMs } from './format.ts';
import { STATUS_META } from './status-display.ts';

/** The SVG box each bar is drawn in (attributes, never inline style: strict CSP). */
export const PREVIEW_WIDTH = 300;

/** The colour of each step's bar: the four the endpoint page's waterfall uses (app.css .ph-*). */
const STEP_CLASS = {
  dns: 'ph-dns',
  connect: 'ph-tcp',
  tls: 'ph-tls',
  discover: 'ph-mcp',
  initialize: 'ph-mcp',
  initialized: 'ph-mcp',
  ping: 'ph-mcp',
  reconnect: 'ph-mcp',
  sse_open: 'ph-mcp',
  tools_list: 'ph-mcp',
  tool_call: 'ph-mcp',
  auth_metadata: 'ph-mcp',
  session_close: 'ph-mcp',
} as const satisfies Record<PhaseName, string>;

export interface PreviewStep {
  readonly phase: PhaseName;
  readonly className: string;
  readonly msText: string;
  readonly ok: boolean;
  readonly x: number;
  readonly width: number;
}

export interface CheckPreview {
  readonly status: ProbeResult['status'];
  readonly statusLabel: string;
  readonly code: string | null;
  /** What the code means in words (null when up). */
  readonly summary: string | null;
  /** The probe's own detail: it can quote the server, so it is only ever shown escaped. */
  readonly detail: string;
  readonly durationText: string;
  readonly facts: ReadonlyArray<{ readonly label: string; readonly value: string }>;
  readonly warnings: readonly string[];
  readonly steps: readonly PreviewStep[];
  readonly width: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function checkPreview(result: ProbeResult): CheckPreview {
  const total = Math.max(result.durationMs, ...result.phases.map((p) => p.startMs + p.ms), 1);
  const steps = result.phases.map((p): PreviewStep => {
    const x = Math.min(PREVIEW_WIDTH - 1, round1((p.startMs / total) * PREVIEW_WIDTH));
    // A step of a few ms in a slow probe keeps one unit, so it shows.
    const width = Math.min(PREVIEW_WIDTH - x, Math.max(1, round1((p.ms / total) * PREVIEW_WIDTH)));
    return { phase: p.phase, className: STEP_CLASS[p.phase], msText: formatMs(p.ms), ok: p.ok, x, width: round1(width) };
  });
  const facts: Array<{ label: string; value: string }> = [];
  if (result.era !== null) facts.push({ label: 'Era', value: `${result.era}${result.transport ? ` (${result.transport})` : ''}` });
  if (result.protocolVersion !== null) facts.push({ label: 'Protocol revision', value: result.protocolVersion });
  if (result.server !== null) facts.push({ label: 'Server', value: [result.server.name, result.server.version].filter((s) => s !== null).join(' ') || '—' });
  if (result.tools !== null) facts.push({ label: 'Tools', value: String(result.tools.count) });
  if (result.connectedAddress !== null) facts.push({ label: 'Address', value: result.connectedAddress });
  if (result.certificate !== null) facts.push({ label: 'Certificate', value: `${result.certificate.daysLeft} days left, issued by ${result.certificate.issuer}` });
  if (result.http !== null) facts.push({ label: 'Last HTTP status', value: String(result.http.lastStatus) });
  return {
    status: result.status,
    statusLabel: STATUS_META[result.status].label,
    code: result.code,
    summary: result.code === null ? null : failureSummary(result.code),
    detail: result.detail,
    durationText: formatMs(result.durationMs),
    facts,
    warnings: result.warnings.map((w) => `${w.code}: ${w.detail}`),
    steps,
    width: PREVIEW_WIDTH,
  };
}
