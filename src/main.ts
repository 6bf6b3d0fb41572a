#!/usr/bin/env node
// Composition root: the only module that reads argv, the environment and start-up files,
// listens, and handles signals.
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AlertSettings } from './alerts/settings.ts';
import type { AlertTestCommand, CheckCommand, Command, ConfigCommand, MigrateDataCommand, ServeCommand, TokenCommand } from './cli/args.ts';
import { parseCommand } from './cli/commands.ts';
import { copyProgressLine } from './cli/copy-progress.ts';
import { CommandFailure, failureAt, listenFailure } from './cli/failures.ts';
import type { EndpointsCommand } from './cli/endpoints-command.ts';
import { exitCodeFor, formatCheck } from './cli/format-check.ts';
import { UsageError } from './cli/options.ts';
import { prettyDestination } from './cli/pretty-log.ts';
import { progressReporter } from './cli/progress.ts';
import type { AlertsConfig, Config } from './config/schema.ts';
import { runProbe } from './probe/run-probe.ts';
import type { InstanceLock } from './store/sqlite/instance-lock.ts';
import { StoreError, type Storage } from './store/store.ts';
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
    import('./store/sqlite/open.ts'),
  ]);
  // pg is loaded only when a PostgreSQL URL is configured; SQLite users never pay for it.
  const postgres = () => import('./store/postgres/open.ts');
  const postgresLease = () => import('./store/postgres/singleton.ts');
  const [alerts, alertCli, alertSettings, schema, instanceLock, migrations, directories] = await Promise.all([
    import('./alerts/start.ts'),
    import('./alerts/cli.ts'),
    import('./alerts/settings.ts'),
    import('./config/schema.ts'),
    import('./store/sqlite/instance-lock.ts'),
    import('./store/sqlite/migrate.ts'),
    import('./store/directories.ts'),
  ]);
  // Endpoint ownership, archiving and live reload (wip/ownership).
  const [configEndpoints, configReload, importEndpoints, endpointsCommand] = await Promise.all([
    import('./service/config-endpoints.ts'),
    import('./service/config-reload.ts'),
    import('./service/import-endpoints.ts'),
    import('./cli/endpoints-command.ts'),
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
    openSqliteStorage: store.openSqliteStorage,
    postgres,
    postgresLease,
    startAlerts: alerts.startAlerts,
    runAlertTest: alertCli.runAlertTest,
    AlertSettings: alertSettings.AlertSettings,
    DEFAULT_ALERTS: schema.DEFAULT_ALERTS,
    DEFAULT_CONFIG_FILE: schema.DEFAULT_CONFIG_FILE,
    applyConfigEndpoints: configEndpoints.applyConfigEndpoints,
    startConfigReload: configReload.startConfigReload,
    importEndpoints: importEndpoints.importEndpoints,
    describeImport: importEndpoints.describeImport,
    runEndpointsCommand: endpointsCommand.runEndpointsCommand,
    acquireInstanceLock: instanceLock.acquireInstanceLock,
    InstanceLockedError: instanceLock.InstanceLockedError,
    lockPathFor: instanceLock.lockPathFor,
    MigrationError: migrations.MigrationError,
    makeDirectories: directories.makeDirectories,
  };
}

/** Every command's handler; the compiler asks for one per kind of Command in the table. */
const HANDLERS: { [K in Command['command']]: (command: Extract<Command, { command: K }>, env: NodeJS.ProcessEnv) => Promise<number> | number } = {
  help: (command) => {
    // Usage after a mistake (bare `mcpwatch`) goes to stderr with exit 2; asked-for help to stdout.
    (command.exitCode === 0 ? process.stdout : process.stderr).write(`${command.text}\n`);
    return command.exitCode;
  },
  version: () => {
    process.stdout.write(`mcpwatch ${MCPWATCH_VERSION}\n`);
    return 0;
  },
  check: (command) => check(command),
  serve: (command, env) => serve(command, env),
  migrate: (command, env) => maintenance(command, env),
  backup: (command, env) => maintenance(command, env),
  import: (command, env) => maintenance(command, env),
  token: (command, env) => tokens(command, env),
  alert: (command, env) => alertTest(command, env),
  endpoints: (command, env) => endpoints(command, env),
  'migrate-data': (command) => migrateData(command),
};

