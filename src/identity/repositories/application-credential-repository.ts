import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { ApplicationCredentialRow } from './rows.js';

export class ApplicationCredentialRepository extends TableRepository<ApplicationCredentialRow> {
  constructor(db: Database) {
    super(db, 'application_credentials');
  }

  async getByName(userId: string, name: string): Promise<ApplicationCredentialRow | undefined> {
    return this.query().where({ user_id: userId, name }).first();
  }

  async deleteForUserOnProject(userId: string, projectId: string): Promise<void> {
    await this.query().where({ user_id: userId, project_id: projectId }).delete();
  }
}
