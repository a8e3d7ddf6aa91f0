import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';

export interface FlavorRow {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
  created_at?: Date;
}

export interface FlavorQuery {
  /** true, false, or undefined for both (`is_public=None`). */
  isPublic?: boolean;
  /** Private flavors this project may use are included when isPublic is true (Nova's rule for non-admins). */
  projectId?: string;
  minRam?: number;
  minDisk?: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit?: number;
  /** The flavor id after which to start. */
  marker?: FlavorRow;
}

export class FlavorRepository extends TableRepository<FlavorRow> {
  constructor(db: Database) {
    super(db, 'flavors');
  }

  async getByName(name: string): Promise<FlavorRow | undefined> {
    return this.query().where({ name }).first();
  }

  async search(q: FlavorQuery): Promise<FlavorRow[]> {
    const query = this.query();
    if (q.isPublic === true && q.projectId) {
      query.where((w) => w.where('is_public', true).orWhereIn('id', this.db('flavor_projects').select('flavor_id').where('project_id', q.projectId!)));
    } else if (q.isPublic !== undefined) {
      query.where('is_public', q.isPublic);
    }
    if (q.minRam !== undefined) query.where('ram', '>=', q.minRam);
    if (q.minDisk !== undefined) query.where('disk', '>=', q.minDisk);
    const op = q.sortDir === 'asc' ? '>' : '<';
    if (q.marker) {
      const key = q.sortKey;
      const value = (q.marker as unknown as Record<string, unknown>)[key];
      query.where((w) => w.where(key, op, value as never).orWhere((w2) => w2.where(key, value as never).andWhere('id', op, q.marker!.id)));
    }
    query.orderBy([{ column: q.sortKey, order: q.sortDir }, { column: 'id', order: q.sortDir }]);
    if (q.limit !== undefined) query.limit(q.limit);
    return query;
  }

  async projects(flavorId: string): Promise<string[]> {
    return (await this.db('flavor_projects').where({ flavor_id: flavorId }).orderBy('project_id')).map((r: { project_id: string }) => r.project_id);
  }

  async addProject(flavorId: string, projectId: string): Promise<boolean> {
    const rows = await this.db('flavor_projects').insert({ flavor_id: flavorId, project_id: projectId }).onConflict(['flavor_id', 'project_id']).ignore().returning('flavor_id');
    return rows.length > 0;
  }

  async removeProject(flavorId: string, projectId: string): Promise<boolean> {
    return (await this.db('flavor_projects').where({ flavor_id: flavorId, project_id: projectId }).delete()) > 0;
  }

  async hasAccess(flavorId: string, projectId: string): Promise<boolean> {
    return !!(await this.db('flavor_projects').where({ flavor_id: flavorId, project_id: projectId }).first());
  }
}
