// The PostgreSQL StatusPageStore: the SQLite one's semantics; writes touching several rows run in
// one transaction, and a unique violation is told apart by its constraint's name.
import type { LogoType } from '../../domain/status-pages.ts';
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
import { transaction, type Pool, type PoolClient } from './pool.ts';

type Queryable = Pool | PoolClient;

/** 23505 unique_violation on the slug or the domain: the same error SQLite's pre-check gives. */
function uniqueViolation(error: unknown, definition: StatusPageDefinition): never {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e?.code === '23505' && e.constraint === 'status_pages_slug_key') throw new StatusPageError('PAGE_SLUG_TAKEN', `slug "${definition.slug}" is already used by another status page`);
  if (e?.code === '23505' && e.constraint === 'status_pages_custom_domain_key') {
    throw new StatusPageError('DOMAIN_TAKEN', `custom domain "${definition.customDomain ?? ''}" is already used by another status page`);
  }
  throw error;
}

const validId = (id: number): boolean => Number.isSafeInteger(id);

export class PgStatusPages implements StatusPageStore {
  readonly #pool: Pool;
  readonly #clock: () => number;

  constructor(pool: Pool, options: { clock?: () => number } = {}) {
    this.#pool = pool;
    this.#clock = options.clock ?? Date.now;
  }

