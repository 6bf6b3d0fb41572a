// Accounts over HTTP with a real app and a real SQLite file: first-run setup, sign-in and out,
// cookies, session fixation, lock-out, rate limit, CSRF refusals, idle expiry, TOTP, and the audit
// rows every change writes.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { totpCode } from '../../src/accounts/totp.ts';
import { manualClock } from '../store/helper.ts';
import { seedEndpoint } from './page-seed.ts';
import { FORM, PASSWORD, addUser, buildAccountsApp, csrfOf, form, rowCounts, sessionSet, signIn, type AccountsApp } from './accounts-fixture.ts';

const apps: AccountsApp[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
});
async function app(options: Parameters<typeof buildAccountsApp>[0] = {}): Promise<AccountsApp> {
  const t = await buildAccountsApp(options);
  apps.push(t);
  return t;
}

describe('first-run setup', () => {
  test('the setup link creates the first admin once, signs them in, and is dead afterwards', async () => {
    const t = await app();
    const setup = await t.accounts.openSetup();
    assert.ok(setup);
    assert.equal((await t.app.inject({ url: '/setup?token=wrong' })).statusCode, 404);
    const page = await t.app.inject({ url: `/setup?token=${setup.token}` });
    assert.equal(page.statusCode, 200);
    const short = await t.app.inject({ method: 'POST', url: '/setup', headers: FORM, payload: form({ token: setup.token, name: 'root', password: 'short', password2: 'short' }) });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /the password must be at least 10 characters/);
    const done = await t.app.inject({ method: 'POST', url: '/setup', headers: FORM, payload: form({ token: setup.token, name: 'root', password: PASSWORD, password2: PASSWORD }) });
    assert.equal(done.statusCode, 303);
    const cookie = sessionSet(done);
    assert.ok(cookie);
    const home = await t.app.inject({ url: '/account', headers: { cookie } });
    assert.match(home.body, /Signed in as <strong>root<\/strong> \(admin\)/);
    const again = await t.app.inject({ method: 'POST', url: '/setup', headers: FORM, payload: form({ token: setup.token, name: 'root2', password: PASSWORD, password2: PASSWORD }) });
    assert.equal(again.statusCode, 404, 'the link is single-use');
    assert.equal((await t.app.inject({ url: `/setup?token=${setup.token}` })).statusCode, 404);
    assert.equal(await t.accounts.store.countUsers(), 1);
    assert.equal(await t.accounts.openSetup(), undefined, 'no setup link once a user exists');
    const audit = await t.accounts.store.listAudit({ limit: 5 });
    assert.deepEqual(audit.map((e) => [e.actor, e.action, e.target]), [['setup', 'user.create', 'user:root']]);
  });

  test('an expired setup link is refused', async () => {
    const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
    const t = await app({ clock: clock.now, settings: { setupTokenS: 60 } });
    const setup = await t.accounts.openSetup();
    clock.advance(61_000);
    assert.equal((await t.app.inject({ url: `/setup?token=${setup!.token}` })).statusCode, 404);
  });
});

