import type { Database } from '../../db/database.js';

export interface ServerGroupRow {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: string;
  rules: Record<string, unknown>;
  created_at: Date;
}

export class ServerGroupRepository {
  constructor(private readonly db: Database) {}

  async insert(row: Omit<ServerGroupRow, 'created_at'>): Promise<ServerGroupRow> {
    const [saved] = await this.db('server_groups').insert({ ...row, rules: JSON.stringify(row.rules) }).returning('*');
    return saved;
  }

  async get(id: string): Promise<ServerGroupRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return this.db('server_groups').where({ id }).first();
  }

  async list(projectId?: string, opts: { limit?: number; offset?: number } = {}): Promise<ServerGroupRow[]> {
    const q = this.db('server_groups');
    if (projectId) q.where({ project_id: projectId });
    q.orderBy('created_at').orderBy('id');
    if (opts.offset) q.offset(opts.offset);
    if (opts.limit !== undefined) q.limit(opts.limit);
    return q;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('server_groups').where({ id }).delete()) > 0;
  }

  async members(id: string): Promise<Array<{ id: string; host: string | null }>> {
    return this.db('servers').where({ server_group_id: id }).whereNull('deleted_at').select('id', 'host').orderBy('number');
  }

  async countForProject(projectId: string): Promise<number> {
    const [{ n }] = await this.db('server_groups').where({ project_id: projectId }).count({ n: '*' });
    return Number(n);
  }
}
