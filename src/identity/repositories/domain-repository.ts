import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { DomainRow } from './rows.js';

export class DomainRepository extends TableRepository<DomainRow> {
  constructor(db: Database) {
    super(db, 'domains');
  }

  async getByName(name: string): Promise<DomainRow | undefined> {
    return this.query().where({ name }).first();
  }
}
