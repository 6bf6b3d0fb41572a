// AlertEvent → AlertMessage: the words, the facts and the link, once, for every channel. Pure.
import type { Endpoint } from '../domain/endpoint.ts';
import type { FailureCode, Status } from '../domain/failure-codes.ts';
import type { AlertEvent, AlertMessage, Severity } from './types.ts';

/** Details come from remote servers' answers; a page of HTML is no use in a notification. */
const MAX_DETAIL_CHARS = 500;

export interface MessageContext {
  readonly endpoint: Pick<Endpoint, 'id' | 'slug' | 'name' | 'public' | 'tags'>;
  /** The endpoint's health when the alert was derived. */
  readonly live: { readonly status: Status | null; readonly code: FailureCode | null; readonly detail: string | null };
  readonly publicUrl: string | null;
}

/** The status page for public endpoints, the dashboard otherwise; null without a public URL. */
export function alertLink(publicUrl: string | null, endpoint: Pick<Endpoint, 'slug' | 'public'> | null): string | null {
  if (publicUrl === null) return null;
  if (endpoint?.public) return `${publicUrl}/status/${encodeURIComponent(endpoint.slug)}`;
  return `${publicUrl}/`;
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
  ];
  const parts: string[] = [];
  let left = s;
  for (const [size, name] of units) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0) parts.push(`${n} ${name}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function clip(text: string, max = MAX_DETAIL_CHARS): string {
  // eslint-disable-next-line no-control-regex -- control characters from remote text are dropped
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trim();
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : clean;
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

function list(names: readonly string[], max = 20): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

interface Words {
  readonly severity: Severity;
  readonly title: string;
  readonly text: string;
  readonly facts: Array<{ label: string; value: string }>;
  readonly code: FailureCode | null;
  readonly detail: string | null;
}

function words(alert: AlertEvent, ctx: MessageContext): Words {
  const name = ctx.endpoint.name;
  const live = ctx.live;
  const failing = (code: FailureCode | null, detail: string | null): Array<{ label: string; value: string }> => [
    ...(code !== null ? [{ label: 'Code', value: code }] : []),
    ...(detail !== null && detail !== '' ? [{ label: 'Detail', value: clip(detail) }] : []),
  ];
  switch (alert.kind) {
    case 'incident_opened':
      return {
        severity: 'critical',
        title: alert.late ? `${name} is still down` : `${name} is down`,
        text: `${name} is down since ${alert.startedAt}: ${alert.code}, ${clip(alert.detail)}${alert.late ? ' (announced late: it began during a maintenance window or a flapping spell)' : ''}`,
        facts: [{ label: 'Started', value: alert.startedAt }, ...failing(alert.code, alert.detail)],
        code: alert.code,
        detail: clip(alert.detail),
      };
    case 'incident_resolved': {
      const lasted = alert.durationS === null ? '' : ` after ${formatDuration(alert.durationS)}`;
      return {
        severity: 'resolved',
        title: `${name} is back up${lasted}`,
        text: `${name} is up again${lasted}.${alert.lastCode !== null ? ` The last failure was ${alert.lastCode}${alert.lastDetail ? `: ${clip(alert.lastDetail)}` : ''}.` : ''}`,
        facts: [
          ...(alert.startedAt !== null ? [{ label: 'Started', value: alert.startedAt }] : []),
          ...(alert.durationS !== null ? [{ label: 'Duration', value: formatDuration(alert.durationS) }] : []),
          ...failing(alert.lastCode, alert.lastDetail),
        ],
        code: alert.lastCode,
        detail: alert.lastDetail === null ? null : clip(alert.lastDetail),
      };
    }
    case 'incident_reminder':
      return {
        severity: 'critical',
        title: `${name} is still down (${formatDuration(alert.openForS)})`,
        text: `${name} has been down for ${formatDuration(alert.openForS)}, since ${alert.startedAt}: ${live.code ?? alert.code}, ${clip(live.detail ?? alert.detail)}`,
        facts: [{ label: 'Started', value: alert.startedAt }, { label: 'Down for', value: formatDuration(alert.openForS) }, ...failing(live.code ?? alert.code, live.detail ?? alert.detail)],
        code: live.code ?? alert.code,
        detail: clip(live.detail ?? alert.detail),
      };
    case 'cert_expiring': {
      const when = alert.daysLeft < 0 ? 'has expired' : alert.daysLeft === 0 ? 'expires within a day' : `expires in ${days(alert.daysLeft)}`;
      return {
        severity: alert.daysLeft <= 3 ? 'critical' : 'warning',
        title: `${name}: TLS certificate ${when}`,
        text: `The TLS certificate of ${name} ${when} (not after ${alert.notAfter}); this is the ${days(alert.thresholdDays)} warning.`,
        facts: [
          { label: 'Not after', value: alert.notAfter },
          { label: 'Days left', value: String(alert.daysLeft) },
          { label: 'Fingerprint', value: alert.fingerprint },
        ],
        code: live.code,
        detail: live.detail,
      };
    }
    case 'cert_changed':
      return {
        severity: 'info',
        title: `${name}: TLS certificate changed`,
        text: `${name} presents a new TLS certificate, valid until ${alert.notAfter}.`,
        facts: [
          { label: 'Not after', value: alert.notAfter },
          { label: 'New fingerprint', value: alert.to },
          ...(alert.from !== null ? [{ label: 'Old fingerprint', value: alert.from }] : []),
        ],
        code: live.code,
        detail: live.detail,
      };
    case 'protocol_changed': {
      const from = `${alert.fromEra ?? 'unknown'} ${alert.fromVersion ?? ''}`.trim();
      const to = `${alert.toEra} ${alert.toVersion}`;
      return {
        severity: 'info',
        title: `${name}: protocol changed to ${to}`,
        text: `${name} now speaks MCP ${to} (was ${from}).`,
        facts: [
          { label: 'From', value: from },
          { label: 'To', value: to },
        ],
        code: live.code,
        detail: live.detail,
      };
    }
    case 'tools_changed': {
      const counts = alert.namesKnown ? ` (+${alert.added.length}, −${alert.removed.length})` : '';
      const parts = [alert.added.length > 0 ? `added ${list(alert.added)}` : '', alert.removed.length > 0 ? `removed ${list(alert.removed)}` : ''].filter(Boolean);
      const change = !alert.namesKnown ? 'changed' : parts.length === 0 ? 'changed (same names, different schemas)' : `changed: ${parts.join('; ')}`;
      return {
        severity: 'info',
        title: `${name}: tool list changed${counts}`,
        text: `The tool list of ${name} ${change}. ${alert.count} tool${alert.count === 1 ? '' : 's'} now.`,
        facts: [
          { label: 'Tools', value: String(alert.count) },
          ...(alert.added.length > 0 ? [{ label: 'Added', value: list(alert.added) }] : []),
          ...(alert.removed.length > 0 ? [{ label: 'Removed', value: list(alert.removed) }] : []),
        ],
        code: live.code,
        detail: live.detail,
      };
    }
    case 'auth_required_entered':
      return {
        severity: 'warning',
        title: `${name} now requires authorization`,
        text: `${name} answers 401: it now requires credentials mcpwatch does not send${live.detail ? ` (${clip(live.detail)})` : ''}.`,
        facts: failing(live.code, live.detail),
        code: live.code,
        detail: live.detail === null ? null : clip(live.detail),
      };
    case 'auth_required_left':
      return {
        severity: 'info',
        title: `${name} no longer requires authorization`,
        text: `${name} no longer answers 401${live.status !== null ? `; its status is ${live.status}` : ''}.`,
        facts: [],
        code: live.code,
        detail: live.detail === null ? null : clip(live.detail),
      };
    case 'partial_outage_started':
      return {
        severity: 'warning',
        title: `${name}: partial outage (${list(alert.regions)})`,
        text: `${name} is down from ${alert.regions.length} of ${alert.counted} region${alert.counted === 1 ? '' : 's'} (${list(alert.regions)}); ${alert.needed} must agree before it counts as down.`,
        facts: [
          { label: 'Regions down', value: list(alert.regions) },
          { label: 'Quorum', value: `${alert.needed} of ${alert.counted}` },
        ],
        code: live.code,
        detail: live.detail === null ? null : clip(live.detail),
      };
    case 'partial_outage_ended':
      return {
        severity: 'info',
        title: `${name}: partial outage over`,
        text: `No region that counts sees ${name} down any more, or enough of them do that it is an incident.`,
        facts: [],
        code: live.code,
        detail: live.detail === null ? null : clip(live.detail),
      };
  }
}

/** The message for one alert, keyed for one channel. */
export function buildMessage(alert: AlertEvent, ctx: MessageContext, key: string): AlertMessage {
  const w = words(alert, ctx);
  const { key: _alertKey, endpointId: _endpointId, suppressed: _suppressed, ...data } = alert;
  return {
    key,
    kind: alert.kind,
    severity: w.severity,
    at: alert.at,
    endpoint: { id: ctx.endpoint.id, slug: ctx.endpoint.slug, name: ctx.endpoint.name, public: ctx.endpoint.public, tags: [...ctx.endpoint.tags] },
    status: ctx.live.status,
    code: w.code,
    detail: w.detail,
    title: w.title,
    text: w.text,
    facts: [{ label: 'Endpoint', value: `${ctx.endpoint.name} (${ctx.endpoint.slug})` }, ...(ctx.live.status !== null ? [{ label: 'Status', value: ctx.live.status }] : []), ...w.facts],
    link: alertLink(ctx.publicUrl, ctx.endpoint),
    data,
  };
}

/** What `mcpwatch alert test <channel>` sends. */
export function testMessage(channel: string, key: string, atMs: number, publicUrl: string | null): AlertMessage {
  const at = new Date(atMs).toISOString();
  return {
    key,
    kind: 'test',
    severity: 'info',
    at,
    endpoint: null,
    status: null,
    code: null,
    detail: null,
    title: 'mcpwatch test message',
    text: `This is a test message for channel "${channel}", sent at ${at}. If you can read it, alerts will reach you here.`,
    facts: [{ label: 'Channel', value: channel }],
    link: alertLink(publicUrl, null),
    data: {},
  };
}
