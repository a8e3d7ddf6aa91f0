// Nova's hypervisor JSON (nova/api/openstack/compute/hypervisors.py _view_hypervisor, views/hypervisors.py).
// Gates: 2.28 cpu_info becomes an object (a JSON string before); 2.33 lists carry hypervisors_links.
import type { ApiVersion } from './api-version.js';
import { figures, type Hypervisor, type HypervisorStatistics } from './hypervisor-service.js';

export class HypervisorViews {
  /** `base` is the public URL of the compute API without version. */
  constructor(private readonly base: string) {}

  summary(h: Hypervisor) {
    return {
      id: h.host.id,
      hypervisor_hostname: h.host.name,
      state: h.service.up ? 'up' : 'down',
      status: h.service.disabled ? 'disabled' : 'enabled',
    };
  }

  detail(h: Hypervisor, v: ApiVersion) {
    return {
      ...this.summary(h),
      hypervisor_type: h.host.hypervisor_type,
      hypervisor_version: h.host.hypervisor_version,
      host_ip: h.host.host_ip,
      service: { id: h.service.id, host: h.host.name, disabled_reason: h.service.disabledReason },
      ...figures(h),
      cpu_info: v.atLeast('2.28') ? h.host.cpu_info : JSON.stringify(h.host.cpu_info),
    };
  }

  withServers(h: Hypervisor, servers: Array<{ name: string; uuid: string }>) {
    // Nova omits `servers` when the host has none (before 2.75).
    return servers.length > 0 ? { ...this.summary(h), servers } : this.summary(h);
  }

  uptime(h: Hypervisor, uptime: string) {
    return { ...this.summary(h), uptime };
  }

  /** From 2.33: a next link when the page is full (the page size is the limit, or Nova's max_limit 1000). */
  collection(items: unknown[], rows: Hypervisor[], v: ApiVersion, limit: number | undefined, path: string) {
    const body: Record<string, unknown> = { hypervisors: items };
    const pageSize = limit ?? 1000;
    if (v.atLeast('2.33') && rows.length > 0 && rows.length === pageSize) {
      body.hypervisors_links = [{ rel: 'next', href: `${this.base}/v2.1/${path}?limit=${pageSize}&marker=${rows[rows.length - 1].host.id}` }];
    }
    return body;
  }

  statistics(s: HypervisorStatistics) {
    return { hypervisor_statistics: s };
  }
}
