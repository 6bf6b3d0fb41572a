import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertLink, buildMessage, formatDuration } from '../../src/alerts/message.ts';
import { idempotencyKey, routeChannels } from '../../src/alerts/routing.ts';
import type { AlertEvent } from '../../src/alerts/types.ts';
import type { AlertsConfig } from '../../src/config/schema.ts';

describe('routing', () => {
  const channel = (name: string) => ({ type: 'slack' as const, name, disabledReason: null, secrets: { url: 'https://hooks.example/x' } });
  const alerts: Pick<AlertsConfig, 'channels' | 'routes'> = {
    channels: [channel('ops'), channel('eu-team'), channel('pager'), channel('audit')],
    routes: [
      { channels: ['audit'], endpoints: null, tags: null, events: null },
      { channels: ['eu-team'], endpoints: null, tags: ['eu'], events: null },
      { channels: ['pager', 'ops'], endpoints: ['api'], tags: null, events: ['incident_opened', 'incident_resolved', 'incident_reminder'] },
      { channels: ['ops'], endpoints: null, tags: ['prod'], events: ['cert_expiring'] },
    ],
  };
  const cases: ReadonlyArray<{ kind: AlertEvent['kind']; slug: string; tags: string[]; channels: string[] }> = [
    { kind: 'incident_opened', slug: 'api', tags: ['eu'], channels: ['ops', 'eu-team', 'pager', 'audit'] },
    { kind: 'tools_changed', slug: 'api', tags: [], channels: ['audit'] },
    { kind: 'cert_expiring', slug: 'web', tags: ['prod'], channels: ['ops', 'audit'] },
    { kind: 'incident_opened', slug: 'web', tags: ['us'], channels: ['audit'] },
  ];
  for (const c of cases) {
    test(`${c.kind} for ${c.slug} [${c.tags.join(',')}] → ${c.channels.join(', ')}`, () => assert.deepEqual(routeChannels(alerts, c.kind, { slug: c.slug, tags: c.tags }), c.channels));
  }
  test('no routes: every channel gets everything', () => {
    assert.deepEqual(routeChannels({ channels: alerts.channels, routes: [] }, 'tools_changed', { slug: 'x', tags: [] }), ['ops', 'eu-team', 'pager', 'audit']);
  });
  test('idempotency keys: stable, and different per channel and per installation', () => {
    const a = idempotencyKey('i1', 'event:5', 'ops');
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(idempotencyKey('i1', 'event:5', 'ops'), a);
    assert.notEqual(idempotencyKey('i1', 'event:5', 'pager'), a);
    assert.notEqual(idempotencyKey('i2', 'event:5', 'ops'), a);
  });
});

describe('messages', () => {
  test('links: the status page for public endpoints, the dashboard otherwise, none without publicUrl', () => {
    assert.equal(alertLink('https://s.example', { slug: 'a b', public: true }), 'https://s.example/status/a%20b');
    assert.equal(alertLink('https://s.example', { slug: 'a', public: false }), 'https://s.example/');
    assert.equal(alertLink(null, { slug: 'a', public: true }), null);
  });

  const durations: ReadonlyArray<[number, string]> = [
    [0, '0 s'],
    [59, '59 s'],
    [60, '1 min'],
    [3_725, '1 h 2 min'],
    [90_061, '1 d 1 h'],
    [172_800, '2 d'],
  ];
  for (const [s, text] of durations) test(`formatDuration(${s}) = ${text}`, () => assert.equal(formatDuration(s), text));

  test('an opening carries endpoint, status, code, detail, time and link', () => {
    const alert: AlertEvent = {
      key: 'event:1',
      endpointId: 3,
      at: '2026-05-01T10:02:00.000Z',
      suppressed: null,
      kind: 'incident_opened',
      startedAt: '2026-05-01T10:01:00.000Z',
      code: 'HTTP_5XX',
      detail: `HTTP 503 ${'x'.repeat(600)}\u0007`,
      incidentId: 12,
      late: false,
    };
    const message = buildMessage(
      alert,
      { endpoint: { id: 3, slug: 'weather', name: 'Weather', public: true, tags: ['prod'] }, live: { status: 'down', code: 'HTTP_5XX', detail: 'HTTP 503' }, publicUrl: 'https://status.example.com' },
      'key-1',
    );
    assert.equal(message.title, 'Weather is down');
    assert.equal(message.severity, 'critical');
    assert.equal(message.status, 'down');
    assert.equal(message.code, 'HTTP_5XX');
    assert.equal([...(message.detail ?? '')].length, 500);
    assert.ok(!(message.detail ?? '').includes('\u0007'), 'control characters are dropped');
    assert.equal(message.link, 'https://status.example.com/status/weather');
    assert.deepEqual(message.endpoint, { id: 3, slug: 'weather', name: 'Weather', public: true, tags: ['prod'] });
    assert.deepEqual(message.data, { at: alert.at, kind: 'incident_opened', startedAt: alert.startedAt, code: 'HTTP_5XX', detail: alert.detail, incidentId: 12, late: false });
    assert.deepEqual(
      message.facts.map((f) => f.label),
      ['Endpoint', 'Status', 'Started', 'Code', 'Detail'],
    );
  });
});
