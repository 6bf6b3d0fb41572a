// The status pages an operator makes (issue 16): pages, their groups of endpoints, their logo, and
// incident posts with their updates. One contract, two backends (sqlite/status-pages.ts,
// postgres/status-pages.ts), one suite (test/store/contract/status-page-cases.ts). Inputs arrive
// validated (src/http/api/status-page-input.ts); the tables hold the same bounds as CHECKs.
import type { IncidentPostStatus, LogoType } from '../domain/status-pages.ts';
import { isIncidentPostStatus, isLogoType } from '../domain/status-pages.ts';

export interface StatusPageDefinition {
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  readonly footer: string | null;
  /** A host name (lower-case, no port) that serves this page at `/`; null for none. */
  readonly customDomain: string | null;
  /** The page /status shows; at most one page is the default (making one clears the others). */
  readonly isDefault: boolean;
}

export interface LogoInfo {
  readonly contentType: LogoType;
  readonly fileName: string;
  readonly size: number;
}

export interface StatusPage extends StatusPageDefinition {
  readonly id: number;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly logo: LogoInfo | null;
}

export interface StatusPageLogo {
  readonly bytes: Buffer;
  readonly contentType: LogoType;
  readonly fileName: string;
}

export interface StatusPageGroup {
  readonly name: string;
  /** In the order shown. */
  readonly endpointIds: readonly number[];
}

export interface IncidentUpdate {
  readonly id: number;
  readonly status: IncidentPostStatus;
  readonly body: string;
  readonly at: string;
  /** When the text was last corrected (ISO 8601, like `at`); null for the text as first posted. */
  readonly editedAt: string | null;
}

export interface IncidentPost {
  readonly id: number;
  readonly pageId: number;
  readonly title: string;
  /** The latest update's status. */
  readonly status: IncidentPostStatus;
  readonly createdAt: string;
  /** When an update said "resolved" (the latest such), null while open. */
  readonly resolvedAt: string | null;
  /** The latest update's time. */
  readonly updatedAt: string;
  /** Newest first. */
  readonly updates: readonly IncidentUpdate[];
}

export interface UpdateInput {
  readonly status: IncidentPostStatus;
  readonly body: string;
}

export interface PostInput extends UpdateInput {
  readonly title: string;
}

export type StatusPageErrorCode = 'PAGE_SLUG_TAKEN' | 'DOMAIN_TAKEN' | 'ENDPOINT_NOT_FOUND';

/** A refused write every backend reports the same way; the API maps the codes to 409/400. */
export class StatusPageError extends Error {
  readonly code: StatusPageErrorCode;
  constructor(code: StatusPageErrorCode, message: string) {
    super(message);
    this.name = 'StatusPageError';
    this.code = code;
  }
}

export interface StatusPageStore {
  /** Every page, by slug; logos as LogoInfo only. */
  listPages(): Promise<StatusPage[]>;
  getPage(id: number): Promise<StatusPage | undefined>;
  getPageBySlug(slug: string): Promise<StatusPage | undefined>;
  /** The page marked default, if any. */
  defaultPage(): Promise<StatusPage | undefined>;
  /** Custom domain → page slug, for host routing. */
  domains(): Promise<Map<string, string>>;
  /** PAGE_SLUG_TAKEN or DOMAIN_TAKEN when another page holds them. */
  createPage(definition: StatusPageDefinition): Promise<StatusPage>;
  /** Undefined when there is no such page; PAGE_SLUG_TAKEN or DOMAIN_TAKEN as for create. */
  updatePage(id: number, definition: StatusPageDefinition): Promise<StatusPage | undefined>;
  /** Deletes the page with its groups, logo and posts; false when there was none. */
  deletePage(id: number): Promise<boolean>;
  /** Sets (or with null removes) the page's logo; false when there is no such page. */
  setLogo(id: number, logo: StatusPageLogo | null): Promise<boolean>;
  getLogo(id: number): Promise<StatusPageLogo | undefined>;
  /** The page's groups in order; [] for an unknown page. */
  getGroups(pageId: number): Promise<StatusPageGroup[]>;
  /**
   * Replaces all the page's groups and memberships in one transaction. False when there is no
   * such page; ENDPOINT_NOT_FOUND (nothing changed) when an endpoint id does not exist.
   */
  setGroups(pageId: number, groups: readonly StatusPageGroup[]): Promise<boolean>;
  /** A post with its first update; undefined when there is no such page. */
  createPost(pageId: number, input: PostInput): Promise<IncidentPost | undefined>;
  /** Adds an update (the post takes its status); undefined when there is no such post. */
  addUpdate(postId: number, input: UpdateInput): Promise<IncidentPost | undefined>;
  /**
   * Corrects the text of one update (its status and time stay: they are the record of what was
   * said when) and stamps `editedAt` with the store's clock; the same text again changes nothing.
   * Undefined when the post has no such update.
   */
  editUpdate(postId: number, updateId: number, body: string): Promise<IncidentPost | undefined>;
  /** Renames a post; undefined when there is no such post. */
  retitlePost(postId: number, title: string): Promise<IncidentPost | undefined>;
  deletePost(postId: number): Promise<boolean>;
  getPost(postId: number): Promise<IncidentPost | undefined>;
  /** The page's posts, newest update first, at most `limit`, each with its updates. */
  listPosts(pageId: number, limit: number): Promise<IncidentPost[]>;
}

