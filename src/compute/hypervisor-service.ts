// os-hypervisors (nova/api/openstack/compute/hypervisors.py): one hypervisor per compute host, its
// capacity from the host row (the hypervisor's real figures, refreshed by HostManager's heartbeat),
// its use from the servers placed on it.
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { hostUptime } from './host-uptime.js';
import type { HostRepository, HostRow } from './repositories/host-repository.js';
import type { HypervisorRepository } from './repositories/hypervisor-repository.js';
import type { ServerRepository } from './repositories/server-repository.js';
import type { NovaService, ServiceDirectory } from './service-directory.js';

export interface Hypervisor {
  host: HostRow;
  service: NovaService;
  used: { vcpus: number; ram: number; disk: number; instances: number };
  /** Servers building or in a long task on the host. */
  workload: number;
}

export interface HypervisorStatistics {
  count: number;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  free_ram_mb: number;
  free_disk_gb: number;
  current_workload: number;
  running_vms: number;
  disk_available_least: number;
}

export class HypervisorService {
  constructor(
    private readonly hostRepo: HostRepository,
    private readonly repo: HypervisorRepository,
    private readonly servers: ServerRepository,
    private readonly services: ServiceDirectory,
  ) {}

  /** All hypervisors by id; from 2.33 a page after `marker` (a hypervisor id), 400 if it is unknown. */
  async list(page: { limit?: number; marker?: string } = {}): Promise<Hypervisor[]> {
    let all = await this.all();
    if (page.marker !== undefined) {
      const i = all.findIndex((h) => String(h.host.id) === page.marker);
      if (i < 0) throw new BadRequestError(`marker [${page.marker}] not found`);
      all = all.slice(i + 1);
    }
    return page.limit !== undefined ? all.slice(0, page.limit) : all;
  }

  private async all(): Promise<Hypervisor[]> {
    const [rows, used, workload, services] = await Promise.all([
      this.hostRepo.list(), this.hostRepo.allocations(), this.repo.workloadByHost(), this.services.list({ binary: 'nova-compute' }),
    ]);
    const byHost = new Map(services.map((s) => [s.host, s]));
    return rows.flatMap((r) => {
      const service = byHost.get(r.name);
      return service ? [{ host: r, service, used: used.get(r.name) ?? { vcpus: 0, ram: 0, disk: 0, instances: 0 }, workload: workload.get(r.name) ?? 0 }] : [];
    });
  }

  /** Before 2.53 hypervisor ids are integers; anything else is simply not found (Nova's _validate_id). */
  async get(id: string): Promise<Hypervisor> {
    const h = /^\d+$/.test(id.trim()) ? (await this.all()).find((x) => x.host.id === Number(id)) : undefined;
    if (!h) throw new NotFoundError(`Hypervisor with ID '${id}' could not be found.`);
    return h;
  }

  /** Nova's compute_node_search_by_hypervisor: a substring match on the hypervisor hostname. */
  async search(pattern: string): Promise<Hypervisor[]> {
    const found = (await this.all()).filter((h) => h.host.name.includes(pattern));
    if (found.length === 0) throw new NotFoundError(`No hypervisor matching '${pattern}' could be found.`);
    return found;
  }

  async serversOn(h: Hypervisor): Promise<Array<{ name: string; uuid: string }>> {
    return (await this.servers.onHost(h.host.name)).map((s) => ({ name: s.name, uuid: s.id }));
  }

  async uptime(h: Hypervisor): Promise<string> {
    return hostUptime(h.host.libvirt_uri);
  }

  /** Nova's compute_node_statistics: sums over the hypervisors whose compute service is enabled. */
  async statistics(): Promise<HypervisorStatistics> {
    const s: HypervisorStatistics = {
      count: 0, vcpus: 0, memory_mb: 0, local_gb: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0,
      free_ram_mb: 0, free_disk_gb: 0, current_workload: 0, running_vms: 0, disk_available_least: 0,
    };
    for (const h of await this.all()) {
      if (h.service.disabled) continue;
      const f = figures(h);
      s.count += 1;
      s.vcpus += f.vcpus;
      s.memory_mb += f.memory_mb;
      s.local_gb += f.local_gb;
      s.vcpus_used += f.vcpus_used;
      s.memory_mb_used += f.memory_mb_used;
      s.local_gb_used += f.local_gb_used;
      s.free_ram_mb += f.free_ram_mb;
      s.free_disk_gb += f.free_disk_gb;
      s.current_workload += f.current_workload;
      s.running_vms += f.running_vms;
      s.disk_available_least += f.disk_available_least;
    }
    return s;
  }
}

/**
 * A compute node's figures as Nova's resource tracker reports them: free_ram_mb and free_disk_gb are
 * capacity minus what the servers' flavors claim (they go negative when overcommitted), and
 * disk_available_least is what the hypervisor says is really free on its disk.
 */
export function figures(h: Hypervisor) {
  const memoryMb = Number(h.host.memory_mb);
  const localGb = Number(h.host.local_gb);
  return {
    vcpus: h.host.vcpus,
    memory_mb: memoryMb,
    local_gb: localGb,
    vcpus_used: h.used.vcpus,
    memory_mb_used: h.used.ram,
    local_gb_used: h.used.disk,
    free_ram_mb: memoryMb - h.used.ram,
    free_disk_gb: localGb - h.used.disk,
    current_workload: h.workload,
    running_vms: h.used.instances,
    disk_available_least: Number(h.host.free_disk_gb),
  };
}