/** Commands that need no service modules (quick to start, nothing to open; migrate-data loads its own). */
const LIGHT: ReadonlySet<Command['command']> = new Set(['help', 'version', 'check', 'migrate-data']);

/**
 * The configuration sections each command reads; the others are not validated, so `token create`
 * says nothing about alert channels. Undefined: all (serve).
 */
const STORAGE = ['dataDir', 'databasePath', 'database'];
const ALERT_TEST = [...STORAGE, 'alerts', 'publicUrl', 'probe'];

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const command = parseCommand(argv, env);
  if (!LIGHT.has(command.command)) service = await loadService();
  const handler = HANDLERS[command.command] as (command: Command, env: NodeJS.ProcessEnv) => Promise<number> | number;
  return handler(command, env);
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
function alertSettings(storage: Storage, config: Config, log?: Logger): Promise<AlertSettings> {
  return service.AlertSettings.open({
    base: config.alerts ?? service.DEFAULT_ALERTS,
    store: storage.alertSettings,
    allowPrivate: config.probe.allowPrivate,
    ...(log ? { logger: log } : {}),
  });
}

async function alertTest(command: AlertTestCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env, ALERT_TEST);
  // Channels made through the API are in the database; without one there are only the file's.
  if (config.database.backend === 'sqlite' && !existsSync(config.database.path)) return service.runAlertTest(config, config.alerts ?? service.DEFAULT_ALERTS, command, process.stdout);
  const storage = await openStorage(config);
  let alerts: AlertsConfig;
  try {
    alerts = (await alertSettings(storage, config)).current();
  } finally {
    await storage.close();
  }
  return service.runAlertTest(config, alerts, command, process.stdout);
}

