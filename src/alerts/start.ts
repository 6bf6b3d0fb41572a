// Alerting as a running service: the engine reads newly recorded events, the sweep runs the
// time-driven rules, the dispatcher delivers; one timer drives all three, and a recorded event
// wakes it early (after the Recorder's next flush, which is what writes the event).
//
// Decisions worth knowing:
// - Exactly once: an event becomes outbox entries in the same transaction that moves the events
//   cursor; delivery is at least once, with one idempotency key per (alert, channel) on every
//   attempt, so receivers can make it exactly once.
// - Maintenance windows record what they silence: alerts derived inside a window are written to
//   the outbox as `suppressed` (reason `maintenance`) and never sent; when the window ends, what
//   is still true (an outage still open, a resolution of one that was announced, authorization
//   still required) is announced once, late. Time-driven alerts (reminders, certificate
//   thresholds) simply wait for the window to end.
// - With no routes every channel gets every alert; a channel whose secret is unset is disabled
//   and its messages become dead letters (visible, not silently dropped).
import type { Logger } from 'pino';
import { DEFAULT_ALERTS, type Config } from '../config/schema.ts';
import type { Endpoint } from '../domain/endpoint.ts';
import type { EndpointState } from '../domain/health.ts';
import type { EventListener } from '../service/recorder.ts';
import type { AlertOutbox } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import { FailureEpisode } from '../service/failure-episode.ts';
import { MCPWATCH_VERSION } from '../version.ts';
import { createChannel, type Channel } from './channels/index.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import { AlertEngine } from './engine.ts';
import { staticAlerts, type AlertsSource } from './settings.ts';

export interface AlertLoopOptions {
  /** How often to look for new events and due deliveries. */
  readonly pollMs: number;
  /** How often the time-driven rules run (reminders, certificates, the end of maintenance). */
  readonly sweepMs: number;
  /** Delay after a recorded event before looking (the Recorder flushes every second). */
  readonly wakeDelayMs: number;
  /** On stop, how long deliveries in flight may finish. */
  readonly stopGraceMs: number;
  /** Delivered and suppressed entries are deleted after this long; dead letters stay. */
  readonly keepMs: number;
  readonly dispatch: Partial<DispatcherOptions>;
}

export const DEFAULT_ALERT_LOOP: AlertLoopOptions = Object.freeze({
  pollMs: 5_000,
  sweepMs: 30_000,
  wakeDelayMs: 1_500,
  stopGraceMs: 5_000,
  keepMs: 30 * 86_400_000,
  dispatch: {},
});

const PRUNE_EVERY_MS = 3_600_000;

export interface StartAlertsDeps {
  readonly store: Store;
  readonly outbox: AlertOutbox;
  readonly config: Config;
  /** The alert settings in force and their changes; the file's `alerts:` section alone by default. */
  readonly settings?: AlertsSource;
  readonly recorder: { state(endpointId: number): EndpointState; onEvent(listener: EventListener): void };
  /** The endpoints being monitored (e.g. `() => monitor.endpoints`); the store's list by default. */
  readonly endpoints?: () => readonly Endpoint[];
  readonly logger: Logger;
  /** ms since the epoch; Date.now by default. */
  readonly clock?: () => number;
  readonly options?: Partial<AlertLoopOptions>;
}

export interface AlertsService {
  /** For the API and dashboard: dead letters, counts. */
  readonly outbox: AlertOutbox;
  /** One pass now (events, sweep, deliveries), resolved when its deliveries are over. For tests and the CLI. */
  runOnce(): Promise<void>;
  /** Writes what is recorded, lets deliveries in flight finish briefly, stops. Call before closing the store. */
  stop(): Promise<void>;
}

