// What every AlertOutbox must do, written against the interface only, so the contract suite can
// run the same cases on every backend. A backend's test file supplies an OutboxSubject per case.
// One rule keeps the cases backend-neutral: an entry returned by due() is not asked for again by
// a plain due() (PostgreSQL leases what it returns); it comes back through markFailed's retry time.
import assert from 'node:assert/strict';
import { testMessage } from '../../../src/alerts/message.ts';
import { initialAlertState, type AlertEndpointState, type AlertMessage, type SuppressReason } from '../../../src/alerts/types.ts';
import type { AlertOutbox, NewOutboxEntry, OutboxEntry } from '../../../src/store/outbox.ts';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

export interface OutboxSubject {
  /** An outbox on a freshly migrated database whose clock is `now()` below. */
  readonly outbox: AlertOutbox;
  /** Sets the outbox's clock (ms since the epoch); it starts at T0. */
  readonly setNow: (ms: number) => void;
  /** A new row in `endpoints` (alert_state refers to it); returns its id. */
  readonly addEndpoint: (slug: string) => Promise<number>;
  readonly deleteEndpoint: (id: number) => Promise<void>;
}

export type OutboxCase = (subject: OutboxSubject) => Promise<void>;

export function entry(key: string, options: { channel?: string; endpointId?: number | null; suppressed?: SuppressReason | null; message?: Partial<AlertMessage> } = {}): NewOutboxEntry {
  const channel = options.channel ?? 'hook';
  return {
    idempotencyKey: key,
    channel,
    endpointId: options.endpointId ?? null,
    message: { ...testMessage(channel, key, T0, null), ...options.message },
    suppressed: options.suppressed ?? null,
  };
}

export function state(endpointId: number, reminders: number): AlertEndpointState {
  return { ...initialAlertState(endpointId), reminders, lastNotifiedAt: iso(T0), recent: { incident: [iso(T0 - 60_000)] } };
}

async function byKey(outbox: AlertOutbox, key: string): Promise<OutboxEntry> {
  const found = (await outbox.entries({ limit: 100 })).find((e) => e.idempotencyKey === key);
  assert.ok(found, `no entry ${key}`);
  return found;
}

