// Discord webhook: one embed. allowed_mentions is empty so a server's error text containing
// "@everyone" pings nobody.
import type { DiscordChannelConfig } from '../../config/schema.ts';
import type { AlertMessage, Severity } from '../types.ts';
import type { ChannelFactory } from './channel.ts';
import { postJson } from './post-json.ts';

const COLOR: Record<Severity, number> = { critical: 0xd93025, warning: 0xf29900, info: 0x1a73e8, resolved: 0x188038 };

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function discordBody(message: AlertMessage): Record<string, unknown> {
  // Limits: title 256, description 4096, 25 fields of name 256 and value 1024.
  return {
    username: 'mcpwatch',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cut(message.title, 256),
        description: cut(message.text, 4096),
        ...(message.link !== null ? { url: message.link } : {}),
        color: COLOR[message.severity],
        timestamp: message.at,
        fields: message.facts.slice(0, 25).map((f) => ({ name: cut(f.label, 256), value: cut(f.value, 1024) || '-', inline: f.value.length <= 40 })),
        footer: { text: `mcpwatch · ${message.kind}` },
      },
    ],
  };
}

export const discordChannel: ChannelFactory<DiscordChannelConfig> = (config, deps) => async (message, signal) =>
  postJson({ url: config.secrets.url, body: JSON.stringify(discordBody(message)), headers: { 'user-agent': deps.userAgent }, signal, clock: deps.clock, addressPolicy: config.addressPolicy });
