import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { CredentialRow } from './rows.js';

export class CredentialRepository extends TableRepository<CredentialRow> {
  constructor(db: Database) {
    super(db, 'credentials');
  }
}
