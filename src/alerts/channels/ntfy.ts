// ntfy: JSON publishing to the server root (https://docs.ntfy.sh/publish/#publish-as-json), which
// carries any text in the title, unlike the header form.
import type { NtfyChannelConfig } from '../../config/schema.ts';
import type { AlertMessage, Severity } from '../types.ts';
import type { ChannelFactory } from './channel.ts';
import { postJson } from './post-json.ts';

const PRIORITY: Record<Severity, number> = { critical: 5, warning: 4, info: 3, resolved: 3 };
const TAGS: Record<Severity, string> = { critical: 'rotating_light', warning: 'warning', info: 'information_source', resolved: 'white_check_mark' };

export function ntfyBody(topic: string, message: AlertMessage): Record<string, unknown> {
  return {
    topic,
    title: message.title,
    message: message.text,
    priority: PRIORITY[message.severity],
    tags: [TAGS[message.severity], `mcpwatch-${message.kind}`],
    ...(message.link !== null ? { click: message.link } : {}),
  };
}

export const ntfyChannel: ChannelFactory<NtfyChannelConfig> = (config, deps) => async (message, signal) => {
  const { url, topic, token } = config.secrets;
  return postJson({
    url: `${url}/`,
    body: JSON.stringify(ntfyBody(topic, message)),
    headers: { 'user-agent': deps.userAgent, ...(token !== null && token !== '' ? { authorization: `Bearer ${token}` } : {}) },
    signal,
    clock: deps.clock,
    addressPolicy: config.addressPolicy,
    secrets: [topic, ...(token !== null ? [token] : [])],
  });
};
