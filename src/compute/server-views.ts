// Nova's server JSON (nova/api/openstack/compute/views/servers.py). The microversion gates of the
// server body live here and only here; test/compute/server-views.test.ts has a golden sample per version.
import { createHash } from 'node:crypto';
import type { ApiVersion } from './api-version.js';
import type { FlavorViews } from './flavor-views.js';
import type { ServerRow, ServerWithDetails } from './repositories/server-repository.js';
import { statusOf } from './server-states.js';

/** `2026-11-26T18:58:43Z`: created/updated (RFC 3339, seconds). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2026-11-26T18:58:49.000000`: launched_at/terminated_at, without a zone, as Nova prints them. */
export function isoMicrosNoZone(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null;
}

export interface ServerViewOptions {
  version: ApiVersion;
  isAdmin: boolean;
  /** host → status (UP, DOWN, MAINTENANCE) for 2.16's host_status. */
  hostStatus?: (host: string | null) => string;
  /**
   * The body of update and rebuild responses: Nova builds them without the extension attributes
   * (availability zone, extended status, usage, config drive, key name, volumes, security groups,
   * extended server attributes, host status).
   */
  reduced?: boolean;
}

const EXTENSION_KEYS = [
  'OS-EXT-AZ:availability_zone', 'config_drive', 'key_name', 'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at',
  'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state', 'os-extended-volumes:volumes_attached',
  'security_groups', 'host_status',
];

export class ServerViews {
  constructor(
    private readonly base: string,
    private readonly flavors: FlavorViews,
  ) {}

  links(id: string) {
    return [
      { rel: 'self', href: `${this.base}/v2.1/servers/${id}` },
      { rel: 'bookmark', href: `${this.base}/servers/${id}` },
    ];
  }

  basic(s: ServerRow) {
    return { id: s.id, name: s.name, links: this.links(s.id) };
  }

  addresses(s: ServerWithDetails) {
    const out: Record<string, Array<Record<string, unknown>>> = {};
    for (const ip of s.addresses) {
      (out[ip.network_name] ??= []).push({ version: 4, addr: ip.address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': ip.mac });
    }
    return out;
  }

  private flavor(s: ServerRow, o: ServerViewOptions) {
    if (o.version.atLeast('2.47')) {
      const f = s.flavor;
      return { original_name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, extra_specs: f.extra_specs ?? {} };
    }
    return { id: s.flavor_id, links: [{ rel: 'bookmark', href: `${this.base}/flavors/${s.flavor_id}` }] };
  }

  private fault(s: ServerRow, o: ServerViewOptions) {
    if (!s.fault || !['error', 'deleted'].includes(s.vm_state)) return undefined;
    const f: Record<string, unknown> = { code: s.fault.code, created: s.fault.created, message: s.fault.message };
    // Nova shows the details of a fault to admins, and of a non-500 fault to everyone.
    if (s.fault.details && (o.isAdmin || s.fault.code !== 500)) f.details = s.fault.details;
    return f;
  }

  detail(s: ServerWithDetails, o: ServerViewOptions) {
    const v = o.version;
    const status = s.deleted_at ? 'DELETED' : statusOf(s.vm_state, s.task_state);
    const body: Record<string, unknown> = {
      id: s.id,
      name: s.name,
      status,
      tenant_id: s.project_id,
      user_id: s.user_id,
      metadata: s.metadata,
      hostId: s.host ? createHash('sha224').update(s.project_id + s.host).digest('hex') : '',
      image: s.image_ref ? { id: s.image_ref, links: [{ rel: 'bookmark', href: `${this.base}/images/${s.image_ref}` }] } : '',
      flavor: this.flavor(s, o),
      created: isoSeconds(s.created_at),
      updated: isoSeconds(s.updated_at),
      addresses: this.addresses(s),
      accessIPv4: s.access_ip_v4 ?? '',
      accessIPv6: s.access_ip_v6 ?? '',
      links: this.links(s.id),
      'OS-DCF:diskConfig': 'MANUAL',
      // Nova shows progress only while it means something (views/servers.py PROGRESS_STATUSES).
      ...(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'].includes(status) ? { progress: s.progress } : {}),
      'OS-EXT-AZ:availability_zone': s.availability_zone ?? '',
      config_drive: s.config_drive ? 'True' : '',
      key_name: s.key_name,
      'OS-SRV-USG:launched_at': isoMicrosNoZone(s.launched_at),
      'OS-SRV-USG:terminated_at': isoMicrosNoZone(s.terminated_at),
      'OS-EXT-STS:task_state': s.task_state,
      'OS-EXT-STS:vm_state': s.deleted_at ? 'deleted' : s.vm_state,
      'OS-EXT-STS:power_state': s.power_state,
      'os-extended-volumes:volumes_attached': [],
    };
    // A server that left every security group has no such key (Nova's behaviour).
    if (s.security_groups.length) body.security_groups = s.security_groups.map((name) => ({ name }));
    if (o.isAdmin) {
      body['OS-EXT-SRV-ATTR:host'] = s.host;
      body['OS-EXT-SRV-ATTR:instance_name'] = `instance-${s.number.toString(16).padStart(8, '0')}`;
      body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.host;
      if (v.atLeast('2.3')) {
        body['OS-EXT-SRV-ATTR:reservation_id'] = s.reservation_id;
        body['OS-EXT-SRV-ATTR:launch_index'] = s.launch_index;
        body['OS-EXT-SRV-ATTR:hostname'] = s.hostname;
        body['OS-EXT-SRV-ATTR:kernel_id'] = '';
        body['OS-EXT-SRV-ATTR:ramdisk_id'] = '';
        body['OS-EXT-SRV-ATTR:root_device_name'] = '/dev/vda';
        body['OS-EXT-SRV-ATTR:user_data'] = s.user_data;
      }
    }
    const fault = this.fault(s, o);
    if (fault) body.fault = fault;
    if (v.atLeast('2.9')) body.locked = s.locked;
    if (v.atLeast('2.16') && o.isAdmin) body.host_status = o.hostStatus ? o.hostStatus(s.host) : '';
    if (v.atLeast('2.19')) body.description = s.description;
    if (v.atLeast('2.26')) body.tags = s.tags;
    if (o.reduced) {
      for (const k of Object.keys(body)) if (EXTENSION_KEYS.includes(k) || k.startsWith('OS-EXT-SRV-ATTR:')) delete body[k];
      // …and addresses without the extended IP attributes (extend_address=False).
      body.addresses = Object.fromEntries(Object.entries(this.addresses(s)).map(([net, list]) => [net, list.map((a) => ({ version: a.version, addr: a.addr }))]));
    }
    return body;
  }

  /** servers_links with rel next, only when the page is full. */
  collection(items: unknown[], rows: ServerRow[], limit: number | undefined, path: string, query: Record<string, unknown>) {
    const body: Record<string, unknown> = { servers: items };
    if (limit !== undefined && rows.length === limit && limit > 0) {
      const params = new URLSearchParams();
      for (const [k, val] of Object.entries(query)) {
        if (k === 'marker') continue;
        for (const one of ([] as unknown[]).concat(val)) params.append(k, String(one));
      }
      params.set('marker', rows[rows.length - 1].id);
      body.servers_links = [{ rel: 'next', href: `${this.base}/v2.1/${path}?${params}` }];
    }
    return body;
  }

  createResponse(s: ServerRow, adminPass: string) {
    return { server: { id: s.id, links: this.links(s.id), 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }], adminPass } };
  }
}
