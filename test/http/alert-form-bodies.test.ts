// The forms' flat fields → the API's bodies: empty means left out, what is not the right type is
// passed on as typed (for the API's schema to name), secrets are never kept for a form shown again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { channelBody, channelDraft, formErrors, routeBody, utcTimestamp, windowBody } from '../../src/http/pages/alert-form-bodies.ts';

describe('alert form bodies', () => {
  const channels: Array<[string, Record<string, string>, boolean, Record<string, unknown>]> = [
    ['a Slack channel; empty fields are left out', { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/x', secret: '', topic: '  ', 'smtp.host': '' }, false, { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/x' }],
    ['no name is an empty one (the schema says so)', { type: 'slack' }, false, { name: '', type: 'slack' }],
    ['editing: no name, a remove box sends null', { name: 'ignored', type: 'webhook', 'remove.secret': 'on', secret: 'typed anyway' }, true, { type: 'webhook', secret: null }],
    ['a remove box means nothing on create', { name: 'h', type: 'webhook', url: 'https://h.example/x', 'remove.secret': 'on' }, false, { name: 'h', type: 'webhook', url: 'https://h.example/x' }],
    [
      'email: port as a number, encryption as a boolean, recipients as a list',
      { name: 'm', type: 'email', 'smtp.host': 'smtp.example.com', 'smtp.port': '465', 'smtp.secure': 'tls', 'smtp.from': 'a@example.com', 'smtp.to': 'b@example.com, c@example.com\nd@example.com' },
      false,
      { name: 'm', type: 'email', smtp: { host: 'smtp.example.com', port: 465, secure: true, from: 'a@example.com', to: ['b@example.com', 'c@example.com', 'd@example.com'] } },
    ],
    ['email: a port that is not a number stays text; STARTTLS is false', { name: 'm', type: 'email', 'smtp.port': '25a', 'smtp.secure': 'starttls' }, false, { name: 'm', type: 'email', smtp: { port: '25a', secure: false } }],
    ['SMTP fields on another type are sent, for the builder to refuse', { name: 'x', type: 'slack', 'smtp.host': 'smtp.example.com' }, false, { name: 'x', type: 'slack', smtp: { host: 'smtp.example.com' } }],
    ['allowPrivate only when ticked', { name: 'p', type: 'webhook', allowPrivate: 'on' }, false, { name: 'p', type: 'webhook', allowPrivate: true }],
  ];
  for (const [what, form, editing, body] of channels) test(`channel: ${what}`, () => assert.deepEqual(channelBody(form, editing), body));

  test('a channel form shown again keeps no secret', () => {
    const draft = channelDraft({ name: 'n', type: 'ntfy', url: 'https://ntfy.example/x', secret: 's', topic: 't', token: 'k', 'smtp.pass': 'p', 'smtp.user': 'u' });
    assert.deepEqual(Object.values(draft).filter((v) => ['https://ntfy.example/x', 's', 't', 'k', 'p'].includes(v)), []);
    assert.equal(draft['smtp.user'], 'u');
  });

  test('route: ticked channels and events, lists of endpoints and of tags (which may hold spaces)', () => {
    assert.deepEqual(routeBody({ 'channel.ops': 'on', 'channel.chat': 'on', 'channel.off': '', 'event.incident_opened': 'on', endpoints: 'a, b  c', tags: 'team a, prod\nedge' }), {
      channels: ['ops', 'chat'],
      endpoints: ['a', 'b', 'c'],
      tags: ['team a', 'prod', 'edge'],
      events: ['incident_opened'],
    });
    assert.deepEqual(routeBody({ endpoints: ' , ' }), { channels: [] });
  });

  const stamps: Array<[string | undefined, string | undefined]> = [
    ['2026-12-01T02:00', '2026-12-01T02:00Z'],
    ['2026-12-01T02:00:30', '2026-12-01T02:00:30Z'],
    ['2026-12-01T02:00+02:00', '2026-12-01T02:00+02:00'],
    ['tomorrow', 'tomorrow'],
    [undefined, undefined],
  ];
  for (const [input, output] of stamps) test(`a datetime-local value is UTC: ${String(input)}`, () => assert.equal(utcTimestamp(input), output));

  test('window: one-off (no start: left for the settings to make now) and weekly', () => {
    assert.deepEqual(windowBody({ kind: 'once', end: '2099-01-01T00:00', tags: 'db' }), { tags: ['db'], end: '2099-01-01T00:00Z' });
    assert.deepEqual(windowBody({ kind: 'weekly', 'weekly.day': 'friday', 'weekly.start': '23:30', 'weekly.durationMinutes': '90', start: 'ignored' }), { weekly: { day: 'friday', start: '23:30', durationMinutes: 90 } });
    assert.deepEqual(windowBody({ kind: 'weekly', 'weekly.durationMinutes': 'an hour' }), { weekly: { durationMinutes: 'an hour' } });
  });

  test("the API's field errors name the form's fields and keep the API's words", () => {
    assert.deepEqual(
      formErrors([
        { field: 'body.smtp.host', message: 'is required' },
        { field: 'body', message: 'needs start and end' },
      ]),
      [
        { field: 'smtp.host', message: 'smtp.host: is required' },
        { field: '', message: 'needs start and end' },
      ],
    );
  });
});
