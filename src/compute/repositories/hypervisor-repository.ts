import type { Database } from '../../db/database.js';

/**
 * Task states that count as work on a host (nova/compute/stats.py calculate_workload), besides
 * servers still building.
 */
const WORKLOAD_TASK_STATES = ['resize_migrating', 'rebuilding', 'resize_prep', 'image_snapshot', 'image_backup', 'rescuing', 'unshelving', 'shelving', 'shelving_offloading'];

export class HypervisorRepository {
  constructor(private readonly db: Database) {}

  /** host → number of its servers building or in a long task (Nova's current_workload). */
  async workloadByHost(): Promise<Map<string, number>> {
    const rows: Array<{ host: string; n: string | number }> = await this.db('servers')
      .whereNull('deleted_at')
      .whereNotNull('host')
      .where((w) => w.where('vm_state', 'building').orWhereIn('task_state', WORKLOAD_TASK_STATES))
      .groupBy('host')
      .select('host')
      .count({ n: '*' });
    return new Map(rows.map((r) => [r.host, Number(r.n)]));
  }
}
