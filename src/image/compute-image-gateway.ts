// Nova's view of Glance (src/compute/image-gateway.ts) over virtstack's own image service: the same
// visibility rules as the API, the data from the image store, and snapshots written through the same
// upload path as `PUT /v2/images/{id}/file` (checksums, format inspection, queued → saving → active).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ComputeImage, ImageGateway, ImageListQuery } from '../compute/image-gateway.js';
import { ForbiddenError, NotFoundError, PayloadTooLargeError } from '../http/errors.js';
import type { AuthContext } from '../identity/auth-context.js';
import type { ImageDataService } from './image-data-service.js';
import { PATCH_V21, type ImageService } from './image-service.js';
import type { ImageStore } from './image-store.js';
import type { ImageRepository } from './repositories/image-repository.js';
import type { ImageRow } from './repositories/rows.js';

function toComputeImage(i: ImageRow): ComputeImage {
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    diskFormat: i.disk_format,
    containerFormat: i.container_format,
    size: i.size,
    virtualSize: i.virtual_size,
    minRam: i.min_ram,
    minDisk: i.min_disk,
    properties: i.properties,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

/**
 * The compute service acts on snapshot images of its own making as the owning project's admin would
 * (Nova uploads with the user's token; a job that runs later has no token, so it carries this role).
 */
function serviceCaller(projectId: string | null): AuthContext {
  const now = new Date();
  return {
    token: '',
    userId: 'virtstack-compute',
    userName: 'virtstack-compute',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: projectId ?? undefined,
    system: false,
    roles: [{ id: 'virtstack-compute', name: 'admin' }],
    methods: [],
    auditIds: [],
    issuedAt: now,
    expiresAt: now,
  };
}

export class ComputeImageGateway implements ImageGateway {
  constructor(
    private readonly images: ImageService,
    private readonly data: ImageDataService,
    private readonly repo: ImageRepository,
    private readonly store: ImageStore,
  ) {}

  async get(auth: AuthContext, id: string): Promise<ComputeImage | undefined> {
    try {
      return toComputeImage(await this.images.get(auth, id));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async find(id: string): Promise<ComputeImage | undefined> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.repo.get(id) : undefined;
    return row ? toComputeImage(row) : undefined;
  }

  async open(id: string): Promise<Readable> {
    return createReadStream(this.store.path(id));
  }

  async createSnapshot(auth: AuthContext, props: { name: string; properties: Record<string, unknown>; minRam: number; minDisk: number }): Promise<ComputeImage> {
    const extra = Object.fromEntries(Object.entries(props.properties).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const row = await this.images.create(auth, {
      ...extra,
      name: props.name,
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'private',
      min_ram: props.minRam,
      min_disk: props.minDisk,
    });
    return toComputeImage(row);
  }

  async uploadSnapshot(id: string, data: Readable, _diskFormat: string): Promise<void> {
    const image = await this.repo.get(id);
    if (!image) throw new NotFoundError(`Image ${id} could not be found.`);
    await this.data.upload(serviceCaller(image.owner), id, 'application/octet-stream', undefined, data);
  }

  async rotateBackups(projectId: string, serverId: string, backupType: string, keep: number): Promise<void> {
    const caller = serviceCaller(projectId);
    const { images } = await this.images.list(caller, { instance_uuid: serverId, image_type: 'backup', backup_type: backupType, sort_key: 'created_at', sort_dir: 'desc', limit: '1000' });
    for (const old of images.filter((i) => i.owner === projectId).slice(keep)) {
      await this.images.delete(caller, old.id).catch((err) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
  }

  async discardSnapshot(id: string): Promise<void> {
    const image = await this.repo.get(id);
    if (!image) return;
    await this.images.delete(serviceCaller(image.owner), id).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }

  async list(auth: AuthContext, query: ImageListQuery): Promise<ComputeImage[]> {
    const params: Record<string, string> = { ...query.filters };
    if (query.limit !== undefined) params.limit = String(query.limit);
    if (query.marker !== undefined) params.marker = query.marker;
    return (await this.images.list(auth, params)).images.map(toComputeImage);
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    await this.images.delete(auth, id);
  }

  async replaceProperties(auth: AuthContext, id: string, properties: Record<string, string>): Promise<ComputeImage> {
    const current = await this.images.get(auth, id);
    // Glance's JSON patch: remove what is gone, add (which replaces) what is given.
    const ops = [
      ...Object.keys(current.properties).filter((k) => !(k in properties)).map((k) => ({ op: 'remove', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` })),
      ...Object.entries(properties).map(([k, value]) => ({ op: 'add', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value })),
    ];
    try {
      return toComputeImage(await this.images.update(auth, id, PATCH_V21, ops));
    } catch (err) {
      // Nova answers an exceeded property quota with 403.
      if (err instanceof PayloadTooLargeError) throw new ForbiddenError(err.message);
      throw err;
    }
  }
}
