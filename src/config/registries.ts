// The `registries:` section after the schema checked each field: defaults, derived names, and the
// rules that span entries (unique names). Pure, like the rest of the config.
import { DEFAULT_REGISTRY, deepFreeze, show, showUrl, slugify, type ConfigFile, type RegistryConfig } from './schema.ts';

type RegistryEntry = NonNullable<ConfigFile['registries']>[number];

export function buildRegistries(entries: readonly RegistryEntry[], errors: string[]): RegistryConfig[] {
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const at = `registries[${index}]`;
    const url = entry.url.replace(/\/+$/, '');
    const name = entry.name ?? (slugify(new URL(url).hostname) || 'registry');
    const first = seen.get(name);
    if (first !== undefined) {
      const origin = entry.name == null ? ` (derived from url ${showUrl(url)})` : '';
      errors.push(`${at}.name: ${show(name)}${origin} is already the name of registries[${first}]; give each registry its own name`);
    } else seen.set(name, index);
    if (new URL(url).search !== '' || new URL(url).hash !== '') errors.push(`${at}.url: expected a base URL without a query or fragment, got ${showUrl(entry.url)}`);
    const f = entry.filters ?? {};
    return deepFreeze({
      name,
      url,
      filters: { names: f.names ?? [], namespaces: f.namespaces ?? [], transports: f.transports ?? [] },
      intervalS: entry.interval ?? DEFAULT_REGISTRY.intervalS,
      public: entry.public ?? DEFAULT_REGISTRY.public,
      allowPrivate: entry.allowPrivate ?? DEFAULT_REGISTRY.allowPrivate,
      pageSize: entry.pageSize ?? DEFAULT_REGISTRY.pageSize,
      timeoutMs: entry.timeout ?? DEFAULT_REGISTRY.timeoutMs,
      maxPageBytes: entry.maxPageBytes ?? DEFAULT_REGISTRY.maxPageBytes,
    });
  });
}

export function describeRegistries(registries: readonly RegistryConfig[]): string[] {
  return registries.map((r) => {
    const filters = [
      r.filters.names.length > 0 ? `names ${r.filters.names.join(', ')}` : '',
      r.filters.namespaces.length > 0 ? `namespaces ${r.filters.namespaces.join(', ')}` : '',
      r.filters.transports.length > 0 ? `transports ${r.filters.transports.join(', ')}` : '',
    ].filter((s) => s !== '');
    return `registry    ${r.name} ${showUrl(r.url)} every ${r.intervalS} s${r.public ? ', public' : ''}${r.allowPrivate ? ', private addresses allowed' : ''}${filters.length > 0 ? ` (${filters.join('; ')})` : ''}`;
  });
}
