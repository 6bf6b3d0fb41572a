import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeConfig, parseConfig } from '../../src/config/parse.ts';
import { DEFAULT_ALERTS, type AlertsConfig, type Config, type ConfigResult } from '../../src/config/schema.ts';

type Env = Readonly<Record<string, string | undefined>>;

function ok(result: ConfigResult): { config: Config; warnings: string[] } {
  if (!result.ok) assert.fail(`expected a valid config, got errors:\n${result.errors.join('\n')}`);
  return result;
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) assert.fail('expected errors, got a valid config');
  return result.errors;
}

const FULL = `
publicUrl: https://status.example.com
alerts:
  reminderMinutes: 30
  certThresholdsDays: [7, 30, 1, 7]
  flapping: { limit: 3, windowMinutes: 30 }
  channels:
    - name: ops-hook
      type: webhook
      url: https://hooks.example.com/mcpwatch
      secret: { env: HOOK_SECRET }
    - name: ops-slack
      type: slack
      url: { env: SLACK_URL }
    - name: guild
      type: discord
      url: { env: DISCORD_URL }
    - name: phone
      type: ntfy
      topic: mcpwatch-prod-7f3a
      token: { env: NTFY_TOKEN }
    - name: self-hosted-ntfy
      type: ntfy
      url: https://ntfy.internal.example/
      topic: { env: NTFY_TOPIC }
    - name: mail
      type: email
      smtp:
        host: smtp.example.com
        user: alerts
        pass: { env: SMTP_PASS }
        from: "mcpwatch <alerts@example.com>"
        to: [ops@example.com, oncall@example.com, ops@example.com]
    - name: relay
      type: email
      smtp: { host: 10.0.0.25, port: 25, secure: false, from: alerts@example.com, to: [ops@example.com] }
  routes:
    - channels: [ops-slack, mail]
      tags: [prod]
      events: [incident_opened, incident_resolved, incident_reminder, cert_expiring]
    - channels: [ops-hook]
    - channels: [phone]
      endpoints: [weather, weather]
  maintenance:
    - endpoints: [weather]
      start: 2026-05-01T02:00:00Z
      end: "2026-05-01T04:30:00+02:00"
    - weekly: { day: Sun, start: "3:00", durationMinutes: 90 }
      tags: [prod]
`;

const ENV: Env = {
  HOOK_SECRET: 'hmac-111',
  SLACK_URL: ' https://hooks.slack.com/services/T0/B0/xyz-222\n',
  DISCORD_URL: 'https://discord.com/api/webhooks/1/tok-333',
  NTFY_TOKEN: 'tk_444',
  NTFY_TOPIC: 'topic_555',
  SMTP_PASS: 'pass-666',
};
const SECRETS = ['hmac-111', 'xyz-222', 'tok-333', 'tk_444', 'topic_555', 'pass-666', 'mcpwatch-prod-7f3a'];

const EXPECTED: AlertsConfig = {
  channels: [
    { type: 'webhook', name: 'ops-hook', disabledReason: null, secrets: { url: 'https://hooks.example.com/mcpwatch', hmacSecret: 'hmac-111' } },
    { type: 'slack', name: 'ops-slack', disabledReason: null, secrets: { url: 'https://hooks.slack.com/services/T0/B0/xyz-222' } },
    { type: 'discord', name: 'guild', disabledReason: null, secrets: { url: 'https://discord.com/api/webhooks/1/tok-333' } },
    { type: 'ntfy', name: 'phone', disabledReason: null, secrets: { url: 'https://ntfy.sh', topic: 'mcpwatch-prod-7f3a', token: 'tk_444' } },
    { type: 'ntfy', name: 'self-hosted-ntfy', disabledReason: null, secrets: { url: 'https://ntfy.internal.example', topic: 'topic_555', token: null } },
    {
      type: 'email',
      name: 'mail',
      disabledReason: null,
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      user: 'alerts',
      from: 'mcpwatch <alerts@example.com>',
      to: ['ops@example.com', 'oncall@example.com'],
      secrets: { pass: 'pass-666' },
    },
    { type: 'email', name: 'relay', disabledReason: null, host: '10.0.0.25', port: 25, secure: false, user: null, from: 'alerts@example.com', to: ['ops@example.com'], secrets: { pass: null } },
  ],
  routes: [
    { channels: ['ops-slack', 'mail'], endpoints: null, tags: ['prod'], events: ['incident_opened', 'incident_resolved', 'incident_reminder', 'cert_expiring'] },
    { channels: ['ops-hook'], endpoints: null, tags: null, events: null },
    { channels: ['phone'], endpoints: ['weather'], tags: null, events: null },
  ],
  reminderMinutes: 30,
  certThresholdsDays: [30, 7, 1],
  flapping: { limit: 3, windowMinutes: 30 },
  maintenance: [
    { kind: 'once', start: '2026-05-01T02:00:00.000Z', end: '2026-05-01T02:30:00.000Z', endpoints: ['weather'], tags: null },
    { kind: 'weekly', day: 'sunday', start: '03:00', durationMinutes: 90, endpoints: null, tags: ['prod'] },
  ],
};