export async function startAlerts(deps: StartAlertsDeps): Promise<AlertsService> {
  const options: AlertLoopOptions = { ...DEFAULT_ALERT_LOOP, ...deps.options };
  const clock = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'alerts' });
  const settings = deps.settings ?? staticAlerts(deps.config.alerts ?? DEFAULT_ALERTS);
  const { outbox } = deps;
  const channelDeps = { clock, userAgent: `mcpwatch/${MCPWATCH_VERSION}` };
  let channels = new Map<string, Channel>();
  // Reloaded on every settings change; a disabled channel is worth one warning, not one per change.
  const warnedDisabled = new Set<string>();
  const loadChannels = (): void => {
    const alerts = settings.current();
    channels = new Map(alerts.channels.map((c) => [c.name, createChannel(c, channelDeps)]));
    for (const c of channels.values()) {
      if (c.disabledReason === null || warnedDisabled.has(c.name)) continue;
      warnedDisabled.add(c.name);
      log.warn({ channel: c.name, type: c.type, reason: c.disabledReason }, 'alert channel disabled');
    }
  };
  loadChannels();
  const engine = await AlertEngine.open({
    store: deps.store,
    outbox,
    alerts: () => settings.current(),
    publicUrl: deps.config.publicUrl,
    live: (id) => deps.recorder.state(id),
    ...(deps.endpoints ? { endpoints: deps.endpoints } : {}),
    clock,
  });
  // Attempts in flight keep the channel they started with; the next ones use the new map.
  const dispatcher = new Dispatcher({ outbox, channels: () => channels, logger: log, clock }, options.dispatch);

  const summary = (): Record<string, unknown> => {
    const alerts = settings.current();
    return { channels: [...channels.values()].map((c) => `${c.name} (${c.type})`), routes: alerts.routes.length, maintenance: alerts.maintenance.length };
  };
  log.info(summary(), 'alerts started');
  const stopListening = settings.onChange(() => {
    loadChannels();
    log.info(summary(), 'alert settings changed');
  });

  let lastSweep = Number.NEGATIVE_INFINITY;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let wake: NodeJS.Timeout | undefined;

  const deriveOnce = async (): Promise<void> => {
    const now = clock();
    const fromEvents = await engine.processEvents();
    // Without channels the time-driven rules would only mark things as told to nobody; events
    // are still consumed, so adding a channel later does not replay history.
    const fromTime = channels.size > 0 && now - lastSweep >= options.sweepMs ? await engine.sweep() : undefined;
    if (fromTime) lastSweep = now;
    const pending = fromEvents.pending + (fromTime?.pending ?? 0);
    const suppressed = fromEvents.suppressed + (fromTime?.suppressed ?? 0);
    if (pending + suppressed > 0) log.info({ pending, suppressed, events: fromEvents.events }, 'alerts enqueued');
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      const pruned = await outbox.prune(now - options.keepMs, 5000);
      if (pruned > 0) log.info({ pruned }, 'old alert outbox entries deleted');
    }
  };
  // One pass at a time: cycles overlap (a wake-up while deliveries are in flight), and two passes
  // reading from the same cursor would derive the same events twice.
  let deriving: Promise<unknown> = Promise.resolve();
  const derive = (): Promise<void> => {
    const next = deriving.then(deriveOnce);
    deriving = next.catch(() => undefined);
    return next;
  };

  // A busy or full disk, a database away: the events stay behind the cursor and are read again
  // next time. One line per episode, not per cycle (a cycle runs every poll).
  const derivation = new FailureEpisode(log, 'deriving alerts', { clock });
  const delivering = new FailureEpisode(log, 'the alert delivery cycle', { clock });
  const cycle = async (): Promise<void> => {
    if (stopped) return;
    try {
      await derive();
      derivation.succeeded();
    } catch (err) {
      derivation.failed(err);
    }
    await dispatcher.runDue();
  };
  const run = (): void => {
    cycle().then(
      () => delivering.succeeded(),
      (err: unknown) => delivering.failed(err),
    );
  };

  const timer = setInterval(run, options.pollMs);
  timer.unref();
  deps.recorder.onEvent(() => {
    if (stopped || wake !== undefined) return;
    wake = setTimeout(() => {
      wake = undefined;
      run();
    }, options.wakeDelayMs);
    wake.unref();
  });
  run();

  return {
    outbox,
    async runOnce() {
      lastSweep = Number.NEGATIVE_INFINITY;
      await cycle();
      await dispatcher.idle();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopListening();
      clearInterval(timer);
      clearTimeout(wake);
      try {
        // Whatever the last flush recorded is enqueued now; it is sent after the restart.
        await derive();
      } catch (err) {
        log.error({ err }, 'deriving alerts at shutdown failed; the events are read again after the restart');
      }
      await dispatcher.stop(options.stopGraceMs);
      log.info(await outbox.counts(), 'alerts stopped');
    },
  };
}
