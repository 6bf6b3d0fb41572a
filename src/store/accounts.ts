// The accounts part of the storage contract (issue 16): users, their sessions, and the audit log.
// Both backends implement it and pass test/store/contract/accounts-cases.ts. Passwords arrive
// already hashed and session ids already hashed: the store never sees a secret it could leak.
import type { Role } from '../domain/roles.ts';

export interface User {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  /** Whether a TOTP second factor is enrolled (the secret itself is in UserCredentials only). */
  readonly totp: boolean;
  readonly failedLogins: number;
  /** ISO; sign-in is refused until then. Null when not locked. */
  readonly lockedUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What sign-in compares against: read only by the login path. */
export interface UserCredentials extends User {
  readonly passwordHash: string;
  /** base32, or null without a second factor. */
  readonly totpSecret: string | null;
  /** The TOTP step last accepted (replay guard). */
  readonly totpLastStep: number | null;
}

export interface NewUser {
  readonly name: string;
  readonly passwordHash: string;
  readonly role: Role;
}

/** A change to a user; absent fields stay as they are. */
export interface UserPatch {
  readonly role?: Role;
  readonly passwordHash?: string;
  readonly totpSecret?: string | null;
  readonly totpLastStep?: number | null;
  readonly failedLogins?: number;
  readonly lockedUntil?: string | null;
}

export interface Session {
  /** SHA-256 of the session id (hex); the id itself lives only in the browser's cookie. */
  readonly idHash: string;
  readonly userId: number;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** Absolute expiry (ISO), whatever the activity. */
  readonly expiresAt: string;
  /** The synchronizer token the session's forms carry (base64url). */
  readonly csrfSecret: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  /** The acting user; null for the CLI, first-run setup, or a user since removed. */
  readonly actorUserId: number | null;
  /** Who acted as shown to people: a user name, "cli", "setup". Kept when the user is removed. */
  readonly actor: string;
  /** What was done: "user.create", "token.revoke", "login.failed", … */
  readonly action: string;
  /** What it was done to: "user:alice", "token:3". */
  readonly target: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AccountStore {
  countUsers(): Promise<number>;
  /** Throws StoreError NAME_TAKEN when the name is in use. */
  createUser(user: NewUser): Promise<User>;
  getUser(id: number): Promise<User | undefined>;
  /** Exact name; with the hashes, for sign-in. */
  credentialsByName(name: string): Promise<UserCredentials | undefined>;
  credentials(id: number): Promise<UserCredentials | undefined>;
  /** In name order. */
  listUsers(): Promise<User[]>;
  /** Undefined when there is no such user. */
  updateUser(id: number, patch: UserPatch): Promise<User | undefined>;
  /**
   * One failed sign-in, counted atomically: the count goes up by one, and when it reaches
   * `lockAfter` the user is locked until `lockUntilMs` (and the count starts again).
   */
  recordFailedLogin(id: number, lockAfter: number, lockUntilMs: number): Promise<User | undefined>;
  /** Deletes the user with their sessions and the API tokens they own; false when there was none. */
  deleteUser(id: number): Promise<boolean>;

  createSession(session: Session): Promise<void>;
  /** The session and its user, or undefined (unknown id hash). Expiry is the caller's to judge. */
  findSession(idHash: string): Promise<{ session: Session; user: User } | undefined>;
  touchSession(idHash: string, atMs: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Every session of the user (password reset, role change, removal): returns how many. */
  deleteUserSessions(userId: number): Promise<number>;
  /** Sessions whose absolute expiry is before `beforeMs`. */
  pruneSessions(beforeMs: number): Promise<number>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first; `beforeId` pages back. */
  listAudit(options: { limit: number; beforeId?: number }): Promise<AuditEntry[]>;
}
