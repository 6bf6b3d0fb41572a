// Option parsing shared by every command: node:util parseArgs does the work, this module does the
// talking. parseArgs answers `--help` and typos with "Unknown option '--alow-private'. To specify
// a positional argument starting with a '-', …"; users get the option they meant instead.
import { parseArgs } from 'node:util';
import { suggest } from '../config/suggest.ts';

export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose help the user should read (e.g. "token create"); undefined: the general usage. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The value's placeholder in help, e.g. "<ms>". */
  readonly value?: string;
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface ParsedOptions {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** `--help` or `-h` anywhere among a command's arguments (before `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * Parses `args` against `options`. Unknown options are refused with the nearest known one; the
 * remaining parseArgs errors (a missing value, a value given to a flag) keep its own wording.
 */
export function parseOptions(command: string, args: readonly string[], options: OptionTable): ParsedOptions {
  const names = Object.keys(options);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : arg.slice(1);
    const spec = options[name];
    if (spec === undefined || !arg.startsWith('--')) {
      const guess = suggest(name, names);
      const hint = guess !== undefined ? ` (did you mean --${guess}?)` : names.length > 0 ? ` (options: ${names.map((n) => `--${n}`).join(', ')})` : ' (it takes no options)';
      throw new UsageError(`unknown option ${arg.split('=')[0]} for ${command}${hint}`, command);
    }
    if (spec.type === 'string' && !arg.includes('=')) i++; // the next argument is this option's value
  }
  const config = Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, spec.multiple ? { type: spec.type, multiple: true, default: [] } : { type: spec.type }]));
  try {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: config });
    return { values: values as ParsedOptions['values'], positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), command);
  }
}
