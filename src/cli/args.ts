// What each command's arguments mean: the Command values main.ts runs, and the checks that turn
// parsed options into them. Pure: argv and environment in, a Command or a UsageError out. The
// command table (names, options, help, examples) is in commands.ts.
import { checkRole, checkUserName } from '../accounts/rules.ts';
import type { EraOverride } from '../domain/probe-result.ts';
import type { Role } from '../domain/roles.ts';
import { isValidToolName } from '../domain/tool-name.ts';
import { parseEndpointUrl } from '../domain/url.ts';
import { checkTokenName } from '../http/api/tokens.ts';
import { DEFAULT_PROBE_SETTINGS, type ProbeRequest, type ProbeSettings } from '../probe/run-probe.ts';
import type { EndpointsCommand } from './endpoints-command.ts';
import { UsageError, type ParsedOptions } from './options.ts';

export { UsageError } from './options.ts';

export interface CheckCommand {
  readonly command: 'check';
  readonly request: ProbeRequest;
  readonly settings: ProbeSettings;
  readonly json: boolean;
  /** Also run the compliance checks (tools are listed for them, never called). */
  readonly grade: boolean;
  /** Read by main.ts (the only module that touches the file system at start-up). */
  readonly caFile: string | undefined;
}

export type LogFormat = 'pretty' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServeCommand {
  readonly command: 'serve';
  readonly configPath: string | undefined;
  readonly checkConfig: boolean;
  /** undefined: pretty on a terminal, JSON otherwise (main.ts decides; it knows the terminal). */
  readonly logFormat: LogFormat | undefined;
  readonly logLevel: LogLevel;
}

export interface ConfigCommand {
  readonly command: 'migrate' | 'backup' | 'import';
  readonly configPath: string | undefined;
  /** backup: destination file; import: the server.json to read. */
  readonly file: string;
}

/** `mcpwatch token create|list|revoke`: API bearer tokens, kept hashed in the database. */
export type TokenCommand = { readonly command: 'token'; readonly configPath: string | undefined } & (
  | { readonly action: 'create'; readonly name: string; readonly readOnly: boolean }
  | { readonly action: 'list' }
  | { readonly action: 'revoke'; readonly id: number }
);

/** `mcpwatch user create|list|reset-password|remove|unlock`: accounts for the web app (issue 16). */
export type UserCommand = { readonly command: 'user'; readonly configPath: string | undefined } & (
  | { readonly action: 'create'; readonly name: string; readonly role: Role; readonly passwordStdin: boolean }
  | { readonly action: 'list' }
  | { readonly action: 'reset-password'; readonly name: string; readonly passwordStdin: boolean }
  | { readonly action: 'remove'; readonly name: string }
  | { readonly action: 'unlock'; readonly name: string }
);

export type Command =
  | AlertTestCommand
  | UserCommand
  | MigrateDataCommand
  | CheckCommand
  | ServeCommand
  | ConfigCommand
  | TokenCommand
  | EndpointsCommand
  | { readonly command: 'help'; readonly text: string; readonly exitCode: 0 | 2 }
  | { readonly command: 'version' };

export const DEFAULT_TOKEN_NAME = 'unnamed';


type Env = Readonly<Record<string, string | undefined>>;

interface CheckValues {
  json?: boolean;
  grade?: boolean;
  tools?: boolean;
  'call-tool'?: string;
  era?: string;
  timeout?: string;
  header?: string[];
  'header-env'?: string[];
  'bearer-env'?: string;
  'allow-private'?: boolean;
  'ca-file'?: string;
  'dns-server'?: string[];
  slow?: string;
  'cert-days'?: string;
}

