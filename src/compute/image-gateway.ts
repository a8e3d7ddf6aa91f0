// What Nova needs from Glance: look up an image the caller may use, read its data, and create the
// image of a snapshot. Implemented over virtstack's own image service (src/image) in image-module.
import type { Readable } from 'node:stream';
import type { AuthContext } from '../identity/auth-context.js';

export interface ComputeImage {
  id: string;
  name: string | null;
  status: string;
  diskFormat: string | null;
  containerFormat: string | null;
  size: number | null;
  virtualSize: number | null;
  minRam: number;
  minDisk: number;
  properties: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A page of images for Nova's image proxy (GET /v2.1/images, before 2.36). Filters use Glance v2's
 * names, as Nova's glance client converts them (nova/image/glance.py _extract_query_params_v2):
 * `name`, `status` (lower case), `updated_at` (`gte:<ISO time>`, from Nova's changes-since), and any
 * other key is an extra property that must equal the value (`instance_uuid`, `image_type`, …);
 * `min_ram` / `min_disk` keep only images needing at least that much.
 */
export interface ImageListQuery {
  filters: Record<string, string>;
  /** Page size; Glance's default page when absent. */
  limit?: number;
  /** Id of the last image of the previous page; unknown → BadRequestError (Nova answers 400). */
  marker?: string;
}

export interface ImageGateway {
  /** The image if the caller may see it. */
  get(auth: AuthContext, id: string): Promise<ComputeImage | undefined>;
  /** The image whatever its visibility: for jobs that act on a server already allowed to use it. */
  find(id: string): Promise<ComputeImage | undefined>;
  /** The image data (for the first boot of this image on a host). */
  open(id: string): Promise<Readable>;
  /** Creates a snapshot image in status `queued`, owned by the caller's project. */
  createSnapshot(auth: AuthContext, props: { name: string; properties: Record<string, unknown>; minRam: number; minDisk: number }): Promise<ComputeImage>;
  /** Streams the data of a snapshot image and makes it active (or back to queued/killed on failure). */
  uploadSnapshot(id: string, data: Readable, diskFormat: string): Promise<void>;
  /** Deletes all but the newest `keep` backups (image_type backup) of a server of one backup type. */
  rotateBackups(projectId: string, serverId: string, backupType: string, keep: number): Promise<void>;
  /** Marks a snapshot whose copy failed (Glance: the image goes away, as Nova deletes it). */
  discardSnapshot(id: string): Promise<void>;
  /**
   * The images the caller may see (Glance's visibility rules, all visibilities), newest first
   * (Glance's default sort, created_at desc then id), one page.
   */
  list(auth: AuthContext, query: ImageListQuery): Promise<ComputeImage[]>;
  /**
   * Deletes an image as the caller. NotFoundError (404) when the caller cannot see it, ForbiddenError
   * (403) when the caller may see but not delete it (another project's image, protected image).
   */
  delete(auth: AuthContext, id: string): Promise<void>;
  /**
   * Replaces the image's extra properties (those in ComputeImage.properties) with `properties`, as
   * Nova's image metadata API does (glance update with purge_props=True): keys absent from
   * `properties` are removed. Errors as delete; Glance's property quota → ForbiddenError.
   */
  replaceProperties(auth: AuthContext, id: string, properties: Record<string, string>): Promise<ComputeImage>;
}
