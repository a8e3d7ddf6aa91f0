// Host aggregates (nova/api/openstack/compute/aggregates.py, nova/compute/api.py AggregateAPI). The
// `availability_zone` metadata of an aggregate puts its hosts in that zone: AvailabilityZones reads it
// for the scheduler and for the servers' OS-EXT-AZ attribute. Nova's checks are kept: a host is in one
// zone only, a zone cannot change under servers, names are unique, a host must be a compute host.
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { AggregateRepository, AggregateRow } from './repositories/aggregate-repository.js';
import type { ServerRepository } from './repositories/server-repository.js';
import type { ServiceDirectory } from './service-directory.js';

const ZONE_KEY = 'availability_zone';

/** Nova's utils.validate_integer on the path id: 400 when it is not an integer. */
function aggregateId(id: string): number {
  if (!/^-?\d+$/.test(id.trim())) throw new BadRequestError('Invalid input received: id must be an integer');
  const n = Number(id);
  if (n < 0 || n > 2147483647) throw new NotFoundError(`Aggregate ${id} could not be found.`);
  return n;
}

export class AggregateService {
  constructor(
    private readonly aggregates: AggregateRepository,
    private readonly servers: ServerRepository,
    private readonly services: ServiceDirectory,
  ) {}

  list(): Promise<AggregateRow[]> {
    return this.aggregates.list();
  }

  async get(id: string): Promise<AggregateRow> {
    const agg = await this.aggregates.get(aggregateId(id));
    if (!agg) throw new NotFoundError(`Aggregate ${id} could not be found.`);
    return agg;
  }

