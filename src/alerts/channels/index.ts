// Channel type → channel, checked by the compiler: a new type in ALERT_CHANNEL_TYPES does not
// build until it has a file here.
import type { AlertChannelConfig, AlertChannelType } from '../../config/schema.ts';
import type { ChannelDeps, ChannelFactory, Send } from './channel.ts';
import { discordChannel } from './discord.ts';
import { emailChannel } from './email.ts';
import { ntfyChannel } from './ntfy.ts';
import { slackChannel } from './slack.ts';
import { webhookChannel } from './webhook.ts';

export type { ChannelDeps, Send } from './channel.ts';

export const CHANNELS = {
  webhook: webhookChannel,
  slack: slackChannel,
  discord: discordChannel,
  ntfy: ntfyChannel,
  email: emailChannel,
} as const satisfies { readonly [K in AlertChannelType]: ChannelFactory<Extract<AlertChannelConfig, { type: K }>> };

export interface Channel {
  readonly name: string;
  readonly type: AlertChannelType;
  /** Why it cannot send (an unset environment variable); null when it can. */
  readonly disabledReason: string | null;
  readonly send: Send;
}

export function createChannel(config: AlertChannelConfig, deps: ChannelDeps): Channel {
  // The map is keyed by the same `type` the config carries, so this factory takes this config;
  // TypeScript cannot correlate a union with an indexed access on its own.
  const factory = CHANNELS[config.type] as ChannelFactory<AlertChannelConfig>;
  return { name: config.name, type: config.type, disabledReason: config.disabledReason, send: factory(config, deps) };
}
