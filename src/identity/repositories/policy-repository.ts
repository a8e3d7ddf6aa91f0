import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { PolicyRow } from './rows.js';

export class PolicyRepository extends TableRepository<PolicyRow> {
  constructor(db: Database) {
    super(db, 'policies');
  }
}
