// Availability zones as Nova derives them: the `availability_zone` metadata of host aggregates;
// a host in no such aggregate is in the default zone, "nova" (nova/availability_zones.py).
import type { AggregateRepository } from './repositories/aggregate-repository.js';

export const DEFAULT_ZONE = 'nova';

export class AvailabilityZones {
  constructor(private readonly aggregates: AggregateRepository) {}

  /** Zone of each host that is in a zone aggregate. */
  async hostZones(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    for (const agg of await this.aggregates.list()) {
      const zone = agg.metadata.availability_zone;
      if (!zone) continue;
      for (const h of agg.hosts) map.set(h, zone);
    }
    return map;
  }

  async zoneOf(host: string): Promise<string> {
    return (await this.hostZones()).get(host) ?? DEFAULT_ZONE;
  }

  async exists(zone: string): Promise<boolean> {
    if (zone === DEFAULT_ZONE) return true;
    return [...(await this.hostZones()).values()].includes(zone);
  }
}
