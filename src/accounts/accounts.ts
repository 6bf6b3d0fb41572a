// Accounts as the app uses them: sign-in (rate limit, lock-out, second factor), sessions (idle and
// absolute expiry), first-run setup, and every change to users and tokens written to the audit
// log. Storage comes in through the contract; the clock is injected.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccountsConfig } from '../config/schema.ts';
import type { Role } from '../domain/roles.ts';
import type { AccountStore, AuditEntry, Session, User } from '../store/accounts.ts';
import { StoreError, type ApiToken, type TokenStore } from '../store/store.ts';
import { AttemptLimiter } from './attempts.ts';
import { DEFAULT_SCRYPT_COST, decoyHash, hashPassword, verifyPassword, type ScryptCost } from './password.ts';
import { checkPassword, checkRole, checkUserName, type Checked } from './rules.ts';
import { verifyTotp } from './totp.ts';

/** Who made a change, as the audit log records it. */
export interface Actor {
  readonly userId: number | null;
  readonly name: string;
}

export const CLI_ACTOR: Actor = Object.freeze({ userId: null, name: 'cli' });
export const SETUP_ACTOR: Actor = Object.freeze({ userId: null, name: 'setup' });

/** last_seen_at is written at most this often per session: reading pages must not turn into writes. */
export const SESSION_TOUCH_MS = 60_000;

export type SignInOutcome =
  | { readonly ok: true; readonly user: User; readonly sessionId: string; readonly session: Session }
  | { readonly ok: false; readonly reason: 'rate-limited'; readonly retryAfterS: number }
  | { readonly ok: false; readonly reason: 'locked'; readonly until: string }
  | { readonly ok: false; readonly reason: 'invalid' };

export type Change<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string; readonly message: string };

export interface AccountsOptions {
  readonly store: AccountStore;
  readonly tokens: Pick<TokenStore, 'createToken' | 'listTokens' | 'revokeToken'>;
  readonly clock: () => number;
  readonly settings: AccountsConfig;
  /** Tests lower it; production keeps DEFAULT_SCRYPT_COST. */
  readonly scryptCost?: ScryptCost;
  /** Makes an API token and its hash (src/http/api/tokens.ts), so this module needs no HTTP import. */
  readonly mintToken: () => { token: string; hash: string };
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const fail = <T>(field: string, message: string): Change<T> => ({ ok: false, field, message });
const passOn = <T>(checked: Checked<unknown> & { ok: false }): Change<T> => ({ ok: false, field: checked.field, message: checked.message });

export class Accounts {
  readonly store: AccountStore;
  readonly #tokens: AccountsOptions['tokens'];
  readonly #clock: () => number;
  readonly settings: AccountsConfig;
  readonly #cost: ScryptCost;
  readonly #mint: AccountsOptions['mintToken'];
  readonly #attempts: AttemptLimiter;
  #decoy: Promise<string> | undefined;
  #setup: { hash: string; expiresAt: number } | undefined;

  constructor(options: AccountsOptions) {
    this.store = options.store;
    this.#tokens = options.tokens;
    this.#clock = options.clock;
    this.settings = options.settings;
    this.#cost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
    this.#mint = options.mintToken;
    this.#attempts = new AttemptLimiter(options.settings.loginAttemptsPerMinute, options.clock);
  }

  // --- first run --------------------------------------------------------------------------------

  /**
   * A one-time setup token when no user exists (serve logs the URL at start), else undefined. Kept
   * in this process's memory only as a hash: a new start makes a new one, the old one dies.
   */
  async openSetup(): Promise<{ token: string; expiresAt: number } | undefined> {
    if ((await this.store.countUsers()) > 0) return undefined;
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.#clock() + this.settings.setupTokenS * 1000;
    this.#setup = { hash: hashSessionId(token), expiresAt };
    return { token, expiresAt };
  }

