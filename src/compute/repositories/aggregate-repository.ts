import type { Database } from '../../db/database.js';

export interface AggregateRow {
  id: number;
  uuid: string;
  name: string;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date | null;
  hosts: string[];
}

export class AggregateRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<AggregateRow[]> {
    const [aggs, hosts] = await Promise.all([this.db('aggregates').orderBy('id'), this.db('aggregate_hosts').orderBy(['aggregate_id', 'host'])]);
    return aggs.map((a: Omit<AggregateRow, 'hosts'>) => ({ ...a, hosts: hosts.filter((h: { aggregate_id: number }) => h.aggregate_id === a.id).map((h: { host: string }) => h.host) }));
  }

  async get(id: number): Promise<AggregateRow | undefined> {
    const agg = await this.db('aggregates').where({ id }).first();
    if (!agg) return undefined;
    const hosts = await this.db('aggregate_hosts').where({ aggregate_id: id }).orderBy('host');
    return { ...agg, hosts: hosts.map((h: { host: string }) => h.host) };
  }

  async insert(row: { uuid: string; name: string; metadata: Record<string, string> }): Promise<AggregateRow> {
    const [saved] = await this.db('aggregates').insert({ ...row, metadata: JSON.stringify(row.metadata) }).returning('*');
    return { ...saved, hosts: [] };
  }

  async update(id: number, set: { name?: string; metadata?: Record<string, string> }): Promise<void> {
    await this.db('aggregates').where({ id }).update({ ...set, ...(set.metadata ? { metadata: JSON.stringify(set.metadata) } : {}), updated_at: this.db.fn.now() });
  }

  async delete(id: number): Promise<boolean> {
    return (await this.db('aggregates').where({ id }).delete()) > 0;
  }

  async addHost(id: number, host: string): Promise<boolean> {
    const rows = await this.db('aggregate_hosts').insert({ aggregate_id: id, host }).onConflict(['aggregate_id', 'host']).ignore().returning('host');
    return rows.length > 0;
  }

  async removeHost(id: number, host: string): Promise<boolean> {
    return (await this.db('aggregate_hosts').where({ aggregate_id: id, host }).delete()) > 0;
  }
}
