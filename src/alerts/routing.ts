// Which channels an alert goes to, and the key that identifies one message on one channel. Pure.
import { createHash } from 'node:crypto';
import type { AlertsConfig } from '../config/schema.ts';
import { OPT_IN_ALERT_KINDS, type AlertKind } from './types.ts';

export interface RouteTarget {
  readonly slug: string;
  readonly tags: readonly string[];
}

/**
 * Channel names for an alert, in the order the channels are configured, each once however many
 * routes select it. No routes at all means every channel receives every alert, except the
 * OPT_IN_ALERT_KINDS, which go only where a route names them.
 */
export function routeChannels(alerts: Pick<AlertsConfig, 'channels' | 'routes'>, kind: AlertKind, target: RouteTarget): string[] {
  const optIn = OPT_IN_ALERT_KINDS.includes(kind);
  if (alerts.routes.length === 0) return optIn ? [] : alerts.channels.map((c) => c.name);
  const chosen = new Set<string>();
  for (const route of alerts.routes) {
    if (route.events === null ? optIn : !route.events.includes(kind)) continue;
    const scoped = route.endpoints !== null || route.tags !== null;
    const matches = !scoped || (route.endpoints?.includes(target.slug) ?? false) || (route.tags?.some((t) => target.tags.includes(t)) ?? false);
    if (matches) for (const name of route.channels) chosen.add(name);
  }
  return alerts.channels.map((c) => c.name).filter((name) => chosen.has(name));
}

/**
 * The idempotency key: stable for (installation, alert, channel), so every attempt and every
 * re-derivation carries the same one. UUID-shaped because many receivers expect that.
 */
export function idempotencyKey(instanceId: string, alertKey: string, channel: string): string {
  const hex = createHash('sha256').update(`${instanceId}\n${alertKey}\n${channel}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
