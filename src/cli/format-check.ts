import { truncate } from '../domain/http-status.ts';
import type { ProbeResult } from '../domain/probe-result.ts';

const BAR_WIDTH = 32;

/** Server-supplied text reaches a terminal: strip control characters (escape sequences) and cap it. */
function safe(text: string | null | undefined, max = 120): string {
  return text ? truncate(text, max) : '';
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`.padStart(10);
}

/** A waterfall: each phase's bar starts where it started, so gaps and overlaps show. */
function waterfall(result: ProbeResult): string[] {
  const total = Math.max(result.durationMs, 1);
  const lines = result.phases.map((p) => {
    const start = Math.min(BAR_WIDTH - 1, Math.floor((p.startMs / total) * BAR_WIDTH));
    const width = Math.max(1, Math.round((p.ms / total) * BAR_WIDTH));
    const bar = ' '.repeat(start) + (p.ok ? '█' : '░').repeat(Math.min(width, BAR_WIDTH - start));
    return `  ${p.phase.padEnd(14)}${ms(p.ms)}  ${bar}${p.ok ? '' : '  ✗'}`;
  });
  lines.push(`  ${'total'.padEnd(14)}${ms(result.durationMs)}`);
  return lines;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(12)}${value}`;
}

export function formatCheck(result: ProbeResult): string {
  const out: string[] = [`mcpwatch check ${safe(result.url, 200)}`, '', ...waterfall(result), ''];
  if (result.addresses.length > 0) {
    const addresses = result.addresses.map((a) => `${a.address}${a.ttl !== null ? ` (ttl ${a.ttl}s)` : ''}${a.address === result.connectedAddress ? ' ←' : ''}`);
    out.push(row('address', addresses.join(', ')));
  }
  const cert = result.certificate;
  if (cert) {
    out.push(row('certificate', `${safe(cert.subject)} · issued by ${safe(cert.issuer)}`));
    out.push(row('', `expires ${cert.notAfter.slice(0, 10)} (${cert.daysLeft} days) · ${cert.protocol ?? '?'} ${cert.cipher ?? ''}`.trimEnd()));
    out.push(row('', `chain ${cert.chainValid ? 'trusted' : `NOT trusted (${safe(cert.chainError)})`} · host name ${cert.hostnameValid ? 'matches' : 'does NOT match'}`));
    if (cert.sans.length > 0) out.push(row('', `SANs ${safe(cert.sans.join(', '), 200)}`));
  }
  if (result.era) {
    const how = result.eraSource ? ` (${result.eraSource})` : '';
    out.push(row('protocol', `${result.era} · ${result.protocolVersion ?? '?'} · ${result.transport ?? '?'}${how}`));
  }
  if (result.server) {
    const name = safe(result.server.name) || '(unnamed)';
    out.push(row('server', `${name} ${safe(result.server.version, 40)}${result.server.title ? ` — ${safe(result.server.title, 60)}` : ''}`));
  }
  if (result.tools) {
    out.push(row('tools', `${result.tools.count}${result.tools.truncated ? '+ (page limit reached)' : ''} · hash ${result.tools.hash.slice(0, 12)}`));
  }
  if (result.auth) {
    out.push(row('auth', safe(result.auth.challenge, 200) || '(no challenge)'));
    if (result.auth.authorizationServers.length > 0) out.push(row('', `authorization servers ${safe(result.auth.authorizationServers.join(', '), 200)}`));
    if (result.auth.metadataError) out.push(row('', `resource metadata: ${safe(result.auth.metadataError)}`));
  }
  for (const w of result.warnings) out.push(row('warning', `${w.code} ${safe(w.detail)}`));
  out.push('');
  const status = result.status.toUpperCase().replace('_', ' ');
  out.push(`  ${status}${result.code ? ` ${result.code}` : ''} — ${safe(result.detail, 300)}`);
  return out.join('\n');
}

export function exitCodeFor(result: ProbeResult): 0 | 1 {
  return result.status === 'up' || result.status === 'degraded' ? 0 : 1;
}
