// What the API, the dashboard notice and the metrics say about each configured registry: its
// settings beside its last sync, and whether the list shown is stale. Pure.
import type { RegistryConfig } from '../config/schema.ts';
import type { RegistrySyncState } from '../store/registries.ts';

export interface RegistryView {
  readonly name: string;
  readonly url: string;
  readonly intervalS: number;
  readonly public: boolean;
  readonly filters: RegistryConfig['filters'];
  /** never: no pass yet; ok: the last pass succeeded; failing: it failed and the last good list stands. */
  readonly state: 'never' | 'ok' | 'failing';
  readonly lastAttemptAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly servers: number;
}

export function registryViews(configs: readonly RegistryConfig[], states: readonly RegistrySyncState[]): RegistryView[] {
  return configs.map((config) => {
    const s = states.find((state) => state.name === config.name);
    const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());
    return {
      name: config.name,
      url: config.url,
      intervalS: config.intervalS,
      public: config.public,
      filters: config.filters,
      state: s === undefined || s.lastAttemptMs === null ? 'never' : s.lastError === null ? 'ok' : 'failing',
      lastAttemptAt: iso(s?.lastAttemptMs),
      lastSuccessAt: iso(s?.lastSuccessMs),
      lastError: s?.lastError ?? null,
      servers: s?.servers ?? 0,
    };
  });
}
