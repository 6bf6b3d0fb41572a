#!/usr/bin/env node
// Composition root: the only module that reads argv, the environment and start-up files.
import { readFileSync } from 'node:fs';
import { parseCommand, UsageError } from './cli/args.ts';
import { exitCodeFor, formatCheck } from './cli/format-check.ts';
import { runProbe } from './probe/run-probe.ts';
import { MCPWATCH_VERSION } from './version.ts';

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseCommand(argv, env);
  switch (command.command) {
    case 'help':
      process.stdout.write(`${command.text}\n`);
      return 0;
    case 'version':
      process.stdout.write(`mcpwatch ${MCPWATCH_VERSION}\n`);
      return 0;
    case 'check': {
      let extraCaPem: string | undefined;
      if (command.caFile !== undefined) {
        try {
          extraCaPem = readFileSync(command.caFile, 'utf8');
        } catch (err) {
          throw new UsageError(`--ca-file: cannot read ${command.caFile}: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (!extraCaPem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file: ${command.caFile} holds no PEM certificate`);
      }
      const controller = new AbortController();
      // The first signal cancels the probe and still prints what was learned; a second exits.
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          controller.abort();
          process.once(signal, () => process.exit(130));
        });
      }
      const result = await runProbe(command.request, { ...command.settings, ...(extraCaPem ? { extraCaPem } : {}) }, { signal: controller.signal });
      process.stdout.write(command.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatCheck(result)}\n`);
      return exitCodeFor(result);
    }
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`mcpwatch: ${err.message}\nRun 'mcpwatch help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mcpwatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
