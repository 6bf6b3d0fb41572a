#!/usr/bin/env node
// Composition root: the only module that reads argv, the environment and start-up files,
// listens, and handles signals.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AlertSettings } from './alerts/settings.ts';
import type { AlertTestCommand, CheckCommand, Command, ConfigCommand, MigrateDataCommand, ServeCommand, TokenCommand, UserCommand } from './cli/args.ts';
import { parseCommand } from './cli/commands.ts';
import { copyProgressLine } from './cli/copy-progress.ts';
import { CommandFailure, failureAt, listenFailure } from './cli/failures.ts';
import type { EndpointsCommand } from './cli/endpoints-command.ts';
import { exitCodeFor, formatCheck } from './cli/format-check.ts';
import { UsageError } from './cli/options.ts';
import { prettyDestination } from './cli/pretty-log.ts';
import { progressReporter } from './cli/progress.ts';
import type { AlertsConfig, Config } from './config/schema.ts';
import type { Endpoint } from './domain/endpoint.ts';
import type { EndpointState } from './domain/health.ts';
import type { RegionVerdict } from './domain/quorum.ts';
import type { RegistryFacts } from './store/registries.ts';
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
  const postgresCluster = async () => {
    const [membership, leader, pool] = await Promise.all([import('./store/postgres/membership.ts'), import('./store/postgres/leader.ts'), import('./store/postgres/pool.ts')]);
    return { ...membership, ...leader, openPool: pool.openPool };
  };
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
  // Nodes of a cluster and the singleton work (issue 14).
  const [clusterNode, singletonWork, quorumArbiter, overallStates, regionBoard] = await Promise.all([
    import('./service/cluster-node.ts'),
    import('./service/singleton-work.ts'),
    import('./service/quorum-arbiter.ts'),
    import('./service/overall-states.ts'),
    import('./service/region-boards.ts'),
  ]);
  // Compliance checks and the grade (issue 15).
  const [complianceStart, complianceRun, complianceCatalogue] = await Promise.all([
    import('./service/compliance-start.ts'),
    import('./compliance/run.ts'),
    import('./compliance/catalogue.ts'),
  ]);
  // The fleet pages' state, refreshed off the request path (issue 13).
  const [fleetPages, viewCache] = await Promise.all([import('./http/pages/fleet-pages.ts'), import('./http/pages/view-cache.ts')]);
  // Endpoints synced from MCP registries (issue 15).
  const [registrySync, registryStatus] = await Promise.all([import('./registry/sync.ts'), import('./registry/status.ts')]);
  // Users, sessions and the audit log (issue 16).
  const [accounts, userCommand] = await Promise.all([import('./accounts/accounts.ts'), import('./cli/user-command.ts')]);
  // Status pages an operator makes (issue 16).
  const statusPageHosts = await import('./http/status-page-hosts.ts');
  return {
    Accounts: accounts.Accounts,
    CLI_ACTOR: accounts.CLI_ACTOR,
    runUserCommand: userCommand.runUserCommand,
    DEFAULT_ACCOUNTS: schema.DEFAULT_ACCOUNTS,
    StatusPageHosts: statusPageHosts.StatusPageHosts,
    FleetPages: fleetPages.FleetPages,
    ViewCache: viewCache.ViewCache,
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
    postgresCluster,
    ClusterNode: clusterNode.ClusterNode,
    QuorumArbiter: quorumArbiter.QuorumArbiter,
    OverallStates: overallStates.OverallStates,
    planPass: quorumArbiter.planPass,
    regionBoards: regionBoard.regionBoards,
    DEFAULT_CLUSTER: schema.DEFAULT_CLUSTER,
    singleNodeView: clusterNode.singleNodeView,
    SingletonWork: singletonWork.SingletonWork,
    complianceParts: complianceStart.complianceParts,
    createComplianceRunner: complianceRun.createComplianceRunner,
    checkSpec: complianceCatalogue.checkSpec,
    RegistrySync: registrySync.RegistrySync,
    archiveUnlistedRegistries: registrySync.archiveUnlistedRegistries,
    registryViews: registryStatus.registryViews,
    startAlerts: alerts.startAlerts,
    runAlertTest: alertCli.runAlertTest,
    AlertSettings: alertSettings.AlertSettings,
    DEFAULT_ALERTS: schema.DEFAULT_ALERTS,
    DEFAULT_CONFIG_FILE: schema.DEFAULT_CONFIG_FILE,
    probeWorkerCount: schema.probeWorkerCount,
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
  user: (command, env) => users(command, env),
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
  const settings = { ...command.settings, ...(extraCaPem ? { extraCaPem } : {}) };
  const result = await runProbe(command.request, settings, { signal: controller.signal });
  if (!command.grade) {
    process.stdout.write(command.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatCheck(result)}\n`);
    return exitCodeFor(result);
  }
  if (!command.json) process.stdout.write(`${formatCheck(result)}\n\n`);
  // Loaded only for --grade: the checks bring ajv, which a plain check does not need.
  const [{ runCompliance }, { formatCompliance }, { gradeLine, oneRunGrade }] = await Promise.all([import('./compliance/run.ts'), import('./cli/format-compliance.ts'), import('./cli/grade-line.ts')]);
  // The tools checks need the list; listing has no side effects (tools are never called).
  const compliance = await runCompliance({ ...command.request, listTools: true, callTool: undefined }, settings, { signal: controller.signal });
  const grade = oneRunGrade(result, compliance);
  process.stdout.write(command.json ? `${JSON.stringify({ ...result, compliance, grade }, null, 2)}\n` : `${formatCompliance(compliance, gradeLine(grade))}\n`);
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
 * `exclusive` (serve) also takes SQLite's one-serve-per-file guard first; on PostgreSQL several serves are nodes.
 */
function openStorage(config: Config, options: { readonly exclusive?: boolean } = {}): Promise<Storage> {
  const database = config.database;
  switch (database.backend) {
    case 'sqlite':
      // Synchronous underneath (better-sqlite3); a failure still arrives as a rejection.
      return new Promise((resolve) => resolve(options.exclusive === true ? openSqliteExclusively(database.path) : openSqlite(database.path)));
    case 'postgres':
      // Several serves share one database as nodes of a cluster (startCluster in serve).
      return openPostgres(database);
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
  // On PostgreSQL this serve is a node: it probes its share of its region's endpoints only, and
  // writes its region's rounds and health; the quorum arbiter (singleton work) decides the rest.
  const late: { node?: InstanceType<Service['ClusterNode']> } = {};
  const postgres = config.database.backend === 'postgres' ? config.database : undefined;
  const regionTicks = postgres ? storage.regions?.ticks(config.node.region) : undefined;
  const monitor = await service.Monitor.open(
    {
      probe: config.probe,
      health: config.health,
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      retryOnFailure: config.scheduler.retryOnFailure,
      maxPendingRounds: config.scheduler.maxPendingRounds,
      workers: service.probeWorkerCount(config.probe.workers, availableParallelism()),
    },
    {
      store,
      logger: log,
      ...(postgres ? { owns: (id: number, slotAt: number) => late.node?.share.owns(id, slotAt) ?? false } : {}),
      ...(regionTicks ? { ticks: regionTicks } : {}),
    },
  );
  let cluster: Cluster | undefined;
  if (postgres) {
    try {
      // The endpoints first: the node's first handover plan is made over them.
      await monitor.reload();
      const quorum = storage.regions?.quorum;
      cluster = await startCluster(config, postgres, {
        loadStates: () => (regionTicks ?? store).loadStates(),
        regionHealth: async () => (quorum ? service.planPass(await quorum.snapshot(), monitor.endpoints, quorumSettings(config)).decision.regions : new Map()),
        endpoints: () => monitor.endpoints,
        resume: (state) => monitor.recorder.resume(state),
        log,
      });
    } catch (err) {
      await storage.close();
      throw err;
    }
  }
  const node = cluster?.node;
  late.node = node;
  const running = monitor;
  const settings = await alertSettings(storage, config, log.child({ component: 'alerts' }));
  // Every page with registry endpoints shows their facts: read once per burst of requests (they
  // change only when a sync pass writes them, which clears this; a facts-only edit shows within 10 s).
  const registryFacts = new service.ViewCache<Map<number, RegistryFacts>>({ ttlMs: 10_000, minBuildMs: 0, maxEntries: 1 });
  const compliance = service.complianceParts({
    config: config.compliance,
    policy: config.health,
    reports: storage.compliance,
    history: store,
    // The endpoint's own settings, as a probe round uses them; a run builds its own connections.
    runner: service.createComplianceRunner(config.probe),
    specLink: (id) => service.checkSpec(id)?.spec,
    endpoints: () => running.endpoints,
    clock: Date.now,
    log: log.child({ component: 'compliance' }),
  });
  // Alerts, retention and the hourly compliance checks run on one node cluster-wide: the holder
  // of the singleton lease (always this process with SQLite).
  const work = new service.SingletonWork(async () => {
    const alerts = await service.startAlerts({ store, outbox: storage.outbox, config, settings, recorder: running.recorder, logger: log, clock: Date.now, endpoints: () => running.endpoints });
    const maintenance = storage.maintenance;
    const seal = config.retention.sealRawResults && maintenance?.sealStep ? (budgetMs: number) => maintenance.sealStep!(budgetMs) : undefined;
    const retention = service.startRetention(
      store,
      {
        rawDays: config.retention.rawDays,
        rollupDays: config.retention.rollupDays,
        hourlyRollupDays: config.retention.hourlyRollupDays,
        ...(seal ? { seal } : {}),
        cron: config.retention.pruneCron,
        batch: config.retention.pruneBatch,
      },
      log,
    );
    // Registry syncs write endpoints for the whole cluster: one node runs them. Endpoints of a
    // registry taken out of the file are archived first, as config endpoints are.
    const unlisted = await service.archiveUnlistedRegistries(store, storage.registries, (config.registries ?? []).map((r) => r.name), Date.now);
    if (unlisted.length > 0) {
      log.warn({ slugs: unlisted.length }, `${unlisted.length} endpoint(s) of registries no longer in the configuration file archived (history kept)`);
      await running.reload();
    }
    const registries = (config.registries ?? []).map((registry) =>
      new service.RegistrySync(registry, {
        store,
        registries: storage.registries,
        log: log.child({ component: 'registry' }),
        clock: Date.now,
        defaults: { intervalS: config.scheduler.defaultIntervalS, timeoutMs: config.probe.timeoutMs },
        onEndpointsChanged: () => {
          registryFacts.clear();
          running.reload().catch((err: unknown) => log.error({ err }, 'reloading endpoints failed; the next poll retries'));
        },
      }).start(),
    );
    const schedule = await compliance.startSchedule();
    const regions = storage.regions;
    if (!regions) return [alerts, { stop: () => void retention.stop() }, ...schedule, ...registries];
    const arbiter = new service.QuorumArbiter({
      store: regions.quorum,
      endpoints: () => running.endpoints,
      settings: quorumSettings(config),
      intervalMs: (config.cluster ?? service.DEFAULT_CLUSTER).arbiterIntervalMs,
      logger: log,
    }).start();
    // Stopped first (reverse order): one last pass turns the last rounds into events, then alerts derive them.
    const finalPass = async (): Promise<void> => {
      await arbiter.stop();
      await arbiter.pass().catch((err: unknown) => log.warn({ err }, 'the last quorum pass failed; the next leader decides'));
    };
    return [alerts, { stop: () => void retention.stop() }, ...schedule, ...registries, { stop: finalPass }];
  }, log.child({ component: 'singleton' }));
  const nodeName = node?.name ?? defaultNodeName(config);
  // Several regions: pages show the arbiter's overall state; this node's recorder holds its region's word.
  const overall = regionTicks
    ? new service.OverallStates({
        store,
        fallback: (id) => running.recorder.state(id),
        intervalMs: Math.min(2_000, (config.cluster ?? service.DEFAULT_CLUSTER).arbiterIntervalMs),
        logger: log,
      }).start()
    : undefined;
  const pageState = overall ? (id: number) => overall.state(id) : (id: number) => running.recorder.state(id);
  // Several regions: the status pages show each region's word (read at most every 10 s).
  const regionReader = storage.regions?.reader;
  const regionBoard = regionReader ? service.regionBoards(regionReader, () => running.endpoints, quorumSettings(config)) : undefined;
  // Every figure comes from the database, so other nodes' rounds show too.
  // Custom domains of status pages, held in memory for host routing; read again after every API
  // change and on a timer, for changes made through another node.
  const statusPageHosts = new service.StatusPageHosts(storage.statusPages);
  await statusPageHosts.refresh();
  const statusPageHostsTimer = setInterval(() => {
    statusPageHosts.refresh().catch((err: unknown) => log.warn({ err }, 'reading the status pages\' custom domains failed; the previous list stays in use'));
  }, 30_000);
  statusPageHostsTimer.unref();
  const fleetPages = new service.FleetPages({ store, clock: Date.now, state: pageState, endpoints: () => running.endpoints, policy: config.health });
  const accounts = accountsOf(storage, config);
  const app = await service.buildApp(
    {
      store,
      config,
      accounts,
      clock: Date.now,
      state: pageState,
      ...(postgres ? { region: { name: config.node.region, state: (id: number) => running.recorder.state(id) } } : {}),
      endpoints: () => running.endpoints,
      onEndpointsChanged: () => {
        running.reload().catch((err: unknown) => log.error({ err }, 'reloading endpoints failed; the next poll retries'));
      },
      // One-off checks from the API use the configured probe settings and their address policy.
      checkNow: (request, options) => running.checkNow(request, options),
      // A node that lost the database (or its name) is not ready, whatever the pool says.
      readiness: async () => ({ database: (node?.ready ?? true) && (await store.isWritable()), scheduler: Date.now() - running.lastFlushAt < 5_000 }),
      scheduler: () => ({ ...running.scheduler.stats, inFlight: running.scheduler.inFlight, queued: running.scheduler.queued }),
      loopDelayMs: () => running.takeMaxLoopDelayMs(),
      overload: () => running.overload,
      writes: () => running.recorder.writeStats,
      latestResult: (id) => running.latestResult(id),
      alerts: storage.outbox,
      ...(config.registries && config.registries.length > 0
        ? { registries: async () => service.registryViews(config.registries ?? [], await storage.registries.listSyncStates()), registryFacts: () => registryFacts.get('all', () => storage.registries.listFacts()) }
        : {}),
      alertSettings: settings,
      fleetPages,
      ...(regionBoard ? { regionBoard } : {}),
      statusPages: { store: storage.statusPages, hosts: statusPageHosts },
      archiveEndpoint: (id, atIso) => storage.registries.setArchived(id, atIso),
      compliance: compliance.surface,
      cluster: cluster
        ? () => cluster.view()
        : () => Promise.resolve(service.singleNodeView({ name: nodeName, host: hostname(), pid: process.pid, version: MCPWATCH_VERSION, endpointsOwned: running.endpoints.length, probesPerS: 0 })),
    },
    { logger: log.child({ component: 'http' }), trustProxy: config.listen.trustProxy },
  );
  // Listen before probing or pruning: a process that cannot serve must not linger half-started
  // (it used to stay up, probing nothing, with a prune timer failing on the closed database).
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await cluster?.close();
    await storage.close();
    throw listenFailure(err, config.listen.host, config.listen.port);
  }
  await running.start();
  fleetPages.start(undefined, (err: unknown) => log.warn({ err }, 'refreshing the fleet pages failed; they show the previous refresh until the next one'));
  // Every node grades from the database (the checks may run on another node).
  const book = compliance.startBook();
  if (cluster) await cluster.lease(work);
  else await work.acquire();
  // The file is watched even when absent at start (zero-config): creating it applies it.
  const reloader = service.startConfigReload({
    path: resolve(command.configPath ?? service.DEFAULT_CONFIG_FILE),
    running: config,
    load: (path) => service.loadConfig(path, env),
    apply: async (next) => {
      const report = await service.applyConfigEndpoints(store, next.endpoints, log);
      await running.reload();
      return report;
    },
    log: log.child({ component: 'config' }),
  });
  hup = () => void reloader.reload('SIGHUP');
  const address = app.server.address();
  log.info({ database: storage.location, backend: storage.backend, node: node?.name, listen: address, version: MCPWATCH_VERSION }, `listening on ${listenUrl(address)}`);
  // First run: no user yet. The URL holds a single-use secret; whoever opens it first becomes admin.
  const setup = await accounts.openSetup();
  if (setup) {
    const setupUrl = `${config.publicUrl ?? listenUrl(address)}/setup?token=${setup.token}`;
    log.warn({ setupUrl, expiresAt: new Date(setup.expiresAt).toISOString() }, `no user exists yet: open ${setupUrl} to create the first admin (works once; or run mcpwatch user create --admin <name>)`);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal means "now": the WAL keeps the database consistent anyway.
        log.warn({ signal }, 'second signal, exiting at once');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal, drainMs: config.scheduler.drainTimeoutMs, inFlight: running.scheduler.inFlight }, 'shutting down');
      reloader.stop();
      overall?.stop();
      void book.stop();
      // A node first tells the others it is going, and keeps probing its share while they take it over.
      (cluster ? cluster.drain() : Promise.resolve())
        // Stop taking requests first; in-flight probes then get the whole drain window.
        .then(() => app.close())
        .then(() => clearInterval(statusPageHostsTimer))
        .then(() => fleetPages.stop())
        .then(() => running.stop(config.scheduler.drainTimeoutMs))
        // The last rounds' events are turned into alerts before the database closes (and the lease goes).
        .then(async (report) => {
          if (cluster) await cluster.close();
          else await work.lose('stopping');
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

/** The quorum arbiter's settings from the `cluster` section (defaults without one). */
function quorumSettings(config: Config): { quorum: number | null; isolationShare: number; isolationMinEndpoints: number } {
  const cluster = config.cluster ?? service.DEFAULT_CLUSTER;
  // Every fresh endpoint failing: a region that still sees some up is not cut off (domain/quorum.ts).
  return { quorum: cluster.quorum, isolationShare: 1, isolationMinEndpoints: cluster.isolationMinEndpoints };
}

/** Host name + pid: unique among the processes of one machine, readable on the cluster page. */
function defaultNodeName(config: Config): string {
  return config.node.name ?? `${hostname()}-${process.pid}`;
}

interface Cluster {
  readonly node: InstanceType<Service['ClusterNode']>;
  /** Starts competing for the singleton lease; the work starts and stops with it. */
  lease(work: InstanceType<Service['SingletonWork']>): Promise<void>;
  view(): ReturnType<InstanceType<Service['ClusterNode']>['view']>;
  /** Marks the node stopping and waits for the others to see it. */
  drain(): Promise<void>;
  /** Releases the lease (stopping the work first), leaves the cluster, closes the connections. */
  close(): Promise<void>;
}

/**
 * This serve as a node: a membership on its own small pool (heartbeats must not queue behind the
 * writer's statements), registered before anything probes, so a name held by a live node stops
 * the start with membership's message.
 */
async function startCluster(
  config: Config,
  database: PostgresDatabase,
  deps: {
    /** The node's REGION's stored states, for a handover. */
    readonly loadStates: () => Promise<readonly EndpointState[]>;
    /** Every region's word as the quorum judges it now, for the cluster view. */
    readonly regionHealth: () => Promise<ReadonlyMap<string, RegionVerdict>>;
    readonly endpoints: () => readonly Endpoint[];
    readonly resume: (state: EndpointState) => void;
    readonly log: Logger;
  },
): Promise<Cluster> {
  const { endpoints, resume, log } = deps;
  const pg = await service.postgresCluster();
  const { SingletonLease } = await service.postgresLease();
  const name = defaultNodeName(config);
  const { region, heartbeatMs, liveForMs } = config.node;
  const deadlineMs = Math.min(database.connectTimeoutMs, heartbeatMs * 2);
  // Heartbeats, membership polls, handover plans and the cluster view: a beat must not queue behind the others.
  const pool = pg.openPool(database.url, {
    max: 4,
    statementTimeoutMs: deadlineMs,
    connectTimeoutMs: deadlineMs,
    applicationName: `mcpwatch ${MCPWATCH_VERSION} node`,
    onIdleError: (err) => log.warn({ err }, 'a cluster connection dropped'),
  });
  const node = new service.ClusterNode({
    name,
    region,
    version: MCPWATCH_VERSION,
    heartbeatMs,
    liveForMs,
    deadlineMs,
    membership: (hooks) => new pg.NodeMembership(pool, { heartbeatMs, liveForMs, deadlineMs, ...hooks }),
    endpoints,
    loadStates: deps.loadStates,
    resume,
    logger: log,
  });
  try {
    await node.start();
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof pg.NodeNameInUseError) throw new CommandFailure(`cannot start: ${err.message}`);
    if (err instanceof Error) throw new CommandFailure(`cannot join the cluster: ${err.message}; check database.url (or MCPWATCH_DATABASE_URL)`);
    throw err;
  }
  let lease: InstanceType<typeof SingletonLease> | undefined;
  return {
    node,
    lease: async (work) => {
      lease = new SingletonLease({
        url: database.url,
        retryMs: heartbeatMs,
        checkMs: heartbeatMs,
        deadlineMs,
        // Names the node, so any node can say who leads (src/store/postgres/leader.ts).
        applicationName: `${pg.SINGLETON_APPLICATION}${name}`,
        // A start that fails (the database away a moment) is retried while the lease is ours:
        // holding the lease with nothing running would leave the cluster without alerts.
        onAcquire: () => {
          const attempt = (): void => {
            work.acquire().catch((err: unknown) => {
              log.error({ err }, 'starting alerts and retention failed; retrying');
              setTimeout(() => {
                if (lease?.isLeader() === true) attempt();
              }, heartbeatMs).unref();
            });
          };
          attempt();
        },
        onLose: (loss) => work.lose(loss.reason),
        onError: (err) => log.debug({ err }, 'singleton lease attempt failed'),
      });
      await lease.start();
    },
    view: async () => {
      const health = await deps.regionHealth().catch((err: unknown) => {
        log.warn({ err }, 'reading the regions for the cluster view failed');
        return new Map<string, RegionVerdict>();
      });
      return node.view(await pg.singletonHolder(pool, deadlineMs).catch(() => null), health);
    },
    drain: async () => {
      await node.drain();
      // The others poll once per heartbeat: two beats and they have moved this node's share.
      await new Promise((resolve) => setTimeout(resolve, heartbeatMs * 2));
    },
    close: async () => {
      await lease?.release();
      await node.leave().catch((err: unknown) => log.warn({ err }, 'leaving the cluster failed; the row expires by itself'));
      await pool.end().catch(() => undefined);
    },
  };
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
        const outcomes = await service.importEndpoints(storage.store, imported.endpoints, (done, total) => progress.update(done, total));
        progress.finish();
        // The same rows an import through the web app writes, with the command line as the actor.
        const audit = cliAudit(storage, config);
        for (const o of outcomes) {
          if (o.kind === 'added' || o.kind === 'updated') await audit('endpoint.import', `endpoint:${o.endpoint.slug}`, { id: o.endpoint.id, via: 'cli', outcome: o.kind, url: o.endpoint.url });
        }
        const outcome = service.describeImport(outcomes);
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
        // Through Accounts, so the audit log has it ("cli"); the roles of tokens made before
        // accounts existed: read-only → viewer, full → admin.
        const { token, created } = await accountsOf(storage, config).createToken(service.CLI_ACTOR, command.name, command.readOnly ? 'viewer' : 'admin', null);
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
        if (!(await accountsOf(storage, config).revokeToken(service.CLI_ACTOR, command.id))) {
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

/**
 * Writes an audit row for a change the command line made. As for the web app and the API, a
 * failed audit write does not undo the change already made or fail the command: it is said on stderr.
 */
function cliAudit(storage: Storage, config: Config): (action: string, target: string, detail: Record<string, unknown>) => Promise<void> {
  const accounts = accountsOf(storage, config);
  return async (action, target, detail) => {
    try {
      await accounts.audit(service.CLI_ACTOR, action, target, detail);
    } catch (err) {
      process.stderr.write(`mcpwatch: warning: the change was made, but its audit row (${action} ${target}) could not be written: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
}

/** The accounts service over a storage; serve and the user command share it. */
function accountsOf(storage: Storage, config: Config): InstanceType<Service['Accounts']> {
  return new service.Accounts({
    store: storage.accounts,
    tokens: storage.store,
    clock: Date.now,
    settings: config.accounts ?? service.DEFAULT_ACCOUNTS,
    mintToken: () => {
      const token = service.generateToken();
      return { token, hash: service.hashToken(token) };
    },
  });
}

/** A password from the terminal (asked twice, not echoed) or the first line of stdin. */
async function readPassword(fromStdin: boolean): Promise<string | { error: string }> {
  if (fromStdin || process.stdin.isTTY !== true) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
    return line === '' ? { error: 'no password on stdin (give it as the first line)' } : line;
  }
  const ask = async (question: string): Promise<string> => {
    const { createInterface } = await import('node:readline/promises');
    const { Writable } = await import('node:stream');
    let muted = false;
    // Echo the question, not the typing.
    const output = new Writable({ write: (chunk: Buffer, _encoding, done) => { if (!muted) process.stderr.write(chunk); done(); } });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    try {
      const answer = rl.question(question);
      muted = true;
      return await answer;
    } finally {
      rl.close();
      process.stderr.write('\n');
    }
  };
  const first = await ask('Password: ');
  const second = await ask('Password again: ');
  return first === second ? first : { error: 'the two passwords differ' };
}

async function users(command: UserCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const config = configOrExit(command.configPath, env, [...STORAGE, 'accounts']);
  const storage = await openStorage(config);
  try {
    return await service.runUserCommand(command, accountsOf(storage, config), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      readPassword,
    });
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
      audit: cliAudit(storage, config),
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
      region: command.region,
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
