// Generic webhook: the AlertMessage as JSON, signed. Receivers verify
//   X-Mcpwatch-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Mcpwatch-Timestamp>.<raw body>")>
// (the timestamp inside the signed text stops an old body being replayed as new), and drop
// repeats by the Idempotency-Key header, the same on every attempt of one message.
import { createHmac } from 'node:crypto';
import type { WebhookChannelConfig } from '../../config/schema.ts';
import type { AlertMessage } from '../types.ts';
import type { ChannelFactory } from './channel.ts';
import { postJson } from './post-json.ts';

export const WEBHOOK_BODY_VERSION = 1;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(message: AlertMessage): string {
  return JSON.stringify({
    version: WEBHOOK_BODY_VERSION,
    id: message.key,
    kind: message.kind,
    severity: message.severity,
    at: message.at,
    title: message.title,
    text: message.text,
    endpoint: message.endpoint,
    status: message.status,
    code: message.code,
    detail: message.detail,
    link: message.link,
    facts: message.facts,
    data: message.data,
  });
}

export const webhookChannel: ChannelFactory<WebhookChannelConfig> = (config, deps) => async (message, signal) => {
  const body = webhookBody(message);
  const timestamp = String(Math.floor(deps.clock() / 1000));
  const secret = config.secrets.hmacSecret;
  return postJson({
    url: config.secrets.url,
    body,
    signal,
    clock: deps.clock,
    addressPolicy: config.addressPolicy,
    headers: {
      'user-agent': deps.userAgent,
      'idempotency-key': message.key,
      'x-mcpwatch-event': message.kind,
      'x-mcpwatch-timestamp': timestamp,
      ...(secret !== null && secret !== '' ? { 'x-mcpwatch-signature': webhookSignature(secret, timestamp, body) } : {}),
    },
  });
};
