// What every AlertSettingsStore must do, written against the interface only, so the contract
// suite can run the same cases on every backend. A backend's test file supplies the subject.
import assert from 'node:assert/strict';
import type { AlertSettingsStore, ItemTable } from '../../../src/store/alert-settings.ts';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

export interface AlertSettingsSubject {
  /** A store on a freshly migrated database whose clock starts at T0. */
  readonly settings: AlertSettingsStore;
  /** Sets the store's clock, ms since the epoch. */
  readonly setNow: (ms: number) => void;
}

export type AlertSettingsCase = (subject: AlertSettingsSubject) => Promise<void>;

const WEBHOOK = { name: 'ops-hook', type: 'webhook', url: 'https://hooks.example.com/T000/secret', secret: 'hmac', headers: { 'x-team': 'ops' }, timeoutMs: 5000, allowPrivate: false };

async function itemTableCase(table: ItemTable, setNow: (ms: number) => void, specs: readonly [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]): Promise<void> {
  assert.deepEqual(await table.list(), []);
  const first = await table.insert(specs[0]);
  setNow(T0 + 1000);
  const second = await table.insert(specs[1]);
  assert.ok(second.id > first.id, 'ids grow');
  assert.deepEqual(first, { id: first.id, spec: specs[0], createdAt: iso(T0), updatedAt: iso(T0) });
  assert.deepEqual(await table.get(second.id), second);
  assert.deepEqual(await table.list(), [first, second], 'in id order');

  setNow(T0 + 2000);
  const changed = await table.update(first.id, specs[2]);
  assert.deepEqual(changed, { id: first.id, spec: specs[2], createdAt: iso(T0), updatedAt: iso(T0 + 2000) });
  assert.equal(await table.update(second.id + 1000, specs[2]), undefined);
  assert.equal(await table.get(second.id + 1000), undefined);

  assert.equal(await table.delete(first.id), true);
  assert.equal(await table.delete(first.id), false);
  assert.deepEqual(await table.list(), [second]);
  const third = await table.insert(specs[0]);
  assert.ok(third.id > second.id, 'a new item gets a new id');
}

export const ALERT_SETTINGS_CASES: Readonly<Record<string, AlertSettingsCase>> = {
  async 'channels are stored by name; a replace keeps createdAt'({ settings, setNow }) {
    assert.deepEqual(await settings.channels(), []);
    assert.equal(await settings.channel('ops-hook'), undefined);
    const put = await settings.putChannel('ops-hook', 'webhook', WEBHOOK);
    assert.deepEqual(put, { name: 'ops-hook', type: 'webhook', spec: WEBHOOK, createdAt: iso(T0), updatedAt: iso(T0) });
    setNow(T0 + 1000);
    await settings.putChannel('Zed', 'slack', { name: 'Zed', type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' });
    await settings.putChannel('alpha', 'email', { name: 'alpha', type: 'email', to: ['a@example.com'], smtp: { host: 'mail.example.com', port: 587, password: 'pw' } });
    assert.deepEqual((await settings.channels()).map((c) => c.name), ['Zed', 'alpha', 'ops-hook'], 'by name, upper case first, as bytes compare');

    setNow(T0 + 5000);
    const replaced = await settings.putChannel('ops-hook', 'slack', { name: 'ops-hook', type: 'slack', url: 'https://hooks.slack.com/services/T/B/y' });
    assert.deepEqual(replaced, { name: 'ops-hook', type: 'slack', spec: { name: 'ops-hook', type: 'slack', url: 'https://hooks.slack.com/services/T/B/y' }, createdAt: iso(T0), updatedAt: iso(T0 + 5000) });
    assert.deepEqual(await settings.channel('ops-hook'), replaced);
    assert.equal(await settings.channel('OPS-HOOK'), undefined, 'names are case-sensitive');

    assert.equal(await settings.deleteChannel('ops-hook'), true);
    assert.equal(await settings.deleteChannel('ops-hook'), false);
    assert.equal(await settings.channel('ops-hook'), undefined);
    assert.deepEqual((await settings.channels()).map((c) => c.name), ['Zed', 'alpha']);
  },

  async 'routes are numbered items: insert, get, update keeping createdAt, delete'({ settings, setNow }) {
    await itemTableCase(settings.routes, setNow, [
      { channels: ['ops-hook'], match: { tags: ['prod'] } },
      { channels: ['chat', 'ops-hook'], match: { slugs: ['weather'] }, kinds: ['incident_opened', 'incident_resolved'] },
      { channels: ['chat'], match: {} },
    ]);
  },

  async 'maintenance windows are numbered items too, apart from routes'({ settings, setNow }) {
    const route = await settings.routes.insert({ channels: ['x'] });
    await itemTableCase(settings.windows, setNow, [
      { tags: ['prod'], start: '2026-03-01T00:00:00Z', end: '2026-03-01T02:00:00Z' },
      { slugs: ['weather'], cron: '0 3 * * 0', durationMinutes: 90, reason: 'Sunday patching — “quoted” 😀' },
      { tags: [], start: '2026-04-01T00:00:00Z', end: '2026-04-01T00:30:00Z' },
    ]);
    assert.deepEqual(await settings.routes.list(), [route], 'windows did not touch routes');
  },

  async 'a spec comes back as written, nested values and all'({ settings }) {
    const spec = { name: 'deep', type: 'webhook', nested: { list: [1, 2.5, -3, null, true, 'x'], empty: {}, none: [] }, big: 9_007_199_254_740_991, unicode: 'Zürich ☃ 😀', backslash: 'a\\b"c' };
    await settings.putChannel('deep', 'webhook', spec);
    assert.deepEqual((await settings.channel('deep'))?.spec, spec);
    const item = await settings.routes.insert(spec);
    assert.deepEqual((await settings.routes.get(item.id))?.spec, spec);
  },
};
