// Every channel against a real receiver on loopback: what arrives, and what a failure looks like.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createChannel } from '../../src/alerts/channels/index.ts';
import { postJson } from '../../src/alerts/channels/post-json.ts';
import { runAlertTest, sendTestAlert } from '../../src/alerts/cli.ts';
import { parseCommand } from '../../src/cli/commands.ts';
import { buildMessage } from '../../src/alerts/message.ts';
import type { AlertEvent, AlertMessage } from '../../src/alerts/types.ts';
import { UsageError } from '../../src/cli/args.ts';
import { DEFAULT_ALERTS, type AlertChannelConfig, type Config } from '../../src/config/schema.ts';
import { mailHeader, signatureValid, startHttpReceiver, startSmtpReceiver, type HttpReceiver, type Reply, type SmtpReceiver } from './fixtures/receivers.ts';
import { configFrom } from './fixtures/world.ts';

const SECRET = 'whsec-778899';
const SMTP_PASS = 'smtp-pass-445566';
const NTFY_TOKEN = 'tk_ntfy_112233';

const opened: Extract<AlertEvent, { kind: 'incident_opened' }> = {
  key: 'event:9',
  endpointId: 4,
  at: '2026-05-04T12:02:00.000Z',
  suppressed: null,
  kind: 'incident_opened',
  startedAt: '2026-05-04T12:01:00.000Z',
  code: 'HTTP_5XX',
  detail: 'HTTP 503 <b>Service & "Unavailable"</b> @everyone',
  incidentId: 31,
  late: false,
};

function message(key = '6f1c2b1e-0000-4000-8000-00000000abcd'): AlertMessage {
  return buildMessage(
    opened,
    {
      endpoint: { id: 4, slug: 'weather', name: 'Weather', public: true, tags: ['prod'] },
      live: { status: 'down', code: 'HTTP_5XX', detail: opened.detail },
      publicUrl: 'https://status.example.com',
    },
    key,
  );
}

let hooks: HttpReceiver;
let chats: HttpReceiver;
let smtp: SmtpReceiver;
let config: Config;

before(async () => {
  // The webhook receiver checks signatures; the chat services get a receiver of their own.
  hooks = await startHttpReceiver({ secret: SECRET });
  chats = await startHttpReceiver({ respond: (r) => (r.path.startsWith('/slack') ? { status: 200, body: 'ok' } : r.path.startsWith('/discord') ? { status: 204 } : { status: 200 }) });
  smtp = await startSmtpReceiver({ user: 'alerts', pass: SMTP_PASS });
  config = configFrom(
    `
publicUrl: https://status.example.com
alerts:
  channels:
    - { name: hook, type: webhook, url: "${hooks.url}/hook", secret: { env: HOOK_SECRET } }
    - { name: chat, type: slack, url: { env: SLACK_URL } }
    - { name: guild, type: discord, url: { env: DISCORD_URL } }
    - { name: phone, type: ntfy, url: "${chats.url}/ntfy", topic: mcpwatch-alerts, token: { env: NTFY_TOKEN } }
    - name: mail
      type: email
      smtp: { host: 127.0.0.1, port: ${smtp.port}, secure: false, user: alerts, pass: { env: SMTP_PASS }, from: "mcpwatch <alerts@example.com>", to: [ops@example.com, oncall@example.com] }
    - name: badmail
      type: email
      smtp: { host: 127.0.0.1, port: ${smtp.port}, user: alerts, pass: { env: WRONG_PASS }, from: alerts@example.com, to: [ops@example.com] }
    - { name: off, type: slack, url: { env: NOT_SET } }
`,
    { HOOK_SECRET: SECRET, SLACK_URL: `${chats.url}/slack/T1/B2/xyz`, DISCORD_URL: `${chats.url}/discord/123/tok`, NTFY_TOKEN, SMTP_PASS, WRONG_PASS: 'wrong-pass-000' },
  );
});