const ERAS: readonly EraOverride[] = ['auto', 'modern', 'streamable', 'sse'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function positiveInt(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function headerValue(name: string, value: string, flag: string): [string, string] {
  if (!HEADER_NAME.test(name)) throw new UsageError(`${flag}: ${JSON.stringify(name)} is not a valid header name`);
  if (/[\r\n\0]/.test(value)) throw new UsageError(`${flag}: the value of ${name} contains a line break`);
  return [name, value];
}

function toolName(value: string): string {
  if (!isValidToolName(value)) throw new UsageError(`--call-tool: ${JSON.stringify(value)} is not a valid tool name (1–128 of A–Z a–z 0–9 _ - .)`, 'check');
  return value;
}

export function checkCommand(parsed: ParsedOptions, env: Env): CheckCommand {
  const values = parsed.values as CheckValues;
  const positionals = parsed.positionals;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'check needs a URL' : 'check takes exactly one URL');
  const url = parseEndpointUrl(positionals[0]!);
  if (!url.ok) throw new UsageError(url.detail);
  const era = (values.era ?? 'auto') as EraOverride;
  if (!ERAS.includes(era)) throw new UsageError(`--era must be one of ${ERAS.join(', ')}`);

  const headers: Record<string, string> = {};
  for (const raw of values.header ?? []) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like 'Name: value', got ${JSON.stringify(raw)}`);
    const [name, value] = headerValue(raw.slice(0, colon).trim(), raw.slice(colon + 1).trim(), '--header');
    headers[name] = value;
  }
  for (const raw of values['header-env'] ?? []) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header-env must look like Name=ENV_VAR, got ${JSON.stringify(raw)}`);
    const variable = raw.slice(eq + 1);
    const value = env[variable];
    if (value === undefined) throw new UsageError(`--header-env: environment variable ${variable} is not set`);
    const [name, v] = headerValue(raw.slice(0, eq).trim(), value, '--header-env');
    headers[name] = v;
  }
  let bearerToken: string | undefined;
  const bearerVar = values['bearer-env'];
  if (bearerVar !== undefined) {
    // Never echo the value: a token pasted here by mistake must not land in a terminal log.
    if (!ENV_NAME.test(bearerVar)) throw new UsageError('--bearer-env takes the NAME of an environment variable holding the token, not the token');
    bearerToken = env[bearerVar];
    if (bearerToken === undefined || bearerToken === '') throw new UsageError(`--bearer-env: environment variable ${bearerVar} is not set`);
  } else if (env.MCPWATCH_BEARER_TOKEN) {
    bearerToken = env.MCPWATCH_BEARER_TOKEN;
  }
  if (bearerToken !== undefined && /[\r\n\0]/.test(bearerToken)) throw new UsageError('the bearer token contains a line break');

  const timeoutMs = values.timeout !== undefined ? positiveInt(values.timeout, '--timeout', 100) : DEFAULT_PROBE_SETTINGS.timeoutMs;
  const settings: ProbeSettings = {
    ...DEFAULT_PROBE_SETTINGS,
    timeoutMs,
    // Per-phase limits never exceed the overall deadline.
    dnsTimeoutMs: Math.min(DEFAULT_PROBE_SETTINGS.dnsTimeoutMs, timeoutMs),
    connectTimeoutMs: Math.min(DEFAULT_PROBE_SETTINGS.connectTimeoutMs, timeoutMs),
    tlsTimeoutMs: Math.min(DEFAULT_PROBE_SETTINGS.tlsTimeoutMs, timeoutMs),
    allowPrivate: values['allow-private'] === true,
    dnsServers: values['dns-server'] ?? [],
    slowMs: values.slow !== undefined ? positiveInt(values.slow, '--slow', 0) : DEFAULT_PROBE_SETTINGS.slowMs,
    certExpiringDays: values['cert-days'] !== undefined ? positiveInt(values['cert-days'], '--cert-days', 0) : DEFAULT_PROBE_SETTINGS.certExpiringDays,
  };
  return {
    command: 'check',
    request: { url: positionals[0]!, headers, ...(bearerToken !== undefined ? { bearerToken } : {}), era, listTools: values.tools === true, ...(values['call-tool'] !== undefined ? { callTool: toolName(values['call-tool']) } : {}) },
    settings,
    json: values.json === true,
    grade: values.grade === true,
    caFile: values['ca-file'],
  };
}

