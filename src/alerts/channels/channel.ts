// The one shape every channel has: a message and a signal in, an outcome out. A channel never
// throws for a failed delivery and never puts a secret (its URL, token, password) in `detail`.
import type { AlertChannelConfig } from '../../config/schema.ts';
import type { AlertMessage, DeliveryOutcome } from '../types.ts';

export type Send = (message: AlertMessage, signal: AbortSignal) => Promise<DeliveryOutcome>;

export interface ChannelDeps {
  /** ms since the epoch (webhook timestamps, Retry-After dates). */
  readonly clock: () => number;
  readonly userAgent: string;
}

export type ChannelFactory<C extends AlertChannelConfig> = (config: C, deps: ChannelDeps) => Send;

/** Emoji per severity, for the chat channels. */
export const SEVERITY_MARK = { critical: '🔴', warning: '🟠', info: '🔵', resolved: '✅' } as const;
