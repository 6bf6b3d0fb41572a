// The SQLite StatusPageStore, on the SqliteStore's own connection (see outbox.ts for why not a
// second one). Writes that touch several rows run in one transaction.
import type Database from 'better-sqlite3';
import {
  PAGE_COLUMNS,
  POST_COLUMNS,
  UPDATE_COLUMNS,
  StatusPageError,
  pageFromColumns,
  postsFromColumns,
  resolvedAfter,
  type IncidentPost,
  type PageColumns,
  type PostColumns,
  type PostInput,
  type StatusPage,
  type StatusPageDefinition,
  type StatusPageGroup,
  type StatusPageLogo,
  type StatusPageStore,
  type UpdateColumns,
  type UpdateInput,
} from '../status-pages.ts';
import type { LogoType } from '../../domain/status-pages.ts';

type Row = Record<string, unknown>;

/** The contract's refusals are rejections, not synchronous throws. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export class SqliteStatusPages implements StatusPageStore {
  readonly #db: Database.Database;
  readonly #clock: () => number;

  constructor(db: Database.Database, options: { clock?: () => number } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? Date.now;
  }

  #page(where: string, value: unknown): StatusPage | undefined {
    const row = this.#db.prepare<[unknown], PageColumns>(`SELECT ${PAGE_COLUMNS} FROM status_pages WHERE ${where} = ?`).get(value);
    return row === undefined ? undefined : pageFromColumns(row);
  }

  listPages(): Promise<StatusPage[]> {
    return Promise.resolve(this.#db.prepare<[], PageColumns>(`SELECT ${PAGE_COLUMNS} FROM status_pages ORDER BY slug`).all().map(pageFromColumns));
  }

  getPage(id: number): Promise<StatusPage | undefined> {
    return Promise.resolve(this.#page('id', id));
  }

  getPageBySlug(slug: string): Promise<StatusPage | undefined> {
    return Promise.resolve(this.#page('slug', slug));
  }

  defaultPage(): Promise<StatusPage | undefined> {
    return Promise.resolve(this.#page('is_default', 1));
  }

  domains(): Promise<Map<string, string>> {
    const rows = this.#db.prepare<[], { custom_domain: string; slug: string }>('SELECT custom_domain, slug FROM status_pages WHERE custom_domain IS NOT NULL').all();
    return Promise.resolve(new Map(rows.map((r) => [r.custom_domain, r.slug])));
  }

  #checkUnique(definition: StatusPageDefinition, exceptId: number): void {
    const slugHolder = this.#db.prepare<[string, number], Row>('SELECT id FROM status_pages WHERE slug = ? AND id <> ?').get(definition.slug, exceptId);
    if (slugHolder) throw new StatusPageError('PAGE_SLUG_TAKEN', `slug "${definition.slug}" is already used by status page ${String(slugHolder.id)}`);
    if (definition.customDomain !== null) {
      const holder = this.#db.prepare<[string, number], Row>('SELECT id FROM status_pages WHERE custom_domain = ? AND id <> ?').get(definition.customDomain, exceptId);
      if (holder) throw new StatusPageError('DOMAIN_TAKEN', `custom domain "${definition.customDomain}" is already used by status page ${String(holder.id)}`);
    }
  }

  createPage(definition: StatusPageDefinition): Promise<StatusPage> {
    const now = this.#clock();
    return attempt(() => {
      const id = this.#db.transaction(() => {
        this.#checkUnique(definition, -1);
        if (definition.isDefault) this.#db.prepare('UPDATE status_pages SET is_default = 0 WHERE is_default = 1').run();
        const result = this.#db
          .prepare('INSERT INTO status_pages (slug, title, description, footer, custom_domain, is_default, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(definition.slug, definition.title, definition.description, definition.footer, definition.customDomain, definition.isDefault ? 1 : 0, now, now);
        return Number(result.lastInsertRowid);
      }).immediate();
      return this.#page('id', id)!;
    });
  }

  updatePage(id: number, definition: StatusPageDefinition): Promise<StatusPage | undefined> {
    return attempt(() => {
      const found = this.#db.transaction(() => {
        if (this.#page('id', id) === undefined) return false;
        this.#checkUnique(definition, id);
        if (definition.isDefault) this.#db.prepare('UPDATE status_pages SET is_default = 0 WHERE is_default = 1 AND id <> ?').run(id);
        this.#db
          .prepare('UPDATE status_pages SET slug = ?, title = ?, description = ?, footer = ?, custom_domain = ?, is_default = ?, updated_ms = ? WHERE id = ?')
          .run(definition.slug, definition.title, definition.description, definition.footer, definition.customDomain, definition.isDefault ? 1 : 0, this.#clock(), id);
        return true;
      }).immediate();
      return found ? this.#page('id', id) : undefined;
    });
  }

  deletePage(id: number): Promise<boolean> {
    return Promise.resolve(this.#db.prepare('DELETE FROM status_pages WHERE id = ?').run(id).changes > 0);
  }

  setLogo(id: number, logo: StatusPageLogo | null): Promise<boolean> {
    const result = this.#db
      .prepare('UPDATE status_pages SET logo = ?, logo_type = ?, logo_name = ?, logo_size = ?, updated_ms = ? WHERE id = ?')
      .run(logo?.bytes ?? null, logo?.contentType ?? null, logo?.fileName ?? null, logo?.bytes.length ?? null, this.#clock(), id);
    return Promise.resolve(result.changes > 0);
  }

  getLogo(id: number): Promise<StatusPageLogo | undefined> {
    const row = this.#db.prepare<[number], { logo: Buffer | null; logo_type: string | null; logo_name: string | null }>('SELECT logo, logo_type, logo_name FROM status_pages WHERE id = ?').get(id);
    if (!row || row.logo === null || row.logo_type === null) return Promise.resolve(undefined);
    return Promise.resolve({ bytes: row.logo, contentType: row.logo_type as LogoType, fileName: row.logo_name ?? 'logo' });
  }

  getGroups(pageId: number): Promise<StatusPageGroup[]> {
    const groups = this.#db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM status_page_groups WHERE page_id = ? ORDER BY position').all(pageId);
    const members = this.#db
      .prepare<[number], { group_id: number; endpoint_id: number }>(
        'SELECT m.group_id, m.endpoint_id FROM status_page_members m JOIN status_page_groups g ON g.id = m.group_id WHERE g.page_id = ? ORDER BY m.group_id, m.position',
      )
      .all(pageId);
    return Promise.resolve(groups.map((g) => ({ name: g.name, endpointIds: members.filter((m) => m.group_id === g.id).map((m) => m.endpoint_id) })));
  }

  setGroups(pageId: number, groups: readonly StatusPageGroup[]): Promise<boolean> {
    const exists = this.#db.prepare<[number], Row>('SELECT id FROM endpoints WHERE id = ?');
    return attempt(() =>
      this.#db.transaction(() => {
        if (this.#page('id', pageId) === undefined) return false;
        for (const group of groups) {
          for (const endpointId of group.endpointIds) {
            if (exists.get(endpointId) === undefined) throw new StatusPageError('ENDPOINT_NOT_FOUND', `no endpoint with id ${endpointId}`);
          }
        }
        this.#db.prepare('DELETE FROM status_page_groups WHERE page_id = ?').run(pageId);
        const insertGroup = this.#db.prepare('INSERT INTO status_page_groups (page_id, name, position) VALUES (?, ?, ?)');
        const insertMember = this.#db.prepare('INSERT OR IGNORE INTO status_page_members (group_id, endpoint_id, position) VALUES (?, ?, ?)');
        groups.forEach((group, position) => {
          const groupId = Number(insertGroup.run(pageId, group.name, position).lastInsertRowid);
          group.endpointIds.forEach((endpointId, at) => insertMember.run(groupId, endpointId, at));
        });
        this.#db.prepare('UPDATE status_pages SET updated_ms = ? WHERE id = ?').run(this.#clock(), pageId);
        return true;
      }).immediate(),
    );
  }

  #posts(where: string, params: unknown[]): IncidentPost[] {
    const posts = this.#db.prepare<unknown[], PostColumns>(`SELECT ${POST_COLUMNS} FROM incident_posts WHERE ${where}`).all(...params);
    if (posts.length === 0) return [];
    const ids = posts.map((p) => p.id);
    const updates = this.#db.prepare<number[], UpdateColumns>(`SELECT ${UPDATE_COLUMNS} FROM incident_post_updates WHERE post_id IN (${ids.map(() => '?').join(', ')})`).all(...ids);
    return postsFromColumns(posts, updates);
  }

  getPost(postId: number): Promise<IncidentPost | undefined> {
    return Promise.resolve(this.#posts('id = ?', [postId])[0]);
  }

  listPosts(pageId: number, limit: number): Promise<IncidentPost[]> {
    return Promise.resolve(this.#posts('page_id = ? ORDER BY updated_ms DESC, id DESC LIMIT ?', [pageId, limit]));
  }

  createPost(pageId: number, input: PostInput): Promise<IncidentPost | undefined> {
    const now = this.#clock();
    const id = this.#db.transaction(() => {
      if (this.#page('id', pageId) === undefined) return undefined;
      const postId = Number(
        this.#db
          .prepare('INSERT INTO incident_posts (page_id, title, status, created_ms, resolved_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)')
          .run(pageId, input.title, input.status, now, resolvedAfter(input.status, now), now).lastInsertRowid,
      );
      this.#db.prepare('INSERT INTO incident_post_updates (post_id, status, body, at_ms) VALUES (?, ?, ?, ?)').run(postId, input.status, input.body, now);
      return postId;
    }).immediate();
    return id === undefined ? Promise.resolve(undefined) : this.getPost(id);
  }

  addUpdate(postId: number, input: UpdateInput): Promise<IncidentPost | undefined> {
    const now = this.#clock();
    const found = this.#db.transaction(() => {
      const changed = this.#db.prepare('UPDATE incident_posts SET status = ?, resolved_ms = ?, updated_ms = ? WHERE id = ?').run(input.status, resolvedAfter(input.status, now), now, postId).changes;
      if (changed === 0) return false;
      this.#db.prepare('INSERT INTO incident_post_updates (post_id, status, body, at_ms) VALUES (?, ?, ?, ?)').run(postId, input.status, input.body, now);
      return true;
    }).immediate();
    return found ? this.getPost(postId) : Promise.resolve(undefined);
  }

  editUpdate(postId: number, updateId: number, body: string): Promise<IncidentPost | undefined> {
    // `body` on the right is the old text: an identical re-save keeps the old stamp (or none).
    const changed = this.#db
      .prepare('UPDATE incident_post_updates SET edited_at_ms = CASE WHEN body = ? THEN edited_at_ms ELSE ? END, body = ? WHERE id = ? AND post_id = ?')
      .run(body, this.#clock(), body, updateId, postId).changes;
    return changed > 0 ? this.getPost(postId) : Promise.resolve(undefined);
  }

  retitlePost(postId: number, title: string): Promise<IncidentPost | undefined> {
    const changed = this.#db.prepare('UPDATE incident_posts SET title = ? WHERE id = ?').run(title, postId).changes;
    return changed > 0 ? this.getPost(postId) : Promise.resolve(undefined);
  }

  deletePost(postId: number): Promise<boolean> {
    return Promise.resolve(this.#db.prepare('DELETE FROM incident_posts WHERE id = ?').run(postId).changes > 0);
  }
}
