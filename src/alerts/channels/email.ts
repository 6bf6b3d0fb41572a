// Email over SMTP (nodemailer), one connection per message: alerts are rare, and a pooled
// connection would outlive the attempt's signal. The idempotency key becomes the Message-ID, so
// a retry after a lost "250 OK" is a duplicate mail clients can recognise.
import { createTransport } from 'nodemailer';
import type { EmailChannelConfig } from '../../config/schema.ts';
import { hostIsIpLiteral } from '../../probe/address-policy.ts';
import type { AlertMessage, DeliveryOutcome } from '../types.ts';
import { resolveAll, resolveVetted, type ResolveAll } from './address-guard.ts';
import type { ChannelFactory } from './channel.ts';
import { failureText, redact } from './post-json.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export function emailText(message: AlertMessage): string {
  const width = Math.max(0, ...message.facts.map((f) => f.label.length));
  return [
    message.text,
    '',
    ...message.facts.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`),
    ...(message.link !== null ? ['', message.link] : []),
    '',
    `-- mcpwatch, ${message.kind} at ${message.at}`,
    '',
  ].join('\n');
}

/** The SMTP reply code of a failed send, when the server gave one. */
function replyCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('responseCode' in err)) return undefined;
  return typeof err.responseCode === 'number' ? err.responseCode : undefined;
}

export type SmtpTarget = { readonly ok: true; readonly host: string; readonly servername?: string } | { readonly ok: false; readonly outcome: DeliveryOutcome };

/**
 * Where to connect. Under an address policy, the host is resolved and vetted here and nodemailer
 * is given the vetted IP (left to itself it would resolve the name again, a rebinding window),
 * with the configured name as TLS server name so the certificate is still checked against it.
 */
export async function smtpTarget(config: EmailChannelConfig, signal: AbortSignal, secrets: readonly string[], resolve: ResolveAll = resolveAll): Promise<SmtpTarget> {
  if (config.addressPolicy === undefined) return { ok: true, host: config.host };
  try {
    // getaddrinfo cannot be cancelled; the attempt stops waiting for it at its deadline.
    const vetted = await untilAborted(resolveVetted(config.host, config.addressPolicy, resolve), signal);
    if (!vetted.ok) return { ok: false, outcome: { ok: false, retryable: false, detail: redact(vetted.detail, secrets) } };
    const ip = vetted.addresses[0].address;
    return hostIsIpLiteral(config.host) === undefined ? { ok: true, host: ip, servername: config.host } : { ok: true, host: ip };
  } catch (err) {
    // A name that does not resolve (yet) is the ordinary, retryable DNS failure.
    return { ok: false, outcome: { ok: false, retryable: true, detail: redact(failureText(err, signal), secrets) } };
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export const emailChannel: ChannelFactory<EmailChannelConfig> = (config) => async (message, signal) => {
  const pass = config.secrets.pass;
  const secrets = pass !== null ? [pass] : [];
  const target = await smtpTarget(config, signal, secrets);
  if (!target.ok) return target.outcome;
  const transport = createTransport({
    host: target.host,
    ...(target.servername !== undefined ? { tls: { servername: target.servername } } : {}),
    port: config.port,
    secure: config.secure,
    ...(config.user !== null && pass !== null ? { auth: { user: config.user, pass } } : {}),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: CONNECT_TIMEOUT_MS,
  });
  try {
    const domain = /@([^>\s]+)>?\s*$/.exec(config.from)?.[1] ?? 'mcpwatch.invalid';
    await transport.sendMail({
      from: config.from,
      to: [...config.to],
      subject: `[mcpwatch] ${message.title}`,
      text: emailText(message),
      messageId: `<${message.key}@${domain}>`,
      headers: { 'X-Mcpwatch-Event': message.kind, 'X-Mcpwatch-Idempotency-Key': message.key },
      signal,
    });
    return { ok: true };
  } catch (err) {
    const code = replyCode(err);
    const detail = redact(failureText(err, signal), secrets);
    // SMTP's own split: 5xx is permanent (bad recipient, refused login), 4xx and no answer are not.
    return { ok: false, retryable: code === undefined || code < 500, detail };
  } finally {
    transport.close();
  }
};
