// Channels created through the API carry an address policy; deliveries on them must never connect
// to an address it refuses, while channels from the config file (no policy) behave as before.
// Every host here is 127.0.0.1, [::1] or localhost: even a broken guard only ever dials loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { smtpTarget } from '../../src/alerts/channels/email.ts';
import { createChannel } from '../../src/alerts/channels/index.ts';
import { buildMessage } from '../../src/alerts/message.ts';
import type { AlertMessage, DeliveryOutcome } from '../../src/alerts/types.ts';
import type { AlertChannelConfig, EmailChannelConfig } from '../../src/config/schema.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './fixtures/receivers.ts';

type Policy = { readonly allowPrivate: boolean } | undefined;

const SMTP_PASS = 'smtp-pass-990011';
const TOKEN_PATH = 'tok-cccc-5566';

const message: AlertMessage = buildMessage(
  {
    key: 'event:3',
    endpointId: 1,
    at: '2026-05-04T12:02:00.000Z',
    suppressed: null,
    kind: 'incident_opened',
    startedAt: '2026-05-04T12:01:00.000Z',
    code: 'HTTP_5XX',
    detail: 'HTTP 503',
    incidentId: 7,
    late: false,
  },
  { endpoint: { id: 1, slug: 'weather', name: 'Weather', public: true, tags: [] }, live: { status: 'down', code: 'HTTP_5XX', detail: 'HTTP 503' }, publicUrl: null },
  '6f1c2b1e-0000-4000-8000-00000000beef',
);

let receiver: HttpReceiver;
let smtp: SmtpReceiver;
let port: number;

before(async () => {
  receiver = await startHttpReceiver();
  smtp = await startSmtpReceiver({ user: 'alerts', pass: SMTP_PASS });
  port = Number(new URL(receiver.url).port);
});

after(async () => {
  await receiver.close();
  await smtp.close();
});

function httpChannel(type: 'webhook' | 'slack' | 'discord' | 'ntfy', host: string, addressPolicy: Policy): AlertChannelConfig {
  const url = `http://${host}:${port}/hook/${TOKEN_PATH}`;
  const common = { name: `api-${type}`, disabledReason: null, ...(addressPolicy !== undefined ? { addressPolicy } : {}) };
  switch (type) {
    case 'webhook':
      return { ...common, type, secrets: { url, hmacSecret: null } };
    case 'ntfy':
      return { ...common, type, secrets: { url, topic: 'alerts-topic', token: null } };
    default:
      return { ...common, type, secrets: { url } };
  }
}

function emailChannel(host: string, addressPolicy: Policy): EmailChannelConfig {
  return {
    name: 'api-mail',
    type: 'email',
    disabledReason: null,
    ...(addressPolicy !== undefined ? { addressPolicy } : {}),
    host,
    port: smtp.port,
    secure: false,
    user: 'alerts',
    from: 'mcpwatch <alerts@example.com>',
    to: ['ops@example.com'],
    secrets: { pass: SMTP_PASS },
  };
}

function send(config: AlertChannelConfig): Promise<DeliveryOutcome> {
  return createChannel(config, { clock: () => Date.UTC(2026, 4, 4, 12, 2, 5), userAgent: 'mcpwatch/test' }).send(message, AbortSignal.timeout(5000));
}

interface Case {
  readonly host: string;
  readonly policy: Policy;
  readonly delivered: boolean;
}

const policyName = (policy: Policy): string => (policy === undefined ? 'no policy (config file)' : `allowPrivate ${policy.allowPrivate}`);

function assertRefused(outcome: DeliveryOutcome, host: string): void {
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.retryable, false, 'a refused address is a permanent failure');
  assert.match(outcome.detail, new RegExp(`^refusing to deliver to ${host.replace(/[[\].]/g, '\\$&')}: .*loopback`));
  assert.ok(!outcome.detail.includes('/hook') && !outcome.detail.includes(TOKEN_PATH), 'the URL path never reaches the detail');
}

