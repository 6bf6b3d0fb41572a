// Host-based routing of status pages with a custom domain (issue 16). A request whose Host is a
// page's custom domain sees that page and nothing else: `/` is the page, `/feed.xml` its feed,
// `/status.json` its JSON, `/logo` its logo, `/assets/…` the page's CSS and script; any other path
// is sent to a route that does not exist (404), so the dashboard, private endpoints, the API and
// /metrics are unreachable there. The Host guard lets these names through (host-guard.ts).
//
// Fastify's rewriteUrl runs before routing and is synchronous, so the names (and which page is
// the default) are held in memory and refreshed after every API change and on a timer (other
// nodes on the same database).
import type { StatusPageStore } from '../store/status-pages.ts';

/** Where every other path on a custom domain goes: no route has it, so it is a 404. */
export const CUSTOM_DOMAIN_ELSEWHERE = '/__mcpwatch/not-on-this-host';

export class StatusPageHosts {
  readonly #source: Pick<StatusPageStore, 'domains' | 'defaultPage'>;
  #domains = new Map<string, string>();
  #defaultSlug: string | undefined;
  #version = 0;

  constructor(source: Pick<StatusPageStore, 'domains' | 'defaultPage'>) {
    this.#source = source;
  }

  /** Bumped by every change made through this process: page caches key on it. */
  get version(): number {
    return this.#version;
  }

  async refresh(): Promise<void> {
    const [domains, page] = await Promise.all([this.#source.domains(), this.#source.defaultPage()]);
    this.#domains = domains;
    this.#defaultSlug = page?.slug;
  }

  /**
   * The slug of the page /status shows, as of the last refresh: /status is the busiest public
   * page, and without a default page it must cost no database read.
   */
  get defaultSlug(): string | undefined {
    return this.#defaultSlug;
  }

  /** After a change through the API: pages are built again, domains read again. */
  async changed(): Promise<void> {
    this.#version++;
    await this.refresh();
  }

  /** The slug of the page whose custom domain `hostname` is (lower-case, no port). */
  slugFor(hostname: string): string | undefined {
    return this.#domains.get(hostname);
  }

  /** The page slug a raw Host header names, if it is a custom domain. */
  slugForHost(hostHeader: string | undefined): string | undefined {
    const hostname = hostnameOf(hostHeader);
    return hostname === undefined ? undefined : this.#domains.get(hostname);
  }
}

/** The name of a Host header without its port and trailing dot, lower-case; IPv6 literals are never a domain. */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined || hostHeader.startsWith('[')) return undefined;
  const name = hostHeader.replace(/:\d*$/, '').toLowerCase().replace(/\.$/, '');
  return name === '' ? undefined : name;
}

/** The path the app routes for `url` on the custom domain of page `slug`. */
export function customDomainPath(slug: string, url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  const page = `/status/p/${encodeURIComponent(slug)}`;
  const logo = `/status-pages/${encodeURIComponent(slug)}/logo`;
  switch (path) {
    case '/':
    case page:
      return page + query;
    case '/feed.xml':
    case `${page}/feed.xml`:
      return `${page}/feed.xml`;
    case '/status.json':
    case `${page}.json`:
      return `${page}.json`;
    case '/logo':
    case logo:
      return logo;
    default:
      return /^\/assets\/[A-Za-z0-9._-]+$/.test(path) ? url : CUSTOM_DOMAIN_ELSEWHERE;
  }
}
