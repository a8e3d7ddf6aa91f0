// Nova's quotas (nova/quota.py, os-quota-sets, limits): per-project limits with defaults from config;
// usage counted from the servers table, checked under a per-project lock at create time.
import type { Knex } from 'knex';
import { BadRequestError, ForbiddenError } from '../http/errors.js';
import type { FlavorRow } from './repositories/flavor-repository.js';
import type { KeypairRepository } from './repositories/keypair-repository.js';
import type { QuotaRepository } from './repositories/quota-repository.js';
import type { QuotaScopeRepository } from './repositories/quota-scope-repository.js';
import type { ServerRepository } from './repositories/server-repository.js';
import type { ServerGroupRepository } from './repositories/server-group-repository.js';

export const QUOTA_RESOURCES = ['instances', 'cores', 'ram', 'metadata_items', 'key_pairs', 'server_groups', 'server_group_members', 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Nova's default quota values (nova/conf/quota.py). */
export const DEFAULT_QUOTAS: Record<QuotaResource, number> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
};

export class QuotaService {
  constructor(
    private readonly quotas: QuotaRepository,
    private readonly scopes: QuotaScopeRepository,
    private readonly servers: ServerRepository,
    private readonly keypairs: KeypairRepository,
    private readonly groups: ServerGroupRepository,
  ) {}

  /** Nova's order: built-in defaults, then the `default` quota class, then the project's own limits. */
  async limits(projectId: string): Promise<Record<QuotaResource, number>> {
    const [byClass, own] = await Promise.all([this.scopes.classLimits('default'), this.quotas.limits(projectId)]);
    return { ...DEFAULT_QUOTAS, ...byClass, ...own } as Record<QuotaResource, number>;
  }

  async usage(projectId: string, userId?: string): Promise<Record<QuotaResource, number>> {
    const u = await this.servers.usage(projectId);
    return {
      instances: u.instances,
      cores: u.cores,
      ram: u.ram,
      metadata_items: 0,
      key_pairs: userId ? await this.keypairs.count(userId) : 0,
      server_groups: await this.groups.countForProject(projectId),
      server_group_members: 0,
      injected_files: 0,
      injected_file_content_bytes: 0,
      injected_file_path_bytes: 0,
    };
  }

  async set(projectId: string, values: Record<string, unknown>, force: boolean): Promise<void> {
    const limits: Record<string, number> = {};
    const usage = await this.usage(projectId);
    for (const [k, v] of Object.entries(values)) {
      if (!(QUOTA_RESOURCES as readonly string[]).includes(k)) throw new BadRequestError(`Bad key(s) ${k} in quota_set`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < -1) throw new BadRequestError(`Quota limit ${v} for ${k} must be -1 or greater.`);
      const used = usage[k as QuotaResource] ?? 0;
      if (!force && n !== -1 && n < used) throw new BadRequestError(`Quota limit ${n} for ${k} must be greater than or equal to already used and reserved ${used}.`);
      limits[k] = n;
    }
    await this.quotas.set(projectId, limits);
  }

  reset(projectId: string): Promise<void> {
    return this.quotas.reset(projectId);
  }

  /**
   * How many of min..max servers of `flavor` the project may still create; 403 with Nova's message
   * when not even `min`. Call inside the create transaction, after taking the project's quota lock.
   */
  async reserveInstances(projectId: string, limits: Record<QuotaResource, number>, flavor: FlavorRow, min: number, max: number, trx: Knex.Transaction): Promise<number> {
    // Only the usage is read in the transaction: the limits were read before it, since a query on
    // another pool connection while this one holds the project's lock could starve the pool.
    const used = await this.servers.usage(projectId, trx);
    const room = (limit: number, per: number, inUse: number) => (limit < 0 || per === 0 ? Infinity : Math.floor((limit - inUse) / per));
    const fits = Math.min(room(limits.instances, 1, used.instances), room(limits.cores, flavor.vcpus, used.cores), room(limits.ram, flavor.ram, used.ram));
    if (fits >= min) return Math.min(fits, max);
    const over: Array<[string, number, number, number]> = [];
    if (room(limits.instances, 1, used.instances) < min) over.push(['instances', min, used.instances, limits.instances]);
    if (room(limits.cores, flavor.vcpus, used.cores) < min) over.push(['cores', min * flavor.vcpus, used.cores, limits.cores]);
    if (room(limits.ram, flavor.ram, used.ram) < min) over.push(['ram', min * flavor.ram, used.ram, limits.ram]);
    const names = over.map((o) => o[0]).join(', ');
    const req = over.map((o) => o[1]).join(', ');
    const usedS = over.map((o) => o[2]).join(', ');
    const lim = over.map((o) => o[3]).join(', ');
    throw new ForbiddenError(`Quota exceeded for ${names}: Requested ${req}, but already used ${usedS} of ${lim} ${names}`);
  }

  async checkMetadata(projectId: string, count: number): Promise<void> {
    const { metadata_items: limit } = await this.limits(projectId);
    if (limit >= 0 && count > limit) throw new ForbiddenError(`Quota exceeded for metadata_items: Requested ${count}, but already used 0 of ${limit} metadata_items`);
  }

  async checkKeypairs(projectId: string, userId: string): Promise<void> {
    const { key_pairs: limit } = await this.limits(projectId);
    const used = await this.keypairs.count(userId);
    if (limit >= 0 && used + 1 > limit) throw new ForbiddenError('Quota exceeded, too many key pairs.');
  }

  async checkServerGroups(projectId: string): Promise<void> {
    const { server_groups: limit } = await this.limits(projectId);
    const used = await this.groups.countForProject(projectId);
    if (limit >= 0 && used + 1 > limit) throw new ForbiddenError('Quota exceeded, too many server groups.');
  }
}
