// `mcpwatch alert test <channel>`: sends a test message straight through the channel (not through
// the outbox, so it works while `serve` runs elsewhere and says at once whether it arrived).
import { randomUUID } from 'node:crypto';
import type { AlertTestCommand } from '../cli/args.ts';
import type { AlertsConfig, Config } from '../config/schema.ts';
import { MCPWATCH_VERSION } from '../version.ts';
import { createChannel } from './channels/index.ts';
import { DEFAULT_DISPATCHER_OPTIONS } from './dispatcher.ts';
import { testMessage } from './message.ts';
import type { DeliveryOutcome } from './types.ts';

export interface TestAlertOptions {
  readonly clock?: () => number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Sends one test message through a channel of `alerts` (the file's section, or the settings in
 * force with the API's channels); unknown and disabled channels fail without sending.
 */
export async function sendTestAlert(alerts: AlertsConfig, publicUrl: string | null, channelName: string, options: TestAlertOptions = {}): Promise<DeliveryOutcome> {
  const clock = options.clock ?? Date.now;
  const channelConfig = alerts.channels.find((c) => c.name === channelName);
  if (!channelConfig) {
    const known = alerts.channels.map((c) => c.name);
    return { ok: false, retryable: false, detail: `no alert channel named "${channelName}" (${known.length > 0 ? `channels: ${known.join(', ')}` : 'none are defined'})` };
  }
  const channel = createChannel(channelConfig, { clock, userAgent: `mcpwatch/${MCPWATCH_VERSION}` });
  if (channel.disabledReason !== null) return { ok: false, retryable: false, detail: `channel "${channelName}" is disabled: ${channel.disabledReason}` };
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_DISPATCHER_OPTIONS.attemptTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  // A fresh key each time: a receiver that drops repeats must not drop the second test.
  return channel.send(testMessage(channelName, randomUUID(), clock(), publicUrl), signal);
}

/** The command: prints the outcome, exit status 0 when the receiver accepted the message. */
export async function runAlertTest(
  config: Config,
  alerts: AlertsConfig,
  command: AlertTestCommand,
  out: { write(text: string): unknown },
  options: TestAlertOptions = {},
): Promise<number> {
  const outcome = await sendTestAlert(alerts, config.publicUrl, command.channel, options);
  if (outcome.ok) {
    out.write(`test message sent through "${command.channel}"${outcome.detail !== undefined ? ` (${outcome.detail})` : ''}\n`);
    return 0;
  }
  out.write(`test message through "${command.channel}" failed: ${outcome.detail}\n`);
  return 1;
}
