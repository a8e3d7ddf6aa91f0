// Endpoint groups (OS-EP-FILTER, keystone/api/os_ep_filter.py): a named filter over the catalog's
// endpoints by service, region and interface.
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { newId } from './ids.js';
import type { EndpointRepository } from './repositories/catalog-repository.js';
import type { EndpointGroupRepository } from './repositories/endpoint-group-repository.js';
import type { EndpointGroupRow, EndpointRow } from './repositories/rows.js';

export interface EndpointGroupServiceDeps {
  groups: EndpointGroupRepository;
  endpoints: EndpointRepository;
}

// Keystone's valid filter keys; any other key is a 400 ("… is not a valid filter").
const VALID_FILTERS = ['service_id', 'region_id', 'interface'];

function checkFilters(filters: Record<string, unknown>): Record<string, string> {
  for (const key of Object.keys(filters)) {
    if (!VALID_FILTERS.includes(key)) throw new BadRequestError(`${key} is not a valid filter; valid filters are ${VALID_FILTERS.join(', ')}.`);
  }
  return filters as Record<string, string>;
}

export class EndpointGroupService {
  constructor(private readonly d: EndpointGroupServiceDeps) {}

  async get(id: string): Promise<EndpointGroupRow> {
    const group = await this.d.groups.get(id);
    if (!group) throw new NotFoundError(`Could not find Endpoint Group: ${id}.`);
    return group;
  }

  list(filters: { name?: string }): Promise<EndpointGroupRow[]> {
    return this.d.groups.list(filters, 'name');
  }

  create(body: { name: string; description?: string | null; filters: Record<string, unknown> }): Promise<EndpointGroupRow> {
    return this.d.groups.insert({ id: newId(), name: body.name, description: body.description ?? null, filters: checkFilters(body.filters) });
  }

  async update(id: string, body: { name?: string; description?: string | null; filters?: Record<string, unknown> }): Promise<EndpointGroupRow> {
    await this.get(id);
    return (await this.d.groups.update(id, {
      name: body.name,
      description: body.description,
      filters: body.filters === undefined ? undefined : checkFilters(body.filters),
    }))!;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.d.groups.delete(id);
  }

  /** The endpoints the group's filters select. */
  async endpoints(id: string): Promise<EndpointRow[]> {
    const group = await this.get(id);
    return this.d.endpoints.list(group.filters);
  }
}
