// Who may do what, defined once: the closed list of roles, the closed list of actions, and the
// table between them. Everything else (API hooks, pages, CLI, tests) derives from this table, so a
// new action is one row here and the compiler asks for its place in every role.

export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  /** See endpoints that are not public, their history, incidents and the operator pages. */
  'read.private',
  /** Create, edit, pause, archive and delete endpoints. */
  'endpoints.write',
  /** Make this server dial out now (one-off check, compliance run): a write in effect. */
  'endpoints.check',
  /** Alert channels, routes, retries of dead letters. */
  'alerts.write',
  'maintenance.write',
  'incidents.write',
  'status-pages.write',
  /** Create and revoke API tokens (any owner's). */
  'tokens.manage',
  /** Create, change and remove users; unlock them. */
  'users.manage',
  'audit.read',
] as const;
export type Action = (typeof ACTIONS)[number];

const EDITOR: readonly Action[] = ['read.private', 'endpoints.write', 'endpoints.check', 'alerts.write', 'maintenance.write', 'incidents.write', 'status-pages.write'];

/** Role → the actions it allows. admin: everything; editor: the monitoring itself; viewer: read everything. */
export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = Object.freeze({
  admin: new Set(ACTIONS),
  editor: new Set(EDITOR),
  viewer: new Set<Action>(['read.private']),
});

/** What each role is for, in one line (README, /manage/users, `mcpwatch user --help`). */
export const ROLE_SUMMARIES: Readonly<Record<Role, string>> = Object.freeze({
  admin: 'everything, including users, API tokens and the audit log',
  editor: 'endpoints, alert channels and routes, maintenance windows, incidents and status pages',
  viewer: 'reads everything, including endpoints that are not public; changes nothing',
});

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action);
}
