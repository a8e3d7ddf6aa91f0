import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { RoleRow } from './rows.js';

// Keystone stores global roles with the sentinel domain '<<null>>' so that (name, domain_id) can be unique.
const GLOBAL = '<<null>>';

function toRole(raw: any): RoleRow {
  return { ...raw, domain_id: raw.domain_id === GLOBAL ? null : raw.domain_id };
}

function toColumns(row: Partial<RoleRow>): Record<string, unknown> {
  const columns: Record<string, unknown> = { ...row };
  if ('domain_id' in row) columns.domain_id = row.domain_id ?? GLOBAL;
  return columns;
}

export class RoleRepository extends TableRepository<RoleRow> {
  constructor(db: Database) {
    super(db, 'roles', toRole, toColumns);
  }

  async getByName(name: string, domainId: string | null = null): Promise<RoleRow | undefined> {
    const raw = await this.query().where({ name, domain_id: domainId ?? GLOBAL }).first();
    return raw ? toRole(raw) : undefined;
  }

  async listRoles(filters: { name?: string; domainId?: string | null }): Promise<RoleRow[]> {
    const q = this.query();
    if (filters.name !== undefined) q.where({ name: filters.name });
    q.where({ domain_id: filters.domainId ?? GLOBAL });
    return (await q.orderBy('name')).map(toRole);
  }

  async getMany(ids: string[]): Promise<RoleRow[]> {
    if (ids.length === 0) return [];
    return (await this.query().whereIn('id', ids).orderBy('name')).map(toRole);
  }

  /** Ids of the domain-specific roles. */
  async domainSpecificIds(): Promise<string[]> {
    return (await this.query().whereNot({ domain_id: GLOBAL }).select('id')).map((r: { id: string }) => r.id);
  }

  async addImplied(priorId: string, impliedId: string): Promise<void> {
    await this.db('implied_roles').insert({ prior_role_id: priorId, implied_role_id: impliedId }).onConflict(['prior_role_id', 'implied_role_id']).ignore();
  }

  async removeImplied(priorId: string, impliedId: string): Promise<boolean> {
    return (await this.db('implied_roles').where({ prior_role_id: priorId, implied_role_id: impliedId }).delete()) > 0;
  }

  async impliedExists(priorId: string, impliedId: string): Promise<boolean> {
    return !!(await this.db('implied_roles').where({ prior_role_id: priorId, implied_role_id: impliedId }).first());
  }

  async listImplied(priorId?: string): Promise<Array<{ prior_role_id: string; implied_role_id: string }>> {
    const q = this.db('implied_roles');
    if (priorId) q.where({ prior_role_id: priorId });
    return q.orderBy(['prior_role_id', 'implied_role_id']);
  }

  /** Whether `impliedId` already (transitively) implies `priorId`: adding the edge would make a cycle. */
  async wouldCycle(priorId: string, impliedId: string): Promise<boolean> {
    if (priorId === impliedId) return true;
    const { rows } = await this.db.raw(
      `WITH RECURSIVE reach AS (
         SELECT implied_role_id AS id FROM implied_roles WHERE prior_role_id = ?
         UNION SELECT ir.implied_role_id FROM implied_roles ir JOIN reach ON ir.prior_role_id = reach.id)
       SELECT 1 FROM reach WHERE id = ? LIMIT 1`,
      [impliedId, priorId],
    );
    return rows.length > 0;
  }
}
