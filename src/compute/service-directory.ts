// Nova's services as virtstack has them (os-services, os-hosts, os-availability-zone detail): one
// `nova-compute` per compute host (a hosts row, up while its heartbeat is fresh), and the
// `nova-conductor` and `nova-scheduler` that run inside this API process on this machine. Disabling a
// nova-compute service sets hosts.disabled, which the scheduler honours.
import { hostname } from 'node:os';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors.js';
import type { AvailabilityZones } from './availability-zones.js';
import { DEFAULT_ZONE } from './availability-zones.js';
import type { HostManager } from './host-manager.js';
import type { ComputeServiceRepository } from './repositories/compute-service-repository.js';
import type { HostRepository, HostRow } from './repositories/host-repository.js';

/** Nova's CONF.internal_service_availability_zone: the zone of every service but nova-compute. */
export const INTERNAL_ZONE = 'internal';

/**
 * Service ids: the in-process services take 1 and 2 (as the first services Nova registers), each
 * nova-compute the id of its host row plus 2, so ids are stable and never collide.
 */
const IN_PROCESS = [
  { id: 1, binary: 'nova-conductor', topic: 'conductor' },
  { id: 2, binary: 'nova-scheduler', topic: 'scheduler' },
] as const;
const COMPUTE_ID_OFFSET = 2;

export interface NovaService {
  id: number;
  binary: string;
  /** Nova's topic: os-hosts shows it as `service`. */
  topic: string;
  host: string;
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  up: boolean;
  updatedAt: Date | null;
  /** The host row behind a nova-compute service. */
  hostRow?: HostRow;
}

export class ServiceDirectory {
  constructor(
    private readonly hosts: HostManager,
    private readonly hostRepo: HostRepository,
    private readonly repo: ComputeServiceRepository,
    private readonly zones: AvailabilityZones,
    /** The machine the in-process services run on. */
    private readonly apiHost = hostname(),
  ) {}

  async list(filter: { host?: string; binary?: string } = {}): Promise<NovaService[]> {
    const [rows, zones] = await Promise.all([this.hostRepo.list(), this.zones.hostZones()]);
    // In-process services report as often as the API answers: their updated_at is now.
    const now = new Date();
    const services: NovaService[] = IN_PROCESS.map((s) => ({
      id: s.id, binary: s.binary, topic: s.topic, host: this.apiHost, zone: INTERNAL_ZONE,
      disabled: false, disabledReason: null, forcedDown: false, up: true, updatedAt: now,
    }));
    for (const r of rows) services.push(this.compute(r, zones.get(r.name) ?? DEFAULT_ZONE));
    // Nova filters on exact host and binary; empty values filter nothing.
    return services.filter((s) => (!filter.host || s.host === filter.host) && (!filter.binary || s.binary === filter.binary));
  }

  private compute(r: HostRow, zone: string): NovaService {
    return {
      id: r.id + COMPUTE_ID_OFFSET, binary: 'nova-compute', topic: 'compute', host: r.name, zone,
      disabled: r.disabled, disabledReason: r.disabled_reason, forcedDown: r.forced_down,
      up: this.hosts.isUp(r), updatedAt: r.heartbeat_at ?? r.created_at, hostRow: r,
    };
  }

  /** The nova-compute service of a host, for the compute host checks of aggregates and os-hosts. */
  async computeOf(host: string): Promise<NovaService | undefined> {
    const row = await this.hostRepo.getByName(host);
    return row ? this.compute(row, await this.zones.zoneOf(row.name)) : undefined;
  }

  /**
   * Nova's PUT /os-services/{enable,disable,disable-log-reason,force-down}: only nova-compute can be
   * updated; an unknown host/binary pair is 404 (HostBinaryNotFound).
   */
  async update(host: string, binary: string, set: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean }): Promise<void> {
    if (binary !== 'nova-compute') {
      throw new BadRequestError(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
    }
    const row = await this.hostRepo.getByName(host);
    if (!row) throw new NotFoundError(`Could not find binary ${binary} on host ${host}.`);
    await this.hostRepo.setStatus(row.id, {
      ...(set.disabled !== undefined ? { disabled: set.disabled, disabled_reason: set.disabledReason ?? null } : {}),
      ...(set.forcedDown !== undefined ? { forced_down: set.forcedDown } : {}),
    });
  }

  /**
   * Nova's DELETE /os-services/{id}: a nova-compute hosting servers is 409; otherwise it leaves its
   * aggregates and goes. The in-process services cannot go while this process runs.
   */
  async delete(idText: string): Promise<void> {
    if (!/^-?\d+$/.test(idText.trim())) throw new BadRequestError('Invalid input received: id must be an integer');
    const id = Number(idText);
    const inProcess = IN_PROCESS.find((s) => s.id === id);
    if (inProcess) throw new BadRequestError(`Service ${id} (${inProcess.binary}) runs inside the virtstack API process and cannot be deleted.`);
    const row = await this.hostRepo.get(id - COMPUTE_ID_OFFSET);
    if (!row) throw new NotFoundError(`Service ${id} not found.`);
    const result = await this.repo.deleteIdleHost(row.id, row.name);
    if (result === 'missing') throw new NotFoundError(`Service ${id} not found.`);
    if (result === 'busy') throw new ConflictError('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
    // Otherwise this process's heartbeat would register the host again within seconds.
    await this.hosts.remove(row.name);
  }
}