describe('HTTP channels under an address policy', () => {
  const cases: readonly Case[] = [
    { host: '127.0.0.1', policy: { allowPrivate: false }, delivered: false },
    { host: 'localhost', policy: { allowPrivate: false }, delivered: false },
    { host: '[::1]', policy: { allowPrivate: false }, delivered: false },
    { host: '127.0.0.1', policy: { allowPrivate: true }, delivered: true },
    { host: 'localhost', policy: { allowPrivate: true }, delivered: true },
    { host: '127.0.0.1', policy: undefined, delivered: true },
    { host: 'localhost', policy: undefined, delivered: true },
  ];
  for (const c of cases) {
    test(`webhook to ${c.host}, ${policyName(c.policy)} → ${c.delivered ? 'delivered' : 'refused, nothing sent'}`, async () => {
      const before = receiver.requests.length;
      const outcome = await send(httpChannel('webhook', c.host, c.policy));
      if (c.delivered) assert.deepEqual(outcome, { ok: true, detail: 'HTTP 200: ok' });
      else assertRefused(outcome, c.host);
      assert.equal(receiver.requests.length - before, c.delivered ? 1 : 0);
    });
  }

  for (const type of ['slack', 'discord', 'ntfy'] as const) {
    test(`${type} passes the policy on: refused without allowPrivate, delivered with it`, async () => {
      const before = receiver.requests.length;
      assertRefused(await send(httpChannel(type, 'localhost', { allowPrivate: false })), 'localhost');
      assert.equal(receiver.requests.length, before, 'the receiver saw no request');
      assert.equal((await send(httpChannel(type, 'localhost', { allowPrivate: true }))).ok, true);
      assert.equal(receiver.requests.length - before, 1);
    });
  }
});

describe('email under an address policy', () => {
  const cases: readonly Case[] = [
    { host: '127.0.0.1', policy: { allowPrivate: false }, delivered: false },
    { host: 'localhost', policy: { allowPrivate: false }, delivered: false },
    { host: '127.0.0.1', policy: { allowPrivate: true }, delivered: true },
    // A name: nodemailer is handed the vetted IP (and the name for TLS) and still delivers.
    { host: 'localhost', policy: { allowPrivate: true }, delivered: true },
    { host: '127.0.0.1', policy: undefined, delivered: true },
  ];
  for (const c of cases) {
    test(`SMTP host ${c.host}, ${policyName(c.policy)} → ${c.delivered ? 'delivered' : 'refused, no connection'}`, async () => {
      const [mails, peers] = [smtp.mails.length, smtp.peers.length];
      const outcome = await send(emailChannel(c.host, c.policy));
      if (c.delivered) {
        assert.deepEqual(outcome, { ok: true });
        assert.equal(smtp.mails.length - mails, 1);
        assert.deepEqual(smtp.peers.slice(peers), ['127.0.0.1']);
      } else {
        assertRefused(outcome, c.host);
        assert.equal(smtp.peers.length - peers, 0, 'the SMTP server saw no connection');
        assert.equal(smtp.mails.length - mails, 0);
      }
    });
  }
});

describe('email under an address policy: a resolver that never answers', () => {
  test('the attempt stops waiting at its deadline instead of at the resolver’s', async () => {
    const config = emailChannel('mail.example.com', { allowPrivate: false });
    const started = performance.now();
    const target = await smtpTarget(config, AbortSignal.timeout(200), [], () => new Promise(() => undefined));
    const ms = performance.now() - started;
    assert.ok(!target.ok);
    assert.deepEqual([target.outcome.ok, !target.outcome.ok && target.outcome.retryable, !target.outcome.ok && target.outcome.detail], [false, true, 'no answer within the time limit']);
    // The resolver never answers: without the deadline this would never return. The bound only
    // has to be finite; a loaded runner must not fail it.
    assert.ok(ms < 30_000, `took ${ms} ms`);
  });
});
