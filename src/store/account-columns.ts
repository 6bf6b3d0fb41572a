// What both backends' account stores share: the columns a user is read with, and the statements'
// shape decisions (which patch fields map to which column).
import type { UserPatch } from './accounts.ts';

export const USER_COLUMNS = 'id, name, password_hash, role, totp_secret, totp_last_step, failed_logins, locked_until, created_at, updated_at';

/** Patch field → column, in one place so both backends update the same things. */
export const PATCH_COLUMNS = {
  role: 'role',
  passwordHash: 'password_hash',
  totpSecret: 'totp_secret',
  totpLastStep: 'totp_last_step',
  failedLogins: 'failed_logins',
  lockedUntil: 'locked_until',
} as const satisfies Record<keyof UserPatch, string>;

/** The patch's present fields as [column, value] pairs, in a fixed order. */
export function patchColumns(patch: UserPatch): Array<[string, string | number | null]> {
  const out: Array<[string, string | number | null]> = [];
  for (const [field, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof UserPatch, string]>) {
    const value = patch[field];
    if (value !== undefined) out.push([column, value]);
  }
  return out;
}
