import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { ConsumerRow } from './rows.js';

/** OAuth1 consumers (OS-OAUTH1). */
export class ConsumerRepository extends TableRepository<ConsumerRow> {
  constructor(db: Database) {
    super(db, 'oauth1_consumers');
  }
}
