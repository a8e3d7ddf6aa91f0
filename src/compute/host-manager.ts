// The compute hosts: one libvirt connection and ComputeDriver per host URI, registered in the
// hosts table with the capacity the hypervisor reports, kept alive with a heartbeat. The scheduler
// reads its candidates from here.
import type { Logger } from 'pino';
import { ConflictError } from '../http/errors.js';
import type { ComputeDriver, HostInfo } from '../virt/compute-driver.js';
import type { HostRepository, HostRow } from './repositories/host-repository.js';
import type { AvailabilityZones } from './availability-zones.js';
import type { HostCandidate } from './scheduler.js';

export interface ManagedHost {
  name: string;
  uri: string;
  virtType: string;
  driver: ComputeDriver;
  disconnect: () => Promise<void>;
}

/** A host whose heartbeat is older than this is reported down (Nova's service_down_time). */
export const SERVICE_DOWN_SECONDS = 60;

export class HostManager {
  private readonly byName = new Map<string, ManagedHost>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly repo: HostRepository,
    private readonly zones: AvailabilityZones,
    private readonly log: Logger,
    /** Glance's public URL, for the Location of createImage before 2.45. */
    readonly imageBaseUrl: string,
  ) {}

  /** Registers a host whose driver is initialised; its name is the hypervisor's hostname. */
  async add(uri: string, virtType: string, driver: ComputeDriver, disconnect: () => Promise<void>): Promise<ManagedHost> {
    const info = await driver.hostInfo();
    const host: ManagedHost = { name: info.hostname, uri, virtType, driver, disconnect };
    this.byName.set(host.name, host);
    await this.record(host, info);
    return host;
  }

  private async record(host: ManagedHost, info: HostInfo): Promise<void> {
    await this.repo.upsert({
      name: host.name,
      libvirt_uri: host.uri,
      virt_type: host.virtType,
      vcpus: info.vcpus,
      memory_mb: info.memoryMiB,
      local_gb: info.localGiB,
      free_disk_gb: info.freeDiskGiB,
      hypervisor_type: info.hypervisorType,
      hypervisor_version: info.hypervisorVersion,
      host_ip: null,
      cpu_info: info.cpuInfo,
      heartbeat_at: new Date(),
    });
  }

  startHeartbeat(intervalMs = 10_000): void {
    this.heartbeat = setInterval(() => {
      for (const host of this.byName.values()) {
        host.driver
          .hostInfo()
          .then((info) => this.record(host, info))
          .catch((err) => this.log.warn({ err, host: host.name }, 'host heartbeat failed'));
      }
    }, intervalMs);
    this.heartbeat.unref();
  }

  /**
   * Stops managing a host (its compute service was deleted): no more heartbeats, no placements.
   * Another process managing the same URI registers it again until it is restarted without it.
   */
  async remove(name: string): Promise<void> {
    const host = this.byName.get(name);
    if (!host) return;
    this.byName.delete(name);
    await host.driver.close().catch(() => undefined);
    await host.disconnect().catch(() => undefined);
  }

  /** Addresses leased on a network on any host (see ComputeDriver.leasedAddresses). */
  async leasedAddresses(libvirtNetwork: string): Promise<Set<string>> {
    const all = new Set<string>();
    for (const host of this.byName.values()) {
      try {
        for (const ip of await host.driver.leasedAddresses(libvirtNetwork)) all.add(ip);
      } catch (err) {
        this.log.warn({ err, host: host.name }, 'reading DHCP leases failed');
      }
    }
    return all;
  }

  hosts(): ManagedHost[] {
    return [...this.byName.values()];
  }

  /** The driver of a server's host; 409 when the server has no host or its host is not managed here. */
  driverFor(host: string | null): ComputeDriver {
    const h = host ? this.byName.get(host) : undefined;
    if (!h) throw new ConflictError(`The compute host ${host ?? '(none)'} is not available.`);
    return h.driver;
  }

  isUp(row: HostRow): boolean {
    return !row.forced_down && !!row.heartbeat_at && Date.now() - row.heartbeat_at.getTime() < SERVICE_DOWN_SECONDS * 1000 && this.byName.has(row.name);
  }

  /** host → UP / DOWN / MAINTENANCE, for 2.16's host_status. */
  async statusMap(): Promise<Map<string, string>> {
    const rows = await this.repo.list();
    return new Map(rows.map((r) => [r.name, !this.isUp(r) ? 'DOWN' : r.disabled ? 'MAINTENANCE' : 'UP']));
  }

  async candidates(): Promise<HostCandidate[]> {
    const [rows, used, zones] = await Promise.all([this.repo.list(), this.repo.allocations(), this.zones.hostZones()]);
    return rows.map((r) => ({
      name: r.name,
      zone: zones.get(r.name) ?? 'nova',
      enabled: !r.disabled,
      up: this.isUp(r),
      vcpus: r.vcpus,
      memoryMiB: r.memory_mb,
      diskGiB: r.local_gb,
      used: used.get(r.name) ?? { vcpus: 0, ram: 0, disk: 0, instances: 0 },
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const h of this.byName.values()) {
      await h.driver.close().catch(() => undefined);
      await h.disconnect().catch(() => undefined);
    }
  }
}