describe('sign-in and sessions', () => {
  test('wrong password is refused; right one gives an HttpOnly SameSite=Lax cookie on Path=/; sign-out ends the session', async () => {
    const t = await app();
    await addUser(t, 'alice', 'viewer');
    const wrong = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'alice', password: 'not the password' }) });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /The user name, password or code is wrong/);
    assert.equal(wrong.headers['set-cookie'], undefined);
    const unknown = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'nobody', password: PASSWORD }) });
    assert.equal(unknown.statusCode, 401, 'an unknown name reads the same as a wrong password');
    const ok = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'alice', password: PASSWORD, next: '/manage/audit' }) });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/manage/audit');
    const setCookie = String(ok.headers['set-cookie']);
    assert.match(setCookie, /^mcpwatch_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/, 'plain HTTP: no Secure, no __Host- prefix');
    const cookie = sessionSet(ok)!;
    const account = await t.app.inject({ url: '/account', headers: { cookie } });
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Sign out/);
    const csrf = csrfOf(account.body);
    const dashboard = await t.app.inject({ url: '/', headers: { cookie } });
    assert.match(dashboard.body, /class="account-name"><span class="visually-hidden">Signed in as <\/span>alice<\/a>/);
    assert.match(dashboard.body, /class="tag account-role">viewer</);
    assert.match(dashboard.body, /action="\/logout"/);
    const anonymous = await t.app.inject({ url: '/' });
    assert.equal(anonymous.statusCode, 200);
    assert.doesNotMatch(anonymous.body, /alice|action="\/logout"/);
    assert.match(anonymous.body, /<a href="\/login">Sign in<\/a>/);
    // An endpoint's page carries the same header: signed in, theirs; anonymous, a sign-in link.
    const { endpoint } = await seedEndpoint(t.store, Date.now(), { slug: 'one', days: 1 });
    const mine = await t.app.inject({ url: `/endpoints/${endpoint.slug}`, headers: { cookie } });
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /class="account-name"><span class="visually-hidden">Signed in as <\/span>alice<\/a>/);
    assert.match(mine.body, /action="\/logout"/);
    assert.match(String(mine.headers['cache-control']), /no-store/);
    const theirs = await t.app.inject({ url: `/endpoints/${endpoint.slug}` });
    assert.doesNotMatch(theirs.body, /alice|action="\/logout"/);
    assert.match(theirs.body, /<a href="\/login">Sign in<\/a>/);
    const forged = await t.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: form({ _csrf: 'nope' }) });
    assert.equal(forged.statusCode, 403, 'signing someone out from another page needs the token');
    const out = await t.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: form({ _csrf: csrf }) });
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await t.app.inject({ url: '/account', headers: { cookie } })).statusCode, 303, 'the old cookie no longer signs in');
    const stale = await t.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: form({ _csrf: csrf }) });
    assert.equal(stale.statusCode, 303, 'signing out of an ended session just drops the cookie');
  });

  test('a user changes their own password with the current one; their sessions end; the audit says so', async () => {
    const t = await app();
    await addUser(t, 'alice', 'viewer');
    const s = await signIn(t, 'alice');
    const other = await signIn(t, 'alice');
    const wrong = await t.app.inject({ method: 'POST', url: '/account/password', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, current: 'not it at all', password: 'brand new password', password2: 'brand new password' }) });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /the current password is wrong/);
    const differ = await t.app.inject({ method: 'POST', url: '/account/password', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, current: PASSWORD, password: 'brand new password', password2: 'brand new passwore' }) });
    assert.match(differ.body, /the two passwords differ/);
    const ok = await t.app.inject({ method: 'POST', url: '/account/password', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, current: PASSWORD, password: 'brand new password', password2: 'brand new password' }) });
    assert.equal(ok.statusCode, 303);
    for (const cookie of [s.cookie, other.cookie]) assert.equal((await t.app.inject({ url: '/account', headers: { cookie } })).statusCode, 303);
    await signIn(t, 'alice', 'brand new password');
    assert.equal((await t.accounts.store.listAudit({ limit: 1 }))[0]?.action, 'user.password');
  });

  test('an open redirect through next= is not possible', async () => {
    const t = await app();
    await addUser(t, 'alice', 'viewer');
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const ok = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'alice', password: PASSWORD, next }) });
      assert.equal(ok.headers.location, '/', next);
    }
  });

  test('over HTTPS (a trusted proxy says so) the cookie is __Host- prefixed and Secure', async () => {
    const t = await app({ appOptions: { trustProxy: true } });
    await addUser(t, 'alice', 'viewer');
    const ok = await t.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, 'x-forwarded-proto': 'https' }, payload: form({ name: 'alice', password: PASSWORD }) });
    assert.equal(ok.statusCode, 303);
    assert.match(String(ok.headers['set-cookie']), /^__Host-mcpwatch_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
  });

  test('session fixation: a cookie the browser had before signing in is never the one after, and stops working', async () => {
    const t = await app();
    await addUser(t, 'alice', 'viewer');
    await addUser(t, 'mallory', 'viewer');
    const planted = await signIn(t, 'mallory');
    const ok = await t.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, cookie: planted.cookie }, payload: form({ name: 'alice', password: PASSWORD }) });
    const fresh = sessionSet(ok);
    assert.ok(fresh);
    assert.notEqual(fresh, planted.cookie);
    assert.equal((await t.app.inject({ url: '/account', headers: { cookie: planted.cookie } })).statusCode, 303, 'the earlier session ended');
    const forged = await t.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, cookie: 'mcpwatch_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, payload: form({ name: 'alice', password: PASSWORD }) });
    assert.notEqual(sessionSet(forged), 'mcpwatch_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  });

  test('a session ends after the idle time and after its absolute lifetime', async () => {
    const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
    const t = await app({ clock: clock.now, settings: { sessionIdleS: 600, sessionMaxS: 1800 } });
    await addUser(t, 'alice', 'viewer');
    const idle = await signIn(t, 'alice');
    clock.advance(601_000);
    assert.equal((await t.app.inject({ url: '/account', headers: { cookie: idle.cookie } })).statusCode, 303, 'idle too long');
    const busy = await signIn(t, 'alice');
    for (let i = 0; i < 3; i++) {
      clock.advance(500_000);
      assert.equal((await t.app.inject({ url: '/account', headers: { cookie: busy.cookie } })).statusCode, 200, `busy at ${i}`);
    }
    clock.advance(400_000);
    assert.equal((await t.app.inject({ url: '/account', headers: { cookie: busy.cookie } })).statusCode, 303, 'past the absolute lifetime however busy');
  });

  test('lock-out after N failed sign-ins: even the right password is refused, with a clear message; an admin unlocks', async () => {
    const t = await app({ settings: { lockAfterFailures: 3, loginAttemptsPerMinute: 100 } });
    const bob = await addUser(t, 'bob', 'viewer');
    await addUser(t, 'root', 'admin');
    for (let i = 0; i < 2; i++) assert.equal((await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'bob', password: `wrong-${i}-xxxxxx` }) })).statusCode, 401);
    const third = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'bob', password: 'wrong-3-xxxxxx' }) });
    assert.equal(third.statusCode, 423);
    assert.match(third.body, /This account is locked after too many failed sign-ins, until .* UTC\. Wait until then, or ask an admin to unlock it\./);
    const right = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'bob', password: PASSWORD }) });
    assert.equal(right.statusCode, 423);
    assert.equal(right.headers['set-cookie'], undefined);
    const admin = await signIn(t, 'root');
    const unlock = await t.app.inject({ method: 'POST', url: `/manage/users/${bob}/unlock`, headers: { ...FORM, cookie: admin.cookie }, payload: form({ _csrf: admin.csrf }) });
    assert.equal(unlock.statusCode, 303);
    await signIn(t, 'bob');
    const actions = (await t.accounts.store.listAudit({ limit: 10 })).map((e) => e.action);
    assert.ok(actions.includes('user.locked') && actions.includes('user.unlock'), actions.join());
  });

  test('sign-in attempts are rate limited per address and per name (429 with Retry-After)', async () => {
    const t = await app({ settings: { loginAttemptsPerMinute: 3, lockAfterFailures: 100 } });
    await addUser(t, 'carol', 'viewer');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'carol', password: 'nope-nope-nope' }) })).statusCode);
    assert.deepEqual(codes, [401, 401, 401, 429]);
    const limited = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'carol', password: PASSWORD }) });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.match(limited.body, /Too many sign-in attempts/);
  });
});

