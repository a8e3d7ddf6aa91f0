// SQL for image members (the projects a shared image is offered to).
import type { Database } from '../../db/database.js';
import type { MemberRow, MemberStatus } from './rows.js';

export class MemberRepository {
  constructor(private readonly db: Database) {}

  async list(imageId: string): Promise<MemberRow[]> {
    return this.db('image_members').where({ image_id: imageId }).orderBy('created_at').orderBy('member_id');
  }

  async get(imageId: string, memberId: string): Promise<MemberRow | undefined> {
    return this.db('image_members').where({ image_id: imageId, member_id: memberId }).first();
  }

  async count(imageId: string): Promise<number> {
    const [{ count }] = await this.db('image_members').where({ image_id: imageId }).count({ count: '*' });
    return Number(count);
  }

  async insert(row: MemberRow): Promise<MemberRow> {
    const [raw] = await this.db('image_members').insert(row).returning('*');
    return raw;
  }

  async setStatus(imageId: string, memberId: string, status: MemberStatus): Promise<MemberRow | undefined> {
    const [raw] = await this.db('image_members').where({ image_id: imageId, member_id: memberId }).update({ status, updated_at: new Date() }).returning('*');
    return raw;
  }

  async delete(imageId: string, memberId: string): Promise<boolean> {
    return (await this.db('image_members').where({ image_id: imageId, member_id: memberId }).delete()) > 0;
  }
}
