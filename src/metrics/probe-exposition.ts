// The answer of GET /probe: one fresh probe's series in blackbox_exporter's shape. No label names
// the endpoint (Prometheus adds `instance` and `job` from the scrape config, as with blackbox); the
// only labels are the closed sets phase, version, status and code, plus the server's identity on
// mcp_server_info.
import { STATUSES } from '../domain/failure-codes.ts';
import { isFailure, type HealthPolicy } from '../domain/health.ts';
import type { ProbeResult } from '../domain/probe-result.ts';
import { BLACKBOX_FAMILIES, blackboxSamples } from './blackbox.ts';
import { ENDPOINT_FAMILIES, phaseTotals, serverInfoLabels } from './endpoint-series.ts';
import { familyHeader, formatValue, type Family } from './exposition.ts';

const PROBE_FAMILIES = {
  success: { name: 'probe_success', type: 'gauge', help: 'Displays whether or not the probe was a success (under the health policy: auth_required and degraded count as success by default).' },
  duration: { name: 'probe_duration_seconds', type: 'gauge', help: 'Returns how long the probe took to complete in seconds.' },
  timeout: { name: 'probe_timeout_seconds', type: 'gauge', help: 'Returns how long the probe timeout is in seconds.' },
  dns: { name: 'probe_dns_lookup_time_seconds', type: 'gauge', help: 'Returns the time taken for probe dns lookup in seconds (0 for an IP address).' },
  ...BLACKBOX_FAMILIES,
  certExpiry: { name: 'probe_ssl_earliest_cert_expiry', type: 'gauge', help: 'Earliest notAfter in the presented certificate chain, unix seconds; present whenever a certificate was seen, valid or not.' },
  status: { name: 'mcp_probe_status', type: 'gauge', help: 'Status of this probe, one-hot over up, degraded, auth_required and down.' },
  failure: { name: 'mcp_probe_failure', type: 'gauge', help: 'Failure code of this probe (1); absent when it carried none.' },
  phase: ENDPOINT_FAMILIES.phase,
  serverInfo: ENDPOINT_FAMILIES.serverInfo,
} as const satisfies Record<string, Family>;

type Key = keyof typeof PROBE_FAMILIES;

export interface ProbeExpositionOptions {
  readonly policy: HealthPolicy;
  /** The budget the probe ran under, seconds. */
  readonly timeoutSeconds: number;
}

const seconds = (ms: number): string => formatValue(ms / 1000);

/** The exposition text of one probe result. */
export function renderProbeMetrics(result: ProbeResult, options: ProbeExpositionOptions): string {
  const lines = new Map<Key, string[]>();
  const add = (key: Key, labels: string, value: string): void => {
    const sample = `${PROBE_FAMILIES[key].name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
    const list = lines.get(key);
    if (list) list.push(sample);
    else lines.set(key, [sample]);
  };

  const { names, totals, dnsMs } = phaseTotals(result.phases);
  add('success', '', isFailure(result.status, options.policy) ? '0' : '1');
  add('duration', '', seconds(result.durationMs));
  add('timeout', '', formatValue(options.timeoutSeconds));
  add('dns', '', seconds(dnsMs));
  blackboxSamples(result, add);
  const expiry = result.certificate ? Date.parse(result.certificate.earliestNotAfter) : Number.NaN;
  if (Number.isFinite(expiry)) add('certExpiry', '', formatValue(Math.floor(expiry / 1000)));
  for (const status of STATUSES) add('status', `status="${status}"`, result.status === status ? '1' : '0');
  if (result.code !== null) add('failure', `code="${result.code}"`, '1');
  for (let i = 0; i < names.length; i++) add('phase', `phase="${names[i]}"`, seconds(totals[i] ?? 0));
  if (result.era !== null) add('serverInfo', serverInfoLabels(result.era, result.protocolVersion, result.server?.name ?? null, result.server?.version ?? null), '1');

  let text = '';
  for (const key of Object.keys(PROBE_FAMILIES) as Key[]) {
    const samples = lines.get(key);
    if (!samples) continue;
    const family = PROBE_FAMILIES[key];
    text += familyHeader(family.name, family.type, family.help) + samples.join('');
  }
  return text;
}