  /** Whether `token` is the live setup token (unused, unexpired) while there is still no user. */
  async setupValid(token: unknown): Promise<boolean> {
    if (typeof token !== 'string' || this.#setup === undefined) return false;
    if (this.#clock() >= this.#setup.expiresAt || !sameText(hashSessionId(token), this.#setup.hash)) return false;
    return (await this.store.countUsers()) === 0;
  }

  /** Creates the first admin and spends the token (single use), or says why not. */
  async completeSetup(token: unknown, name: unknown, password: unknown, repeat: unknown): Promise<Change<User>> {
    if (!(await this.setupValid(token))) return fail('token', 'this setup link is no longer valid: it was used, it expired, or a user exists already (see mcpwatch user create)');
    const created = await this.createUser(SETUP_ACTOR, name, password, 'admin', repeat);
    if (created.ok) this.#setup = undefined;
    return created;
  }

  // --- sign-in and sessions ---------------------------------------------------------------------

  async signIn(input: { name: unknown; password: unknown; code?: unknown; ip: string }): Promise<SignInOutcome> {
    const name = typeof input.name === 'string' ? input.name.trim().normalize('NFC') : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const retryAfterS = this.#attempts.hit([`ip:${input.ip}`, `name:${name.toLowerCase()}`]);
    if (retryAfterS > 0) return { ok: false, reason: 'rate-limited', retryAfterS };
    const now = this.#clock();
    const user = name === '' ? undefined : await this.store.credentialsByName(name);
    if (!user) {
      // As long as a wrong password takes, so the timing does not tell which names exist.
      this.#decoy ??= decoyHash(this.#cost);
      await verifyPassword(password, await this.#decoy);
      return { ok: false, reason: 'invalid' };
    }
    if (user.lockedUntil !== null && Date.parse(user.lockedUntil) > now) return { ok: false, reason: 'locked', until: user.lockedUntil };
    let good = await verifyPassword(password, user.passwordHash);
    let step: number | undefined;
    if (good && user.totpSecret !== null) {
      step = verifyTotp(user.totpSecret, typeof input.code === 'string' ? input.code : '', now, user.totpLastStep);
      good = step !== undefined;
    }
    if (!good) {
      const after = await this.store.recordFailedLogin(user.id, this.settings.lockAfterFailures, now + this.settings.lockS * 1000);
      if (after?.lockedUntil != null && Date.parse(after.lockedUntil) > now) {
        await this.audit({ userId: user.id, name: user.name }, 'user.locked', `user:${user.name}`, { until: after.lockedUntil, failures: this.settings.lockAfterFailures });
        return { ok: false, reason: 'locked', until: after.lockedUntil };
      }
      return { ok: false, reason: 'invalid' };
    }
    const cleared = await this.store.updateUser(user.id, { failedLogins: 0, lockedUntil: null, ...(step !== undefined ? { totpLastStep: step } : {}) });
    // Expired sessions go here rather than on a timer: sign-ins are rare, and each is a write anyway.
    await this.store.pruneSessions(now);
    const { sessionId, session } = await this.#newSession(user.id, now);
    return { ok: true, user: cleared ?? user, sessionId, session };
  }

  async #newSession(userId: number, now: number): Promise<{ sessionId: string; session: Session }> {
    // A fresh id at every sign-in: whatever cookie the browser had before is never promoted.
    const sessionId = randomBytes(32).toString('base64url');
    const session: Session = {
      idHash: hashSessionId(sessionId),
      userId,
      createdAt: new Date(now).toISOString(),
      lastSeenAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.settings.sessionMaxS * 1000).toISOString(),
      csrfSecret: randomBytes(32).toString('base64url'),
    };
    await this.store.createSession(session);
    return { sessionId, session };
  }

  /** The live session behind a cookie value, or undefined (unknown, idle too long, past its absolute expiry). */
  async resolveSession(sessionId: string): Promise<{ session: Session; user: User } | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
    const idHash = hashSessionId(sessionId);
    const found = await this.store.findSession(idHash);
    if (!found) return undefined;
    const now = this.#clock();
    const idleUntil = Date.parse(found.session.lastSeenAt) + this.settings.sessionIdleS * 1000;
    if (now >= Date.parse(found.session.expiresAt) || now >= idleUntil) {
      await this.store.deleteSession(idHash);
      return undefined;
    }
    if (now - Date.parse(found.session.lastSeenAt) >= SESSION_TOUCH_MS) await this.store.touchSession(idHash, now);
    return found;
  }

  async signOut(sessionId: string): Promise<void> {
    await this.store.deleteSession(hashSessionId(sessionId));
  }

  // --- users ------------------------------------------------------------------------------------

  async audit(actor: Actor, action: string, target: string, detail: Record<string, unknown> = {}): Promise<AuditEntry> {
    return this.store.appendAudit({ actorUserId: actor.userId, actor: actor.name, action, target, detail });
  }