after(async () => {
  await hooks.close();
  await chats.close();
  await smtp.close();
});

function channel(name: string): AlertChannelConfig {
  const found = config.alerts?.channels.find((c) => c.name === name);
  if (!found) throw new Error(`no channel ${name}`);
  return found;
}

async function send(name: string, msg = message()) {
  const receiver = name === 'hook' ? hooks : chats;
  const before = receiver.requests.length;
  const outcome = await createChannel(channel(name), { clock: () => Date.UTC(2026, 4, 4, 12, 2, 5), userAgent: 'mcpwatch/test' }).send(msg, AbortSignal.timeout(5000));
  return { outcome, requests: receiver.requests.slice(before) };
}

const everything = (): number => hooks.requests.length + chats.requests.length + smtp.mails.length;
const lastText = (name: string): string | undefined => (name === 'mail' ? smtp.mails.at(-1)?.raw : (name === 'hook' ? hooks : chats).requests.at(-1)?.body);

describe('channels: what arrives', () => {
  test('webhook: the message as JSON, HMAC-signed over timestamp and body, with the idempotency key', async () => {
    const { outcome, requests } = await send('hook');
    assert.deepEqual(outcome, { ok: true, detail: 'HTTP 200: ok' });
    const [r] = requests;
    assert.ok(r);
    assert.ok(signatureValid(SECRET, r.headers, r.body));
    assert.equal(r.headers['x-mcpwatch-timestamp'], String(Math.floor(Date.UTC(2026, 4, 4, 12, 2, 5) / 1000)));
    assert.equal(r.headers['idempotency-key'], message().key);
    assert.equal(r.headers['x-mcpwatch-event'], 'incident_opened');
    assert.equal(r.headers['user-agent'], 'mcpwatch/test');
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['version', 'id', 'kind', 'severity', 'at', 'title', 'text', 'endpoint', 'status', 'code', 'detail', 'link', 'facts', 'data']);
    assert.deepEqual([body.version, body.id, body.status, body.code, body.link], [1, message().key, 'down', 'HTTP_5XX', 'https://status.example.com/status/weather']);
    // A receiver with the wrong secret, or a tampered body, fails the check.
    assert.equal(signatureValid('other', r.headers, r.body), false);
    assert.equal(signatureValid(SECRET, r.headers, r.body.replace('Weather', 'Weathex')), false);
  });

  test('slack: text for the notification, blocks with the link, remote text escaped', async () => {
    const { outcome, requests } = await send('chat');
    assert.deepEqual(outcome, { ok: true, detail: 'HTTP 200: ok' });
    const body = JSON.parse(requests[0]!.body) as { text: string; blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }> }> };
    assert.equal(requests[0]!.path, '/slack/T1/B2/xyz');
    assert.equal(body.text, '🔴 Weather is down');
    assert.equal(body.blocks[0]?.text?.text.split('\n')[0], '🔴 *<https://status.example.com/status/weather|Weather is down>*');
    const detail = body.blocks[1]?.fields?.find((f) => f.text.startsWith('*Detail*'));
    assert.equal(detail?.text, '*Detail*\nHTTP 503 &lt;b&gt;Service &amp; "Unavailable"&lt;/b&gt; @everyone');
  });

  test('discord: one embed, mentions disabled', async () => {
    const { outcome, requests } = await send('guild');
    assert.deepEqual(outcome, { ok: true });
    const body = JSON.parse(requests[0]!.body) as { allowed_mentions: unknown; embeds: Array<Record<string, unknown>> };
    assert.deepEqual(body.allowed_mentions, { parse: [] });
    const [embed] = body.embeds;
    assert.deepEqual([embed?.title, embed?.url, embed?.color, embed?.timestamp], ['Weather is down', 'https://status.example.com/status/weather', 0xd93025, opened.at]);
  });

  test('ntfy: JSON to the server root with topic, priority, click and the access token', async () => {
    const { outcome, requests } = await send('phone');
    assert.deepEqual(outcome, { ok: true });
    const [r] = requests;
    assert.ok(r);
    assert.equal(r.path, '/ntfy/');
    assert.equal(r.headers.authorization, `Bearer ${NTFY_TOKEN}`);
    assert.deepEqual(JSON.parse(r.body), {
      topic: 'mcpwatch-alerts',
      title: 'Weather is down',
      message: message().text,
      priority: 5,
      tags: ['rotating_light', 'mcpwatch-incident_opened'],
      click: 'https://status.example.com/status/weather',
    });
  });

  test('email: over SMTP with login, the key as Message-ID, text with the facts and the link', async () => {
    const { outcome } = await send('mail');
    assert.deepEqual(outcome, { ok: true });
    const mail = smtp.mails.at(-1);
    assert.ok(mail);
    assert.deepEqual([mail.from, mail.to, mail.user], ['alerts@example.com', ['ops@example.com', 'oncall@example.com'], 'alerts']);
    assert.equal(mailHeader(mail.raw, 'Subject'), '[mcpwatch] Weather is down');
    assert.equal(mailHeader(mail.raw, 'Message-ID'), `<${message().key}@example.com>`);
    assert.equal(mailHeader(mail.raw, 'X-Mcpwatch-Idempotency-Key'), message().key);
    const text = mail.raw.split(/\r?\n\r?\n/).slice(1).join('\n\n').replace(/=\r?\n/g, '');
    assert.match(text, /Code: +HTTP_5XX/);
    assert.match(text, /https:\/\/status\.example\.com\/status\/weather/);
  });

  test('email: a refused login is permanent and its detail holds no password', async () => {
    const { outcome } = await send('badmail');
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && !outcome.retryable, 'a 535 will not get better by retrying');
    assert.ok(!outcome.ok && !outcome.detail.includes('wrong-pass-000'));
    assert.match(!outcome.ok ? outcome.detail : '', /535|Invalid/);
  });
});

