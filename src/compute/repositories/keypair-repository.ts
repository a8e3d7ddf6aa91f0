import type { Database } from '../../db/database.js';
import { isUniqueViolation } from '../../db/table-repository.js';

export interface KeypairRow {
  id: number;
  user_id: string;
  name: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: Date;
}

export class KeypairRepository {
  constructor(private readonly db: Database) {}

  /** Returns undefined when the user already has a keypair of that name. */
  async insert(row: Omit<KeypairRow, 'id' | 'created_at'>): Promise<KeypairRow | undefined> {
    try {
      const [saved] = await this.db('keypairs').insert(row).returning('*');
      return saved;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async get(userId: string, name: string): Promise<KeypairRow | undefined> {
    return this.db('keypairs').where({ user_id: userId, name }).first();
  }

  async list(userId: string, opts: { limit?: number; markerName?: string } = {}): Promise<KeypairRow[]> {
    const q = this.db('keypairs').where({ user_id: userId });
    if (opts.markerName !== undefined) q.where('name', '>', opts.markerName);
    q.orderBy('name');
    if (opts.limit !== undefined) q.limit(opts.limit);
    return q;
  }

  async delete(userId: string, name: string): Promise<boolean> {
    return (await this.db('keypairs').where({ user_id: userId, name }).delete()) > 0;
  }

  async count(userId: string): Promise<number> {
    const [{ n }] = await this.db('keypairs').where({ user_id: userId }).count({ n: '*' });
    return Number(n);
  }
}