function configPath(parsed: ParsedOptions): string | undefined {
  return parsed.values.config as string | undefined;
}

function noArguments(command: string, parsed: ParsedOptions, hint = ''): void {
  if (parsed.positionals.length > 0) throw new UsageError(`${command} takes no arguments${hint}, got ${JSON.stringify(parsed.positionals[0])}`, command);
}

function oneArgument(command: string, parsed: ParsedOptions, missing: string): string {
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? missing : `${command} takes exactly one argument, got ${parsed.positionals.length}`, command);
  return parsed.positionals[0]!;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const word = value.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(word)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, 'serve');
  return word as T;
}

/** serve: the options win over MCPWATCH_LOG_FORMAT and MCPWATCH_LOG_LEVEL. */
export function serveCommand(parsed: ParsedOptions, env: Env): ServeCommand {
  noArguments('serve', parsed);
  const logFormat = oneOf('--log-format', parsed.values['log-format'] as string | undefined, LOG_FORMATS) ?? oneOf('MCPWATCH_LOG_FORMAT', env.MCPWATCH_LOG_FORMAT, LOG_FORMATS);
  const logLevel = oneOf('--log-level', parsed.values['log-level'] as string | undefined, LOG_LEVELS) ?? oneOf('MCPWATCH_LOG_LEVEL', env.MCPWATCH_LOG_LEVEL, LOG_LEVELS) ?? 'info';
  return { command: 'serve', configPath: configPath(parsed), checkConfig: parsed.values['check-config'] === true, logFormat, logLevel };
}

export function migrateCommand(parsed: ParsedOptions): ConfigCommand {
  noArguments('migrate', parsed);
  return { command: 'migrate', configPath: configPath(parsed), file: '' };
}

export function backupCommand(parsed: ParsedOptions): ConfigCommand {
  return { command: 'backup', configPath: configPath(parsed), file: oneArgument('backup', parsed, 'backup needs a destination file') };
}

export function importCommand(parsed: ParsedOptions): ConfigCommand {
  return { command: 'import', configPath: configPath(parsed), file: oneArgument('import', parsed, 'import needs a server.json file') };
}

export function tokenCreateCommand(parsed: ParsedOptions): TokenCommand {
  noArguments('token create', parsed, ' (use --name)');
  const name = checkTokenName((parsed.values.name as string | undefined) ?? DEFAULT_TOKEN_NAME);
  if (!name.ok) throw new UsageError(`--name: ${name.message}`, 'token create');
  return { command: 'token', action: 'create', configPath: configPath(parsed), name: name.name, readOnly: parsed.values['read-only'] === true };
}

export function tokenListCommand(parsed: ParsedOptions): TokenCommand {
  noArguments('token list', parsed);
  return { command: 'token', action: 'list', configPath: configPath(parsed) };
}

export function tokenRevokeCommand(parsed: ParsedOptions): TokenCommand {
  const raw = oneArgument('token revoke', parsed, 'token revoke needs the id of one token (see mcpwatch token list)');
  // A pasted token instead of an id must not be echoed back into a terminal log.
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new UsageError('token revoke takes the numeric id shown by mcpwatch token list, not the token', 'token revoke');
  return { command: 'token', action: 'revoke', configPath: configPath(parsed), id: Number(raw) };
}

export function endpointsListCommand(parsed: ParsedOptions): EndpointsCommand {
  noArguments('endpoints list', parsed);
  return { command: 'endpoints', action: 'list', configPath: configPath(parsed) };
}

export function endpointsPurgeCommand(parsed: ParsedOptions): EndpointsCommand {
  const slug = oneArgument('endpoints purge', parsed, 'endpoints purge needs the slug of one endpoint (see mcpwatch endpoints list)');
  return { command: 'endpoints', action: 'purge', configPath: configPath(parsed), slug, yes: parsed.values.yes === true };
}

export interface AlertTestCommand {
  readonly command: 'alert';
  readonly action: 'test';
  readonly configPath: string | undefined;
  readonly channel: string;
}

