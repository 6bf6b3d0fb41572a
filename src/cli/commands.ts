// The command table: the single source for dispatch, `--help`, `mcpwatch help <command>`, the
// general usage and did-you-mean. A new command (or subcommand, "endpoints purge") is one entry
// here plus its handler in main.ts, which the compiler asks for (a map keyed by Command).
import { DEFAULT_PROBE_SETTINGS } from '../probe/run-probe.ts';
import { suggest } from '../config/suggest.ts';
import {
  DEFAULT_TOKEN_NAME,
  LOG_FORMATS,
  LOG_LEVELS,
  alertTestCommand,
  backupCommand,
  checkCommand,
  endpointsListCommand,
  endpointsPurgeCommand,
  importCommand,
  migrateCommand,
  migrateDataCommand,
  serveCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  userCreateCommand,
  userListCommand,
  userRemoveCommand,
  userResetPasswordCommand,
  userUnlockCommand,
  type Command,
} from './args.ts';
import { ROLES, ROLE_SUMMARIES } from '../domain/roles.ts';
import { commandHelp, usage } from './help.ts';
import { parseOptions, UsageError, wantsHelp, type OptionTable, type ParsedOptions } from './options.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface CommandSpec {
  /** One or two words: "serve", "token create". */
  readonly name: string;
  /** Positional arguments for the synopsis, e.g. "<url>". */
  readonly args?: string;
  readonly summary: string;
  /** Paragraphs shown by --help under the synopsis. */
  readonly details?: string;
  readonly options: OptionTable;
  readonly examples: readonly string[];
  readonly parse: (parsed: ParsedOptions, env: Env) => Command;
}

