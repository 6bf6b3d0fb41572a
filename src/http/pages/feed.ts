// A status page's incidents as RSS 2.0 (issue 16). RSS rather than Atom: the page advertises
// `application/rss+xml`, which every reader and Slack's and Teams' feed apps take, and RSS needs
// no per-entry author or `updated` we would have to invent for automatic incidents. One item per
// incident post (its updates, newest first, in the description; its guid stable, so a reader shows
// it once and its pubDate moves with each update) and one per automatic incident of a member endpoint.
import { escapeXml } from './badge.ts';
import type { AutoIncidentView, PostView, StatusPageView } from './status-page-model.ts';

export const FEED_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

interface Item {
  readonly title: string;
  readonly link: string;
  readonly guid: string;
  readonly at: string;
  readonly description: string;
}

const rfc822 = (iso: string): string => new Date(iso).toUTCString();

function postItem(post: PostView, pageUrl: string): Item {
  const description = post.updates.map((u) => `${u.statusLabel} (${u.atText}${u.editedText === null ? '' : `, edited ${u.editedText}`}): ${u.body}`).join('\n\n');
  return { title: `[${post.statusLabel}] ${post.title}`, link: `${pageUrl}#post-${post.id}`, guid: `post-${post.id}`, at: post.updatedAt, description };
}

function incidentItem(incident: AutoIncidentView, pageUrl: string): Item {
  const state = incident.ongoing ? `ongoing since ${incident.startedText}` : `from ${incident.startedText} to ${incident.resolvedText} (${incident.durationText})`;
  return {
    title: `${incident.endpointName}: ${incident.ongoing ? 'outage' : 'resolved outage'} — ${incident.summary}`,
    link: `${pageUrl}#incident-${incident.id}`,
    guid: `incident-${incident.id}-${incident.ongoing ? 'open' : 'resolved'}`,
    at: incident.resolvedAt ?? incident.startedAt,
    description: `${incident.endpointName} ${state}: ${incident.summary} (${incident.code}).`,
  };
}

/** `origin` is the scheme and host the page is reached at (no trailing slash): RSS links are absolute. */
export function statusPageFeed(view: StatusPageView, origin: string): string {
  const pageUrl = `${origin}${view.links.pageUrl}`;
  const items = [...view.activePosts, ...view.pastPosts].map((p) => postItem(p, pageUrl)).concat(view.incidents.map((i) => incidentItem(i, pageUrl)));
  items.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const newest = items[0]?.at;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${escapeXml(view.title)}</title>`,
    `<link>${escapeXml(pageUrl)}</link>`,
    `<description>${escapeXml(view.description ?? `Incidents on ${view.title}`)}</description>`,
    `<atom:link href="${escapeXml(`${origin}${view.links.feedUrl}`)}" rel="self" type="application/rss+xml"/>`,
    '<generator>mcpwatch</generator>',
    ...(newest ? [`<lastBuildDate>${rfc822(newest)}</lastBuildDate>`] : []),
    ...items.map(
      (item) =>
        `<item><title>${escapeXml(item.title)}</title><link>${escapeXml(item.link)}</link><guid isPermaLink="false">${escapeXml(item.guid)}</guid><pubDate>${rfc822(item.at)}</pubDate><description>${escapeXml(item.description)}</description></item>`,
    ),
    '</channel>',
    '</rss>',
    '',
  ];
  return lines.join('\n');
}
