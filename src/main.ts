#!/usr/bin/env node
// Composition root: the only module that reads argv, the environment and start-up files,
// listens, and handles signals.
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AlertSettings } from './alerts/settings.ts';
import { parseCommand, UsageError, type AlertTestCommand, type CheckCommand, type ConfigCommand, type ServeCommand, type TokenCommand } from './cli/args.ts';
import { exitCodeFor, formatCheck } from './cli/format-check.ts';
import type { AlertsConfig, Config } from './config/schema.ts';
import { runProbe } from './probe/run-probe.ts';
import type { SqliteStore } from './store/sqlite-store.ts';
import { MCPWATCH_VERSION } from './version.ts';

// The service's modules (Fastify, SQLite, the scheduler) load only for the commands that use
// them: `mcpwatch check` in a CI job starts in a fraction of the time and is cancellable at once.
type Service = Awaited<ReturnType<typeof loadService>>;
let service: Service;

async function loadService() {
  const [{ pino }, parse, load, serverJson, tokens, app, monitor, retention, store] = await Promise.all([
    import('pino'),
    import('./config/parse.ts'),
    import('./config/load.ts'),
    import('./config/server-json.ts'),
    import('./http/api/tokens.ts'),
    import('./http/app.ts'),
    import('./service/monitor.ts'),
    import('./service/retention.ts'),
    import('./store/sqlite-store.ts'),
  ]);
  const [alerts, alertCli, alertSettings, alertSettingsStore, schema] = await Promise.all([
    import('./alerts/start.ts'),
    import('./alerts/cli.ts'),
    import('./alerts/settings.ts'),
    import('./store/sqlite-alert-settings.ts'),
    import('./config/schema.ts'),
  ]);
  return {
    pino,
    describeConfig: parse.describeConfig,
    loadConfig: load.loadConfig,
    importServerJson: serverJson.importServerJson,
    generateToken: tokens.generateToken,
    hashToken: tokens.hashToken,
    buildApp: app.buildApp,
    Monitor: monitor.Monitor,
    startRetention: retention.startRetention,
    openSqliteStore: store.openSqliteStore,
    startAlerts: alerts.startAlerts,
    runAlertTest: alertCli.runAlertTest,
    AlertSettings: alertSettings.AlertSettings,
    SqliteAlertSettings: alertSettingsStore.SqliteAlertSettings,
    DEFAULT_ALERTS: schema.DEFAULT_ALERTS,
  };
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseCommand(argv, env);
  if (command.command !== 'help' && command.command !== 'version' && command.command !== 'check') service = await loadService();
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
    case 'token':
      return tokens(command, env);
    case 'alert':
      return alertTest(command, env);
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

/** The file's alert settings plus those made through the API, which live in the database. */
function alertSettings(store: SqliteStore, config: Config, log?: Logger): AlertSettings {
  return new service.AlertSettings({
    base: config.alerts ?? service.DEFAULT_ALERTS,
    store: new service.SqliteAlertSettings(store.database),
    allowPrivate: config.probe.allowPrivate,
    ...(log ? { logger: log } : {}),
  });
}

async function alertTest(command: AlertTestCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  // Channels made through the API are in the database; without one there are only the file's.
  if (!existsSync(config.databasePath)) return service.runAlertTest(config, config.alerts ?? service.DEFAULT_ALERTS, command, process.stdout);
  const store = service.openSqliteStore(config.databasePath);
  let alerts: AlertsConfig;
  try {
    alerts = alertSettings(store, config).current();
  } finally {
    store.close();
  }
  return service.runAlertTest(config, alerts, command, process.stdout);
}

function configOrExit(path: string | undefined, env: NodeJS.ProcessEnv): Config {
  const loaded = service.loadConfig(path, env);
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
  return service.pino({
    name: 'mcpwatch',
    // Secrets must never reach a log line, even by accident through an object logged whole.
    redact: { paths: ['*.secrets', '*.headers', '*.bearerToken', '*.authorization', 'endpoint.secrets'], censor: '[redacted]' },
  });
}

async function serve(command: ServeCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  if (command.checkConfig) {
    process.stdout.write(`${service.describeConfig(config)}\nconfiguration OK\n`);
    return 0;
  }
  const log = logger();
  // Signals are caught from the first moment: as PID 1 in a container, Node ignores a SIGTERM
  // that has no handler, and `docker stop` during a long migration would wait for SIGKILL.
  let received: NodeJS.Signals | null = null;
  let stop: (signal: NodeJS.Signals) => void = (signal) => {
    if (received !== null) process.exit(1);
    received = signal;
    log.info({ signal }, 'signal during start-up; stopping once started');
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const store = service.openSqliteStore(config.databasePath);
  store.syncConfigEndpoints(config.endpoints);
  const monitor = new service.Monitor(
    {
      probe: config.probe,
      health: config.health,
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      retryOnFailure: config.scheduler.retryOnFailure,
    },
    { store, logger: log },
  );
  const retention = service.startRetention(store, { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays, cron: config.retention.pruneCron, batch: config.retention.pruneBatch }, log);
  monitor.start();
  const settings = alertSettings(store, config, log.child({ component: 'alerts' }));
  const alerts = service.startAlerts({ store, config, settings, recorder: monitor.recorder, logger: log, clock: Date.now, endpoints: () => monitor.endpoints });
  const app = await service.buildApp(
    {
      store,
      config,
      clock: Date.now,
      state: (id) => monitor.recorder.state(id),
      endpoints: () => monitor.endpoints,
      onEndpointsChanged: () => monitor.reload(),
      // One-off checks from the API use the configured probe settings and their address policy.
      checkNow: (request) => runProbe(request, config.probe),
      readiness: () => ({ database: store.isWritable(), scheduler: Date.now() - monitor.lastFlushAt < 5_000 }),
      scheduler: () => ({ ...monitor.scheduler.stats, inFlight: monitor.scheduler.inFlight, queued: monitor.scheduler.queued }),
      loopDelayMs: () => monitor.takeMaxLoopDelayMs(),
      overload: () => monitor.overload,
      latestResult: (id) => monitor.latestResult(id),
      alerts: alerts.outbox,
      alertSettings: settings,
    },
    { logger: log.child({ component: 'http' }), trustProxy: config.listen.trustProxy },
  );
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    log.error({ err, host: config.listen.host, port: config.listen.port }, 'cannot listen');
    await monitor.stop(0);
    await alerts.stop();
    store.close();
    return 1;
  }
  log.info({ database: config.databasePath, listen: app.server.address(), version: MCPWATCH_VERSION }, 'mcpwatch serving');

  return new Promise<number>((resolve) => {
    let stopping = false;
    stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal means "now": the WAL keeps the database consistent anyway.
        log.warn({ signal }, 'second signal, exiting at once');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal, drainMs: config.scheduler.drainTimeoutMs, inFlight: monitor.scheduler.inFlight }, 'shutting down');
      void retention.stop();
      // Stop taking requests first; in-flight probes then get the whole drain window.
      app
        .close()
        .then(() => monitor.stop(config.scheduler.drainTimeoutMs))
        // The last rounds' events are turned into alerts before the database closes.
        .then(async (report) => {
          await alerts.stop();
          return report;
        })
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
    if (received !== null) stop(received);
  });
}

