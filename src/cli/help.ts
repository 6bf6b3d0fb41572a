// Help text, rendered from the command table so it cannot drift from what the parser accepts.
import type { CommandSpec } from './commands.ts';
import type { OptionSpec } from './options.ts';

const WIDTH = 28;

function synopsis(spec: CommandSpec): string {
  const options = Object.keys(spec.options).length > 0 ? ' [options]' : '';
  return `mcpwatch ${spec.name}${spec.args !== undefined ? ` ${spec.args}` : ''}${options}`;
}

function optionLine(name: string, spec: OptionSpec): string {
  const left = `  --${name}${spec.value !== undefined ? ` ${spec.value}` : ''}`;
  return left.length + 2 <= WIDTH ? `${left.padEnd(WIDTH)}${spec.help}` : `${left}\n${' '.repeat(WIDTH)}${spec.help}`;
}

/** The general usage (all commands), or a group's (`mcpwatch token --help`). */
export function usage(commands: readonly CommandSpec[], group?: string): string {
  const rows = commands.map((c) => {
    const left = `${c.name}${c.args !== undefined ? ` ${c.args}` : ''}`;
    return `  ${left.padEnd(WIDTH - 2)}${c.summary}`;
  });
  return [
    `Usage: mcpwatch ${group !== undefined ? `${group} <subcommand>` : '<command>'} [options]`,
    '',
    'Commands:',
    ...rows,
    '',
    `Run 'mcpwatch help <command>' or 'mcpwatch <command> --help' for a command's options and examples.`,
  ].join('\n');
}

/** `mcpwatch <command> --help`. */
export function commandHelp(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([name, option]) => optionLine(name, option));
  return [
    `Usage: ${synopsis(spec)}`,
    '',
    spec.summary,
    ...(spec.details !== undefined ? ['', spec.details] : []),
    '',
    'Options:',
    ...options,
    `  ${'--help, -h'.padEnd(WIDTH - 2)}Show this help`,
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}
