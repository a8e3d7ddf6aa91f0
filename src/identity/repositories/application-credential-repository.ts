import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';
import { TableRepository, type Filters } from '../../db/table-repository.js';
import type { ApplicationCredentialRow } from './rows.js';

// A JS Date keeps milliseconds only; Keystone echoes expires_at to the microsecond, so the text is read
// from PostgreSQL (which keeps microseconds) beside the Date.
const EXPIRES_AT_TEXT = `to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS expires_at_text`;

function toColumns(row: Partial<ApplicationCredentialRow>): Record<string, unknown> {
  const { expires_at_text: text, ...columns } = row;
  // On insert the text is the time as the client gave it (with its zone), microseconds included; it wins over the Date.
  if (text) (columns as Record<string, unknown>).expires_at = text;
  return columns;
}

export class ApplicationCredentialRepository extends TableRepository<ApplicationCredentialRow> {
  constructor(db: Database) {
    super(db, 'application_credentials', (raw) => raw as ApplicationCredentialRow, toColumns);
  }

  private select(trx?: Knex.Transaction): Knex.QueryBuilder {
    return this.query(trx).select('*', this.db.raw(EXPIRES_AT_TEXT));
  }

  override async get(id: string, trx?: Knex.Transaction): Promise<ApplicationCredentialRow | undefined> {
    return this.select(trx).where({ id }).first();
  }

  override async list(filters: Filters = {}, orderBy = 'id'): Promise<ApplicationCredentialRow[]> {
    const q = this.select();
    for (const [column, value] of Object.entries(filters)) if (value !== undefined) q.where(column, value);
    return q.orderBy(orderBy);
  }

  override async insert(row: ApplicationCredentialRow, trx?: Knex.Transaction): Promise<ApplicationCredentialRow> {
    await super.insert(row, trx);
    return (await this.get(row.id, trx))!;
  }

  async getByName(userId: string, name: string): Promise<ApplicationCredentialRow | undefined> {
    return this.select().where({ user_id: userId, name }).first();
  }

  async deleteForUserOnProject(userId: string, projectId: string): Promise<void> {
    await this.query().where({ user_id: userId, project_id: projectId }).delete();
  }
}
