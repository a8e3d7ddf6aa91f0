// SQL for images. State changes are compare-and-swap on `status` (and the upload token), so two
// uploads to one image cannot both win and a deleted image is never brought back.
import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { ImageRow, ImageStatus } from './rows.js';

export interface SortKey {
  key: string;
  dir: 'asc' | 'desc';
}

export interface ImageListQuery {
  /** The caller's project; undefined for an unscoped caller. */
  projectId?: string;
  admin: boolean;
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  /** Applies to images shared with the caller: accepted (default), pending, rejected or all. */
  memberStatus: 'accepted' | 'pending' | 'rejected' | 'all';
  /** Column equality or `in:` lists. */
  equals: Record<string, string[]>;
  /** Extra-property equality. */
  properties: Record<string, string>;
  tags: string[];
  sizeMin?: number;
  sizeMax?: number;
  /** undefined: hidden images are left out, as Glance does by default. */
  osHidden?: boolean;
  protected?: boolean;
  /** `gte:2020-01-01T00:00:00Z`-style comparisons on created_at / updated_at. */
  times: Array<{ column: 'created_at' | 'updated_at'; op: string; value: Date }>;
  sort: SortKey[];
  limit: number;
  marker?: ImageRow;
}

const OPS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '<>' };

export class ImageRepository extends TableRepository<ImageRow> {
  constructor(db: Database) {
    super(db, 'images');
  }

  async search(q: ImageListQuery): Promise<ImageRow[]> {
    const query = this.query().select('images.*');
    this.applyVisibility(query, q);
    for (const [column, values] of Object.entries(q.equals)) query.whereIn(column, values);
    for (const [key, value] of Object.entries(q.properties)) query.whereRaw('properties ->> ? = ?', [key, value]);
    for (const tag of q.tags) query.whereRaw('tags @> ?::jsonb', [JSON.stringify([tag])]);
    if (q.sizeMin !== undefined) query.where('size', '>=', q.sizeMin);
    if (q.sizeMax !== undefined) query.where('size', '<=', q.sizeMax);
    if (q.osHidden === undefined) query.where('os_hidden', false);
    else query.where('os_hidden', q.osHidden);
    if (q.protected !== undefined) query.where('protected', q.protected);
    for (const t of q.times) query.where(t.column, OPS[t.op], t.value);
    if (q.marker) this.applyMarker(query, q.sort, q.marker);
    for (const s of q.sort) query.orderByRaw(`?? ${s.dir} nulls ${s.dir === 'asc' ? 'first' : 'last'}`, [s.key]);
    return (await query.limit(q.limit)).map(this.toRow);
  }

  /** Glance's visibility rules for listing (glance/db/sqlalchemy/api.py, _select_images_query). */
  private applyVisibility(query: Knex.QueryBuilder, q: ImageListQuery): void {
    const project = q.projectId ?? '';
    const memberClause = (b: Knex.QueryBuilder) => {
      b.whereExists((sub) => {
        sub.select(this.db.raw('1')).from('image_members').whereRaw('image_members.image_id = images.id').where('image_members.member_id', project);
        if (q.memberStatus !== 'all') sub.where('image_members.status', q.memberStatus);
      });
    };
    if (q.admin) {
      if (q.visibility && q.visibility !== 'all') query.where('visibility', q.visibility);
      return;
    }
    switch (q.visibility) {
      case 'public':
      case 'community':
        query.where('visibility', q.visibility);
        return;
      case 'private':
        query.where({ visibility: 'private', owner: project });
        return;
      case 'shared':
        query.where('visibility', 'shared').where((b) => {
          b.where('owner', project).orWhere((m) => memberClause(m));
        });
        return;
      default:
        // Without a filter: the caller's own images, public ones and those shared with it; community
        // images only with visibility=all or visibility=community.
        query.where((b) => {
          b.where('owner', project)
            .orWhere('visibility', 'public')
            .orWhere((s) => {
              s.where('visibility', 'shared');
              memberClause(s);
            });
          if (q.visibility === 'all') b.orWhere('visibility', 'community');
        });
    }
  }

  /** Keyset pagination over any sort: rows strictly after the marker in the sort order (NULLs first when ascending). */
  private applyMarker(query: Knex.QueryBuilder, sort: SortKey[], marker: ImageRow): void {
    const m = marker as unknown as Record<string, unknown>;
    query.where((outer) => {
      sort.forEach((s, i) => {
        outer.orWhere((branch) => {
          for (const prev of sort.slice(0, i)) {
            const v = m[prev.key];
            if (v === null || v === undefined) branch.whereNull(prev.key);
            else branch.where(prev.key, v as any);
          }
          const v = m[s.key];
          if (s.dir === 'asc') {
            if (v === null || v === undefined) branch.whereNotNull(s.key);
            else branch.where(s.key, '>', v as any);
          } else if (v === null || v === undefined) {
            branch.whereRaw('false');
          } else {
            branch.where((x) => x.where(s.key, '<', v as any).orWhereNull(s.key));
          }
        });
      });
    });
  }

  /** Moves an image from one of `from` to `to` with `patch`; undefined when the image was not in `from`. */
  async transition(id: string, from: ImageStatus[], to: ImageStatus, patch: Partial<ImageRow> = {}, uploadToken?: string | null): Promise<ImageRow | undefined> {
    const columns = this.columns({ ...patch, status: to, updated_at: new Date() });
    const q = this.query().where({ id }).whereIn('status', from);
    if (uploadToken !== undefined) q.where('upload_token', uploadToken);
    const [raw] = await q.update(columns).returning('*');
    return raw ? this.toRow(raw) : undefined;
  }

  async heartbeat(id: string, uploadToken: string): Promise<void> {
    await this.query().where({ id, upload_token: uploadToken }).update({ upload_heartbeat_at: new Date() });
  }

  /** Images whose upload or import stopped making progress before `before` (their process died). */
  async staleUploads(before: Date): Promise<ImageRow[]> {
    const rows = await this.query()
      .whereIn('status', ['saving', 'importing'])
      .where((b) => b.whereNull('upload_heartbeat_at').orWhere('upload_heartbeat_at', '<', before));
    return rows.map(this.toRow);
  }

  /** What a project uses against its quotas. */
  async usage(owner: string): Promise<{ count: number; bytes: number; staged: number; uploading: number }> {
    const row = await this.query()
      .where({ owner })
      .first(
        this.db.raw('count(*)::bigint AS count'),
        this.db.raw('coalesce(sum(size), 0)::bigint AS bytes'),
        this.db.raw('coalesce(sum(staged_size), 0)::bigint AS staged'),
        this.db.raw("count(*) FILTER (WHERE status IN ('saving', 'uploading', 'importing'))::bigint AS uploading"),
      );
    return { count: Number(row.count), bytes: Number(row.bytes), staged: Number(row.staged), uploading: Number(row.uploading) };
  }

  async updateFields(id: string, patch: Partial<ImageRow>): Promise<ImageRow | undefined> {
    return this.update(id, { ...patch, updated_at: new Date() });
  }

  private columns(patch: Partial<ImageRow>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      out[k] = v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v;
    }
    return out;
  }
}
