import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { EndpointGroupRow } from './rows.js';

export class EndpointGroupRepository extends TableRepository<EndpointGroupRow> {
  constructor(db: Database) {
    super(db, 'endpoint_groups');
  }
}
