import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';

export interface NetworkRow {
  id: string;
  name: string;
  libvirt_name: string;
  cidr: string;
  gateway: string;
  mode: 'nat' | 'user';
}

export class NetworkRepository {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<NetworkRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return this.db('networks').where({ id }).first();
  }

  async list(): Promise<NetworkRow[]> {
    return this.db('networks').orderBy('name');
  }

  async upsert(row: NetworkRow): Promise<NetworkRow> {
    const [saved] = await this.db('networks').insert(row).onConflict('name').merge(['libvirt_name', 'cidr', 'gateway', 'mode']).returning('*');
    return saved;
  }

  async usedAddresses(networkId: string, trx?: Knex.Transaction): Promise<Set<string>> {
    const rows = await (trx ?? this.db)('fixed_ips').where({ network_id: networkId }).select('address');
    return new Set(rows.map((r: { address: string }) => r.address));
  }

  /** Serialises address allocation on one network for the rest of the transaction. */
  async lockForAllocation(networkId: string, trx: Knex.Transaction): Promise<void> {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`fixed_ips:${networkId}`]);
  }

  async allocate(row: { network_id: string; address: string; mac: string; server_id: string }, trx: Knex.Transaction): Promise<void> {
    await trx('fixed_ips').insert(row);
  }

  async release(serverId: string, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.db)('fixed_ips').where({ server_id: serverId }).delete();
  }
}
