import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { GroupRow, UserRow } from './rows.js';

export class GroupRepository extends TableRepository<GroupRow> {
  constructor(db: Database) {
    super(db, 'groups');
  }

  async addMember(groupId: string, userId: string): Promise<void> {
    await this.db('group_members').insert({ group_id: groupId, user_id: userId }).onConflict(['group_id', 'user_id']).ignore();
  }

  async removeMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.db('group_members').where({ group_id: groupId, user_id: userId }).delete()) > 0;
  }

  async isMember(groupId: string, userId: string): Promise<boolean> {
    return !!(await this.db('group_members').where({ group_id: groupId, user_id: userId }).first());
  }

  async members(groupId: string): Promise<UserRow[]> {
    return this.db('users').join('group_members', 'users.id', 'group_members.user_id').where('group_members.group_id', groupId).select('users.*').orderBy('users.name');
  }

  async groupsOfUser(userId: string): Promise<GroupRow[]> {
    return this.query().join('group_members', 'groups.id', 'group_members.group_id').where('group_members.user_id', userId).select('groups.*').orderBy('groups.name');
  }

  async memberIds(groupId: string): Promise<string[]> {
    return (await this.db('group_members').where({ group_id: groupId }).select('user_id')).map((r: { user_id: string }) => r.user_id);
  }

  async deleteInDomain(domainId: string): Promise<void> {
    await this.query().where({ domain_id: domainId }).delete();
  }
}
