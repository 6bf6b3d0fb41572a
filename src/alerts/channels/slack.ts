// Slack incoming webhook: a plain `text` for notifications and a few Block Kit sections. Slack's
// mrkdwn treats &, < and > as markup, so text from remote servers is escaped.
import type { SlackChannelConfig } from '../../config/schema.ts';
import type { AlertMessage } from '../types.ts';
import { SEVERITY_MARK, type ChannelFactory } from './channel.ts';
import { postJson } from './post-json.ts';

export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function slackBody(message: AlertMessage): Record<string, unknown> {
  const mark = SEVERITY_MARK[message.severity];
  const title = slackEscape(message.title);
  const heading = message.link !== null ? `<${message.link}|${title}>` : title;
  // Limits: section text 3000 characters, at most 10 fields of 2000.
  return {
    text: cut(`${mark} ${message.title}`, 3000),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: cut(`${mark} *${heading}*\n${slackEscape(message.text)}`, 3000) } },
      ...(message.facts.length > 0
        ? [{ type: 'section', fields: message.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: cut(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, 2000) })) }]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`mcpwatch · ${message.kind} · ${message.at}`) }] },
    ],
  };
}

export const slackChannel: ChannelFactory<SlackChannelConfig> = (config, deps) => async (message, signal) =>
  postJson({ url: config.secrets.url, body: JSON.stringify(slackBody(message)), headers: { 'user-agent': deps.userAgent }, signal, clock: deps.clock, addressPolicy: config.addressPolicy });
