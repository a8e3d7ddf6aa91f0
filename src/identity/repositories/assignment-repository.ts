import type { Database } from '../../db/database.js';
import type { AssignmentRow, AssignmentType, RoleRow } from './rows.js';

export const SYSTEM_TARGET = 'system';

export interface AssignmentFilter {
  types?: AssignmentType[];
  actorIds?: string[];
  targetId?: string;
  targetIds?: string[];
  roleId?: string;
  roleIds?: string[];
  inherited?: boolean;
}

export class AssignmentRepository {
  constructor(private readonly db: Database) {}

  async grant(a: AssignmentRow): Promise<void> {
    await this.db('role_assignments').insert(a).onConflict(['type', 'actor_id', 'target_id', 'role_id', 'inherited']).ignore();
  }

  async revoke(a: AssignmentRow): Promise<boolean> {
    return (await this.db('role_assignments').where(a).delete()) > 0;
  }

  async exists(a: AssignmentRow): Promise<boolean> {
    return !!(await this.db('role_assignments').where(a).first());
  }

  async list(f: AssignmentFilter): Promise<AssignmentRow[]> {
    const q = this.db('role_assignments');
    if (f.types) q.whereIn('type', f.types);
    if (f.actorIds) q.whereIn('actor_id', f.actorIds);
    if (f.targetId !== undefined) q.where('target_id', f.targetId);
    if (f.targetIds) q.whereIn('target_id', f.targetIds);
    if (f.roleId !== undefined) q.where('role_id', f.roleId);
    if (f.roleIds) q.whereIn('role_id', f.roleIds);
    if (f.inherited !== undefined) q.where('inherited', f.inherited);
    return q.orderBy(['type', 'actor_id', 'target_id', 'role_id']);
  }

  /** Removes every assignment of an actor (user or group) or on a target (project or domain). */
  async deleteFor(id: string): Promise<void> {
    await this.db('role_assignments').where('actor_id', id).orWhere('target_id', id).delete();
  }

  /**
   * The roles a user holds on a scope, as Keystone computes them for a token: direct and group grants,
   * grants inherited from the project's domain and ancestors (OS-INHERIT), then implied roles.
   * Domain-specific roles only imply; they are never listed (Keystone's token rule).
   */
  async effectiveRoles(userId: string, scope: { project: string } | { domain: string } | { system: string }): Promise<RoleRow[]> {
    let direct: string;
    let bindings: unknown[];
    if ('project' in scope) {
      direct = `
        WITH RECURSIVE ancestors AS (
          SELECT id, parent_id, domain_id, 0 AS depth FROM projects WHERE id = :target
          UNION ALL SELECT p.id, p.parent_id, p.domain_id, a.depth + 1 FROM projects p JOIN ancestors a ON p.id = a.parent_id),
        actors AS (SELECT CAST(:user AS varchar) AS id UNION SELECT group_id FROM group_members WHERE user_id = :user),
        direct AS (
          SELECT ra.role_id FROM role_assignments ra WHERE ra.actor_id IN (SELECT id FROM actors) AND (
            (ra.type IN ('UserProject','GroupProject') AND ra.target_id = :target AND NOT ra.inherited)
            OR (ra.type IN ('UserProject','GroupProject') AND ra.inherited AND ra.target_id IN (SELECT id FROM ancestors WHERE depth > 0))
            OR (ra.type IN ('UserDomain','GroupDomain') AND ra.inherited AND ra.target_id IN (SELECT domain_id FROM ancestors WHERE depth = 0))))`;
      bindings = [scope.project];
    } else {
      const types = 'domain' in scope ? `('UserDomain','GroupDomain')` : `('UserSystem','GroupSystem')`;
      direct = `
        WITH RECURSIVE actors AS (SELECT CAST(:user AS varchar) AS id UNION SELECT group_id FROM group_members WHERE user_id = :user),
        direct AS (
          SELECT ra.role_id FROM role_assignments ra WHERE ra.actor_id IN (SELECT id FROM actors)
            AND ra.type IN ${types} AND ra.target_id = :target AND NOT ra.inherited)`;
      bindings = ['domain' in scope ? scope.domain : scope.system];
    }
    const { rows } = await this.db.raw(
      `${direct},
       closure AS (
         SELECT role_id FROM direct
         UNION SELECT ir.implied_role_id FROM implied_roles ir JOIN closure c ON ir.prior_role_id = c.role_id)
       SELECT r.id, r.name FROM roles r WHERE r.id IN (SELECT role_id FROM closure) AND r.domain_id = '<<null>>' ORDER BY r.name`,
      { user: userId, target: bindings[0] },
    );
    return rows;
  }

  /** Projects on which the user holds at least one role (directly, through a group, or inherited). */
  async projectIdsWithRoles(userId: string): Promise<string[]> {
    const { rows } = await this.db.raw(
      `WITH RECURSIVE actors AS (SELECT CAST(:user AS varchar) AS id UNION SELECT group_id FROM group_members WHERE user_id = :user),
       grants AS (SELECT ra.* FROM role_assignments ra WHERE ra.actor_id IN (SELECT id FROM actors)),
       direct AS (SELECT target_id AS id FROM grants WHERE type IN ('UserProject','GroupProject') AND NOT inherited),
       inherited_roots AS (SELECT target_id AS id FROM grants WHERE type IN ('UserProject','GroupProject') AND inherited),
       subtree AS (
         SELECT p.id FROM projects p WHERE p.parent_id IN (SELECT id FROM inherited_roots)
         UNION SELECT p.id FROM projects p JOIN subtree s ON p.parent_id = s.id),
       from_domains AS (SELECT p.id FROM projects p JOIN grants g ON g.target_id = p.domain_id
         WHERE g.type IN ('UserDomain','GroupDomain') AND g.inherited)
       SELECT id FROM direct UNION SELECT id FROM subtree UNION SELECT id FROM from_domains`,
      { user: userId },
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Domains on which the user holds a role directly or through a group. */
  async domainIdsWithRoles(userId: string): Promise<string[]> {
    const { rows } = await this.db.raw(
      `SELECT DISTINCT target_id AS id FROM role_assignments
       WHERE type IN ('UserDomain','GroupDomain') AND NOT inherited
         AND actor_id IN (SELECT CAST(:user AS varchar) UNION SELECT group_id FROM group_members WHERE user_id = :user)`,
      { user: userId },
    );
    return rows.map((r: { id: string }) => r.id);
  }
}