// --- codecs both backends share ----------------------------------------------------------------

export const PAGE_COLUMNS = 'id, slug, title, description, footer, custom_domain, is_default, logo_type, logo_name, logo_size, created_ms, updated_ms';

export interface PageColumns {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  readonly description: string | null;
  readonly footer: string | null;
  readonly custom_domain: string | null;
  readonly is_default: number | boolean;
  readonly logo_type: string | null;
  readonly logo_name: string | null;
  readonly logo_size: number | null;
  readonly created_ms: number;
  readonly updated_ms: number;
}

export function pageFromColumns(row: PageColumns): StatusPage {
  const logo = row.logo_type !== null && isLogoType(row.logo_type) ? { contentType: row.logo_type, fileName: row.logo_name ?? 'logo', size: Number(row.logo_size ?? 0) } : null;
  return {
    id: Number(row.id),
    slug: row.slug,
    title: row.title,
    description: row.description,
    footer: row.footer,
    customDomain: row.custom_domain,
    isDefault: row.is_default === true || row.is_default === 1,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    updatedAt: new Date(Number(row.updated_ms)).toISOString(),
    logo,
  };
}

export interface PostColumns {
  readonly id: number;
  readonly page_id: number;
  readonly title: string;
  readonly status: string;
  readonly created_ms: number;
  readonly resolved_ms: number | null;
  readonly updated_ms: number;
}

export interface UpdateColumns {
  readonly id: number;
  readonly post_id: number;
  readonly status: string;
  readonly body: string;
  readonly at_ms: number;
  readonly edited_at_ms: number | null;
}

export const POST_COLUMNS = 'id, page_id, title, status, created_ms, resolved_ms, updated_ms';
export const UPDATE_COLUMNS = 'id, post_id, status, body, at_ms, edited_at_ms';

const iso = (ms: number): string => new Date(Number(ms)).toISOString();
const statusOf = (text: string): IncidentPostStatus => (isIncidentPostStatus(text) ? text : 'investigating');

/** Posts with their updates (any order in); updates newest first. */
export function postsFromColumns(posts: readonly PostColumns[], updates: readonly UpdateColumns[]): IncidentPost[] {
  const byPost = new Map<number, UpdateColumns[]>();
  for (const u of updates) {
    const list = byPost.get(Number(u.post_id)) ?? [];
    list.push(u);
    byPost.set(Number(u.post_id), list);
  }
  return posts.map((p) => ({
    id: Number(p.id),
    pageId: Number(p.page_id),
    title: p.title,
    status: statusOf(p.status),
    createdAt: iso(p.created_ms),
    resolvedAt: p.resolved_ms === null ? null : iso(p.resolved_ms),
    updatedAt: iso(p.updated_ms),
    updates: (byPost.get(Number(p.id)) ?? [])
      .sort((a, b) => Number(b.at_ms) - Number(a.at_ms) || Number(b.id) - Number(a.id))
      .map((u) => ({ id: Number(u.id), status: statusOf(u.status), body: u.body, at: iso(u.at_ms), editedAt: u.edited_at_ms === null ? null : iso(u.edited_at_ms) })),
  }));
}

/** The post's columns after an update with `status` at `atMs`: resolved keeps its time until reopened. */
export function resolvedAfter(status: IncidentPostStatus, atMs: number): number | null {
  return status === 'resolved' ? atMs : null;
}
