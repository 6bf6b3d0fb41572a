// Live configuration changes: on SIGHUP or when the file changes, the file is read and validated
// first; only a valid file is applied, and only its endpoints (added, changed, archived, restored)
// change without a restart. A bad, empty or missing file keeps the running configuration and the
// log says why. Sections that need a restart (listen, probe, database…) are named, not applied.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config, ConfigResult } from '../config/schema.ts';
import type { ConfigSyncReport } from '../store/store.ts';
import { watchFile, type FileWatch } from './file-watch.ts';

export type ReloadTrigger = 'SIGHUP' | 'file changed';

export type ReloadOutcome =
  | { readonly ok: true; readonly report: ConfigSyncReport; readonly needRestart: readonly string[] }
  | { readonly ok: false; readonly reason: string };

export interface ConfigReloadDeps {
  /** Absolute path of the configuration file. */
  readonly path: string;
  /** The configuration the service started with (its non-endpoint sections stay in force). */
  readonly running: Config;
  readonly load: (path: string) => ConfigResult;
  /** Applies the endpoints: store, then schedule. */
  readonly apply: (config: Config) => Promise<ConfigSyncReport>;
  readonly log: Logger;
}

/** Top-level sections that differ from the running configuration, endpoints aside. */
export function sectionsNeedingRestart(running: Config, next: Config): string[] {
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]);
  keys.delete('endpoints');
  const record = (config: Config): Record<string, unknown> => config as unknown as Record<string, unknown>;
  return [...keys].filter((key) => JSON.stringify(record(running)[key]) !== JSON.stringify(record(next)[key])).sort();
}

export async function reloadConfig(deps: ConfigReloadDeps, trigger: ReloadTrigger): Promise<ReloadOutcome> {
  const { log } = deps;
  const keep = (reason: string): ReloadOutcome => {
    log.error({ trigger, path: deps.path, reason }, `configuration not reloaded, the running one stays in force: ${reason}`);
    return { ok: false, reason };
  };
  let text: string;
  try {
    text = readFileSync(deps.path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return keep(code === 'ENOENT' ? `${deps.path} is missing (waiting for it to come back)` : `cannot read ${deps.path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // An editor that truncates before writing shows an empty file for a moment; applying it would
  // archive every endpoint. An operator who means "no endpoints" writes `endpoints: []`.
  if (text.trim() === '') return keep(`${deps.path} is empty (write "endpoints: []" to remove every endpoint)`);
  const loaded = deps.load(deps.path);
  if (!loaded.ok) return keep(`${deps.path} is invalid:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}`);
  for (const warning of loaded.warnings) log.warn({ path: deps.path }, `configuration warning: ${warning}`);
  const report = await deps.apply(loaded.config);
  const needRestart = sectionsNeedingRestart(deps.running, loaded.config);
  if (needRestart.length > 0) log.warn({ sections: needRestart }, `configuration changes to ${needRestart.join(', ')} need a restart; only endpoints are applied live`);
  log.info(
    { trigger, path: deps.path, endpoints: report.endpoints.length, added: report.added, updated: report.updated, archived: report.archived, restored: report.restored, conflicts: report.conflicts.map((c) => c.slug) },
    'configuration reloaded',
  );
  return { ok: true, report, needRestart };
}

export interface ConfigReload {
  reload(trigger: ReloadTrigger): Promise<ReloadOutcome>;
  stop(): void;
}

/** Reloads on demand (SIGHUP) and whenever the file's content changes. */
export function startConfigReload(deps: ConfigReloadDeps, watch: { readonly debounceMs?: number; readonly pollMs?: number } = {}): ConfigReload {
  const attempt = async (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    try {
      return await reloadConfig(deps, trigger);
    } catch (err) {
      // A database error while applying: the previous endpoints stay scheduled.
      deps.log.error({ err, trigger }, 'configuration reload failed; the running configuration stays in force');
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  };
  // One reload at a time: a SIGHUP during a file-change reload must not apply an older read last.
  let last: Promise<ReloadOutcome> | null = null;
  const reload = (trigger: ReloadTrigger): Promise<ReloadOutcome> => {
    const next = (last ?? Promise.resolve()).then(() => attempt(trigger));
    last = next;
    return next;
  };
  const watcher: FileWatch = watchFile(deps.path, {
    ...watch,
    onChange: () => void reload('file changed'),
    onWatchError: (err) => deps.log.warn({ err, path: deps.path }, 'cannot watch the configuration file directory; checking it by polling'),
  });
  return { reload, stop: () => watcher.stop() };
}
