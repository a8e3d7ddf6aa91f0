import type { Database } from '../../db/database.js';

export interface HostRow {
  id: number;
  name: string;
  libvirt_uri: string;
  virt_type: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  free_disk_gb: number;
  hypervisor_type: string;
  hypervisor_version: number;
  host_ip: string | null;
  cpu_info: Record<string, unknown>;
  heartbeat_at: Date | null;
  created_at: Date;
}

export class HostRepository {
  constructor(private readonly db: Database) {}

  async upsert(row: Omit<HostRow, 'id' | 'created_at' | 'disabled' | 'disabled_reason' | 'forced_down'>): Promise<HostRow> {
    const [saved] = await this.db('hosts')
      .insert({ ...row, cpu_info: JSON.stringify(row.cpu_info) })
      .onConflict('name')
      .merge(['libvirt_uri', 'virt_type', 'vcpus', 'memory_mb', 'local_gb', 'free_disk_gb', 'hypervisor_type', 'hypervisor_version', 'host_ip', 'cpu_info', 'heartbeat_at'])
      .returning('*');
    return saved;
  }

  async list(): Promise<HostRow[]> {
    return this.db('hosts').orderBy('id');
  }

  async get(id: number): Promise<HostRow | undefined> {
    return this.db('hosts').where({ id }).first();
  }

  async getByName(name: string): Promise<HostRow | undefined> {
    return this.db('hosts').where({ name }).first();
  }

  async heartbeat(name: string, freeDiskGb: number): Promise<void> {
    await this.db('hosts').where({ name }).update({ heartbeat_at: this.db.fn.now(), free_disk_gb: freeDiskGb });
  }

  async setStatus(id: number, set: { disabled?: boolean; disabled_reason?: string | null; forced_down?: boolean }): Promise<HostRow | undefined> {
    const [row] = await this.db('hosts').where({ id }).update(set).returning('*');
    return row;
  }

  /** What the servers placed on each host use: the scheduler's view of allocations. */
  async allocations(): Promise<Map<string, { vcpus: number; ram: number; disk: number; instances: number }>> {
    const { rows } = await this.db.raw(
      `SELECT host, count(*)::int AS instances, coalesce(sum((flavor->>'vcpus')::int), 0)::int AS vcpus,
              coalesce(sum((flavor->>'ram')::int), 0)::int AS ram,
              coalesce(sum((flavor->>'disk')::int + (flavor->>'ephemeral')::int), 0)::int AS disk
       FROM servers WHERE deleted_at IS NULL AND host IS NOT NULL GROUP BY host`,
    );
    return new Map(rows.map((r: { host: string; instances: number; vcpus: number; ram: number; disk: number }) => [r.host, r]));
  }
}
