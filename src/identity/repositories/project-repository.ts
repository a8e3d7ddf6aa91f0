import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { ProjectRow } from './rows.js';

export class ProjectRepository extends TableRepository<ProjectRow> {
  constructor(db: Database) {
    super(db, 'projects');
  }

  async getByName(domainId: string, name: string): Promise<ProjectRow | undefined> {
    return this.query().where({ domain_id: domainId, name }).first();
  }

  async hasChildren(id: string): Promise<boolean> {
    return !!(await this.query().where({ parent_id: id }).first('id'));
  }

  async countInDomain(domainId: string): Promise<number> {
    const [{ count }] = await this.query().where({ domain_id: domainId }).count({ count: '*' });
    return Number(count);
  }

  /** The project's ancestors, nearest first. */
  async ancestors(id: string): Promise<ProjectRow[]> {
    const { rows } = await this.db.raw(
      `WITH RECURSIVE up AS (
         SELECT p.*, 0 AS depth FROM projects p WHERE p.id = ?
         UNION ALL SELECT p.*, up.depth + 1 FROM projects p JOIN up ON p.id = up.parent_id)
       SELECT * FROM up WHERE depth > 0 ORDER BY depth`,
      [id],
    );
    return rows;
  }

  /** Every project below this one. */
  async descendants(id: string): Promise<ProjectRow[]> {
    const { rows } = await this.db.raw(
      `WITH RECURSIVE down AS (
         SELECT p.*, 1 AS depth FROM projects p WHERE p.parent_id = ?
         UNION ALL SELECT p.*, down.depth + 1 FROM projects p JOIN down ON p.parent_id = down.id)
       SELECT * FROM down ORDER BY depth, name`,
      [id],
    );
    return rows;
  }

  async deleteInDomain(domainId: string): Promise<void> {
    // Children first: parent_id references projects.
    const { rows } = await this.db.raw(
      `WITH RECURSIVE tree AS (
         SELECT id, 0 AS depth FROM projects WHERE domain_id = ? AND parent_id IS NULL
         UNION ALL SELECT p.id, tree.depth + 1 FROM projects p JOIN tree ON p.parent_id = tree.id)
       SELECT id FROM tree ORDER BY depth DESC`,
      [domainId],
    );
    for (const { id } of rows as Array<{ id: string }>) await this.delete(id);
  }
}
