// Image data: upload, download, stage, import (glance-direct, web-download) and recovery after a
// crash (glance/api/v2/image_data.py, glance/async_/flows/api_image_import.py).
//
// Status moves only by compare-and-swap: queued → saving (one upload wins; the others get 409),
// saving → active only with the winning upload's token and only after the data is complete, fsynced,
// inspected and renamed into place; any failure puts the image back to queued. A process that dies
// mid-upload stops its heartbeat; recover() then puts the image back to queued — or, if the complete
// file was already renamed into place, finishes the job from the file.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios from 'axios';
import type { Logger } from 'pino';
import { ApiError, BadRequestError, ConflictError, ForbiddenError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors.js';
import type { AuthContext } from '../identity/auth-context.js';
import { inspectImageFile } from './format-inspector.js';
import { GoneError, RangeNotSatisfiableError } from './image-errors.js';
import { admin, enforceModify } from './image-policy.js';
import type { ImageQuotas } from './image-quotas.js';
import type { ImageService } from './image-service.js';
import { DataLimitError, type ImageStore, type WrittenData } from './image-store.js';
import { IMPORT_METHODS, STORE_ID } from './image-views.js';
import type { ImageRepository } from './repositories/image-repository.js';
import type { ImageRow } from './repositories/rows.js';
import { ForbiddenAddressError, type UrlGuard } from './url-guard.js';

const HEARTBEAT_MS = 5_000;
/** An upload whose heartbeat is older than this belongs to a process that died. */
export const STALE_UPLOAD_MS = 30_000;

export interface Download {
  image: ImageRow;
  /** undefined: the image has no data (Glance answers 204). */
  stream?: Readable;
  status: 200 | 204 | 206;
  headers: Record<string, string>;
}

export class ImageDataService {
  private readonly agents: { httpAgent: http.Agent; httpsAgent: https.Agent };
  /** Imports running in this process, so that stop() can wait for them. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly images: ImageRepository,
    private readonly imageService: ImageService,
    private readonly store: ImageStore,
    private readonly quotas: ImageQuotas,
    private readonly guard: UrlGuard,
    private readonly log: Logger,
  ) {
    this.agents = { httpAgent: new http.Agent({ lookup: guard.lookup } as http.AgentOptions), httpsAgent: new https.Agent({ lookup: guard.lookup } as https.AgentOptions) };
  }

  /** PUT /v2/images/{id}/file */
  async upload(auth: AuthContext, id: string, contentType: string | undefined, contentLength: string | undefined, source: Readable): Promise<void> {
    requireOctetStream(contentType);
    const image = await this.imageService.get(auth, id);
    enforceModify(auth, image, 'upload_image');
    const budget = await this.quotas.uploadBudget(image.owner, 'store');
    if (contentLength !== undefined && Number(contentLength) > budget.bytes) throw new PayloadTooLargeError(budget.reason);
    const token = await this.claim(image, ['queued'], 'saving');
    await this.storeData(image, token, 'saving', () => this.store.write(source, this.store.imagesDir, budget, undefined));
  }

  /** PUT /v2/images/{id}/stage: data for a later glance-direct import, in the staging area. */
  async stage(auth: AuthContext, id: string, contentType: string | undefined, contentLength: string | undefined, source: Readable): Promise<void> {
    requireOctetStream(contentType);
    const image = await this.imageService.get(auth, id);
    enforceModify(auth, image, 'upload_image');
    const budget = await this.quotas.uploadBudget(image.owner, 'stage');
    if (contentLength !== undefined && Number(contentLength) > budget.bytes) throw new PayloadTooLargeError(budget.reason);
    const token = await this.claim(image, ['queued'], 'uploading');
    const beat = this.heartbeat(id, token);
    try {
      const written = await this.store.write(source, this.store.stagingDir, budget);
      await this.store.commit(written.tempPath, this.store.stagedPath(id));
      const done = await this.images.transition(id, ['uploading'], 'uploading', { staged_size: written.size, upload_token: null, upload_heartbeat_at: null }, token);
      if (!done) {
        await this.store.remove(this.store.stagedPath(id));
        throw new GoneError(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
      }
    } catch (err) {
      await this.images.transition(id, ['uploading'], 'queued', { upload_token: null, upload_heartbeat_at: null, staged_size: null }, token);
      throw dataError(err);
    } finally {
      clearInterval(beat);
    }
  }

  /** POST /v2/images/{id}/import: starts the import and returns at once (202), as Glance's task does. */
  async import(auth: AuthContext, id: string, body: unknown): Promise<void> {
    const b = (body ?? {}) as { method?: { name?: unknown; uri?: unknown } };
    const method = b.method?.name;
    if (typeof method !== 'string') throw new BadRequestError("Import request requires a 'method' field.");
    if (!IMPORT_METHODS.includes(method)) throw new BadRequestError(`Import method ${method} is not valid; this site offers ${IMPORT_METHODS.join(', ')}.`);
    const image = await this.imageService.get(auth, id);
    enforceModify(auth, image, 'import_image');
    if (method === 'glance-direct') {
      if (image.status !== 'uploading' || image.staged_size === null) {
        throw new ConflictError(`Image needs to be staged before 'glance-direct' method can be used`);
      }
      const token = await this.claim(image, ['uploading'], 'importing', { properties: { ...image.properties, os_glance_importing_to_stores: STORE_ID } });
      this.background(id, token, async () => {
        await this.storeData(image, token, 'importing', async () => {
          const budget = await this.quotas.uploadBudget(image.owner, 'store');
          return this.store.write(this.store.read(this.store.stagedPath(id)), this.store.imagesDir, budget);
        });
        await this.store.remove(this.store.stagedPath(id));
      });
      return;
    }
    // web-download
    const uri = b.method?.uri;
    if (typeof uri !== 'string') throw new BadRequestError("URI for web-download is required: give 'uri' in 'method'.");
    if (image.status !== 'queued') throw new ConflictError(`Image status transition from ${image.status} to importing is not allowed`);
    let url: URL;
    try {
      url = this.guard.parse(uri);
      await this.guard.check(url);
    } catch (err) {
      if (err instanceof ForbiddenAddressError) throw new BadRequestError(`URI for web-download does not pass filtering: ${uri} (${err.message})`);
      throw new BadRequestError(`URI for web-download could not be resolved: ${uri}`);
    }
    const token = await this.claim(image, ['queued'], 'importing', { properties: { ...image.properties, os_glance_importing_to_stores: STORE_ID } });
    this.background(id, token, () => this.storeData(image, token, 'importing', () => this.fetch(url, image.owner)));
  }

  /** GET /v2/images/{id}/file, with Range support (glance/api/v2/image_data.py ResponseSerializer.download). */
  async download(auth: AuthContext, id: string, range: string | undefined): Promise<Download> {
    const image = await this.imageService.get(auth, id);
    if (image.status === 'deactivated' && !admin(auth)) {
      throw new ForbiddenError('The requested image has been deactivated. Image data download is forbidden.');
    }
    if (image.status !== 'active' && image.status !== 'deactivated') return { image, status: 204, headers: {} };
    const path = this.store.path(id);
    const size = await this.store.size(path).catch(() => undefined);
    if (size === undefined) throw new ApiError(503, `Image data for ${id} is missing from the store.`);
    if (range !== undefined) {
      const r = parseRange(range, size);
      if (r) {
        return {
          image,
          status: 206,
          stream: this.store.read(path, r),
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(r.end - r.start + 1), 'Content-Range': `bytes ${r.start}-${r.end}/${size}` },
        };
      }
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) };
    if (image.checksum) headers['Content-MD5'] = image.checksum;
    return { image, status: 200, stream: this.store.read(path), headers };
  }

  /**
   * Puts images whose upload or import died with its process back in order, and removes temporary
   * files nobody writes any more. Runs at start and then periodically; safe with several processes.
   */
  async recover(): Promise<void> {
    await this.store.removeTemporaryFiles(STALE_UPLOAD_MS * 2);
    for (const image of await this.images.staleUploads(new Date(Date.now() - STALE_UPLOAD_MS))) {
      const token = image.upload_token;
      const path = this.store.path(image.id);
      const props = { ...image.properties };
      delete props.os_glance_importing_to_stores;
      if (await this.store.exists(path)) {
        // The complete file was renamed into place before the process died: finish from it.
        try {
          const detected = await inspectImageFile(path, image.disk_format);
          const h = await this.store.hashFile(path);
          const done = await this.images.transition(image.id, [image.status], 'active', {
            size: h.size, checksum: h.md5, os_hash_algo: 'sha512', os_hash_value: h.sha512, virtual_size: detected.virtualSize,
            upload_token: null, upload_heartbeat_at: null, properties: props, staged_size: null,
          }, token);
          if (done) this.log.warn({ image_id: image.id }, 'finished an upload interrupted after its data was complete');
          await this.store.remove(this.store.stagedPath(image.id));
          continue;
        } catch (err) {
          this.log.warn({ err, image_id: image.id }, 'an interrupted upload left an unusable file; discarding it');
          await this.store.remove(path);
        }
      }
      const staged = await this.store.exists(this.store.stagedPath(image.id));
      const back = image.status === 'importing' && staged ? 'uploading' : 'queued';
      await this.images.transition(image.id, [image.status], back, { upload_token: null, upload_heartbeat_at: null, properties: props, ...(back === 'queued' ? { staged_size: null } : {}) }, token);
      this.log.warn({ image_id: image.id, status: back }, 'an upload or import died with its process; image set back');
    }
  }

  /** Waits for imports started by this process (used when the server stops). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async claim(image: ImageRow, from: ImageRow['status'][], to: ImageRow['status'], patch: Partial<ImageRow> = {}): Promise<string> {
    const token = randomBytes(16).toString('hex');
    const claimed = await this.images.transition(image.id, from, to, { ...patch, upload_token: token, upload_heartbeat_at: new Date() });
    if (!claimed) {
      const now = await this.images.get(image.id);
      throw new ConflictError(`Image status transition from ${now?.status ?? 'deleted'} to ${to} is not allowed`);
    }
    return token;
  }

  private heartbeat(id: string, token: string): NodeJS.Timeout {
    const t = setInterval(() => {
      this.images.heartbeat(id, token).catch((err) => this.log.warn({ err, image_id: id }, 'upload heartbeat failed'));
    }, HEARTBEAT_MS);
    t.unref();
    return t;
  }

  /** Writes, inspects and commits the data, then activates the image; on failure, back to queued. */
  private async storeData(image: ImageRow, token: string, status: 'saving' | 'importing', write: () => Promise<WrittenData>): Promise<void> {
    const id = image.id;
    const beat = this.heartbeat(id, token);
    let written: WrittenData | undefined;
    try {
      written = await write();
      const detected = await inspectImageFile(written.tempPath, image.disk_format);
      await this.store.commit(written.tempPath, this.store.path(id));
      const current = await this.images.get(id);
      const properties = { ...(current?.properties ?? image.properties) };
      delete properties.os_glance_importing_to_stores;
      delete properties.os_glance_failed_import;
      const done = await this.images.transition(id, [status], 'active', {
        size: written.size, checksum: written.md5, os_hash_algo: 'sha512', os_hash_value: written.sha512,
        virtual_size: detected.virtualSize, upload_token: null, upload_heartbeat_at: null, staged_size: null, properties,
      }, token);
      if (!done) {
        await this.store.remove(this.store.path(id));
        throw new GoneError(`Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
      }
    } catch (err) {
      if (written) await this.store.remove(written.tempPath);
      const current = await this.images.get(id);
      const properties = { ...(current?.properties ?? {}) };
      if (status === 'importing') {
        delete properties.os_glance_importing_to_stores;
        properties.os_glance_failed_import = STORE_ID;
      }
      await this.images.transition(id, [status], 'queued', { upload_token: null, upload_heartbeat_at: null, staged_size: null, properties }, token);
      if (status === 'importing') await this.store.remove(this.store.stagedPath(id));
      throw dataError(err);
    } finally {
      clearInterval(beat);
    }
  }

  private background(id: string, token: string, job: () => Promise<void>): void {
    const p = job()
      .catch((err) => this.log.warn({ err, image_id: id, token }, 'image import failed; image set back to queued'))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** web-download: streams the URL with axios, through the SSRF-guarded agents, within the size budget. */
  private async fetch(url: URL, owner: string | null): Promise<WrittenData> {
    const budget = await this.quotas.uploadBudget(owner, 'store');
    const res = await axios.get<Readable>(url.toString(), {
      responseType: 'stream',
      ...this.agents,
      proxy: false,
      maxRedirects: 5,
      timeout: 30_000,
      decompress: false,
      beforeRedirect: (options: Record<string, any>) => {
        if (options.protocol !== 'http:' && options.protocol !== 'https:') throw new ForbiddenAddressError(`redirect to scheme ${options.protocol} refused`);
      },
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > budget.bytes) {
      res.data.destroy();
      throw new DataLimitError(budget.reason);
    }
    return this.store.write(res.data, this.store.imagesDir, budget);
  }
}

function requireOctetStream(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream') throw new UnsupportedMediaTypeError(`Content-Type must be application/octet-stream, not '${type || 'none'}'.`);
}

/** Maps what can go wrong while writing data to Glance's answers. */
function dataError(err: unknown): unknown {
  if (err instanceof DataLimitError) return new PayloadTooLargeError(err.message);
  if (err instanceof ApiError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error).message === 'aborted') {
    return new BadRequestError('The upload was interrupted before all the data arrived; the image is queued again.');
  }
  if (code === 'ENOSPC') return new PayloadTooLargeError('Image storage media is full: there is not enough space for this image.');
  return err;
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; undefined for anything else (served whole). */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw new RangeNotSatisfiableError(`Requested range not satisfiable: ${header}`, size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw new RangeNotSatisfiableError(`Requested range not satisfiable: ${header}`, size);
  return { start, end };
}