describe('alerts config: valid files', () => {
  test('a full section', () => {
    const { config, warnings } = ok(parseConfig(FULL, ENV));
    assert.deepEqual(config.alerts, EXPECTED);
    assert.deepEqual(warnings, []);
  });

  test('no alerts section: no alerts key at all (the rest of the config reads as before)', () => {
    const { config } = ok(parseConfig('publicUrl: https://s.example\n', {}));
    assert.equal('alerts' in config, false);
  });

  test('an empty section: the defaults', () => {
    for (const text of ['alerts: {}\n', 'alerts:\n  channels: []\n  routes:\n']) {
      const { config } = ok(parseConfig(text, {}));
      assert.deepEqual(config.alerts, { channels: [], routes: [], reminderMinutes: 60, certThresholdsDays: [30, 14, 7, 3, 1], flapping: { limit: 2, windowMinutes: 60 }, maintenance: [] });
      assert.deepEqual(config.alerts, { ...DEFAULT_ALERTS });
    }
  });

  test('the result is deeply frozen', () => {
    const { config } = ok(parseConfig(FULL, ENV));
    assert.ok(Object.isFrozen(config.alerts?.channels[0]?.secrets));
    assert.throws(() => {
      (config.alerts?.routes[0]?.channels as string[]).push('x');
    }, TypeError);
  });

  test('an unset variable disables the channel, with a warning; the rest works', () => {
    const { config, warnings } = ok(parseConfig('alerts:\n  channels:\n    - { name: chat, type: slack, url: { env: SLACK_URL } }\n    - { name: mail, type: email, smtp: { host: m.example, user: u, pass: { env: SMTP_PASS }, from: a@m.example, to: [b@m.example] } }\n', { SMTP_PASS: '' }));
    assert.deepEqual(
      config.alerts?.channels.map((c) => [c.name, c.disabledReason]),
      [
        ['chat', 'environment variable SLACK_URL is not set'],
        ['mail', 'environment variable SMTP_PASS is not set'],
      ],
    );
    assert.deepEqual(warnings, [
      'alerts.channels[0].url: environment variable SLACK_URL is not set; channel "chat" is disabled and its messages go to the dead letters',
      'alerts.channels[1].smtp.pass: environment variable SMTP_PASS is not set; channel "mail" is disabled and its messages go to the dead letters',
    ]);
  });

  test('warnings: credentials written in the file, an unsigned webhook', () => {
    const { warnings } = ok(
      parseConfig(
        'alerts:\n  channels:\n    - { name: chat, type: slack, url: "https://hooks.slack.com/services/T/B/x" }\n    - { name: hook, type: webhook, url: "https://h.example/in" }\n    - { name: hook2, type: webhook, url: "https://h.example/in", secret: literal-key }\n',
        {},
      ),
    );
    assert.deepEqual(warnings, [
      'alerts.channels[0].url: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed',
      'alerts.channels[1].secret: not set; webhook bodies from channel "hook" are not signed',
      'alerts.channels[2].secret: a secret written in the config file; prefer { env: VARIABLE } so the file can be shared and committed',
    ]);
  });

  test('an SMTP port of 465 means TLS from the start unless said otherwise', () => {
    const { config } = ok(parseConfig('alerts:\n  channels:\n    - { name: m, type: email, smtp: { host: m.example, port: 465, from: a@m.example, to: [b@m.example] } }\n', {}));
    const [mail] = config.alerts?.channels ?? [];
    assert.deepEqual(mail?.type === 'email' && [mail.port, mail.secure], [465, true]);
  });
});

