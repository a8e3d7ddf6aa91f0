// Nova's flavor JSON (nova/api/openstack/compute/views/flavors.py).
import type { ApiVersion } from './api-version.js';
import type { FlavorRow } from './repositories/flavor-repository.js';

export class FlavorViews {
  /** `base` is the public URL of the compute API without version, e.g. http://h:8080/compute */
  constructor(private readonly base: string) {}

  links(id: string) {
    return [
      { rel: 'self', href: `${this.base}/v2.1/flavors/${id}` },
      { rel: 'bookmark', href: `${this.base}/flavors/${id}` },
    ];
  }

  basic(f: FlavorRow) {
    return { id: f.id, name: f.name, links: this.links(f.id) };
  }

  detail(f: FlavorRow, _v: ApiVersion) {
    return {
      id: f.id,
      name: f.name,
      ram: f.ram,
      disk: f.disk,
      // Nova shows a swap of 0 as "" before 2.75.
      swap: f.swap === 0 ? '' : f.swap,
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
      'OS-FLV-DISABLED:disabled': f.disabled,
      vcpus: f.vcpus,
      'os-flavor-access:is_public': f.is_public,
      rxtx_factor: f.rxtx_factor,
      links: this.links(f.id),
    };
  }

  /** flavors_links with rel next, only when the page is full (Nova's pagination rule). */
  collection(key: string, items: unknown[], rows: FlavorRow[], limit: number | undefined, path: string) {
    const body: Record<string, unknown> = { [key]: items };
    if (limit !== undefined && rows.length === limit && rows.length > 0) {
      body[`${key}_links`] = [{ rel: 'next', href: `${this.base}/v2.1/${path}?limit=${limit}&marker=${encodeURIComponent(rows[rows.length - 1].id)}` }];
    }
    return body;
  }

  access(flavorId: string, projects: string[]) {
    return { flavor_access: projects.map((p) => ({ flavor_id: flavorId, tenant_id: p })) };
  }
}