const CONFIG: OptionTable = {
  config: { type: 'string', value: '<path>', help: 'YAML configuration (default: ./mcpwatch.yaml when present)' },
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'check',
    args: '<url>',
    summary: 'Probe one MCP endpoint once and print what happened',
    details: 'Exit status: 0 up or degraded, 1 down or auth_required, 2 usage error.',
    options: {
      json: { type: 'boolean', help: 'Print the full result as JSON' },
      grade: {
        type: 'boolean',
        help: "Also run the compliance checks for the server's era (lists tools, never calls them) and print each with its level, evidence and spec link",
      },
      tools: { type: 'boolean', help: 'Also list tools (count and a hash of names + schemas)' },
      'call-tool': {
        type: 'string',
        value: '<name>',
        help: 'Also call this tool with empty arguments (opt-in, for a tool without side effects; the service never calls tools)',
      },
      era: { type: 'string', value: '<era>', help: 'auto (default) | modern | streamable | sse' },
      timeout: { type: 'string', value: '<ms>', help: `Overall deadline in milliseconds (default ${DEFAULT_PROBE_SETTINGS.timeoutMs})` },
      header: { type: 'string', multiple: true, value: "'Name: value'", help: 'Send a header on every request (repeatable)' },
      'header-env': { type: 'string', multiple: true, value: 'Name=VAR', help: 'Send header Name with the value of environment variable VAR (repeatable)' },
      'bearer-env': {
        type: 'string',
        value: 'VAR',
        help: 'Send "Authorization: Bearer <token>" with the token read from VAR (default: MCPWATCH_BEARER_TOKEN when set). Tokens are never read from argv.',
      },
      'allow-private': { type: 'boolean', help: 'Allow loopback, private and link-local addresses (internal servers)' },
      'ca-file': { type: 'string', value: '<path>', help: 'Trust this PEM CA bundle in addition to the system roots' },
      'dns-server': { type: 'string', multiple: true, value: '<ip[:port]>', help: "Resolve with this DNS server (repeatable; default: the system's)" },
      slow: { type: 'string', value: '<ms>', help: `Warn SLOW above this total time (default ${DEFAULT_PROBE_SETTINGS.slowMs}; 0 disables)` },
      'cert-days': { type: 'string', value: '<days>', help: `Warn TLS_CERT_EXPIRING below this many days left (default ${DEFAULT_PROBE_SETTINGS.certExpiringDays})` },
    },
    examples: [
      'mcpwatch check https://mcp.example.com/mcp',
      'mcpwatch check --tools --json https://mcp.example.com/mcp',
      'mcpwatch check --grade https://mcp.example.com/mcp',
      'MCP_TOKEN=… mcpwatch check --bearer-env MCP_TOKEN https://mcp.example.com/mcp',
      'mcpwatch check --allow-private http://127.0.0.1:3000/mcp',
    ],
    parse: checkCommand,
  },
  {
    name: 'serve',
    summary: 'Run the monitor: probe every endpoint on its interval and record it',
    details:
      'One serve per database: a second one on the same file refuses to start and names the holder.\n' +
      'Logs are pretty on a terminal and JSON lines otherwise (MCPWATCH_LOG_FORMAT, MCPWATCH_LOG_LEVEL).\n' +
      'Exit status: 0 after a clean shutdown, 1 when it cannot start (port, data directory, database, lock), 2 bad configuration.',
    options: {
      ...CONFIG,
      'check-config': { type: 'boolean', help: 'Validate the configuration, print a summary and exit' },
      'log-format': { type: 'string', value: '<format>', help: `${LOG_FORMATS.join(' | ')} (default: pretty on a terminal, json otherwise)` },
      'log-level': { type: 'string', value: '<level>', help: `${LOG_LEVELS.join(' | ')} (default info; debug also logs /healthz, /readyz and /metrics requests)` },
    },
    examples: ['mcpwatch serve', 'mcpwatch serve --config /etc/mcpwatch/mcpwatch.yaml', 'mcpwatch serve --check-config', 'MCPWATCH_PORT=9090 mcpwatch serve --log-format json'],
    parse: serveCommand,
  },
  {
    name: 'import',
    args: '<server.json>',
    summary: 'Add the remote endpoints of an MCP registry server.json',
    details: 'URL variables and headers come from MCPWATCH_VAR_<NAME> / MCPWATCH_HEADER_<NAME>; a remote missing a required secret is added paused.',
    options: CONFIG,
    examples: ['mcpwatch import server.json', 'MCPWATCH_HEADER_X_API_KEY=… mcpwatch import ./weather/server.json --config mcpwatch.yaml'],
    parse: importCommand,
  },
  {
    name: 'backup',
    args: '<file>',
    summary: 'Write a consistent copy of the database (safe while serve runs)',
    options: CONFIG,
    examples: ['mcpwatch backup /backups/mcpwatch-$(date +%F).db'],
    parse: backupCommand,
  },
  {
    name: 'migrate',
    summary: 'Apply database migrations and exit',
    options: CONFIG,
    examples: ['mcpwatch migrate --config /etc/mcpwatch/mcpwatch.yaml'],
    parse: migrateCommand,
  },
  {
    name: 'migrate-data',
    summary: 'Copy a SQLite database into PostgreSQL (resumable), then verify the copy',
    details:
      'Stop serve first: the SQLite file must not change during the copy (a running serve is refused).\n' +
      'The target must be empty, or hold an interrupted copy of the same file: running the same command\n' +
      'again continues after the last committed batch. The copy ends with a verification (row counts,\n' +
      'and endpoints, incidents, tokens, uptime and rollups read through both backends).\n' +
      'Progress goes to stderr, the verification table to stdout.\n' +
      'Exit status: 0 copied and verified equal, 1 refused, failed or different, 2 usage error.',
    options: {
      from: { type: 'string', value: '<file>', help: 'The SQLite database file (e.g. ./data/mcpwatch.db)' },
      to: { type: 'string', value: '<url>', help: 'The PostgreSQL database, postgres://user:password@host:port/db (default: MCPWATCH_DATABASE_URL)' },
      quiet: { type: 'boolean', help: 'No progress line' },
      'verify-only': { type: 'boolean', help: 'Copy nothing; compare the two databases and print the verification' },
      region: { type: 'string', value: '<name>', help: "The node.region of the nodes that will serve the copy: they continue from the copied endpoint states (default: MCPWATCH_NODE_REGION, else 'default')" },
    },
    examples: [
      'mcpwatch migrate-data --from ./data/mcpwatch.db --to postgres://mcpwatch:secret@db.internal:5432/mcpwatch',
      'MCPWATCH_DATABASE_URL=postgres://mcpwatch:secret@127.0.0.1/mcpwatch mcpwatch migrate-data --from /var/lib/mcpwatch/mcpwatch.db',
      'mcpwatch migrate-data --from ./data/mcpwatch.db --to postgres://… --verify-only',
    ],
    parse: migrateDataCommand,
  },
  {
    name: 'alert test',
    args: '<channel>',
    summary: 'Send a test message through an alert channel and report the outcome',
    options: CONFIG,
    examples: ['mcpwatch alert test ops-slack'],
    parse: alertTestCommand,
  },
  {
    name: 'token create',
    summary: 'Create an API bearer token and print it (once: only its hash is stored)',
    options: {
      ...CONFIG,
      'read-only': { type: 'boolean', help: 'The token can read through the API but not change anything' },
      name: { type: 'string', value: '<name>', help: `A label to recognise the token by (default "${DEFAULT_TOKEN_NAME}")` },
    },
    examples: ['TOKEN=$(mcpwatch token create --name ci --read-only)'],
    parse: tokenCreateCommand,
  },
  {
    name: 'token list',
    summary: 'List API tokens: id, name, access, created, last used (never the token)',
    options: CONFIG,
    examples: ['mcpwatch token list'],
    parse: tokenListCommand,
  },
  {
    name: 'token revoke',
    args: '<id>',
    summary: 'Revoke an API token',
    options: CONFIG,
    examples: ['mcpwatch token revoke 3'],
    parse: tokenRevokeCommand,
  },
  {
    name: 'user create',
    args: '<name>',
    summary: 'Create a user for the web app (asks for the password, or reads it from stdin)',
    details:
      `Roles: ${ROLES.map((r) => `${r} (${ROLE_SUMMARIES[r]})`).join('; ')}.\n` +
      'The password is asked for twice on a terminal; otherwise, or with --password-stdin, it is the first line of stdin. It is never read from argv.',
    options: {
      ...CONFIG,
      admin: { type: 'boolean', help: 'Make the user an admin (same as --role admin)' },
      role: { type: 'string', value: '<role>', help: `${ROLES.join(' | ')} (default viewer)` },
      'password-stdin': { type: 'boolean', help: 'Read the password from the first line of stdin' },
    },
    examples: ['mcpwatch user create --admin alice', "printf '%s\\n' \"$PASSWORD\" | mcpwatch user create --role editor --password-stdin bob"],
    parse: userCreateCommand,
  },
  {
    name: 'user list',
    summary: 'List users: name, role, two-factor, locked, created',
    options: CONFIG,
    examples: ['mcpwatch user list'],
    parse: userListCommand,
  },
  {
    name: 'user reset-password',
    args: '<name>',
    summary: "Set a user's password (and unlock them); their sessions end",
    options: { ...CONFIG, 'password-stdin': { type: 'boolean', help: 'Read the password from the first line of stdin' } },
    examples: ['mcpwatch user reset-password alice'],
    parse: userResetPasswordCommand,
  },
  {
    name: 'user remove',
    args: '<name>',
    summary: 'Remove a user with their sessions and API tokens (never the last admin)',
    options: CONFIG,
    examples: ['mcpwatch user remove bob'],
    parse: userRemoveCommand,
  },
  {
    name: 'user unlock',
    args: '<name>',
    summary: 'Unlock a user locked out by failed sign-ins',
    options: CONFIG,
    examples: ['mcpwatch user unlock bob'],
    parse: userUnlockCommand,
  },
  {
    name: 'endpoints list',
    summary: 'List endpoints: slug, owner, state (active, paused, archived), interval, URL',
    options: CONFIG,
    examples: ['mcpwatch endpoints list'],
    parse: endpointsListCommand,
  },
  {
    name: 'endpoints purge',
    args: '<slug>',
    summary: 'Delete an endpoint and all its history (asks first; --yes when not a terminal)',
    details: 'An endpoint the configuration file still lists is refused: remove it from the file first (it is then archived).',
    options: { ...CONFIG, yes: { type: 'boolean', help: 'Delete without asking (needed when stdin is not a terminal)' } },
    examples: ['mcpwatch endpoints purge old-weather', 'mcpwatch endpoints purge old-weather --yes --config /etc/mcpwatch/mcpwatch.yaml'],
    parse: endpointsPurgeCommand,
  },
  {
    name: 'help',
    args: '[command]',
    summary: 'Show this help, or the help of one command',
    options: {},
    examples: ['mcpwatch help serve', 'mcpwatch help token create'],
    parse: (parsed) => ({ command: 'help', text: helpFor(parsed.positionals), exitCode: 0 }),
  },
  {
    name: 'version',
    summary: 'Print the version',
    options: {},
    examples: ['mcpwatch version'],
    parse: () => ({ command: 'version' }),
  },
];

