// AccountStore cases (users, sessions, audit log) and token grants, written against the contract
// only, so the contract suite runs them over every backend.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AccountStore, Session } from '../../../src/store/accounts.ts';
import { StoreError, type TokenStore } from '../../../src/store/store.ts';
import type { manualClock } from '../helper.ts';

export interface AccountHarness {
  readonly accounts: AccountStore;
  readonly tokens: TokenStore;
  readonly clock: ReturnType<typeof manualClock>;
}

export const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

function session(userId: number, id: string, expiresAt = T0 + 3_600_000): Session {
  return { idHash: hashOf(id), userId, createdAt: iso(T0), lastSeenAt: iso(T0), expiresAt: iso(expiresAt), csrfSecret: `csrf-${id}` };
}

export const accountCases: Record<string, (h: AccountHarness) => Promise<void>> = {
  async 'create, read back, list in name order; a taken name is USER_NAME_TAKEN'({ accounts }) {
    assert.equal(await accounts.countUsers(), 0);
    const zoe = await accounts.createUser({ name: 'zoe', passwordHash: 'scrypt$z', role: 'viewer' });
    assert.deepEqual(zoe, { id: zoe.id, name: 'zoe', role: 'viewer', totp: false, failedLogins: 0, lockedUntil: null, createdAt: iso(T0), updatedAt: iso(T0) });
    const ada = await accounts.createUser({ name: 'Ada <b>', passwordHash: 'scrypt$a', role: 'admin' });
    assert.equal(await accounts.countUsers(), 2);
    assert.deepEqual((await accounts.listUsers()).map((u) => u.name), ['Ada <b>', 'zoe']);
    assert.deepEqual(await accounts.getUser(ada.id), ada);
    assert.equal((await accounts.credentialsByName('zoe'))?.passwordHash, 'scrypt$z');
    assert.equal(await accounts.credentialsByName('Zoe'), undefined, 'names are exact');
    await assert.rejects(accounts.createUser({ name: 'zoe', passwordHash: 'x', role: 'admin' }), (e: unknown) => e instanceof StoreError && e.code === 'USER_NAME_TAKEN');
    assert.equal(await accounts.getUser(99_999), undefined);
  },

  async 'update changes only the given fields and the update time'({ accounts, clock }) {
    const u = await accounts.createUser({ name: 'eve', passwordHash: 'old', role: 'viewer' });
    clock.advance(5000);
    const changed = await accounts.updateUser(u.id, { role: 'editor', totpSecret: 'JBSWY3DPEHPK3PXP', totpLastStep: 42 });
    assert.deepEqual(changed, { ...u, role: 'editor', totp: true, updatedAt: iso(T0 + 5000) });
    const creds = await accounts.credentials(u.id);
    assert.equal(creds?.passwordHash, 'old');
    assert.equal(creds?.totpSecret, 'JBSWY3DPEHPK3PXP');
    assert.equal(creds?.totpLastStep, 42);
    assert.equal((await accounts.updateUser(u.id, { totpSecret: null, lockedUntil: iso(T0 + 9000) }))?.lockedUntil, iso(T0 + 9000));
    assert.equal((await accounts.credentials(u.id))?.totpSecret, null);
    assert.equal(await accounts.updateUser(99_999, { role: 'admin' }), undefined);
  },

  async 'failed logins count up and lock at the threshold, starting the count again'({ accounts }) {
    const u = await accounts.createUser({ name: 'bob', passwordHash: 'h', role: 'viewer' });
    const until = T0 + 900_000;
    assert.equal((await accounts.recordFailedLogin(u.id, 3, until))?.failedLogins, 1);
    assert.equal((await accounts.recordFailedLogin(u.id, 3, until))?.lockedUntil, null);
    const locked = await accounts.recordFailedLogin(u.id, 3, until);
    assert.equal(locked?.lockedUntil, iso(until));
    assert.equal(locked?.failedLogins, 0);
    assert.equal(await accounts.recordFailedLogin(99_999, 3, until), undefined);
  },

  async 'sessions: found with their user, touched, deleted one by one, per user, and pruned by expiry'({ accounts }) {
    const a = await accounts.createUser({ name: 'a', passwordHash: 'h', role: 'admin' });
    const b = await accounts.createUser({ name: 'b', passwordHash: 'h', role: 'viewer' });
    await accounts.createSession(session(a.id, 's1'));
    await accounts.createSession(session(a.id, 's2', T0 + 10));
    await accounts.createSession(session(b.id, 's3'));
    const found = await accounts.findSession(hashOf('s1'));
    assert.deepEqual(found, { session: session(a.id, 's1'), user: a });
    await accounts.touchSession(hashOf('s1'), T0 + 61_000);
    assert.equal((await accounts.findSession(hashOf('s1')))?.session.lastSeenAt, iso(T0 + 61_000));
    assert.equal(await accounts.findSession(hashOf('nope')), undefined);
    assert.equal(await accounts.pruneSessions(T0 + 11), 1);
    assert.equal(await accounts.findSession(hashOf('s2')), undefined);
    await accounts.deleteSession(hashOf('s3'));
    assert.equal(await accounts.findSession(hashOf('s3')), undefined);
    await accounts.createSession(session(a.id, 's4'));
    assert.equal(await accounts.deleteUserSessions(a.id), 2);
    assert.equal(await accounts.findSession(hashOf('s1')), undefined);
  },

  async 'removing a user removes their sessions and tokens, keeps the audit rows by name'({ accounts, tokens }) {
    const u = await accounts.createUser({ name: 'gone', passwordHash: 'h', role: 'editor' });
    await accounts.createSession(session(u.id, 'sx'));
    const owned = await tokens.createToken('mine', hashOf('t1'), false, { role: 'editor', ownerUserId: u.id });
    assert.deepEqual([owned.role, owned.ownerUserId, owned.readOnly], ['editor', u.id, false]);
    const cli = await tokens.createToken('cli', hashOf('t2'), true);
    await accounts.appendAudit({ actorUserId: u.id, actor: 'gone', action: 'endpoint.create', target: 'endpoint:x', detail: { slug: 'x' } });
    assert.equal(await accounts.deleteUser(u.id), true);
    assert.equal(await accounts.deleteUser(u.id), false);
    assert.equal(await accounts.findSession(hashOf('sx')), undefined);
    assert.deepEqual((await tokens.listTokens()).map((t) => t.id), [cli.id]);
    const [row] = await accounts.listAudit({ limit: 10 });
    assert.deepEqual([row?.actor, row?.actorUserId], ['gone', null]);
  },

  async 'a token for a user who does not exist is USER_NOT_FOUND; a viewer grant is read-only'({ tokens }) {
    await assert.rejects(tokens.createToken('x', hashOf('t'), false, { role: 'admin', ownerUserId: 99_999 }), (e: unknown) => e instanceof StoreError && e.code === 'USER_NOT_FOUND');
    const viewer = await tokens.createToken('v', hashOf('v'), false, { role: 'viewer', ownerUserId: null });
    assert.equal(viewer.readOnly, true);
  },

  async 'audit log: newest first, paged by id, detail kept as JSON'({ accounts, clock }) {
    const first = await accounts.appendAudit({ actorUserId: null, actor: 'cli', action: 'user.create', target: 'user:ada', detail: { role: 'admin', note: '<script>' } });
    clock.advance(1000);
    const second = await accounts.appendAudit({ actorUserId: null, actor: 'setup', action: 'user.remove', target: 'user:bob', detail: {} });
    assert.deepEqual(first, { id: first.id, at: iso(T0), actorUserId: null, actor: 'cli', action: 'user.create', target: 'user:ada', detail: { role: 'admin', note: '<script>' } });
    assert.deepEqual((await accounts.listAudit({ limit: 10 })).map((e) => e.id), [second.id, first.id]);
    assert.deepEqual((await accounts.listAudit({ limit: 10, beforeId: second.id })).map((e) => e.id), [first.id]);
    assert.deepEqual((await accounts.listAudit({ limit: 1 })).map((e) => e.at), [iso(T0 + 1000)]);
  },
};
