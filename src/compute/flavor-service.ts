// Flavors, their extra specs and access lists (nova/api/openstack/compute/flavors*.py, flavor_access.py).
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import { parseNonNegativeInt, requireAdmin, type ComputeContext } from './compute-context.js';
import type { FlavorRepository, FlavorRow } from './repositories/flavor-repository.js';

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'vcpus'];
const SORT_COLUMN: Record<string, string> = { flavorid: 'id', id: 'id', memory_mb: 'ram', root_gb: 'disk' };

export interface FlavorListQuery {
  is_public?: string;
  minRam?: string;
  minDisk?: string;
  sort_key?: string;
  sort_dir?: string;
  limit?: string;
  marker?: string;
}

export class FlavorService {
  constructor(private readonly flavors: FlavorRepository) {}

  /** A flavor the caller may see: public, or private with access, or any for an admin. */
  async get(ctx: ComputeContext, id: string): Promise<FlavorRow> {
    const flavor = await this.flavors.get(id);
    if (!flavor || (!flavor.is_public && !ctx.isAdmin && !(await this.flavors.hasAccess(id, ctx.projectId)))) {
      throw new NotFoundError(`Flavor ${id} could not be found.`);
    }
    return flavor;
  }

  async list(ctx: ComputeContext, q: FlavorListQuery): Promise<FlavorRow[]> {
    // Nova: admins choose with is_public (true, false, or None for all); others always see public flavors
    // plus the private ones their project was given.
    let isPublic: boolean | undefined = true;
    if (ctx.isAdmin && q.is_public !== undefined) {
      const v = q.is_public.toLowerCase();
      if (v === 'none') isPublic = undefined;
      else if (['true', 't', '1', 'yes', 'y', 'on'].includes(v)) isPublic = true;
      else if (['false', 'f', '0', 'no', 'n', 'off'].includes(v)) isPublic = false;
      else throw new BadRequestError(`Invalid is_public filter [${q.is_public}]`);
    }
    const sortKey = q.sort_key ?? 'flavorid';
    if (!SORT_KEYS.includes(sortKey)) throw new BadRequestError(`Invalid input for query parameters sort_key. Value: ${sortKey}.`);
    const sortDir = (q.sort_dir ?? 'asc').toLowerCase();
    if (sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequestError(`Invalid input for query parameters sort_dir. Value: ${q.sort_dir}.`);
    let marker: FlavorRow | undefined;
    if (q.marker !== undefined) {
      marker = await this.flavors.get(q.marker);
      if (!marker) throw new BadRequestError(`marker [${q.marker}] not found`);
    }
    return this.flavors.search({
      isPublic,
      projectId: ctx.isAdmin ? undefined : ctx.projectId,
      minRam: q.minRam !== undefined ? parseNonNegativeInt(q.minRam, 'minRam') : undefined,
      minDisk: q.minDisk !== undefined ? parseNonNegativeInt(q.minDisk, 'minDisk') : undefined,
      sortKey: SORT_COLUMN[sortKey] ?? sortKey,
      sortDir,
      limit: q.limit !== undefined ? parseNonNegativeInt(q.limit, 'limit') : undefined,
      marker,
    });
  }

  async create(ctx: ComputeContext, body: Record<string, unknown>): Promise<FlavorRow> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-manage:create');
    const name = String(body.name).trim();
    if (!name) throw new BadRequestError('Invalid input for field/attribute name. The name must not be only whitespace.');
    const id = body.id === undefined || body.id === null ? randomUUID() : String(body.id).trim();
    if (!/^[\w.\- ]+$/.test(id)) throw new BadRequestError(`Invalid input for field/attribute id. Value: ${id}.`);
    const isPublic = body['os-flavor-access:is_public'];
    const rxtx = body.rxtx_factor === undefined ? 1 : Number(body.rxtx_factor);
    if (!(rxtx > 0) || rxtx > 3.4e38) throw new BadRequestError(`Invalid input for field/attribute rxtx_factor. Value: ${String(body.rxtx_factor)}.`);
    const flavor: FlavorRow = {
      id,
      name,
      ram: parseNonNegativeInt(body.ram, 'ram', { min: 1 }),
      vcpus: parseNonNegativeInt(body.vcpus, 'vcpus', { min: 1 }),
      disk: parseNonNegativeInt(body.disk, 'disk'),
      ephemeral: body['OS-FLV-EXT-DATA:ephemeral'] === undefined ? 0 : parseNonNegativeInt(body['OS-FLV-EXT-DATA:ephemeral'], 'OS-FLV-EXT-DATA:ephemeral'),
      swap: body.swap === undefined || body.swap === '' ? 0 : parseNonNegativeInt(body.swap, 'swap'),
      rxtx_factor: rxtx,
      is_public: isPublic === undefined ? true : isPublic === true || String(isPublic).toLowerCase() === 'true',
      disabled: false,
      description: (body.description as string | null | undefined) ?? null,
      extra_specs: {},
    };
    if (await this.flavors.get(id)) throw new ConflictError(`Flavor with ID ${id} already exists.`);
    try {
      return await this.flavors.insert(flavor);
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (await this.flavors.getByName(name)) throw new ConflictError(`Flavor with name ${name} already exists.`);
        throw new ConflictError(`Flavor with ID ${id} already exists.`);
      }
      throw err;
    }
  }

  async delete(ctx: ComputeContext, id: string): Promise<void> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-manage:delete');
    if (!(await this.flavors.delete(id))) throw new NotFoundError(`Flavor ${id} could not be found.`);
  }

  async extraSpecs(ctx: ComputeContext, id: string): Promise<Record<string, string>> {
    return (await this.get(ctx, id)).extra_specs;
  }

  async setExtraSpecs(ctx: ComputeContext, id: string, specs: Record<string, unknown>): Promise<Record<string, string>> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-extra-specs:create');
    const flavor = await this.get(ctx, id);
    const merged: Record<string, string> = { ...flavor.extra_specs };
    for (const [k, v] of Object.entries(specs)) {
      if (!/^[\w.:\- ]{1,255}$/.test(k)) throw new BadRequestError(`Invalid input for field/attribute extra_specs. Value: ${k}.`);
      if (String(v).length > 255) throw new BadRequestError(`Invalid input for field/attribute extra_specs. Value of ${k} is too long.`);
      merged[k] = String(v);
    }
    await this.flavors.update(id, { extra_specs: merged });
    return Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)]));
  }

  async deleteExtraSpec(ctx: ComputeContext, id: string, key: string): Promise<void> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-extra-specs:delete');
    const flavor = await this.get(ctx, id);
    if (!(key in flavor.extra_specs)) throw new NotFoundError(`Flavor ${id} has no extra specs with key ${key}.`);
    const { [key]: _gone, ...rest } = flavor.extra_specs;
    await this.flavors.update(id, { extra_specs: rest });
  }

  async access(ctx: ComputeContext, id: string): Promise<string[]> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-access');
    const flavor = await this.get(ctx, id);
    if (flavor.is_public) throw new NotFoundError('Access list not available for public flavors.');
    return this.flavors.projects(id);
  }

  async addAccess(ctx: ComputeContext, id: string, projectId: string): Promise<string[]> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-access:add_tenant_access');
    const flavor = await this.get(ctx, id);
    if (flavor.is_public) throw new ConflictError('Can not add access to a public flavor.');
    if (!(await this.flavors.addProject(id, projectId))) {
      throw new ConflictError(`Flavor access already exists for flavor ${id} and project ${projectId} combination.`);
    }
    return this.flavors.projects(id);
  }

  async removeAccess(ctx: ComputeContext, id: string, projectId: string): Promise<string[]> {
    requireAdmin(ctx, 'os_compute_api:os-flavor-access:remove_tenant_access');
    await this.get(ctx, id);
    if (!(await this.flavors.removeProject(id, projectId))) {
      throw new NotFoundError(`Flavor access not found for ${id} / ${projectId} combination.`);
    }
    return this.flavors.projects(id);
  }
}
