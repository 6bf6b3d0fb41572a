import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EraOverride } from '../domain/probe-result.ts';
import { parseEndpointUrl } from '../domain/url.ts';
import { checkTokenName } from '../http/api/tokens.ts';
import type { EndpointsCommand } from './endpoints-command.ts';
import { DEFAULT_PROBE_SETTINGS, type ProbeRequest, type ProbeSettings } from '../probe/run-probe.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CheckCommand {
  readonly command: 'check';
  readonly request: ProbeRequest;
  readonly settings: ProbeSettings;
  readonly json: boolean;
  /** Read by main.ts (the only module that touches the file system at start-up). */
  readonly caFile: string | undefined;
}

export interface ServeCommand {
  readonly command: 'serve';
  readonly configPath: string | undefined;
  readonly checkConfig: boolean;
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

export type Command =
  | AlertTestCommand
  | CheckCommand
  | ServeCommand
  | ConfigCommand
  | TokenCommand
  | EndpointsCommand
  | { readonly command: 'help'; readonly text: string }
  | { readonly command: 'version' };

export const DEFAULT_TOKEN_NAME = 'unnamed';

export const USAGE = `Usage: mcpwatch <command> [options]

Commands:
  check <url>          Probe one MCP endpoint once and print what happened
  serve                Run the monitor: probe every endpoint on its interval and record it
  import <server.json> Add the remote endpoints of an MCP registry server.json
  backup <file>        Write a consistent copy of the database (safe while serve runs)
  migrate              Apply database migrations and exit
  alert test <channel> Send a test message through an alert channel and report the outcome
  token create         Create an API bearer token and print it (once: only its hash is stored)
  token list           List API tokens: id, name, access, created, last used (never the token)
  token revoke <id>    Revoke an API token
  endpoints list       List endpoints: slug, owner, state (active, paused, archived), interval, URL
  endpoints purge <slug>  Delete an endpoint and all its history (asks first; --yes when not a terminal)
  help                 Show this help

serve, import, backup, migrate, token, endpoints options:
  --config <path>         YAML configuration (default: ./mcpwatch.yaml when present)
  --check-config          (serve) Validate the configuration, print a summary and exit
  --read-only             (token create) The token can read through the API but not change anything
  --name <name>           (token create) A label to recognise the token by (default "${DEFAULT_TOKEN_NAME}")
  --yes                   (endpoints purge) Delete without asking

check options:
  --json                  Print the full result as JSON
  --tools                 Also list tools (count and a hash of names + schemas)
  --call-tool <name>      Also call this tool with empty arguments (opt-in: only for a tool
                          without side effects; the service never calls tools)
  --era <era>             auto (default) | modern | streamable | sse
  --timeout <ms>          Overall deadline in milliseconds (default ${DEFAULT_PROBE_SETTINGS.timeoutMs})
  --header 'Name: value'  Send a header on every request (repeatable)
  --header-env Name=VAR   Send header Name with the value of environment variable VAR (repeatable)
  --bearer-env VAR        Send "Authorization: Bearer <token>" with the token read from VAR
                          (default: MCPWATCH_BEARER_TOKEN when set). Tokens are never read from argv.
  --allow-private         Allow loopback, private and link-local addresses (internal servers)
  --ca-file <path>        Trust this PEM CA bundle in addition to the system roots
  --dns-server <ip[:port]>  Resolve with this DNS server (repeatable; default: the system's)
  --slow <ms>             Warn SLOW above this total time (default ${DEFAULT_PROBE_SETTINGS.slowMs}; 0 disables)
  --cert-days <days>      Warn TLS_CERT_EXPIRING below this many days left (default ${DEFAULT_PROBE_SETTINGS.certExpiringDays})

Exit status: 0 up or degraded, 1 down or auth_required, 2 usage error.`;

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

// The spec's tool-name rule (2025-11-25 server/tools §Tool names): 1–128 of A–Z a–z 0–9 _ - .
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function toolName(value: string): string {
  if (!TOOL_NAME.test(value)) throw new UsageError(`--call-tool: ${JSON.stringify(value)} is not a valid tool name (1–128 of A–Z a–z 0–9 _ - .)`);
  return value;
}

/** Pure: argv and environment in, a command or a UsageError out. */
export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help', text: USAGE };
  if (command === 'version' || command === '--version') return { command: 'version' };
  if (command === 'check') return parseCheck(rest, env);
  if (command === 'serve') return parseServe(rest);
  if (command === 'migrate' || command === 'backup' || command === 'import') return parseFileCommand(command, rest);
  if (command === 'token') return parseToken(rest);
  if (command === 'alert') return parseAlertCommand(rest);
  if (command === 'endpoints') return parseEndpointsCommand(rest);
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

function parseCheck(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CheckCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        tools: { type: 'boolean', default: false },
        'call-tool': { type: 'string' },
        era: { type: 'string', default: 'auto' },
        timeout: { type: 'string' },
        header: { type: 'string', multiple: true, default: [] },
        'header-env': { type: 'string', multiple: true, default: [] },
        'bearer-env': { type: 'string' },
        'allow-private': { type: 'boolean', default: false },
        'ca-file': { type: 'string' },
        'dns-server': { type: 'string', multiple: true, default: [] },
        slow: { type: 'string' },
        'cert-days': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'check needs a URL' : 'check takes exactly one URL');
  const url = parseEndpointUrl(positionals[0]!);
  if (!url.ok) throw new UsageError(url.detail);
  const era = values.era as EraOverride;
  if (!ERAS.includes(era)) throw new UsageError(`--era must be one of ${ERAS.join(', ')}`);