describe('alerts config: errors, with exact messages', () => {
  const ch = (line: string): string => `alerts:\n  channels:\n    - ${line}\n`;
  const cases: ReadonlyArray<{ name: string; text: string; env?: Env; errors: string[] }> = [
    { name: 'unknown section key, with suggestion', text: 'alerts:\n  reminderMinute: 5\n', errors: ['alerts.reminderMinute: unknown key (did you mean "reminderMinutes"?)'] },
    { name: 'unknown channel key, with suggestion', text: ch('{ name: a, type: slack, urll: "https://h.example/x" }'), errors: ['alerts.channels[0].urll: unknown key (did you mean "url"?)'] },
    { name: 'unknown smtp key, with suggestion', text: ch('{ name: m, type: email, smtp: { hots: x, from: a@b.example, to: [c@d.example] } }'), errors: ['alerts.channels[0].smtp.host: required', 'alerts.channels[0].smtp.hots: unknown key (did you mean "host"?)'] },
    { name: 'unknown channel type', text: ch('{ name: a, type: teams, url: "https://h.example/x" }'), errors: ['alerts.channels[0].type: must be one of webhook, slack, discord, ntfy, email, got "teams"'] },
    { name: 'a key the type does not use', text: ch('{ name: a, type: slack, url: "https://h.example/x", topic: t }'), errors: ['alerts.channels[0].topic: not used by slack channels (they take url)'] },
    { name: 'channel name not a slug', text: ch('{ name: Ops Slack, type: slack, url: "https://h.example/x" }'), errors: ['alerts.channels[0].name: expected lowercase letters, digits and dashes (at most 64, no dash at either end), got "Ops Slack"'] },
    { name: 'missing url', text: ch('{ name: a, type: discord }'), errors: ['alerts.channels[0].url: required for discord channels'] },
    { name: 'ftp URL', text: ch('{ name: a, type: webhook, url: "ftp://h.example/x" }'), errors: ['alerts.channels[0].url: only http and https URLs can receive alerts, not ftp'] },
    { name: 'not a URL, and not echoed', text: ch('{ name: a, type: slack, url: "hooks/T123/secret-abc" }'), errors: ['alerts.channels[0].url: expected an absolute http or https URL (the value is not shown: it may hold a token)'] },
    {
      name: 'a bad URL from the environment names the variable, not the value',
      text: ch('{ name: a, type: slack, url: { env: SLACK_URL } }'),
      env: { SLACK_URL: 'hooks.slack.com/services/secret-abc' },
      errors: ['alerts.channels[0].url: environment variable SLACK_URL: expected an absolute http or https URL (the value is not shown: it may hold a token)'],
    },
    { name: 'user:password in the URL', text: ch('{ name: a, type: webhook, url: "https://u:p4ss@h.example/x" }'), errors: ['alerts.channels[0].url: must not contain user:password (host h.example)'] },
    { name: 'a secret of the wrong type shows its kind only', text: ch('{ name: a, type: slack, url: 12345678 }'), errors: ['alerts.channels[0].url: expected a string or { env: VARIABLE_NAME }, got a number'] },
    { name: 'a secret with a line break', text: ch('{ name: a, type: webhook, url: "https://h.example/x", secret: { env: S } }'), env: { S: 'abc\ndef' }, errors: ['alerts.channels[0].secret: environment variable S contains a line break or NUL'] },
    {
      name: 'duplicate channel names',
      text: 'alerts:\n  channels:\n    - { name: a, type: slack, url: "https://h.example/x" }\n    - { name: a, type: discord, url: "https://h.example/y" }\n',
      errors: ['alerts.channels[1].name: "a" is already the name of alerts.channels[0]; channel names must be unique'],
    },
    { name: 'ntfy without a topic', text: ch('{ name: p, type: ntfy }'), errors: ['alerts.channels[0].topic: required for ntfy channels'] },
    { name: 'ntfy topic with a space', text: ch('{ name: p, type: ntfy, topic: "has space" }'), errors: ['alerts.channels[0].topic: expected an ntfy topic (1 to 64 letters, digits, - and _)'] },
    { name: 'email without smtp', text: ch('{ name: m, type: email }'), errors: ['alerts.channels[0].smtp: required for email channels'] },
    {
      name: 'email: no recipients, user without pass',
      text: ch('{ name: m, type: email, smtp: { host: smtp.example.com, user: me, from: a@example.com, to: [] } }'),
      errors: ['alerts.channels[0].smtp.to: must list at least one address', 'alerts.channels[0].smtp: give both user and pass, or neither'],
    },
    { name: 'email: a bad sender', text: ch('{ name: m, type: email, smtp: { host: smtp.example.com, from: "not an address", to: [a@example.com] } }'), errors: ['alerts.channels[0].smtp.from: expected an email address such as "mcpwatch <alerts@example.com>", got "not an address"'] },
    { name: 'email: a bad recipient', text: ch('{ name: m, type: email, smtp: { host: smtp.example.com, from: a@example.com, to: ["ops at example.com"] } }'), errors: ['alerts.channels[0].smtp.to[0]: expected an email address such as "ops@example.com", got "ops at example.com"'] },
    {
      name: 'routes: an unknown channel, with suggestion; an empty list',
      text: 'alerts:\n  channels:\n    - { name: ops-slack, type: slack, url: "https://h.example/x" }\n  routes:\n    - { channels: [ops-slak] }\n    - { channels: [] }\n    - { channels: [pager] }\n',
      errors: [
        'alerts.routes[0].channels[0]: no channel named "ops-slak" (did you mean "ops-slack"?)',
        'alerts.routes[1].channels: must name at least one channel',
        'alerts.routes[2].channels[0]: no channel named "pager" (channels: ops-slack)',
      ],
    },
    { name: 'routes: no channels key', text: 'alerts:\n  routes:\n    - { tags: [prod] }\n', errors: ['alerts.routes[0].channels: expected a list, got nothing'] },
    {
      name: 'routes: an unknown event kind',
      text: 'alerts:\n  routes:\n    - { channels: [x], events: [incident_open] }\n',
      errors: [
        'alerts.routes[0].events[0]: must be one of incident_opened, incident_resolved, incident_reminder, cert_expiring, cert_changed, protocol_changed, tools_changed, auth_required_entered, auth_required_left, partial_outage_started, partial_outage_ended, got "incident_open"',
      ],
    },
    { name: 'flapping: a limit of 0, a misspelt key', text: 'alerts:\n  flapping: { limit: 0, windowMinute: 5 }\n', errors: ['alerts.flapping.limit: must be at least 1, got 0', 'alerts.flapping.windowMinute: unknown key (did you mean "windowMinutes"?)'] },
    { name: 'reminderMinutes below 0', text: 'alerts:\n  reminderMinutes: -1\n', errors: ['alerts.reminderMinutes: must be at least 0, got -1'] },
    { name: 'a threshold of 0 days', text: 'alerts:\n  certThresholdsDays: [30, 0]\n', errors: ['alerts.certThresholdsDays[1]: must be at least 1, got 0'] },
    {
      name: 'maintenance: neither kind, both kinds, end before start',
      text: 'alerts:\n  maintenance:\n    - { tags: [a] }\n    - { weekly: { day: sun, start: "03:00", durationMinutes: 60 }, start: "2026-05-01T02:00:00Z" }\n    - { start: "2026-05-01T02:00:00Z", end: "2026-05-01T01:00:00Z" }\n',
      errors: [
        'alerts.maintenance[0]: needs start and end (a one-off window) or weekly: { day, start, durationMinutes }',
        'alerts.maintenance[1]: give either weekly or start and end, not both',
        'alerts.maintenance[2].end: must be after start (2026-05-01T02:00:00.000Z), got 2026-05-01T01:00:00.000Z',
      ],
    },
    {
      name: 'maintenance: a time without an offset, a bad day, hour and duration',
      text: 'alerts:\n  maintenance:\n    - { start: "2026-05-01 02:00", end: "2026-05-01T03:00:00Z" }\n    - { weekly: { day: funday, start: "25:00", durationMinutes: 0 } }\n',
      errors: [
        'alerts.maintenance[0].start: expected a date and time with an offset such as "2026-05-01T02:00:00Z" or "2026-05-01T04:00:00+02:00", got "2026-05-01 02:00"',
        'alerts.maintenance[1].weekly.day: expected a day of the week such as "monday" or "mon", got "funday"',
        'alerts.maintenance[1].weekly.start: expected a time of day as "HH:MM" (24-hour, UTC), got "25:00"',
        'alerts.maintenance[1].weekly.durationMinutes: must be at least 1, got 0',
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(errorsOf(parseConfig(c.text, c.env ?? {})), c.errors));
  }

  test('no error message contains a secret', () => {
    const text = ch('{ name: a, type: slack, url: [s3cret-hook] }') + '    - { name: b, type: webhook, url: "https://h.example/x", secret: 98765432 }\n';
    const errors = errorsOf(parseConfig(text, {}));
    assert.equal(errors.length, 2);
    for (const error of errors) assert.doesNotMatch(error, /s3cret-hook|98765432/);
  });
});

describe('alerts config: describeConfig', () => {
  const { config } = ok(parseConfig(FULL, ENV));
  const lines = describeConfig(config).split('\n');

  test('names channels and where they go, never a secret', () => {
    const text = lines.join('\n');
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `the description leaks ${secret}`);
    assert.deepEqual(lines.slice(lines.findIndex((l) => l.startsWith('alerts'))), [
      'alerts      7 channel(s), 3 route(s), reminders every 30 min, certificate warnings at 30/7/1 days, at most 3 opening(s) per 30 min, 2 maintenance window(s)',
      '  ops-hook: webhook',
      '  ops-slack: slack',
      '  guild: discord',
      '  phone: ntfy',
      '  self-hosted-ntfy: ntfy',
      '  mail: smtp.example.com:587 to ops@example.com, oncall@example.com',
      '  relay: 10.0.0.25:25 to ops@example.com',
    ]);
  });
});
