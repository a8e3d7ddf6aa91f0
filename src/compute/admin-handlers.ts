// Nova's operator APIs: availability zones, hypervisors, services, aggregates, server groups,
// quota sets and usage. (Filled in operation by operation; each has its operationId in the spec.)
import type { Database } from '../db/database.js';
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import type { AvailabilityZones } from './availability-zones.js';
import type { HostManager } from './host-manager.js';
import type { QuotaService } from './quota-service.js';
import type { AggregateRepository } from './repositories/aggregate-repository.js';
import type { HostRepository } from './repositories/host-repository.js';
import type { ServerGroupRepository } from './repositories/server-group-repository.js';
import type { ServerRepository } from './repositories/server-repository.js';

export interface AdminHandlerDeps {
  db: Database;
  hosts: HostManager;
  hostRepo: HostRepository;
  aggregates: AggregateRepository;
  zones: AvailabilityZones;
  groups: ServerGroupRepository;
  quotas: QuotaService;
  servers: ServerRepository;
  /** Public URL of the compute API without version. */
  base: string;
}

export function createAdminHandlers(_d: AdminHandlerDeps): Record<string, Handler<AuthContext>> {
  return {};
}
