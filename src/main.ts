#!/usr/bin/env node
// Composition root: the only module that reads argv, the environment and start-up files,
// listens, and handles signals.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { parseCommand, UsageError, type CheckCommand, type ConfigCommand, type ServeCommand } from './cli/args.ts';
import { exitCodeFor, formatCheck } from './cli/format-check.ts';
import { describeConfig } from './config/parse.ts';
import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { importServerJson } from './config/server-json.ts';
import { runProbe } from './probe/run-probe.ts';
import { Monitor } from './service/monitor.ts';
import { startRetention } from './service/retention.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
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
    case 'check':
      return check(command);
    case 'serve':
      return serve(command, env);
    case 'migrate':
    case 'backup':
    case 'import':
      return maintenance(command, env);
  }
}

async function check(command: CheckCommand): Promise<number> {
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

function configOrExit(path: string | undefined, env: NodeJS.ProcessEnv): Config {
  const loaded = loadConfig(path, env);
  if (!loaded.ok) {
    process.stderr.write(`mcpwatch: invalid configuration:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    throw new ExitError(2);
  }
  for (const warning of loaded.warnings) process.stderr.write(`mcpwatch: warning: ${warning}\n`);
  return loaded.config;
}

class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function logger(): Logger {
  return pino({
    name: 'mcpwatch',
    // Secrets must never reach a log line, even by accident through an object logged whole.
    redact: { paths: ['*.secrets', '*.headers', '*.bearerToken', '*.authorization', 'endpoint.secrets'], censor: '[redacted]' },
  });
}

async function serve(command: ServeCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  if (command.checkConfig) {
    process.stdout.write(`${describeConfig(config)}\nconfiguration OK\n`);
    return 0;
  }
  const log = logger();
  const store = openSqliteStore(config.databasePath);
  store.syncConfigEndpoints(config.endpoints);
  const monitor = new Monitor(
    {
      probe: config.probe,
      health: config.health,
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      retryOnFailure: config.scheduler.retryOnFailure,
    },
    { store, logger: log },
  );
  const retention = startRetention(store, { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays, cron: config.retention.pruneCron, batch: config.retention.pruneBatch }, log);
  monitor.start();
  log.info({ database: config.databasePath, version: MCPWATCH_VERSION }, 'mcpwatch serving');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal means "now": the WAL keeps the database consistent anyway.
        log.warn({ signal }, 'second signal, exiting at once');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal, drainMs: config.scheduler.drainTimeoutMs, inFlight: monitor.scheduler.inFlight }, 'shutting down');
      void retention.stop();
      monitor
        .stop(config.scheduler.drainTimeoutMs)
        .then((report) => {
          store.close();
          log.info(report, 'stopped');
          resolve(0);
          // Everything is written and closed; do not let a stray handle hold the exit past the grace period.
          setTimeout(() => process.exit(0), 100).unref();
        })
        .catch((err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function maintenance(command: ConfigCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  const store = openSqliteStore(config.databasePath);
  try {
    switch (command.command) {
      case 'migrate':
        process.stdout.write(`database ${config.databasePath} is up to date\n`);
        return 0;
      case 'backup':
        await store.backup(command.file);
        process.stdout.write(`backed up ${config.databasePath} to ${command.file}\n`);
        return 0;
      case 'import': {
        let text: string;
        try {
          text = readFileSync(command.file, 'utf8');
        } catch (err) {
          throw new UsageError(`cannot read ${command.file}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const imported = importServerJson(text, env);
        if (!imported.ok) {
          process.stderr.write(`mcpwatch: ${command.file} is not a usable server.json:\n${imported.errors.map((e) => `  - ${e}`).join('\n')}\n`);
          return 2;
        }
        for (const warning of imported.warnings) process.stderr.write(`mcpwatch: warning: ${warning}\n`);
        for (const definition of imported.endpoints) {
          const existing = store.getEndpointBySlug(definition.slug);
          const endpoint = existing ? store.updateEndpoint(existing.id, definition) : store.createEndpoint(definition);
          const state = endpoint.paused ? `paused: ${endpoint.pausedReason ?? 'paused'}` : 'active';
          process.stdout.write(`${existing ? 'updated' : 'added'} ${endpoint.slug} ${endpoint.url} (${state})\n`);
        }
        return 0;
      }
    }
  } finally {
    store.close();
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ExitError) {
      process.exitCode = err.code;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`mcpwatch: ${err.message}\nRun 'mcpwatch help' for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`mcpwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
