// Regions, services and endpoints: the service catalog (keystone/catalog/core.py in spirit).
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import { newId } from './ids.js';
import type { EndpointRepository, RegionRepository, ServiceRepository } from './repositories/catalog-repository.js';
import type { EndpointRow, RegionRow, ServiceRow } from './repositories/rows.js';
import { splitExtra } from './resource-service.js';

export interface CatalogServiceDeps {
  regions: RegionRepository;
  services: ServiceRepository;
  endpoints: EndpointRepository;
}

const REGION_FIELDS = ['description', 'parent_region_id'] as const;
const SERVICE_FIELDS = ['type', 'enabled'] as const;
const ENDPOINT_FIELDS = ['service_id', 'interface', 'region_id', 'region', 'url', 'enabled'] as const;

export interface CatalogEntry {
  service: ServiceRow;
  endpoints: EndpointRow[];
}

export class CatalogService {
  constructor(private readonly d: CatalogServiceDeps) {}

  async getRegion(id: string): Promise<RegionRow> {
    const region = await this.d.regions.get(id);
    if (!region) throw new NotFoundError(`Could not find region: ${id}.`);
    return region;
  }

  listRegions(filters: { parent_region_id?: string }): Promise<RegionRow[]> {
    return this.d.regions.list(filters);
  }

  async createRegion(body: Record<string, unknown>, id?: string): Promise<RegionRow> {
    const { known, extra } = splitExtra(body, REGION_FIELDS);
    if (id !== undefined && body.id !== undefined && body.id !== id) throw new BadRequestError('The region id in the URL and in the body differ.');
    const regionId = id ?? (typeof body.id === 'string' && body.id ? body.id : newId());
    if (known.parent_region_id) await this.getRegion(known.parent_region_id);
    try {
      return await this.d.regions.insert({ id: regionId, description: known.description ?? '', parent_region_id: known.parent_region_id ?? null, extra });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store region - Duplicate ID, ${regionId}.`);
      throw err;
    }
  }

  async updateRegion(id: string, body: Record<string, unknown>): Promise<RegionRow> {
    const current = await this.getRegion(id);
    const { known, extra } = splitExtra(body, REGION_FIELDS);
    if (known.parent_region_id) {
      if (known.parent_region_id === id) throw new ForbiddenError('A region cannot be its own parent.');
      await this.getRegion(known.parent_region_id);
    }
    return (await this.d.regions.update(id, { description: known.description, parent_region_id: known.parent_region_id, extra: { ...current.extra, ...extra } }))!;
  }

  async deleteRegion(id: string): Promise<void> {
    await this.getRegion(id);
    if (await this.d.regions.hasChildren(id)) throw new ForbiddenError(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
    if (await this.d.regions.hasEndpoints(id)) throw new ForbiddenError(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
    await this.d.regions.delete(id);
  }

  async getService(id: string): Promise<ServiceRow> {
    const service = await this.d.services.get(id);
    if (!service) throw new NotFoundError(`Could not find service: ${id}.`);
    return service;
  }

  async listServices(filters: { type?: string; name?: string }): Promise<ServiceRow[]> {
    const services = await this.d.services.list({ type: filters.type });
    return filters.name === undefined ? services : services.filter((s) => s.extra.name === filters.name);
  }

  createService(body: Record<string, unknown>): Promise<ServiceRow> {
    const { known, extra } = splitExtra(body, SERVICE_FIELDS);
    return this.d.services.insert({ id: newId(), type: known.type, enabled: known.enabled ?? true, extra });
  }

  async updateService(id: string, body: Record<string, unknown>): Promise<ServiceRow> {
    const current = await this.getService(id);
    const { known, extra } = splitExtra(body, SERVICE_FIELDS);
    return (await this.d.services.update(id, { type: known.type, enabled: known.enabled, extra: { ...current.extra, ...extra } }))!;
  }

  async deleteService(id: string): Promise<void> {
    await this.getService(id);
    await this.d.services.delete(id);
  }

  async getEndpoint(id: string): Promise<EndpointRow> {
    const endpoint = await this.d.endpoints.get(id);
    if (!endpoint) throw new NotFoundError(`Could not find endpoint: ${id}.`);
    return endpoint;
  }

  listEndpoints(filters: { interface?: string; service_id?: string; region_id?: string }): Promise<EndpointRow[]> {
    return this.d.endpoints.list(filters);
  }

  private async checkEndpointRefs(known: Partial<Record<(typeof ENDPOINT_FIELDS)[number], any>>): Promise<void> {
    if (known.interface !== undefined && !['public', 'internal', 'admin'].includes(known.interface)) {
      throw new BadRequestError(`Invalid input for field 'interface': '${known.interface}' is not one of ['public', 'internal', 'admin'].`);
    }
    if (known.service_id !== undefined && !(await this.d.services.get(known.service_id))) throw new BadRequestError(`Could not find service: ${known.service_id}.`);
    const regionId = known.region_id ?? known.region;
    // keystone/api/endpoints.py _validate_endpoint_region: an unknown region is created on the fly.
    if (regionId && !(await this.d.regions.get(regionId))) {
      try {
        await this.d.regions.insert({ id: regionId, description: '', parent_region_id: null, extra: {} });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another request created it meanwhile
      }
    }
  }

  async createEndpoint(body: Record<string, unknown>): Promise<EndpointRow> {
    const { known, extra } = splitExtra(body, ENDPOINT_FIELDS);
    await this.checkEndpointRefs(known);
    return this.d.endpoints.insert({
      id: newId(),
      service_id: known.service_id,
      interface: known.interface,
      region_id: known.region_id ?? known.region ?? null,
      url: known.url,
      enabled: known.enabled ?? true,
      extra,
    });
  }

  async updateEndpoint(id: string, body: Record<string, unknown>): Promise<EndpointRow> {
    const current = await this.getEndpoint(id);
    const { known, extra } = splitExtra(body, ENDPOINT_FIELDS);
    await this.checkEndpointRefs(known);
    return (await this.d.endpoints.update(id, {
      service_id: known.service_id,
      interface: known.interface,
      region_id: known.region_id ?? known.region,
      url: known.url,
      enabled: known.enabled,
      extra: { ...current.extra, ...extra },
    }))!;
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.getEndpoint(id);
    await this.d.endpoints.delete(id);
  }

  catalog(): Promise<CatalogEntry[]> {
    return this.d.endpoints.catalog();
  }
}