  async createUser(actor: Actor, nameInput: unknown, passwordInput: unknown, roleInput: unknown, repeat?: unknown): Promise<Change<User>> {
    const name = checkUserName(nameInput);
    if (!name.ok) return passOn(name);
    const password = checkPassword(passwordInput, repeat);
    if (!password.ok) return passOn(password);
    const role = checkRole(roleInput);
    if (!role.ok) return passOn(role);
    try {
      const user = await this.store.createUser({ name: name.value, passwordHash: await hashPassword(password.value, this.#cost), role: role.value });
      await this.audit(actor, 'user.create', `user:${user.name}`, { role: user.role });
      return { ok: true, value: user };
    } catch (error) {
      if (error instanceof StoreError && error.code === 'USER_NAME_TAKEN') return fail('name', `a user named "${name.value}" already exists`);
      throw error;
    }
  }

  async #existing(id: number): Promise<Change<User>> {
    const user = await this.store.getUser(id);
    return user ? { ok: true, value: user } : fail('user', 'there is no such user (removed meanwhile?)');
  }

  /** Refuses a change that would leave no admin: nobody could manage users any more. */
  async #keepsAnAdmin(user: User, becomes: Role | null): Promise<boolean> {
    if (user.role !== 'admin' || becomes === 'admin') return true;
    return (await this.store.listUsers()).some((u) => u.role === 'admin' && u.id !== user.id);
  }

  async setRole(actor: Actor, id: number, roleInput: unknown): Promise<Change<User>> {
    const role = checkRole(roleInput);
    if (!role.ok) return passOn(role);
    const found = await this.#existing(id);
    if (!found.ok) return found;
    if (!(await this.#keepsAnAdmin(found.value, role.value))) return fail('role', 'this is the last admin: make another user admin first');
    const user = await this.store.updateUser(id, { role: role.value });
    if (!user) return fail('user', 'there is no such user (removed meanwhile?)');
    // Sessions carry no role (it is read with the user each request), so none needs ending.
    await this.audit(actor, 'user.role', `user:${user.name}`, { from: found.value.role, to: user.role });
    return { ok: true, value: user };
  }

  async resetPassword(actor: Actor, id: number, passwordInput: unknown, repeat?: unknown): Promise<Change<User>> {
    const password = checkPassword(passwordInput, repeat);
    if (!password.ok) return passOn(password);
    const found = await this.#existing(id);
    if (!found.ok) return found;
    const user = await this.store.updateUser(id, { passwordHash: await hashPassword(password.value, this.#cost), failedLogins: 0, lockedUntil: null });
    if (!user) return fail('user', 'there is no such user (removed meanwhile?)');
    // Whoever knew the old password is signed out everywhere.
    const ended = await this.store.deleteUserSessions(id);
    await this.audit(actor, 'user.password', `user:${user.name}`, { sessionsEnded: ended });
    return { ok: true, value: user };
  }

  /** A user changing their own password: the current one first. Every session of theirs ends. */
  async changeOwnPassword(actor: Actor, id: number, current: unknown, next: unknown, repeat: unknown): Promise<Change<User>> {
    const user = await this.store.credentials(id);
    if (!user || typeof current !== 'string' || !(await verifyPassword(current, user.passwordHash))) return fail('current', 'the current password is wrong');
    return this.resetPassword(actor, id, next, repeat);
  }

  async unlock(actor: Actor, id: number): Promise<Change<User>> {
    const found = await this.#existing(id);
    if (!found.ok) return found;
    const user = await this.store.updateUser(id, { failedLogins: 0, lockedUntil: null });
    if (!user) return fail('user', 'there is no such user (removed meanwhile?)');
    await this.audit(actor, 'user.unlock', `user:${user.name}`, { wasLockedUntil: found.value.lockedUntil });
    return { ok: true, value: user };
  }

  async removeUser(actor: Actor, id: number): Promise<Change<User>> {
    const found = await this.#existing(id);
    if (!found.ok) return found;
    if (!(await this.#keepsAnAdmin(found.value, null))) return fail('user', 'this is the last admin: make another user admin first');
    if (!(await this.store.deleteUser(id))) return fail('user', 'there is no such user (removed meanwhile?)');
    await this.audit(actor, 'user.remove', `user:${found.value.name}`, { role: found.value.role });
    return { ok: true, value: found.value };
  }

  /** Enrols a second factor once the user proved their app makes the right code for `secret`. */
  async enrolTotp(actor: Actor, userId: number, secret: unknown, code: unknown): Promise<Change<User>> {
    if (typeof secret !== 'string' || !/^[A-Z2-7]{32}$/.test(secret)) return fail('secret', 'the secret is not one this page made; start again');
    const step = verifyTotp(secret, typeof code === 'string' ? code : '', this.#clock());
    if (step === undefined) return fail('code', 'that code does not match: check the time on your device and try the current code');
    const user = await this.store.updateUser(userId, { totpSecret: secret, totpLastStep: step });
    if (!user) return fail('user', 'there is no such user (removed meanwhile?)');
    await this.audit(actor, 'user.totp.enable', `user:${user.name}`);
    return { ok: true, value: user };
  }

  async disableTotp(actor: Actor, userId: number): Promise<Change<User>> {
    const user = await this.store.updateUser(userId, { totpSecret: null, totpLastStep: null });
    if (!user) return fail('user', 'there is no such user (removed meanwhile?)');
    await this.audit(actor, 'user.totp.disable', `user:${user.name}`);
    return { ok: true, value: user };
  }

  // --- API tokens -------------------------------------------------------------------------------

  listTokens(): Promise<ApiToken[]> {
    return this.#tokens.listTokens();
  }

  /** The token is in the result once and nowhere else: only its hash is stored. */
  async createToken(actor: Actor, name: string, role: Role, ownerUserId: number | null): Promise<{ token: string; created: ApiToken }> {
    const { token, hash } = this.#mint();
    const created = await this.#tokens.createToken(name, hash, role === 'viewer', { role, ownerUserId });
    await this.audit(actor, 'token.create', `token:${created.id}`, { name: created.name, role: created.role, ownerUserId });
    return { token, created };
  }

  async revokeToken(actor: Actor, id: number): Promise<boolean> {
    const token = (await this.#tokens.listTokens()).find((t) => t.id === id);
    if (!token || !(await this.#tokens.revokeToken(id))) return false;
    await this.audit(actor, 'token.revoke', `token:${id}`, { name: token.name, role: token.role });
    return true;
  }
}