  async #page(db: Queryable, where: string, value: unknown): Promise<StatusPage | undefined> {
    const { rows } = await db.query<PageColumns>(`SELECT ${PAGE_COLUMNS} FROM status_pages WHERE ${where} = $1`, [value]);
    return rows[0] === undefined ? undefined : pageFromColumns(rows[0]);
  }

  async listPages(): Promise<StatusPage[]> {
    const { rows } = await this.#pool.query<PageColumns>(`SELECT ${PAGE_COLUMNS} FROM status_pages ORDER BY slug COLLATE "C"`);
    return rows.map(pageFromColumns);
  }

  getPage(id: number): Promise<StatusPage | undefined> {
    return validId(id) ? this.#page(this.#pool, 'id', id) : Promise.resolve(undefined);
  }

  getPageBySlug(slug: string): Promise<StatusPage | undefined> {
    return this.#page(this.#pool, 'slug', slug);
  }

  defaultPage(): Promise<StatusPage | undefined> {
    return this.#page(this.#pool, 'is_default', true);
  }

  async domains(): Promise<Map<string, string>> {
    const { rows } = await this.#pool.query<{ custom_domain: string; slug: string }>('SELECT custom_domain, slug FROM status_pages WHERE custom_domain IS NOT NULL');
    return new Map(rows.map((r) => [r.custom_domain, r.slug]));
  }

  async createPage(definition: StatusPageDefinition): Promise<StatusPage> {
    const now = this.#clock();
    try {
      return await transaction(this.#pool, async (client) => {
        if (definition.isDefault) await client.query('UPDATE status_pages SET is_default = false WHERE is_default');
        const { rows } = await client.query<PageColumns>(
          `INSERT INTO status_pages (slug, title, description, footer, custom_domain, is_default, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${PAGE_COLUMNS}`,
          [definition.slug, definition.title, definition.description, definition.footer, definition.customDomain, definition.isDefault, now],
        );
        return pageFromColumns(rows[0]!);
      });
    } catch (error) {
      return uniqueViolation(error, definition);
    }
  }

  async updatePage(id: number, definition: StatusPageDefinition): Promise<StatusPage | undefined> {
    if (!validId(id)) return undefined;
    try {
      return await transaction(this.#pool, async (client) => {
        if (definition.isDefault) await client.query('UPDATE status_pages SET is_default = false WHERE is_default AND id <> $1', [id]);
        const { rows } = await client.query<PageColumns>(
          `UPDATE status_pages SET slug = $2, title = $3, description = $4, footer = $5, custom_domain = $6, is_default = $7, updated_ms = $8 WHERE id = $1 RETURNING ${PAGE_COLUMNS}`,
          [id, definition.slug, definition.title, definition.description, definition.footer, definition.customDomain, definition.isDefault, this.#clock()],
        );
        return rows[0] === undefined ? undefined : pageFromColumns(rows[0]);
      });
    } catch (error) {
      return uniqueViolation(error, definition);
    }
  }

  async deletePage(id: number): Promise<boolean> {
    if (!validId(id)) return false;
    const { rowCount } = await this.#pool.query('DELETE FROM status_pages WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async setLogo(id: number, logo: StatusPageLogo | null): Promise<boolean> {
    if (!validId(id)) return false;
    const { rowCount } = await this.#pool.query('UPDATE status_pages SET logo = $2, logo_type = $3, logo_name = $4, logo_size = $5, updated_ms = $6 WHERE id = $1', [
      id,
      logo?.bytes ?? null,
      logo?.contentType ?? null,
      logo?.fileName ?? null,
      logo?.bytes.length ?? null,
      this.#clock(),
    ]);
    return (rowCount ?? 0) > 0;
  }

  async getLogo(id: number): Promise<StatusPageLogo | undefined> {
    if (!validId(id)) return undefined;
    const { rows } = await this.#pool.query<{ logo: Buffer | null; logo_type: string | null; logo_name: string | null }>('SELECT logo, logo_type, logo_name FROM status_pages WHERE id = $1', [id]);
    const row = rows[0];
    if (!row || row.logo === null || row.logo_type === null) return undefined;
    return { bytes: row.logo, contentType: row.logo_type as LogoType, fileName: row.logo_name ?? 'logo' };
  }

  async getGroups(pageId: number): Promise<StatusPageGroup[]> {
    if (!validId(pageId)) return [];
    const { rows: groups } = await this.#pool.query<{ id: number; name: string }>('SELECT id, name FROM status_page_groups WHERE page_id = $1 ORDER BY position', [pageId]);
    const { rows: members } = await this.#pool.query<{ group_id: number; endpoint_id: number }>(
      'SELECT m.group_id, m.endpoint_id FROM status_page_members m JOIN status_page_groups g ON g.id = m.group_id WHERE g.page_id = $1 ORDER BY m.group_id, m.position',
      [pageId],
    );
    return groups.map((g) => ({ name: g.name, endpointIds: members.filter((m) => m.group_id === g.id).map((m) => m.endpoint_id) }));
  }

  async setGroups(pageId: number, groups: readonly StatusPageGroup[]): Promise<boolean> {
    if (!validId(pageId)) return false;
    return transaction(this.#pool, async (client) => {
      const { rowCount } = await client.query('UPDATE status_pages SET updated_ms = $2 WHERE id = $1', [pageId, this.#clock()]);
      if ((rowCount ?? 0) === 0) return false;
      const wanted = [...new Set(groups.flatMap((g) => g.endpointIds))];
      const { rows } = await client.query<{ id: number }>('SELECT id FROM endpoints WHERE id = ANY($1::bigint[])', [wanted]);
      const known = new Set(rows.map((r) => r.id));
      const missing = wanted.find((id) => !known.has(id));
      if (missing !== undefined) throw new StatusPageError('ENDPOINT_NOT_FOUND', `no endpoint with id ${missing}`);
      await client.query('DELETE FROM status_page_groups WHERE page_id = $1', [pageId]);
      for (const [position, group] of groups.entries()) {
        const { rows: inserted } = await client.query<{ id: number }>('INSERT INTO status_page_groups (page_id, name, position) VALUES ($1, $2, $3) RETURNING id', [pageId, group.name, position]);
        const groupId = inserted[0]!.id;
        if (group.endpointIds.length > 0) {
          await client.query(
            'INSERT INTO status_page_members (group_id, endpoint_id, position) SELECT $1, e, p - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS t (e, p) ON CONFLICT DO NOTHING',
            [groupId, [...group.endpointIds]],
          );
        }
      }
      return true;
    });
  }

  async #posts(db: Queryable, where: string, params: unknown[]): Promise<IncidentPost[]> {
    const { rows: posts } = await db.query<PostColumns>(`SELECT ${POST_COLUMNS} FROM incident_posts WHERE ${where}`, params);
    if (posts.length === 0) return [];
    const { rows: updates } = await db.query<UpdateColumns>(`SELECT ${UPDATE_COLUMNS} FROM incident_post_updates WHERE post_id = ANY($1::bigint[])`, [posts.map((p) => p.id)]);
    return postsFromColumns(posts, updates);
  }

  async getPost(postId: number): Promise<IncidentPost | undefined> {
    if (!validId(postId)) return undefined;
    return (await this.#posts(this.#pool, 'id = $1', [postId]))[0];
  }

  listPosts(pageId: number, limit: number): Promise<IncidentPost[]> {
    if (!validId(pageId)) return Promise.resolve([]);
    return this.#posts(this.#pool, 'page_id = $1 ORDER BY updated_ms DESC, id DESC LIMIT $2', [pageId, limit]);
  }

  async createPost(pageId: number, input: PostInput): Promise<IncidentPost | undefined> {
    if (!validId(pageId)) return undefined;
    const now = this.#clock();
    const id = await transaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: number }>(
        'INSERT INTO incident_posts (page_id, title, status, created_ms, resolved_ms, updated_ms) SELECT id, $2, $3, $4, $5, $4 FROM status_pages WHERE id = $1 RETURNING id',
        [pageId, input.title, input.status, now, resolvedAfter(input.status, now)],
      );
      const postId = rows[0]?.id;
      if (postId === undefined) return undefined;
      await client.query('INSERT INTO incident_post_updates (post_id, status, body, at_ms) VALUES ($1, $2, $3, $4)', [postId, input.status, input.body, now]);
      return postId;
    });
    return id === undefined ? undefined : this.getPost(id);
  }

  async addUpdate(postId: number, input: UpdateInput): Promise<IncidentPost | undefined> {
    if (!validId(postId)) return undefined;
    const now = this.#clock();
    const found = await transaction(this.#pool, async (client) => {
      const { rowCount } = await client.query('UPDATE incident_posts SET status = $2, resolved_ms = $3, updated_ms = $4 WHERE id = $1', [postId, input.status, resolvedAfter(input.status, now), now]);
      if ((rowCount ?? 0) === 0) return false;
      await client.query('INSERT INTO incident_post_updates (post_id, status, body, at_ms) VALUES ($1, $2, $3, $4)', [postId, input.status, input.body, now]);
      return true;
    });
    return found ? this.getPost(postId) : undefined;
  }

  async editUpdate(postId: number, updateId: number, body: string): Promise<IncidentPost | undefined> {
    if (!validId(postId) || !validId(updateId)) return undefined;
    // `body` on the right is the old text: an identical re-save keeps the old stamp (or none).
    const { rowCount } = await this.#pool.query(
      'UPDATE incident_post_updates SET edited_at_ms = CASE WHEN body = $3 THEN edited_at_ms ELSE $4 END, body = $3 WHERE id = $2 AND post_id = $1',
      [postId, updateId, body, this.#clock()],
    );
    return (rowCount ?? 0) > 0 ? this.getPost(postId) : undefined;
  }

  async retitlePost(postId: number, title: string): Promise<IncidentPost | undefined> {
    if (!validId(postId)) return undefined;
    const { rowCount } = await this.#pool.query('UPDATE incident_posts SET title = $2 WHERE id = $1', [postId, title]);
    return (rowCount ?? 0) > 0 ? this.getPost(postId) : undefined;
  }

  async deletePost(postId: number): Promise<boolean> {
    if (!validId(postId)) return false;
    const { rowCount } = await this.#pool.query('DELETE FROM incident_posts WHERE id = $1', [postId]);
    return (rowCount ?? 0) > 0;
  }
}
