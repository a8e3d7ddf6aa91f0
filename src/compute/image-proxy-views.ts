// Nova's image proxy JSON (nova/api/openstack/compute/views/images.py): Glance images as Nova showed
// them before 2.36, with Nova's status table and progress.
import type { ComputeImage } from './image-gateway.js';
import { isoSeconds } from './server-views.js';

const STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };
const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];

export class ImageProxyViews {
  /** `base`: compute API URL without version; `glance`: the image API's public URL. */
  constructor(private readonly base: string, private readonly glance: string) {}

  links(id: string) {
    return [
      { rel: 'self', href: `${this.base}/v2.1/images/${id}` },
      { rel: 'bookmark', href: `${this.base}/images/${id}` },
      { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${this.glance}/images/${id}` },
    ];
  }

  basic(i: ComputeImage) {
    return { id: i.id, name: i.name, links: this.links(i.id) };
  }

  detail(i: ComputeImage) {
    const body: Record<string, unknown> = {
      id: i.id,
      name: i.name,
      minRam: i.minRam ?? 0,
      minDisk: i.minDisk ?? 0,
      metadata: i.properties,
      created: isoSeconds(i.createdAt),
      updated: isoSeconds(i.updatedAt),
      status: STATUS[i.status] ?? 'UNKNOWN',
      progress: PROGRESS[i.status] ?? 0,
      'OS-EXT-IMG-SIZE:size': i.size ?? 0,
      links: this.links(i.id),
    };
    const server = i.properties.instance_uuid;
    if (typeof server === 'string') {
      body.server = { id: server, links: [{ rel: 'self', href: `${this.base}/v2.1/servers/${server}` }, { rel: 'bookmark', href: `${this.base}/servers/${server}` }] };
    }
    const diskConfig = i.properties.auto_disk_config;
    if (diskConfig !== undefined && diskConfig !== null) body['OS-DCF:diskConfig'] = TRUE.includes(String(diskConfig).toLowerCase()) ? 'AUTO' : 'MANUAL';
    return body;
  }

  /** images_links with rel next when the page is full (the limit, or Nova's max_limit 1000). */
  collection(items: unknown[], rows: ComputeImage[], limit: number | undefined, path: string) {
    const body: Record<string, unknown> = { images: items };
    const size = limit ?? 1000;
    if (rows.length > 0 && rows.length === size) body.images_links = [{ rel: 'next', href: `${this.base}/v2.1/${path}?limit=${size}&marker=${rows[rows.length - 1].id}` }];
    return body;
  }
}
