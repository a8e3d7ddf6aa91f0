import type { Database } from '../../db/database.js';

/**
 * Quota limits beyond the per-project ones of QuotaRepository: per-user limits inside a project and
 * quota classes (tables of db/migrations/20261128_0011_compute_quota_scopes.ts). A missing row means
 * "inherit": a user inherits the project's limit, the default class the configured defaults.
 */
export class QuotaScopeRepository {
  constructor(private readonly db: Database) {}

  async userLimits(projectId: string, userId: string): Promise<Record<string, number>> {
    const rows = await this.db('project_user_quotas').where({ project_id: projectId, user_id: userId });
    return Object.fromEntries(rows.map((r: { resource: string; hard_limit: number }) => [r.resource, r.hard_limit]));
  }

  async setUserLimits(projectId: string, userId: string, limits: Record<string, number>): Promise<void> {
    await this.db.transaction(async (t) => {
      for (const [resource, hard_limit] of Object.entries(limits)) {
        await t('project_user_quotas').insert({ project_id: projectId, user_id: userId, resource, hard_limit }).onConflict(['project_id', 'user_id', 'resource']).merge();
      }
    });
  }

  async resetUser(projectId: string, userId: string): Promise<void> {
    await this.db('project_user_quotas').where({ project_id: projectId, user_id: userId }).delete();
  }

  /** Deleting a project's quotas deletes its users' quotas too (Nova's destroy_all_by_project). */
  async resetProjectUsers(projectId: string): Promise<void> {
    await this.db('project_user_quotas').where({ project_id: projectId }).delete();
  }

  async classLimits(className: string): Promise<Record<string, number>> {
    const rows = await this.db('quota_classes').where({ class_name: className });
    return Object.fromEntries(rows.map((r: { resource: string; hard_limit: number }) => [r.resource, r.hard_limit]));
  }

  async setClassLimits(className: string, limits: Record<string, number>): Promise<void> {
    await this.db.transaction(async (t) => {
      for (const [resource, hard_limit] of Object.entries(limits)) {
        await t('quota_classes').insert({ class_name: className, resource, hard_limit }).onConflict(['class_name', 'resource']).merge();
      }
    });
  }

  /** What one user's servers use in a project (Nova counts instances, cores and ram per user too). */
  async userServerUsage(projectId: string, userId: string): Promise<{ instances: number; cores: number; ram: number }> {
    const { rows } = await this.db.raw(
      `SELECT count(*)::int AS instances, coalesce(sum((flavor->>'vcpus')::int), 0)::int AS cores,
              coalesce(sum((flavor->>'ram')::int), 0)::int AS ram
       FROM servers WHERE project_id = ? AND user_id = ? AND deleted_at IS NULL`,
      [projectId, userId],
    );
    return rows[0];
  }
}