describe('channels: failures', () => {
  let failing: HttpReceiver;
  before(async () => {
    failing = await startHttpReceiver({
      respond: (r): Reply => {
        const status = Number(/\/(\d{3})/.exec(r.path)?.[1] ?? 200);
        if (r.path.startsWith('/slow')) return { status: 200, delayMs: 2000 };
        return { status, body: status === 200 ? '' : `error page for ${r.path}`, headers: status === 429 ? { 'retry-after': '7' } : status === 301 ? { location: `${failing.url}/200` } : {} };
      },
    });
  });
  after(() => failing.close());

  const cases: ReadonlyArray<{ path: string; retryable: boolean | null; detail: RegExp; retryAfterMs?: number }> = [
    { path: '/500/tok-aaaa', retryable: true, detail: /^HTTP 500: error page for \[redacted\]$/ },
    { path: '/429/tok-aaaa', retryable: true, detail: /^HTTP 429/, retryAfterMs: 7000 },
    { path: '/404/tok-aaaa', retryable: false, detail: /^HTTP 404/ },
    { path: '/410/tok-aaaa', retryable: false, detail: /^HTTP 410/ },
    { path: '/301/tok-aaaa', retryable: false, detail: /^HTTP 301 \(redirects are not followed\)/ },
    { path: '/slow/tok-aaaa', retryable: true, detail: /^no answer within the time limit$/ },
  ];
  for (const c of cases) {
    test(`${c.path.split('/')[1]} → ${c.retryable ? 'retry' : 'dead letter'}`, async () => {
      const before = failing.requests.length;
      const outcome = await postJson({ url: `${failing.url}${c.path}`, body: '{}', headers: {}, signal: AbortSignal.timeout(300) });
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.equal(outcome.retryable, c.retryable);
      assert.match(outcome.detail, c.detail);
      assert.ok(!outcome.detail.includes('tok-aaaa'), 'the URL path (a token) is never in the detail');
      if (c.retryAfterMs !== undefined) assert.equal(outcome.retryAfterMs, c.retryAfterMs);
      assert.equal(failing.requests.length - before, 1, 'one request: no redirect followed');
    });
  }

  test('a refused connection is retried, and the detail names no path', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const outcome = await postJson({ url: `http://127.0.0.1:${port}/hooks/tok-bbbb`, body: '{}', headers: {}, signal: AbortSignal.timeout(2000) });
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.retryable);
    assert.ok(!outcome.ok && !outcome.detail.includes('tok-bbbb'));
    assert.match(!outcome.ok ? outcome.detail : '', /ECONNREFUSED/);
  });

  test('only http and https', async () => {
    const outcome = await postJson({ url: 'file:///etc/passwd', body: '{}', headers: {}, signal: AbortSignal.timeout(100) });
    assert.deepEqual(outcome, { ok: false, retryable: false, detail: 'refusing to post to a file: URL' });
  });
});

