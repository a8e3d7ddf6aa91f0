import type { Database } from '../../db/database.js';
import { TableRepository } from '../../db/table-repository.js';
import type { EndpointRow, RegionRow, ServiceRow } from './rows.js';

export class RegionRepository extends TableRepository<RegionRow> {
  constructor(db: Database) {
    super(db, 'regions');
  }

  async hasChildren(id: string): Promise<boolean> {
    return !!(await this.query().where({ parent_region_id: id }).first('id'));
  }

  async hasEndpoints(id: string): Promise<boolean> {
    return !!(await this.db('endpoints').where({ region_id: id }).first('id'));
  }
}

export class ServiceRepository extends TableRepository<ServiceRow> {
  constructor(db: Database) {
    super(db, 'services');
  }
}

export class EndpointRepository extends TableRepository<EndpointRow> {
  constructor(db: Database) {
    super(db, 'endpoints');
  }

  /** The enabled endpoints of enabled services: what a token's catalog lists. */
  async catalog(): Promise<Array<{ service: ServiceRow; endpoints: EndpointRow[] }>> {
    const services: ServiceRow[] = await this.db('services').where({ enabled: true }).orderBy('id');
    const endpoints: EndpointRow[] = await this.query().where({ enabled: true }).orderBy('id');
    return services.map((service) => ({ service, endpoints: endpoints.filter((e) => e.service_id === service.id) }));
  }
}