  async create(name: string, zone: string | null | undefined): Promise<AggregateRow> {
    try {
      return await this.aggregates.insert({ uuid: randomUUID(), name: name.trim(), metadata: zone ? { [ZONE_KEY]: zone.trim() } : {} });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Aggregate ${name.trim()} already exists.`);
      throw err;
    }
  }

  /** PUT: name and/or availability_zone (stored as metadata, as Nova does). */
  async update(id: string, set: { name?: string; availability_zone?: string | null }): Promise<AggregateRow> {
    const agg = await this.get(id);
    const reason = (r: string) => new BadRequestError(`Cannot update aggregate ${agg.id}. Reason: ${r}.`);
    const metadata = { ...agg.metadata };
    if ('availability_zone' in set) {
      const zone = set.availability_zone?.trim();
      if (!zone) throw reason(`Aggregate ${agg.name} does not support empty named availability zone`);
      await this.checkZoneChange(agg, zone, agg.hosts, reason);
      metadata[ZONE_KEY] = zone;
    }
    try {
      await this.aggregates.update(agg.id, { ...(set.name !== undefined ? { name: set.name.trim() } : {}), metadata });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Aggregate ${set.name?.trim()} already exists.`);
      throw err;
    }
    return this.get(id);
  }

  /** set_metadata: keys with null are removed, the others set (Aggregate.update_metadata). */
  async setMetadata(id: string, updates: Record<string, string | null>): Promise<AggregateRow> {
    const agg = await this.get(id);
    const reason = (r: string) => new BadRequestError(`Cannot update metadata of aggregate ${agg.id}. Reason: ${r}.`);
    if (ZONE_KEY in updates) {
      const zone = updates[ZONE_KEY];
      if (!zone) throw reason(`Aggregate ${agg.name} does not support empty named availability zone`);
      await this.checkZoneChange(agg, zone, agg.hosts, reason);
    }
    const metadata = { ...agg.metadata };
    for (const [k, v] of Object.entries(updates)) {
      if (v === null) delete metadata[k];
      else metadata[k] = v;
    }
    await this.aggregates.update(agg.id, { metadata });
    return this.get(id);
  }

  /** Nova refuses to delete an aggregate that still has hosts (400). */
  async delete(id: string): Promise<void> {
    const agg = await this.get(id);
    if (agg.hosts.length > 0) throw new BadRequestError(`Cannot remove host from aggregate ${agg.id}. Reason: Host aggregate is not empty.`);
    if (!(await this.aggregates.delete(agg.id))) throw new NotFoundError(`Aggregate ${id} could not be found.`);
  }

  async addHost(id: string, host: string): Promise<AggregateRow> {
    if (!(await this.services.computeOf(host))) throw new NotFoundError(`Compute host ${host} could not be found.`);
    const agg = await this.get(id);
    const reason = (r: string) => new ConflictError(`Cannot add host to aggregate ${agg.id}. Reason: ${r}.`);
    if (agg.hosts.includes(host)) throw new ConflictError(`Aggregate ${agg.id} already has host ${host}.`);
    const zone = agg.metadata[ZONE_KEY];
    if (zone) {
      await this.checkZoneChange(agg, zone, [host], reason, false);
      // A server's zone is fixed at boot: its host may not move to another zone under it.
      const current = await this.zoneOfHost(host, agg.id);
      const count = (await this.servers.onHost(host)).length;
      if (count > 0 && current !== zone) {
        throw reason(`The host cannot be added to the aggregate as the availability zone of the host would change from '${current ?? 'None'}' to '${zone}' but the host already has ${count} instance(s). Changing the AZ of an existing instance is not supported by this action. Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this.`);
      }
    }
    if (!(await this.aggregates.addHost(agg.id, host))) throw new ConflictError(`Aggregate ${agg.id} already has host ${host}.`);
    return this.get(id);
  }

  async removeHost(id: string, host: string): Promise<AggregateRow> {
    const agg = await this.get(id);
    const notFound = () => new NotFoundError(`Cannot remove host ${host} in aggregate ${id}`);
    if (!agg.hosts.includes(host) || !(await this.services.computeOf(host))) throw notFound();
    const zone = agg.metadata[ZONE_KEY];
    if (zone) {
      const next = await this.zoneOfHost(host, agg.id);
      const count = (await this.servers.onHost(host)).length;
      if (count > 0 && next !== zone) {
        throw new ConflictError(`Cannot remove host from aggregate ${agg.id}. Reason: The host cannot be removed from the aggregate as the availability zone of the host would change from '${zone}' to '${next ?? 'None'}' but the host already has ${count} instance(s). Changing the AZ of an existing instance is not supported by this action. Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this.`);
      }
    }
    if (!(await this.aggregates.removeHost(agg.id, host))) throw notFound();
    return this.get(id);
  }

  /** The zone a host has from its aggregates other than `exceptId` (undefined: none). */
  private async zoneOfHost(host: string, exceptId: number): Promise<string | undefined> {
    return (await this.aggregates.list()).find((a) => a.id !== exceptId && a.hosts.includes(host) && a.metadata[ZONE_KEY])?.metadata[ZONE_KEY];
  }

  /**
   * Nova's is_safe_to_update_az: the hosts may not already be in another zone through another
   * aggregate, and (when the zone changes) may not have servers, whose zone would change under them.
   */
  private async checkZoneChange(agg: AggregateRow, zone: string, hosts: string[], fail: (reason: string) => Error, checkServers = true): Promise<void> {
    const others = (await this.aggregates.list()).filter((a) => a.id !== agg.id && a.metadata[ZONE_KEY] && a.hosts.some((h) => hosts.includes(h)));
    const conflicting = others.map((a) => a.metadata[ZONE_KEY]).filter((z) => z !== zone);
    if (conflicting.length > 0) throw fail(`One or more hosts already in availability zone(s) [${conflicting.map((z) => `'${z}'`).join(', ')}]`);
    if (checkServers && agg.metadata[ZONE_KEY] !== zone) {
      for (const h of hosts) {
        if ((await this.servers.onHost(h)).length > 0) throw fail('One or more hosts contain instances in this zone');
      }
    }
  }
}
