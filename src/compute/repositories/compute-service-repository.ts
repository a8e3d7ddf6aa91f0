import type { Database } from '../../db/database.js';

/**
 * What os-services needs beyond HostRepository: removing a compute service (its hosts row) together
 * with its aggregate memberships, as Nova's service delete does (nova/api/openstack/compute/services.py).
 */
export class ComputeServiceRepository {
  constructor(private readonly db: Database) {}

  /** Deletes the host unless servers are placed on it; false when servers are (checked in the same transaction). */
  async deleteIdleHost(id: number, name: string): Promise<'deleted' | 'busy' | 'missing'> {
    return this.db.transaction(async (t) => {
      const host = await t('hosts').where({ id }).forUpdate().first();
      if (!host) return 'missing';
      const [{ n }] = await t('servers').where({ host: name }).whereNull('deleted_at').count({ n: '*' });
      if (Number(n) > 0) return 'busy';
      await t('aggregate_hosts').where({ host: name }).delete();
      await t('hosts').where({ id }).delete();
      return 'deleted';
    });
  }
}
