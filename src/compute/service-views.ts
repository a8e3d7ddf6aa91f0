// Nova's service, host and availability zone JSON (nova/api/openstack/compute/services.py,
// hosts.py, availability_zone.py). Gate: 2.11 services show forced_down.
import type { ApiVersion } from './api-version.js';
import type { NovaService } from './service-directory.js';
import { INTERNAL_ZONE } from './service-directory.js';
import { isoMicrosNoZone } from './server-views.js';

export function serviceView(s: NovaService, v: ApiVersion) {
  const body: Record<string, unknown> = {
    binary: s.binary,
    host: s.host,
    id: s.id,
    zone: s.zone,
    status: s.disabled ? 'disabled' : 'enabled',
    state: s.up ? 'up' : 'down',
    updated_at: isoMicrosNoZone(s.updatedAt),
    disabled_reason: s.disabledReason,
  };
  if (v.atLeast('2.11')) body.forced_down = s.forcedDown;
  return body;
}

/** os-hosts index: enabled services only (Nova filters disabled ones out), with the zone filter. */
export function hostListView(services: NovaService[], zone: string | undefined) {
  return {
    hosts: services
      .filter((s) => !s.disabled && (!zone || s.zone === zone))
      .map((s) => ({ host_name: s.host, service: s.topic, zone: s.zone })),
  };
}

interface Resource { host: string; project: string; cpu: number; memory_mb: number; disk_gb: number }

/** os-hosts show: totals, what is used now, the sum of the servers' flavors, then per project. */
export function hostShowView(host: string, total: Omit<Resource, 'host' | 'project'>, servers: Array<{ project_id: string; vcpus: number; ram: number; disk: number }>) {
  const sum = (list: typeof servers) => ({
    cpu: list.reduce((n, s) => n + s.vcpus, 0),
    memory_mb: list.reduce((n, s) => n + s.ram, 0),
    disk_gb: list.reduce((n, s) => n + s.disk, 0),
  });
  const resources: Resource[] = [
    { host, project: '(total)', ...total },
    { host, project: '(used_now)', ...sum(servers) },
    { host, project: '(used_max)', ...sum(servers) },
  ];
  for (const project of [...new Set(servers.map((s) => s.project_id))]) {
    resources.push({ host, project, ...sum(servers.filter((s) => s.project_id === project)) });
  }
  return { host: resources.map((resource) => ({ resource })) };
}

/**
 * Zones from the services (nova/availability_zones.py): a zone with an enabled service is available,
 * a zone whose services are all disabled is not. The list hides the internal zone; the detail shows
 * it, with each available zone's hosts and their enabled services.
 */
export function availabilityZonesView(services: NovaService[], detail: boolean) {
  const enabled = services.filter((s) => !s.disabled);
  const available = [...new Set(enabled.map((s) => s.zone))].sort();
  const unavailable = [...new Set(services.filter((s) => s.disabled).map((s) => s.zone))].filter((z) => !available.includes(z)).sort();
  const info: Array<{ zoneName: string; zoneState: { available: boolean }; hosts: unknown }> = [];
  for (const zone of available) {
    if (!detail && zone === INTERNAL_ZONE) continue;
    let hosts: Record<string, Record<string, unknown>> | null = null;
    if (detail) {
      hosts = {};
      for (const s of enabled.filter((x) => x.zone === zone)) {
        hosts[s.host] ??= {};
        hosts[s.host][s.binary] = { available: s.up, active: !s.disabled, updated_at: isoMicrosNoZone(s.updatedAt) };
      }
    }
    info.push({ zoneName: zone, zoneState: { available: true }, hosts });
  }
  for (const zone of unavailable) {
    if (!detail && zone === INTERNAL_ZONE) continue;
    info.push({ zoneName: zone, zoneState: { available: false }, hosts: null });
  }
  return { availabilityZoneInfo: info };
}
