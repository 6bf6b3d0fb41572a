// Partial outages (some regions, fewer than the quorum, see an endpoint down): recorded as alerts,
// sent only where a route names them, so nobody is paged for one region's view.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildMessage } from '../../src/alerts/message.ts';
import { routeChannels } from '../../src/alerts/routing.ts';
import { deriveFromEvent, type AlertPolicy } from '../../src/alerts/rules.ts';
import { initialAlertState, type AlertKind } from '../../src/alerts/types.ts';
import type { AlertsConfig } from '../../src/config/schema.ts';

const POLICY: AlertPolicy = { reminderMs: 3_600_000, certThresholdsDays: [14], flapWindowMs: 3_600_000, flapLimit: 2 };
const channel = (name: string) => ({ type: 'slack' as const, name, disabledReason: null, secrets: { url: 'https://hooks.example/x' } });
const CHANNELS = [channel('pager'), channel('chat')];
const route = (channels: string[], events: AlertKind[] | null) => ({ channels, endpoints: null, tags: null, events });

describe('routing of partial outages: off unless a route names them', () => {
  const cases: ReadonlyArray<{ name: string; alerts: Pick<AlertsConfig, 'channels' | 'routes'>; kind: AlertKind; channels: string[] }> = [
    { name: 'no routes: nowhere', alerts: { channels: CHANNELS, routes: [] }, kind: 'partial_outage_started', channels: [] },
    { name: 'no routes: incidents still everywhere', alerts: { channels: CHANNELS, routes: [] }, kind: 'incident_opened', channels: ['pager', 'chat'] },
    { name: 'a route for every kind: not partial outages', alerts: { channels: CHANNELS, routes: [route(['pager'], null)] }, kind: 'partial_outage_ended', channels: [] },
    {
      name: 'a route naming them: there only',
      alerts: { channels: CHANNELS, routes: [route(['pager'], null), route(['chat'], ['partial_outage_started', 'partial_outage_ended'])] },
      kind: 'partial_outage_started',
      channels: ['chat'],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(routeChannels(c.alerts, c.kind, { slug: 'api', tags: [] }), c.channels));
});

test('a partial outage event is one alert keyed by the event, with the regions in its words', () => {
  const at = '2026-12-02T14:00:00.000Z';
  const out = deriveFromEvent(initialAlertState(1), { id: 9, endpointId: 1, event: { kind: 'partial_outage_started', at, regions: ['eu'], counted: 2, needed: 2 } }, { inMaintenance: false }, POLICY);
  assert.equal(out.alerts.length, 1);
  const alert = out.alerts[0]!;
  assert.equal(alert.key, 'event:9');
  assert.equal(alert.kind, 'partial_outage_started');
  assert.deepEqual(out.state, initialAlertState(1), 'no incident bookkeeping changes');
  const message = buildMessage(alert, { endpoint: { id: 1, slug: 'api', name: 'API', public: false, tags: [] }, live: { status: 'up', code: null, detail: null }, publicUrl: null }, 'k');
  assert.equal(message.title, 'API: partial outage (eu)');
  assert.equal(message.severity, 'warning');
  const inWindow = deriveFromEvent(initialAlertState(1), { id: 10, endpointId: 1, event: { kind: 'partial_outage_ended', at } }, { inMaintenance: true }, POLICY);
  assert.equal(inWindow.alerts[0]?.suppressed, 'maintenance');
});