/** The entries whose name starts with `group` followed by a space: the subcommands of `token`. */
function subcommands(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

function firstWords(): string[] {
  return [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];
}

type Lookup = { spec: CommandSpec; rest: readonly string[] } | { group: string; rest: readonly string[] };

function lookup(argv: readonly string[]): Lookup {
  const [first = '', second, ...rest] = argv;
  const single = COMMANDS.find((c) => c.name === first);
  if (single) return { spec: single, rest: argv.slice(1) };
  const group = subcommands(first);
  if (group.length === 0) {
    const guess = suggest(first, firstWords());
    throw new UsageError(`unknown command ${JSON.stringify(first)}${guess !== undefined ? ` (did you mean ${guess}?)` : ''}`);
  }
  const spec = group.find((c) => c.name === `${first} ${second}`);
  if (spec) return { spec, rest };
  if (second === undefined || second.startsWith('-')) return { group: first, rest: argv.slice(1) };
  const actions = group.map((c) => c.name.split(' ')[1]!);
  const guess = suggest(second, actions);
  throw new UsageError(`unknown ${first} subcommand ${JSON.stringify(second)} (${guess !== undefined ? `did you mean ${first} ${guess}?` : `expected ${actions.join(', ')}`})`, first);
}

/** Help text for `mcpwatch help [words…]`. */
function helpFor(words: readonly string[]): string {
  if (words.length === 0) return usage(COMMANDS);
  const found = lookup(words);
  return 'spec' in found ? commandHelp(found.spec) : usage(subcommands(found.group), found.group);
}

/** Pure: argv and environment in, a command or a UsageError out. */
export function parseCommand(argv: readonly string[], env: Env): Command {
  const [first] = argv;
  // Bare `mcpwatch` is a mistake (exit 2) that deserves the usage, not an error line.
  if (first === undefined) return { command: 'help', text: usage(COMMANDS), exitCode: 2 };
  if (first === '--help' || first === '-h') return { command: 'help', text: usage(COMMANDS), exitCode: 0 };
  if (first === '--version' || first === '-V') return { command: 'version' };
  const found = lookup(argv);
  if ('group' in found) {
    if (wantsHelp(found.rest)) return { command: 'help', text: usage(subcommands(found.group), found.group), exitCode: 0 };
    const actions = subcommands(found.group).map((c) => c.name.split(' ')[1]!);
    throw new UsageError(`${found.group} needs a subcommand: ${actions.join(', ')}`, found.group);
  }
  const { spec, rest } = found;
  if (wantsHelp(rest)) return { command: 'help', text: commandHelp(spec), exitCode: 0 };
  try {
    return spec.parse(parseOptions(spec.name, rest, spec.options), env);
  } catch (err) {
    // The check command's validators predate the table; name the command for the help pointer.
    if (err instanceof UsageError && err.command === undefined) throw new UsageError(err.message, spec.name);
    throw err;
  }
}
