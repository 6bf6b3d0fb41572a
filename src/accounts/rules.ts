// What a user name, a password and a role must be, with the one wording every surface shows
// (the sign-in and manage pages, the CLI, the setup page).
import { ROLES, isRole, type Role } from '../domain/roles.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.ts';

export const USER_NAME_MAX_LENGTH = 64;

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string; readonly message: string };

/** Trimmed, 1–64 characters, no control characters. Anything else is allowed and escaped where shown. */
export function checkUserName(input: unknown): Checked<string> {
  if (typeof input !== 'string') return { ok: false, field: 'name', message: 'the user name is missing' };
  const name = input.trim().normalize('NFC');
  if (name === '') return { ok: false, field: 'name', message: 'the user name must not be empty' };
  if ([...name].length > USER_NAME_MAX_LENGTH) return { ok: false, field: 'name', message: `the user name must be at most ${USER_NAME_MAX_LENGTH} characters` };
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) return { ok: false, field: 'name', message: 'the user name must not contain control or invisible formatting characters' };
  return { ok: true, value: name };
}

/** Length only (NIST SP 800-63B): at least 10 characters, no composition rules. */
export function checkPassword(input: unknown, repeat?: unknown): Checked<string> {
  if (typeof input !== 'string' || input === '') return { ok: false, field: 'password', message: 'the password is missing' };
  const length = [...input].length;
  if (length < PASSWORD_MIN_LENGTH) return { ok: false, field: 'password', message: `the password must be at least ${PASSWORD_MIN_LENGTH} characters` };
  if (length > PASSWORD_MAX_LENGTH) return { ok: false, field: 'password', message: `the password must be at most ${PASSWORD_MAX_LENGTH} characters` };
  if (repeat !== undefined && repeat !== input) return { ok: false, field: 'password2', message: 'the two passwords differ' };
  return { ok: true, value: input };
}

export function checkRole(input: unknown): Checked<Role> {
  if (isRole(input)) return { ok: true, value: input };
  return { ok: false, field: 'role', message: `the role must be one of ${ROLES.join(', ')}` };
}