export function alertTestCommand(parsed: ParsedOptions): AlertTestCommand {
  if (parsed.positionals.length !== 1) throw new UsageError('alert test takes exactly one channel name', 'alert test');
  return { command: 'alert', action: 'test', configPath: configPath(parsed), channel: parsed.positionals[0]! };
}

/** `mcpwatch migrate-data`: copies a SQLite database into PostgreSQL, then verifies the copy. */
export interface MigrateDataCommand {
  readonly command: 'migrate-data';
  readonly from: string;
  /** Holds the password: never printed (main.ts shows it redacted). */
  readonly to: string;
  readonly quiet: boolean;
  readonly verifyOnly: boolean;
  /** The region whose nodes continue from the copied states (--region, MCPWATCH_NODE_REGION, else `default`). */
  readonly region: string;
}

/** node.region's rule (src/config/schema.ts nodeRegion), here without loading the configuration schema. */
function regionName(value: string, from: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 100 || /\p{Cc}/u.test(trimmed)) throw new UsageError(`${from} must be a region name of 1 to 100 characters without control characters`, 'migrate-data');
  return trimmed;
}

export function migrateDataCommand(parsed: ParsedOptions, env: Env): MigrateDataCommand {
  noArguments('migrate-data', parsed, ' (use --from and --to)');
  const from = parsed.values.from as string | undefined;
  if (from === undefined || from === '') throw new UsageError('migrate-data needs --from <sqlite file>', 'migrate-data');
  const to = (parsed.values.to as string | undefined) ?? env.MCPWATCH_DATABASE_URL;
  if (to === undefined || to === '') throw new UsageError('migrate-data needs --to <postgres url> (or MCPWATCH_DATABASE_URL)', 'migrate-data');
  // The value may hold a password: say what is wrong without echoing it.
  if (!/^postgres(ql)?:\/\//i.test(to)) throw new UsageError('--to must be a postgres:// or postgresql:// URL', 'migrate-data');
  const flag = parsed.values.region as string | undefined;
  const region = flag !== undefined ? regionName(flag, '--region') : env.MCPWATCH_NODE_REGION !== undefined ? regionName(env.MCPWATCH_NODE_REGION, 'MCPWATCH_NODE_REGION') : 'default';
  return { command: 'migrate-data', from, to, quiet: parsed.values.quiet === true, verifyOnly: parsed.values['verify-only'] === true, region };
}

function userName(command: string, parsed: ParsedOptions): string {
  const raw = oneArgument(command, parsed, `${command} needs a user name`);
  const name = checkUserName(raw);
  if (!name.ok) throw new UsageError(name.message, command);
  return name.value;
}

export function userCreateCommand(parsed: ParsedOptions): UserCommand {
  const name = userName('user create', parsed);
  const admin = parsed.values.admin === true;
  const given = parsed.values.role as string | undefined;
  if (admin && given !== undefined && given !== 'admin') throw new UsageError('--admin and --role disagree: give one of them', 'user create');
  const role = checkRole(admin ? 'admin' : (given ?? 'viewer'));
  if (!role.ok) throw new UsageError(`--role: ${role.message}`, 'user create');
  return { command: 'user', action: 'create', configPath: configPath(parsed), name, role: role.value, passwordStdin: parsed.values['password-stdin'] === true };
}

export function userListCommand(parsed: ParsedOptions): UserCommand {
  noArguments('user list', parsed);
  return { command: 'user', action: 'list', configPath: configPath(parsed) };
}

export function userResetPasswordCommand(parsed: ParsedOptions): UserCommand {
  return { command: 'user', action: 'reset-password', configPath: configPath(parsed), name: userName('user reset-password', parsed), passwordStdin: parsed.values['password-stdin'] === true };
}

export function userRemoveCommand(parsed: ParsedOptions): UserCommand {
  return { command: 'user', action: 'remove', configPath: configPath(parsed), name: userName('user remove', parsed) };
}

export function userUnlockCommand(parsed: ParsedOptions): UserCommand {
  return { command: 'user', action: 'unlock', configPath: configPath(parsed), name: userName('user unlock', parsed) };
}
