import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { UserRow } from './rows.js';

export class UserRepository extends TableRepository<UserRow> {
  constructor(db: Database) {
    super(db, 'users');
  }

  async getByName(domainId: string, name: string): Promise<UserRow | undefined> {
    return this.query().where({ domain_id: domainId, name }).first();
  }

  async recordFailedAuth(id: string): Promise<number> {
    const [row] = await this.query()
      .where({ id })
      .update({ failed_auth_count: this.db.raw('failed_auth_count + 1'), failed_auth_at: this.db.fn.now() })
      .returning('failed_auth_count');
    return row?.failed_auth_count ?? 0;
  }

  async clearFailedAuth(id: string): Promise<void> {
    await this.query().where({ id }).whereNot({ failed_auth_count: 0 }).update({ failed_auth_count: 0, failed_auth_at: null });
  }

  async deleteInDomain(domainId: string): Promise<void> {
    await this.query().where({ domain_id: domainId }).delete();
  }
}