  const headers: Record<string, string> = {};
  for (const raw of values.header) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like 'Name: value', got ${JSON.stringify(raw)}`);
    const [name, value] = headerValue(raw.slice(0, colon).trim(), raw.slice(colon + 1).trim(), '--header');
    headers[name] = value;
  }
  for (const raw of values['header-env']) {
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
    allowPrivate: values['allow-private'],
    dnsServers: values['dns-server'],
    slowMs: values.slow !== undefined ? positiveInt(values.slow, '--slow', 0) : DEFAULT_PROBE_SETTINGS.slowMs,
    certExpiringDays: values['cert-days'] !== undefined ? positiveInt(values['cert-days'], '--cert-days', 0) : DEFAULT_PROBE_SETTINGS.certExpiringDays,
  };
  return {
    command: 'check',
    request: { url: positionals[0]!, headers, ...(bearerToken !== undefined ? { bearerToken } : {}), era, listTools: values.tools, ...(values['call-tool'] !== undefined ? { callTool: toolName(values['call-tool']) } : {}) },
    settings,
    json: values.json,
    caFile: values['ca-file'],
  };
}

function parseOrThrow(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, options });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseServe(args: readonly string[]): ServeCommand {
  const { values, positionals } = parseOrThrow(args, { config: { type: 'string' }, 'check-config': { type: 'boolean', default: false } });
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got ${JSON.stringify(positionals[0])}`);
  return { command: 'serve', configPath: values.config as string | undefined, checkConfig: values['check-config'] === true };
}

function parseFileCommand(command: 'migrate' | 'backup' | 'import', args: readonly string[]): ConfigCommand {
  const { values, positionals } = parseOrThrow(args, { config: { type: 'string' } });
  const configPath = values.config as string | undefined;
  if (command === 'migrate') {
    if (positionals.length > 0) throw new UsageError('migrate takes no arguments');
    return { command, configPath, file: '' };
  }
  if (positionals.length !== 1) throw new UsageError(command === 'backup' ? 'backup needs a destination file' : 'import needs a server.json file');
  return { command, configPath, file: positionals[0]! };
}

function parseToken(args: readonly string[]): TokenCommand {
  const [action, ...rest] = args;
  if (action === 'create') {
    const { values, positionals } = parseOrThrow(rest, { config: { type: 'string' }, 'read-only': { type: 'boolean', default: false }, name: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`token create takes no arguments (use --name), got ${JSON.stringify(positionals[0])}`);
    const name = checkTokenName((values.name as string | undefined) ?? DEFAULT_TOKEN_NAME);
    if (!name.ok) throw new UsageError(`--name: ${name.message}`);
    return { command: 'token', action, configPath: values.config as string | undefined, name: name.name, readOnly: values['read-only'] === true };
  }
  if (action === 'list') {
    const { values, positionals } = parseOrThrow(rest, { config: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('token list takes no arguments');
    return { command: 'token', action, configPath: values.config as string | undefined };
  }
  if (action === 'revoke') {
    const { values, positionals } = parseOrThrow(rest, { config: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('token revoke needs the id of one token (see mcpwatch token list)');
    const raw = positionals[0]!;
    // A pasted token instead of an id must not be echoed back into a terminal log.
    if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new UsageError('token revoke takes the numeric id shown by mcpwatch token list, not the token');
    return { command: 'token', action, configPath: values.config as string | undefined, id: Number(raw) };
  }
  throw new UsageError(action === undefined ? 'token needs an action: create, list or revoke' : `unknown token action ${JSON.stringify(action)} (expected create, list or revoke)`);
}

export interface AlertTestCommand {
  readonly command: 'alert';
  readonly action: 'test';
  readonly configPath: string | undefined;
  readonly channel: string;
}

/** Parses the arguments after `alert`. */
export function parseAlertCommand(args: readonly string[]): AlertTestCommand {
  const [action, ...rest] = args;
  if (action !== 'test') throw new UsageError(action === undefined ? 'alert needs a subcommand: alert test <channel>' : `unknown alert subcommand ${JSON.stringify(action)} (expected: test)`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], allowPositionals: true, options: { config: { type: 'string' } } });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length !== 1) throw new UsageError('alert test takes exactly one channel name');
  return { command: 'alert', action: 'test', configPath: parsed.values.config, channel: parsed.positionals[0]! };
}

// --- endpoints (wip/ownership) ----------------------------------------------------------------

/** Parses the arguments after `endpoints`; the command itself is in endpoints-command.ts. */
export function parseEndpointsCommand(args: readonly string[]): EndpointsCommand {
  const [action, ...rest] = args;
  if (action === 'list') {
    const { values, positionals } = parseOrThrow(rest, { config: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('endpoints list takes no arguments');
    return { command: 'endpoints', action, configPath: values.config as string | undefined };
  }
  if (action === 'purge') {
    const { values, positionals } = parseOrThrow(rest, { config: { type: 'string' }, yes: { type: 'boolean', default: false } });
    if (positionals.length !== 1) throw new UsageError('endpoints purge needs the slug of one endpoint (see mcpwatch endpoints list)');
    return { command: 'endpoints', action, configPath: values.config as string | undefined, slug: positionals[0]!, yes: values.yes === true };
  }
  throw new UsageError(action === undefined ? 'endpoints needs an action: list or purge' : `unknown endpoints action ${JSON.stringify(action)} (expected list or purge)`);
}