function configOrExit(path: string | undefined, env: NodeJS.ProcessEnv, sections?: readonly string[]): Config {
  const loaded = service.loadConfig(path, env, sections !== undefined ? { sections } : {});
  if (!loaded.ok) {
    process.stderr.write(`mcpwatch: invalid configuration${path !== undefined ? ` in ${path}` : ''}:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
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

function ensureDataDirectory(databasePath: string): void {
  if (databasePath === ':memory:') return;
  const dir = dirname(resolve(databasePath));
  try {
    service.makeDirectories(dir);
  } catch (err) {
    throw failureAt(err, 'cannot create the data directory', dir, 'set dataDir (or MCPWATCH_DATA_DIR) to a directory this user may write');
  }
}

/**
 * Opens (and migrates) the storage the configuration names: the one place a backend is chosen.
 * `exclusive` (serve) also takes the backend's one-serve-per-database guard first.
 */
function openStorage(config: Config, options: { readonly exclusive?: boolean } = {}): Promise<Storage> {
  const database = config.database;
  switch (database.backend) {
    case 'sqlite':
      // Synchronous underneath (better-sqlite3); a failure still arrives as a rejection.
      return new Promise((resolve) => resolve(options.exclusive === true ? openSqliteExclusively(database.path) : openSqlite(database.path)));
    case 'postgres':
      return options.exclusive === true ? openPostgresExclusively(database) : openPostgres(database);
  }
}

type PostgresDatabase = Extract<Config['database'], { backend: 'postgres' }>;

async function openPostgres(database: PostgresDatabase): Promise<Storage> {
  const { openPostgresStorage } = await service.postgres();
  try {
    return await openPostgresStorage(database.url, {
      max: database.poolSize,
      statementTimeoutMs: database.statementTimeoutMs,
      connectTimeoutMs: database.connectTimeoutMs,
      applicationName: `mcpwatch ${MCPWATCH_VERSION}`,
    });
  } catch (err) {
    if (err instanceof service.MigrationError) {
      const fix = err.code === 'MIGRATION_DOWNGRADE' ? '; run the newer mcpwatch' : '';
      throw new CommandFailure(`PostgreSQL database: ${err.message}${fix}`);
    }
    if (err instanceof StoreError) throw new CommandFailure(`${err.message}; check database.url (or MCPWATCH_DATABASE_URL) and that the server accepts connections`);
    throw err;
  }
}

/**
 * serve on PostgreSQL: until nodes share endpoints (the cluster issue), two serves on one database
 * would each probe everything and count every round twice, so the first holds a session advisory
 * lock for its whole life and a second one refuses to start.
 */
async function openPostgresExclusively(database: PostgresDatabase): Promise<Storage> {
  const { SingletonLease } = await service.postgresLease();
  const lease = new SingletonLease({ url: database.url, lock: 'serve', deadlineMs: database.connectTimeoutMs, applicationName: `mcpwatch ${MCPWATCH_VERSION} serve lock` });
  await lease.start();
  if (!lease.isLeader()) {
    await lease.release();
    throw new CommandFailure('cannot start: another mcpwatch serve is using this PostgreSQL database (or the server could not be reached); stop that serve first, or give this one its own database');
  }
  let storage: Storage;
  try {
    storage = await openPostgres(database);
  } catch (err) {
    await lease.release();
    throw err;
  }
  return {
    ...storage,
    close: async () => {
      try {
        await storage.close();
      } finally {
        await lease.release();
      }
    },
  };
}

/** Creates the data directory and opens (and migrates) the database file, or fails naming the path. */
function openSqlite(path: string): Storage {
  ensureDataDirectory(path);
  try {
    return service.openSqliteStorage(path);
  } catch (err) {
    if (err instanceof service.MigrationError) {
      const fix = err.code === 'MIGRATION_DOWNGRADE' ? '; run the newer mcpwatch, or restore a backup made by this version' : '';
      throw new CommandFailure(`database ${path}: ${err.message}${fix}`);
    }
    throw failureAt(err, 'cannot open the database', path, 'check dataDir / databasePath (MCPWATCH_DATA_DIR, MCPWATCH_DB)');
  }
}

/** serve's database file: the instance lock first, so a second serve touches nothing (not even migrations). */
function openSqliteExclusively(path: string): Storage {
  if (path === ':memory:') return openSqlite(path);
  const lockPath = service.lockPathFor(path);
  ensureDataDirectory(path);
  let lock: InstanceLock;
  try {
    lock = service.acquireInstanceLock(path, { version: MCPWATCH_VERSION });
  } catch (err) {
    if (err instanceof service.InstanceLockedError) throw new CommandFailure(`cannot start: ${err.message}; stop that serve first, or give this one its own dataDir`);
    throw failureAt(err, 'cannot take the instance lock', lockPath, 'set dataDir (or MCPWATCH_DATA_DIR) to a directory this user may write');
  }
  let storage: Storage;
  try {
    storage = openSqlite(path);
  } catch (err) {
    lock.release();
    throw err;
  }
  // The lock outlives the database: released only once everything is written and closed.
  return {
    ...storage,
    close: async () => {
      try {
        await storage.close();
      } finally {
        lock.release();
      }
    },
  };
}

function logger(command: ServeCommand, env: NodeJS.ProcessEnv): Logger {
  const options = {
    name: 'mcpwatch',
    level: command.logLevel,
    // Secrets must never reach a log line, even by accident through an object logged whole.
    redact: { paths: ['*.secrets', '*.headers', '*.bearerToken', '*.authorization', 'endpoint.secrets'], censor: '[redacted]' },
  };
  const format = command.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'json') return service.pino(options);
  const color = process.stdout.isTTY === true && env.NO_COLOR === undefined;
  return service.pino(options, prettyDestination(process.stdout, color));
}

function listenUrl(address: string | AddressInfo | null): string {
  if (address === null || typeof address === 'string') return String(address);
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

async function serve(command: ServeCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env);
  if (command.checkConfig) {
    process.stdout.write(`${service.describeConfig(config)}\nconfiguration OK\n`);
    return 0;
  }
  const log = logger(command, env);
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
  // Without a handler SIGHUP kills Node; before the reloader exists the file is read anyway.
  let hup: () => void = () => log.info('SIGHUP during start-up; the configuration is being read anyway');
  process.on('SIGHUP', () => hup());

  const storage = await openStorage(config, { exclusive: true });
  const { store } = storage;
  await service.applyConfigEndpoints(store, config.endpoints, log);
  const monitor = await service.Monitor.open(
    {
      probe: config.probe,
      health: config.health,
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      retryOnFailure: config.scheduler.retryOnFailure,
      maxPendingRounds: config.scheduler.maxPendingRounds,
    },
    { store, logger: log },
  );
  const settings = await alertSettings(storage, config, log.child({ component: 'alerts' }));
  const alerts = await service.startAlerts({ store, outbox: storage.outbox, config, settings, recorder: monitor.recorder, logger: log, clock: Date.now, endpoints: () => monitor.endpoints });
  const app = await service.buildApp(
    {
      store,
      config,
      clock: Date.now,
      state: (id) => monitor.recorder.state(id),
      endpoints: () => monitor.endpoints,
      onEndpointsChanged: () => {
        monitor.reload().catch((err: unknown) => log.error({ err }, 'reloading endpoints failed; the next poll retries'));
      },
      // One-off checks from the API use the configured probe settings and their address policy.
      checkNow: (request, options) => monitor.checkNow(request, options),
      readiness: async () => ({ database: await store.isWritable(), scheduler: Date.now() - monitor.lastFlushAt < 5_000 }),
      scheduler: () => ({ ...monitor.scheduler.stats, inFlight: monitor.scheduler.inFlight, queued: monitor.scheduler.queued }),
      loopDelayMs: () => monitor.takeMaxLoopDelayMs(),
      overload: () => monitor.overload,
      writes: () => monitor.recorder.writeStats,
      latestResult: (id) => monitor.latestResult(id),
      alerts: alerts.outbox,
      alertSettings: settings,
    },
    { logger: log.child({ component: 'http' }), trustProxy: config.listen.trustProxy },
  );
  // Listen before probing or pruning: a process that cannot serve must not linger half-started
  // (it used to stay up, probing nothing, with a prune timer failing on the closed database).
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await alerts.stop();
    await storage.close();
    throw listenFailure(err, config.listen.host, config.listen.port);
  }
  await monitor.start();
  const retention = service.startRetention(store, { rawDays: config.retention.rawDays, rollupDays: config.retention.rollupDays, cron: config.retention.pruneCron, batch: config.retention.pruneBatch }, log);
  // The file is watched even when absent at start (zero-config): creating it applies it.
  const reloader = service.startConfigReload({
    path: resolve(command.configPath ?? service.DEFAULT_CONFIG_FILE),
    running: config,
    load: (path) => service.loadConfig(path, env),
    apply: async (next) => {
      const report = await service.applyConfigEndpoints(store, next.endpoints, log);
      await monitor.reload();
      return report;
    },
    log: log.child({ component: 'config' }),
  });
  hup = () => void reloader.reload('SIGHUP');
  const address = app.server.address();
  log.info({ database: storage.location, backend: storage.backend, listen: address, version: MCPWATCH_VERSION }, `listening on ${listenUrl(address)}`);

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
      reloader.stop();
      // Stop taking requests first; in-flight probes then get the whole drain window.
      app
        .close()
        .then(() => monitor.stop(config.scheduler.drainTimeoutMs))
        // The last rounds' events are turned into alerts before the database closes.
        .then(async (report) => {
          await alerts.stop();
          return report;
        })
        .then(async (report) => {
          await storage.maintenance?.checkpoint();
          await storage.close();
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
  const config = configOrExit(command.configPath, env, STORAGE);
  const storage = await openStorage(config);
  try {
    switch (command.command) {
      case 'migrate':
        process.stdout.write(`database ${storage.location} is up to date\n`);
        return 0;
      case 'backup': {
        const { maintenance } = storage;
        if (maintenance === undefined) throw new CommandFailure(`mcpwatch backup copies SQLite files only; back up the ${storage.backend} database with its own tools`);
        const progress = progressReporter(`backing up ${storage.location} (pages)`, process.stderr);
        try {
          await maintenance.backup(command.file, (done, total) => progress.update(done, total));
        } catch (err) {
          throw failureAt(err, 'cannot write the backup to', command.file, 'choose a file in a directory this user may write');
        } finally {
          progress.finish();
        }
        process.stdout.write(`backed up ${storage.location} to ${command.file}\n`);
        return 0;
      }
      case 'import': {
        let text: string;
        try {
          text = readFileSync(command.file, 'utf8');
        } catch (err) {
          throw failureAt(err, 'cannot read', command.file);
        }
        const imported = service.importServerJson(text, env);
        if (!imported.ok) {
          process.stderr.write(`mcpwatch: ${command.file} is not a usable server.json:\n${imported.errors.map((e) => `  - ${e}`).join('\n')}\n`);
          return 2;
        }
        for (const warning of imported.warnings) process.stderr.write(`mcpwatch: warning: ${warning}\n`);
        const progress = progressReporter(`importing ${command.file} (remotes)`, process.stderr);
        const outcome = service.describeImport(await service.importEndpoints(storage.store, imported.endpoints, (done, total) => progress.update(done, total)));
        progress.finish();
        process.stdout.write(outcome.stdout);
        process.stderr.write(outcome.stderr);
        return outcome.exitCode;
      }
    }
  } finally {
    await storage.close();
  }
}

async function tokens(command: TokenCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env, STORAGE);
  const storage = await openStorage(config);
  const { store } = storage;
  try {
    switch (command.action) {
      case 'create': {
        const token = service.generateToken();
        const created = await store.createToken(command.name, service.hashToken(token), command.readOnly);
        // The token alone on stdout (TOKEN=$(mcpwatch token create)); the rest on stderr.
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `created ${created.readOnly ? 'read-only' : 'read-write'} token ${created.id} "${created.name}"; it is shown only this once, store it now ` +
            `(send it as "Authorization: Bearer <token>")\n`,
        );
        return 0;
      }
      case 'list': {
        const rows = await store.listTokens();
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
        if (!(await store.revokeToken(command.id))) {
          process.stderr.write(`mcpwatch: no API token with id ${command.id} (see mcpwatch token list)\n`);
          return 1;
        }
        process.stdout.write(`revoked token ${command.id}\n`);
        return 0;
      }
    }
  } finally {
    await storage.close();
  }
}

async function endpoints(command: EndpointsCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env, STORAGE);
  const storage = await openStorage(config);
  try {
    return await service.runEndpointsCommand(command, storage.store, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      interactive: process.stdin.isTTY === true,
      confirm: async (question) => {
        const { createInterface } = await import('node:readline/promises');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      },
      now: Date.now,
    });
  } finally {
    await storage.close();
  }
}

/** SQLite file → PostgreSQL, then the verification table on stdout: 0 when everything is equal. */
async function migrateData(command: MigrateDataCommand): Promise<number> {
  const { migrateData: run, MigrateDataError, formatReport } = await import('./store/migrate-data/run.ts');
  const progress = command.quiet ? undefined : copyProgressLine(process.stderr);
  const note = (line: string): void => {
    progress?.finish();
    if (!command.quiet) process.stderr.write(`mcpwatch: ${line}\n`);
  };
  try {
    const result = await run({
      from: command.from,
      to: command.to,
      verifyOnly: command.verifyOnly,
      version: MCPWATCH_VERSION,
      onNote: note,
      ...(progress !== undefined ? { onProgress: (event) => progress.update(event) } : {}),
    });
    progress?.finish();
    process.stdout.write(`${formatReport(result.verification)}\n`);
    return result.verification.equal ? 0 : 1;
  } catch (err) {
    progress?.finish();
    if (err instanceof MigrateDataError) throw new CommandFailure(err.message);
    throw err;
  }
}

/** A failed command ends now: whatever timer or socket a half-done start left behind must not keep it alive. */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 500).unref();
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    if (code === 0) process.exitCode = 0;
    else exitSoon(code);
  },
  (err: unknown) => {
    if (err instanceof ExitError) return exitSoon(err.code);
    if (err instanceof UsageError) {
      const help = err.command !== undefined ? `mcpwatch ${err.command} --help` : 'mcpwatch help';
      process.stderr.write(`mcpwatch: ${err.message}\nRun '${help}' for usage.\n`);
      return exitSoon(2);
    }
    if (err instanceof CommandFailure) {
      process.stderr.write(`mcpwatch: ${err.message}\n`);
      return exitSoon(err.exitCode);
    }
    process.stderr.write(`mcpwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exitSoon(70);
  },
);