async function maintenance(command: ConfigCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  const store = service.openSqliteStore(config.databasePath);
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
        const imported = service.importServerJson(text, env);
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

function tokens(command: TokenCommand, env: NodeJS.ProcessEnv): number {
  const config = configOrExit(command.configPath, env);
  const store = service.openSqliteStore(config.databasePath);
  try {
    switch (command.action) {
      case 'create': {
        const token = service.generateToken();
        const created = store.createToken(command.name, service.hashToken(token), command.readOnly);
        // The token alone on stdout (TOKEN=$(mcpwatch token create)); the rest on stderr.
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `created ${created.readOnly ? 'read-only' : 'read-write'} token ${created.id} "${created.name}"; it is shown only this once, store it now ` +
            `(send it as "Authorization: Bearer <token>")\n`,
        );
        return 0;
      }
      case 'list': {
        const rows = store.listTokens();
        if (rows.length === 0) {
          process.stdout.write('no API tokens (create one with: mcpwatch token create)\n');
          return 0;
        }
        const table = [
          ['ID', 'NAME', 'ACCESS', 'CREATED', 'LAST USED'],
          ...rows.map((t) => [String(t.id), t.name, t.readOnly ? 'read-only' : 'read-write', t.createdAt, t.lastUsedAt ?? 'never']),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => [...(row[i] ?? '')].length)));
        for (const row of table) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
        return 0;
      }
      case 'revoke': {
        if (!store.revokeToken(command.id)) {
          process.stderr.write(`mcpwatch: no API token with id ${command.id} (see mcpwatch token list)\n`);
          return 1;
        }
        process.stdout.write(`revoked token ${command.id}\n`);
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
