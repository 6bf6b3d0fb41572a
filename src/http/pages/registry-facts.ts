// What a registry says about an endpoint, as the pages show it. Registry text is untrusted (anyone
// can publish a server): the templates escape every string, and only an http(s) URL becomes a
// link, marked rel="noopener nofollow ugc" and never loaded by the page (no icons, no previews).
import type { RegistryFacts, RegistryStatus } from '../../store/registries.ts';
import type { RegistryView } from '../../registry/status.ts';

export interface LinkView {
  /** Only for http and https URLs; otherwise the URL is shown as text. */
  readonly href: string | null;
  readonly text: string;
}

export interface RegistryFactsView {
  readonly registry: string;
  readonly serverName: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly version: string | null;
  readonly repository: LinkView | null;
  readonly website: LinkView | null;
  readonly status: RegistryStatus;
  /** Words for a status other than active; null when active. */
  readonly statusText: string | null;
}

const STATUS_TEXT: Readonly<Record<RegistryStatus, string | null>> = {
  active: null,
  deprecated: 'Deprecated in the registry',
  deleted: 'Deleted from the registry (archived here, history kept)',
};

export function registryFactsView(facts: RegistryFacts | undefined): RegistryFactsView | null {
  if (facts === undefined) return null;
  return {
    registry: facts.registry,
    serverName: facts.serverName,
    title: facts.title,
    description: facts.description,
    version: facts.version,
    repository: link(facts.repositoryUrl),
    website: link(facts.websiteUrl),
    status: facts.status,
    statusText: STATUS_TEXT[facts.status],
  };
}

export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function link(url: string | null): LinkView | null {
  if (url === null) return null;
  return { href: safeHref(url), text: url };
}

/** The dashboard's notice: registries whose last sync failed, so the list shown may be stale. */
export function failingRegistries(views: readonly RegistryView[]): { readonly name: string; readonly error: string; readonly lastSuccessAt: string | null }[] {
  return views.filter((v) => v.state === 'failing').map((v) => ({ name: v.name, error: v.lastError ?? 'unknown error', lastSuccessAt: v.lastSuccessAt }));
}
