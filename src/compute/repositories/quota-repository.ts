import type { Database } from '../../db/database.js';

export class QuotaRepository {
  constructor(private readonly db: Database) {}

  async limits(projectId: string): Promise<Record<string, number>> {
    const rows = await this.db('quotas').where({ project_id: projectId });
    return Object.fromEntries(rows.map((r: { resource: string; hard_limit: number }) => [r.resource, r.hard_limit]));
  }

  async set(projectId: string, limits: Record<string, number>): Promise<void> {
    for (const [resource, hard_limit] of Object.entries(limits)) {
      await this.db('quotas').insert({ project_id: projectId, resource, hard_limit }).onConflict(['project_id', 'resource']).merge();
    }
  }

  async reset(projectId: string): Promise<void> {
    await this.db('quotas').where({ project_id: projectId }).delete();
  }
}
