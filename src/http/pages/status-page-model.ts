// One status page an operator made (issue 16): its groups of endpoints with their bars, its
// incident posts with their updates, and the automatic incidents of its endpoints. Pure: facts
// in, the view model, the JSON twin and the feed's items out. Text stays text (the template
// escapes it; nothing here is HTML), and nothing shows a relative time, so a cached page stays true.
import { INCIDENT_POST_STATUS_LABELS } from '../../domain/status-pages.ts';
import type { IncidentPost } from '../../store/status-pages.ts';
import type { StatusPage } from '../../store/status-pages.ts';
import type { Incident } from '../../store/store.ts';
import { formatUtc } from './format.ts';
import type { CardFacts } from './load.ts';
import { OVERALL_TEXT, overallStatus, publicStatus, type OverallStatus } from './status-display.ts';
import { incidentView, statusCard, statusJsonEntry, type IncidentView, type StatusCard, type StatusContext } from './status-model.ts';
import { DAY_MS } from './uptime.ts';

/** Automatic incidents shown: ongoing ones, and those that ended within this window. */
export const RECENT_INCIDENTS_MS = 14 * DAY_MS;
export const AUTO_INCIDENT_LIMIT = 20;
/** Resolved posts shown below the active ones. */
export const PAST_POSTS_LIMIT = 10;

export interface PageGroupFacts {
  readonly name: string;
  /** Published members only, in the page's order. */
  readonly cards: readonly CardFacts[];
}

export interface PageLinks {
  readonly pageUrl: string;
  readonly feedUrl: string;
  readonly jsonUrl: string;
  readonly logoUrl: string;
  /** Endpoint cards link to the endpoint's own public page (not on a custom domain: it serves this page only). */
  readonly linkEndpoints: boolean;
}

export interface PageCard extends Omit<StatusCard, 'href'> {
  readonly href: string | null;
}

export interface UpdateView {
  readonly status: string;
  readonly statusLabel: string;
  readonly at: string;
  readonly atText: string;
  readonly body: string;
  /** When the text was corrected after it was posted; the page marks it so readers can tell. */
  readonly editedAt: string | null;
  readonly editedText: string | null;
}

export interface PostView {
  readonly id: number;
  readonly title: string;
  readonly status: string;
  readonly statusLabel: string;
  readonly createdAt: string;
  readonly createdText: string;
  readonly resolvedAt: string | null;
  readonly updatedAt: string;
  readonly updates: readonly UpdateView[];
}

export interface AutoIncidentView extends IncidentView {
  readonly endpointName: string;
  readonly endpointSlug: string;
}

export interface StatusPageView {
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  readonly footer: string | null;
  readonly logoUrl: string | null;
  readonly logoAlt: string;
  readonly overall: OverallStatus;
  readonly overallText: string;
  readonly groups: ReadonlyArray<{ readonly name: string; readonly cards: readonly PageCard[] }>;
  readonly activePosts: readonly PostView[];
  readonly pastPosts: readonly PostView[];
  readonly incidents: readonly AutoIncidentView[];
  readonly links: PageLinks;
}

export function postView(post: IncidentPost): PostView {
  return {
    id: post.id,
    title: post.title,
    status: post.status,
    statusLabel: INCIDENT_POST_STATUS_LABELS[post.status],
    createdAt: post.createdAt,
    createdText: formatUtc(post.createdAt),
    resolvedAt: post.resolvedAt,
    updatedAt: post.updatedAt,
    updates: post.updates.map((u) => ({
      status: u.status,
      statusLabel: INCIDENT_POST_STATUS_LABELS[u.status],
      at: u.at,
      atText: formatUtc(u.at),
      body: u.body,
      editedAt: u.editedAt,
      editedText: u.editedAt === null ? null : formatUtc(u.editedAt),
    })),
  };
}

/** The member endpoints' incidents worth showing, newest first; an endpoint in two groups counts once. */
export function recentIncidents(groups: readonly PageGroupFacts[], now: number): { incident: Incident; card: CardFacts }[] {
  const seen = new Set<number>();
  const out: { incident: Incident; card: CardFacts }[] = [];
  for (const group of groups) {
    for (const card of group.cards) {
      if (seen.has(card.endpoint.id)) continue;
      seen.add(card.endpoint.id);
      for (const incident of card.daily.incidents) {
        const ended = incident.resolvedAt === null ? now : Date.parse(incident.resolvedAt);
        if (now - ended <= RECENT_INCIDENTS_MS) out.push({ incident, card });
      }
    }
  }
  return out.sort((a, b) => Date.parse(b.incident.startedAt) - Date.parse(a.incident.startedAt) || b.incident.id - a.incident.id).slice(0, AUTO_INCIDENT_LIMIT);
}

export function buildStatusPage(page: StatusPage, groups: readonly PageGroupFacts[], posts: readonly IncidentPost[], links: PageLinks, ctx: StatusContext): StatusPageView {
  const statuses = groups.flatMap((g) => g.cards.map((c) => publicStatus(c.state, c.endpoint, ctx.policy)));
  const overall = overallStatus(statuses);
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    footer: page.footer,
    logoUrl: page.logo === null ? null : links.logoUrl,
    logoAlt: `${page.title} logo`,
    overall,
    overallText: OVERALL_TEXT[overall],
    groups: groups.map((g) => ({ name: g.name, cards: g.cards.map((facts) => ({ ...statusCard(facts, ctx), href: links.linkEndpoints ? `/status/${encodeURIComponent(facts.endpoint.slug)}` : null })) })),
    activePosts: posts.filter((p) => p.status !== 'resolved').map(postView),
    pastPosts: posts
      .filter((p) => p.status === 'resolved')
      .slice(0, PAST_POSTS_LIMIT)
      .map(postView),
    incidents: recentIncidents(groups, ctx.now).map(({ incident, card }) => ({ ...incidentView(incident, ctx.now), endpointName: card.endpoint.name, endpointSlug: card.endpoint.slug })),
    links,
  };
}

/** /status/p/:slug.json: for embedding the page's status elsewhere (CORS *). */
export function statusPageJson(view: StatusPageView, groups: readonly PageGroupFacts[], ctx: StatusContext): unknown {
  return {
    slug: view.slug,
    title: view.title,
    description: view.description,
    status: view.overall,
    statusText: view.overallText,
    url: view.links.pageUrl,
    feedUrl: view.links.feedUrl,
    groups: groups.map((g) => ({ name: g.name, endpoints: g.cards.map((c) => statusJsonEntry(c.endpoint, publicStatus(c.state, c.endpoint, ctx.policy), c.uptime90d, ctx)) })),
    posts: [...view.activePosts, ...view.pastPosts].map(({ id, title, status, createdAt, resolvedAt, updatedAt, updates }) => ({
      id,
      title,
      status,
      createdAt,
      resolvedAt,
      updatedAt,
      updates: updates.map(({ status: s, at, body, editedAt }) => ({ status: s, at, body, editedAt })),
    })),
    incidents: view.incidents.map((i) => ({ endpoint: i.endpointSlug, startedAt: i.startedAt, resolvedAt: i.resolvedAt, code: i.code, summary: i.summary })),
  };
}