describe('rate limit of signed-in users', () => {
  test('a signed-in user has their own budget, not their address\'s; a made-up session cookie spends the address\'s', async () => {
    const t = await app();
    await addUser(t, 'dora', 'viewer');
    const signedIn = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dora', password: PASSWORD }), remoteAddress: '127.0.0.9' });
    const cookie = sessionSet(signedIn)!;
    const get = (headers: Record<string, string>) => t.app.inject({ url: '/', headers, remoteAddress: '127.0.0.9' }).then((r) => r.statusCode);
    // Past the anonymous 120 a minute, signed in: a colleague behind the same address is unaffected.
    for (let i = 0; i < 130; i++) assert.equal(await get({ cookie }), 200, `signed-in request ${i + 1}`);
    const anonymous: number[] = [];
    for (let i = 0; i < 121; i++) anonymous.push(await get(i % 2 === 0 ? {} : { cookie: 'mcpwatch_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    // 119: the sign-in itself was an anonymous request from this address.
    assert.deepEqual([anonymous.filter((c) => c === 200).length, anonymous.at(-1)], [119, 429], 'the address keeps its own 120, forged sessions included');
    assert.equal(await get({ cookie }), 200, 'the signed-in user still has budget');
  });
});

describe('CSRF', () => {
  test('a POST a session authorises needs our Origin and the session token; refusals change nothing', async () => {
    const t = await app();
    await addUser(t, 'root', 'admin');
    const admin = await signIn(t, 'root');
    const before = rowCounts(t);
    const create = (headers: Record<string, string>, fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/manage/users', headers: { ...FORM, cookie: admin.cookie, ...headers }, payload: form({ name: 'eve', password: PASSWORD, role: 'admin', ...fields }) });
    assert.equal((await create({}, {})).statusCode, 403, 'no token');
    assert.equal((await create({}, { _csrf: 'x'.repeat(43) })).statusCode, 403, 'wrong token');
    assert.equal((await create({ origin: 'https://evil.example' }, { _csrf: admin.csrf })).statusCode, 403, 'cross-origin Origin');
    assert.equal((await create({ 'sec-fetch-site': 'cross-site' }, { _csrf: admin.csrf })).statusCode, 403, 'cross-site fetch');
    assert.deepEqual(rowCounts(t), before);
    const good = await create({ origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' }, { _csrf: admin.csrf });
    assert.equal(good.statusCode, 303);
    assert.equal(rowCounts(t).users, (before.users ?? 0) + 1);
  });

  test('sign-in from another site is refused (login CSRF)', async () => {
    const t = await app();
    await addUser(t, 'alice', 'viewer');
    const r = await t.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, origin: 'https://evil.example' }, payload: form({ name: 'alice', password: PASSWORD }) });
    assert.equal(r.statusCode, 403);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('bearer-token API calls need no CSRF token, and the API still refuses form bodies', async () => {
    const t = await app();
    const { token } = await t.accounts.createToken({ userId: null, name: 'test' }, 'ci', 'admin', null);
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${token}` }, payload: { name: 'X', url: 'https://x.example/mcp' } });
    assert.equal(api.statusCode, 201, api.body);
    const formApi = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { ...FORM, authorization: `Bearer ${token}` }, payload: form({ name: 'Y', url: 'https://y.example/mcp' }) });
    assert.equal(formApi.statusCode, 415);
  });
});

describe('TOTP second factor', () => {
  test('enrol with a code computed here; then sign-in needs the code, a wrong or replayed one is refused', async () => {
    // An injected clock: codes are computed for the app's own time, and the next step is one advance away.
    const clock = manualClock(Date.parse('2026-06-01T00:00:10Z'));
    const t = await app({ clock: clock.now, settings: { loginAttemptsPerMinute: 100, lockAfterFailures: 100 } });
    await addUser(t, 'dave', 'editor');
    const s = await signIn(t, 'dave');
    const page = await t.app.inject({ url: '/account', headers: { cookie: s.cookie } });
    const secret = /id="totp-secret">([A-Z2-7]{32})</.exec(page.body)?.[1];
    assert.ok(secret);
    assert.match(page.body, new RegExp(`otpauth://totp/mcpwatch:dave\\?secret=${secret}&amp;issuer=mcpwatch`));
    const bad = await t.app.inject({ method: 'POST', url: '/account/totp', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, secret, code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' }) });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes(secret), 'the same secret is offered again after a wrong code');
    const enrol = await t.app.inject({ method: 'POST', url: '/account/totp', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf, secret, code: totpCode(secret, clock.now()) }) });
    assert.equal(enrol.statusCode, 303);
    const without = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dave', password: PASSWORD }) });
    assert.equal(without.statusCode, 401);
    const wrong = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dave', password: PASSWORD, code: '12345x' }) });
    assert.equal(wrong.statusCode, 401);
    // The enrolment spent this step's code (a replay guard): the next step's code signs in.
    assert.equal((await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dave', password: PASSWORD, code: totpCode(secret, clock.now()) }) })).statusCode, 401);
    clock.advance(30_000);
    const code = totpCode(secret, clock.now());
    const withCode = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dave', password: PASSWORD, code }) });
    assert.equal(withCode.statusCode, 303, withCode.body.slice(0, 300));
    const replay = await t.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ name: 'dave', password: PASSWORD, code }) });
    assert.equal(replay.statusCode, 401, 'a code works once');
    const actions = (await t.accounts.store.listAudit({ limit: 10 })).map((e) => e.action);
    assert.ok(actions.includes('user.totp.enable'));
  });
});
