// `mcpwatch user …`: accounts from the command line, for the first admin on a headless box and for
// getting back in when every admin is locked out. Changes go through Accounts (audited as "cli").
import { CLI_ACTOR, type Accounts } from '../accounts/accounts.ts';
import type { UserCommand } from './args.ts';

export interface UserIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The new password: asked twice on a terminal, else (or with `fromStdin`) the first line of stdin. */
  readonly readPassword: (fromStdin: boolean) => Promise<string | { error: string }>;
}

export async function runUserCommand(command: UserCommand, accounts: Accounts, io: UserIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`mcpwatch: ${message}\n`);
    return 1;
  };
  if (command.action === 'list') {
    const users = await accounts.store.listUsers();
    if (users.length === 0) {
      io.stdout('no users (create the first admin with: mcpwatch user create --admin <name>)\n');
      return 0;
    }
    const now = Date.now();
    const table = [
      ['NAME', 'ROLE', '2FA', 'STATE', 'CREATED'],
      ...users.map((u) => [u.name, u.role, u.totp ? 'on' : 'off', u.lockedUntil !== null && Date.parse(u.lockedUntil) > now ? `locked until ${u.lockedUntil}` : 'active', u.createdAt]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => [...(row[i] ?? '')].length)));
    for (const row of table) io.stdout(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
    return 0;
  }
  if (command.action === 'create') {
    const password = await io.readPassword(command.passwordStdin);
    if (typeof password !== 'string') return fail(password.error);
    const created = await accounts.createUser(CLI_ACTOR, command.name, password, command.role);
    if (!created.ok) return fail(created.message);
    io.stdout(`created ${created.value.role} "${created.value.name}"\n`);
    return 0;
  }
  const user = await accounts.store.credentialsByName(command.name);
  if (!user) return fail(`no user named "${command.name}" (see mcpwatch user list)`);
  switch (command.action) {
    case 'reset-password': {
      const password = await io.readPassword(command.passwordStdin);
      if (typeof password !== 'string') return fail(password.error);
      const done = await accounts.resetPassword(CLI_ACTOR, user.id, password);
      if (!done.ok) return fail(done.message);
      io.stdout(`password of "${user.name}" set; their sessions ended, and they are unlocked\n`);
      return 0;
    }
    case 'remove': {
      const done = await accounts.removeUser(CLI_ACTOR, user.id);
      if (!done.ok) return fail(done.message);
      io.stdout(`removed "${user.name}" with their sessions and API tokens\n`);
      return 0;
    }
    case 'unlock': {
      const done = await accounts.unlock(CLI_ACTOR, user.id);
      if (!done.ok) return fail(done.message);
      io.stdout(`unlocked "${user.name}"\n`);
      return 0;
    }
  }
}
