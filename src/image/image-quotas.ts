// Per-project image quotas, checked as Glance's unified-limits quotas are (glance/quota/keystone.py):
// image_count_total on create, image_size_total on upload, image_stage_total on stage — each
// refusal a 413 naming the limit, its usage and the delta.
import { PayloadTooLargeError } from '../http/errors.js';
import type { ImageRepository } from './repositories/image-repository.js';

export interface ImageQuotaLimits {
  count: number;
  bytes: number;
  staged: number;
  /** Glance's image_size_cap: no single image may be larger. */
  imageSize: number;
}

export class ImageQuotas {
  constructor(private readonly images: ImageRepository, readonly limits: ImageQuotaLimits) {}

  private static over(resource: string, limit: number, usage: number, delta: number): PayloadTooLargeError {
    return new PayloadTooLargeError(`Resource ${resource} is over limit of ${limit} due to current usage ${usage} and delta ${delta}`);
  }

  async checkCreate(owner: string | null): Promise<void> {
    if (!owner) return;
    const u = await this.images.usage(owner);
    if (u.count + 1 > this.limits.count) throw ImageQuotas.over('image_count_total', this.limits.count, u.count, 1);
  }

  /** The most bytes an upload for `owner` may write now, with the reason to give when it writes more. */
  async uploadBudget(owner: string | null, kind: 'store' | 'stage'): Promise<{ bytes: number; reason: string }> {
    const cap = { bytes: this.limits.imageSize, reason: `The incoming image is too large: it exceeds the limit of ${this.limits.imageSize} bytes per image.` };
    if (!owner) return cap;
    const u = await this.images.usage(owner);
    const [resource, limit, used] = kind === 'store' ? ['image_size_total', this.limits.bytes, u.bytes] : ['image_stage_total', this.limits.staged, u.staged];
    const left = Math.max(0, limit - used);
    if (left === 0) throw ImageQuotas.over(resource as string, limit as number, used as number, 0);
    if (left < cap.bytes) return { bytes: left, reason: `Resource ${resource} is over limit of ${limit} bytes due to current usage ${used} bytes and this upload.` };
    return cap;
  }

  async usage(owner: string | null): Promise<{ count: number; bytes: number; staged: number; uploading: number }> {
    return owner ? this.images.usage(owner) : { count: 0, bytes: 0, staged: 0, uploading: 0 };
  }
}