describe('mcpwatch alert test <channel>', () => {
  const out = (): { text: string; write(t: string): void } => {
    const sink = {
      text: '',
      write(t: string) {
        sink.text += t;
      },
    };
    return sink;
  };

  for (const name of ['hook', 'chat', 'guild', 'phone', 'mail']) {
    test(`sends a test message through ${name}`, async () => {
      const before = everything();
      const sink = out();
      assert.equal(await runAlertTest(config, config.alerts ?? DEFAULT_ALERTS, { command: 'alert', action: 'test', configPath: undefined, channel: name }, sink), 0);
      assert.match(sink.text, new RegExp(`^test message sent through "${name}"`));
      assert.equal(everything(), before + 1);
      assert.match(lastText(name) ?? '', /mcpwatch test message/);
    });
  }

  test('two tests in a row carry different keys (a deduplicating receiver shows both)', async () => {
    await sendTestAlert(config.alerts ?? DEFAULT_ALERTS, null, 'hook');
    await sendTestAlert(config.alerts ?? DEFAULT_ALERTS, null, 'hook');
    const [a, b] = hooks.requests.slice(-2).map((r) => r.headers['idempotency-key']);
    assert.notEqual(a, b);
  });

  test('unknown and disabled channels fail without sending', async () => {
    const sink = out();
    assert.equal(await runAlertTest(config, config.alerts ?? DEFAULT_ALERTS, { command: 'alert', action: 'test', configPath: undefined, channel: 'nope' }, sink), 1);
    assert.equal(sink.text, 'test message through "nope" failed: no alert channel named "nope" (channels: hook, chat, guild, phone, mail, badmail, off)\n');
    assert.deepEqual(await sendTestAlert(config.alerts ?? DEFAULT_ALERTS, null, 'off'), { ok: false, retryable: false, detail: 'channel "off" is disabled: environment variable NOT_SET is not set' });
  });

  const parses: ReadonlyArray<{ args: string[]; expected: unknown }> = [
    { args: ['test', 'ops'], expected: { command: 'alert', action: 'test', configPath: undefined, channel: 'ops' } },
    { args: ['test', 'ops', '--config', 'x.yaml'], expected: { command: 'alert', action: 'test', configPath: 'x.yaml', channel: 'ops' } },
    { args: [], expected: 'alert needs a subcommand: test' },
    { args: ['send', 'ops'], expected: 'unknown alert subcommand "send" (expected test)' },
    { args: ['test'], expected: 'alert test takes exactly one channel name' },
  ];
  for (const c of parses) {
    test(`parse alert ${c.args.join(' ')}`, () => {
      if (typeof c.expected === 'string') assert.throws(() => parseCommand(['alert', ...c.args], {}), (err: unknown) => err instanceof UsageError && err.message === c.expected);
      else assert.deepEqual(parseCommand(['alert', ...c.args], {}), c.expected);
    });
  }
});