export const OUTBOX_CASES: Readonly<Record<string, OutboxCase>> = {
  async 'the instance id is random per database and stable; the cursor is null until a commit sets it'({ outbox }) {
    const id = await outbox.instanceId();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(await outbox.instanceId(), id);
    assert.equal(await outbox.cursor(), null);
    await outbox.commit({ entries: [], states: [], cursor: 41 });
    assert.equal(await outbox.cursor(), 41);
    await outbox.commit({ entries: [entry('k1')], states: [] });
    assert.equal(await outbox.cursor(), 41, 'a commit without a cursor leaves it');
    await outbox.commit({ entries: [], states: [], cursor: 97 });
    assert.equal(await outbox.cursor(), 97);
  },

  async 'commit writes each key once: a repeated key is skipped and not counted'({ outbox, setNow }) {
    setNow(T0 + 5000);
    assert.deepEqual(await outbox.commit({ entries: [entry('a'), entry('b', { channel: 'mail' }), entry('a')], states: [] }), { inserted: 2 });
    assert.deepEqual(await outbox.commit({ entries: [entry('b', { channel: 'mail' }), entry('c', { suppressed: 'maintenance' })], states: [] }), { inserted: 1 });
    const all = await outbox.entries({ limit: 10 });
    assert.deepEqual(
      all.map((e) => [e.idempotencyKey, e.channel, e.kind, e.status, e.suppressedReason, e.dueMs, e.attempts, e.lastError, e.deliveredAt]),
      [
        ['c', 'hook', 'test', 'suppressed', 'maintenance', null, 0, null, null],
        ['b', 'mail', 'test', 'pending', null, T0 + 5000, 0, null, null],
        ['a', 'hook', 'test', 'pending', null, T0 + 5000, 0, null, null],
      ],
      'newest first, pending ones due at once, suppressed ones never',
    );
    assert.ok(all[0]!.id > all[1]!.id && all[1]!.id > all[2]!.id, 'ids follow the order entries were derived in');
    assert.deepEqual([all[2]!.createdAt, all[2]!.updatedAt], [iso(T0 + 5000), iso(T0 + 5000)]);
    assert.deepEqual(all[1]!.message, entry('b', { channel: 'mail' }).message, 'the message comes back as written');
    assert.deepEqual(await outbox.get(all[1]!.id), all[1]);
    assert.equal(await outbox.get(all[0]!.id + 1000), undefined);
  },

  async 'states are kept per endpoint, replaced by later commits, dropped for a deleted endpoint'({ outbox, addEndpoint, deleteEndpoint }) {
    const one = await addEndpoint('one');
    const two = await addEndpoint('two');
    const gone = await addEndpoint('gone');
    await deleteEndpoint(gone);
    assert.deepEqual(await outbox.loadStates(), []);
    const result = await outbox.commit({ entries: [entry('k', { endpointId: two })], states: [state(two, 1), state(one, 0), state(gone, 3)], cursor: 5 });
    assert.deepEqual(result, { inserted: 1 }, 'a state for a deleted endpoint does not fail the commit');
    assert.deepEqual(await outbox.loadStates(), [state(one, 0), state(two, 1)], 'ordered by endpoint');
    assert.equal(await outbox.cursor(), 5);
    await outbox.commit({ entries: [], states: [state(two, 2)] });
    assert.deepEqual(await outbox.loadStates(), [state(one, 0), state(two, 2)]);
    await deleteEndpoint(one);
    assert.deepEqual(await outbox.loadStates(), [state(two, 2)], "an endpoint's state goes with it");
    assert.equal((await outbox.entries({ limit: 1 }))[0]?.endpointId, two);
    await deleteEndpoint(two);
    assert.equal((await outbox.entries({ limit: 1 }))[0]?.endpointId, two, 'an entry outlives its endpoint');
  },

  async 'due returns pending entries due by now, oldest due first, within the limit, leaving out skip'({ outbox, setNow }) {
    await outbox.commit({ entries: [entry('early'), entry('late'), entry('quiet', { suppressed: 'no_change' })], states: [] });
    setNow(T0 + 1000);
    await outbox.commit({ entries: [entry('second'), entry('third')], states: [] });
    const early = await byKey(outbox, 'early');
    const late = await byKey(outbox, 'late');
    // "late" is made due later than the entries committed after it.
    await outbox.markFailed(late.id, 'HTTP 500', T0 + 2000);
    assert.equal(await outbox.nextDueMs(), T0);

    assert.deepEqual(await outbox.due(T0 + 5000, 0), []);
    assert.deepEqual(await outbox.due(T0 - 1, 10), [], 'nothing is due before it was written');
    const first = await outbox.due(T0 + 1500, 2, new Set([early.id]));
    assert.deepEqual(first.map((e) => e.idempotencyKey), ['second', 'third'], 'skip is left out and does not use up the limit');
    assert.deepEqual(first.map((e) => e.dueMs), [T0 + 1000, T0 + 1000]);
    const second = await outbox.due(T0 + 1500, 10, new Set(first.map((e) => e.id)));
    assert.deepEqual(second.map((e) => e.idempotencyKey), ['early'], '"late" is not due yet');
    const third = await outbox.due(T0 + 2000, 10, new Set([...first, ...second].map((e) => e.id)));
    assert.deepEqual(third.map((e) => [e.idempotencyKey, e.attempts, e.lastError]), [['late', 1, 'HTTP 500']]);
  },

  async 'a failed attempt counts, keeps the error and waits; delivered is final'({ outbox, setNow }) {
    await outbox.commit({ entries: [entry('k')], states: [] });
    const [due] = await outbox.due(T0, 10);
    assert.ok(due);
    setNow(T0 + 100);
    await outbox.markFailed(due.id, 'HTTP 503: busy', T0 + 1100.4);
    let now = await outbox.get(due.id);
    assert.deepEqual([now?.status, now?.attempts, now?.dueMs, now?.lastError, now?.updatedAt], ['pending', 1, T0 + 1100, 'HTTP 503: busy', iso(T0 + 100)]);
    assert.equal(await outbox.nextDueMs(), T0 + 1100);
    assert.deepEqual(await outbox.due(T0 + 1099, 10), []);
    assert.deepEqual((await outbox.due(T0 + 1100, 10)).map((e) => e.id), [due.id]);

    setNow(T0 + 1200);
    await outbox.markDelivered(due.id);
    now = await outbox.get(due.id);
    assert.deepEqual([now?.status, now?.attempts, now?.dueMs, now?.lastError, now?.deliveredAt, now?.createdAt], ['delivered', 2, null, null, iso(T0 + 1200), iso(T0)]);
    assert.equal(await outbox.nextDueMs(), null);
    await outbox.markFailed(due.id, 'late failure', null);
    await outbox.markDelivered(due.id);
    assert.deepEqual(await outbox.get(due.id), now, 'a delivered entry is not changed again');
    assert.equal(await outbox.retry(due.id), false, 'only a dead letter can be retried');
  },

  async 'entries page newest first by beforeId, with or without a status'({ outbox }) {
    await outbox.commit({ entries: ['a', 'b', 'c', 'd', 'e'].map((k) => entry(k, { suppressed: k === 'c' ? 'maintenance' : null })), states: [] });
    const keys = (list: OutboxEntry[]): string[] => list.map((e) => e.idempotencyKey);
    const first = await outbox.entries({ limit: 2 });
    assert.deepEqual(keys(first), ['e', 'd']);
    const second = await outbox.entries({ limit: 2, beforeId: first[1]!.id });
    assert.deepEqual(keys(second), ['c', 'b']);
    assert.deepEqual(keys(await outbox.entries({ limit: 2, beforeId: second[1]!.id })), ['a']);
    assert.deepEqual(keys(await outbox.entries({ status: 'pending', limit: 2, beforeId: first[1]!.id })), ['b', 'a'], 'the suppressed one is left out');
    assert.deepEqual(await outbox.entries({ limit: 10, beforeId: (await outbox.entries({ limit: 10 })).at(-1)!.id }), []);
  },

  async 'entries of one endpoint: newest first, paged by beforeId, other endpoints and none left out'({ outbox, addEndpoint }) {
    const one = await addEndpoint('one');
    const two = await addEndpoint('two');
    await outbox.commit({
      entries: [entry('a', { endpointId: one }), entry('b', { endpointId: two }), entry('c', { endpointId: null }), entry('d', { endpointId: one, suppressed: 'flapping' }), entry('e', { endpointId: one })],
      states: [],
    });
    const keys = (list: OutboxEntry[]): string[] => list.map((e) => e.idempotencyKey);
    assert.deepEqual(keys(await outbox.entries({ endpointId: one, limit: 10 })), ['e', 'd', 'a']);
    assert.deepEqual(keys(await outbox.entries({ endpointId: two, limit: 10 })), ['b']);
    const first = await outbox.entries({ endpointId: one, limit: 2 });
    assert.deepEqual(keys(first), ['e', 'd'], 'the limit counts this endpoint\'s entries only');
    assert.deepEqual(keys(await outbox.entries({ endpointId: one, limit: 2, beforeId: first[1]!.id })), ['a']);
    assert.deepEqual(keys(await outbox.entries({ endpointId: one, status: 'pending', limit: 10 })), ['e', 'a']);
    assert.deepEqual(await outbox.entries({ endpointId: two + 1000, limit: 10 }), []);
  },

  async 'a dead letter keeps its error, pages newest first and can be queued again'({ outbox, setNow }) {
    await outbox.commit({ entries: ['a', 'b', 'c', 'd'].map((k) => entry(k)), states: [] });
    const due = await outbox.due(T0, 10);
    assert.deepEqual(due.map((e) => e.idempotencyKey), ['a', 'b', 'c', 'd']);
    const long = `HTTP 410: ${'x'.repeat(1000)}`;
    for (const e of due.slice(0, 3)) await outbox.markFailed(e.id, e.idempotencyKey === 'b' ? long : `refused ${e.idempotencyKey}`, null);
    const dead = await outbox.deadLetters({ limit: 10 });
    assert.deepEqual(dead.map((e) => [e.idempotencyKey, e.status, e.attempts, e.dueMs]), [
      ['c', 'dead', 1, null],
      ['b', 'dead', 1, null],
      ['a', 'dead', 1, null],
    ]);
    const clipped = dead[1]!.lastError!;
    assert.equal(clipped.length, 500, 'a long error is cut');
    assert.ok(clipped.startsWith('HTTP 410: xxx') && clipped.endsWith('…'));
    assert.deepEqual((await outbox.deadLetters({ limit: 2 })).map((e) => e.idempotencyKey), ['c', 'b']);
    assert.deepEqual((await outbox.deadLetters({ limit: 2, beforeId: dead[1]!.id })).map((e) => e.idempotencyKey), ['a']);
    assert.deepEqual((await outbox.entries({ status: 'pending', limit: 10 })).map((e) => e.idempotencyKey), ['d']);
    assert.deepEqual(await outbox.counts(), { pending: 1, delivered: 0, dead: 3, suppressed: 0 });
    assert.deepEqual(await outbox.backlog(), { pending: 1, dead: 3, oldestPendingAt: iso(T0) });

    setNow(T0 + 60_000);
    assert.equal(await outbox.retry(dead[0]!.id), true);
    assert.equal(await outbox.retry(dead[0]!.id), false, 'no longer a dead letter');
    assert.equal(await outbox.retry(dead[0]!.id + 1000), false);
    const back = await outbox.get(dead[0]!.id);
    assert.deepEqual([back?.status, back?.dueMs, back?.attempts, back?.lastError, back?.updatedAt], ['pending', T0 + 60_000, 1, 'refused c', iso(T0 + 60_000)]);
    assert.deepEqual((await outbox.due(T0 + 60_000, 10, new Set([due[3]!.id]))).map((e) => e.idempotencyKey), ['c']);
    assert.deepEqual(await outbox.counts(), { pending: 2, delivered: 0, dead: 2, suppressed: 0 });
  },

  async 'counts and backlog start at zero; the backlog dates the oldest pending entry'({ outbox, setNow }) {
    assert.deepEqual(await outbox.counts(), { pending: 0, delivered: 0, dead: 0, suppressed: 0 });
    assert.deepEqual(await outbox.backlog(), { pending: 0, dead: 0, oldestPendingAt: null });
    assert.equal(await outbox.nextDueMs(), null);
    await outbox.commit({ entries: [entry('first')], states: [] });
    setNow(T0 + 30_000);
    await outbox.commit({ entries: [entry('second'), entry('hushed', { suppressed: 'flapping' })], states: [] });
    const [first] = await outbox.due(T0 + 30_000, 1);
    assert.equal(first?.idempotencyKey, 'first');
    await outbox.markDelivered(first.id);
    assert.deepEqual(await outbox.counts(), { pending: 1, delivered: 1, dead: 0, suppressed: 1 });
    assert.deepEqual(await outbox.backlog(), { pending: 1, dead: 0, oldestPendingAt: iso(T0 + 30_000) });
  },

  async 'prune deletes old delivered and suppressed entries, oldest first, up to the limit; dead letters and pending stay'({ outbox, setNow }) {
    const keys = ['d1', 'd2', 's1', 'dead', 'pending'];
    await outbox.commit({ entries: keys.map((k) => entry(k, { suppressed: k === 's1' ? 'maintenance' : null })), states: [] });
    const due = await outbox.due(T0, 10);
    for (const e of due) {
      if (e.idempotencyKey.startsWith('d') && e.idempotencyKey !== 'dead') await outbox.markDelivered(e.id);
      if (e.idempotencyKey === 'dead') await outbox.markFailed(e.id, 'gone', null);
    }
    setNow(T0 + 10_000);
    await outbox.commit({ entries: [entry('fresh')], states: [] });
    const [fresh] = await outbox.due(T0 + 10_000, 10, new Set(due.map((e) => e.id)));
    await outbox.markDelivered(fresh!.id);

    assert.equal(await outbox.prune(T0, 10), 0, 'created_at must be before the cutoff');
    assert.equal(await outbox.prune(T0 + 1, 2), 2);
    assert.deepEqual((await outbox.entries({ limit: 10 })).map((e) => e.idempotencyKey), ['fresh', 'pending', 'dead', 's1']);
    assert.equal(await outbox.prune(T0 + 5000, 0), 0);
    assert.equal(await outbox.prune(T0 + 5000, 10), 1);
    assert.deepEqual((await outbox.entries({ limit: 10 })).map((e) => e.idempotencyKey), ['fresh', 'pending', 'dead']);
    assert.deepEqual(await outbox.counts(), { pending: 1, delivered: 1, dead: 1, suppressed: 0 });
    assert.deepEqual(await outbox.commit({ entries: [entry('d1')], states: [] }), { inserted: 1 }, 'a pruned key may be written again');
  },

  async 'text from the outside is stored even when it holds NUL or a lone surrogate'({ outbox }) {
    const detail = 'bad\u0000body \ud800 end \\u0000';
    await outbox.commit({ entries: [entry('hostile', { message: { detail, title: 'ok 😀' } })], states: [] });
    const [due] = await outbox.due(T0, 1);
    assert.ok(due);
    // SQLite keeps the text as it was; PostgreSQL cannot store NUL or a lone surrogate and puts U+FFFD in their place.
    assert.ok([detail, 'bad\ufffdbody \ufffd end \\u0000'].includes(due.message.detail ?? ''), `detail came back as ${JSON.stringify(due.message.detail)}`);
    assert.equal(due.message.title, 'ok 😀');
    await outbox.markFailed(due.id, 'HTTP 500: \u0000\u0000', null);
    assert.ok(['HTTP 500: \u0000\u0000', 'HTTP 500: \ufffd\ufffd'].includes((await outbox.get(due.id))?.lastError ?? ''));
  },
};
