// Images: create, list, show, JSON-patch update, delete, tags, deactivate/reactivate — with Glance's
// rules (glance/api/v2/images.py ImagesController, glance/domain/__init__.py, glance/api/policy.py).
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { AuthContext } from '../identity/auth-context.js';
import { CONTAINER_FORMATS, DISK_FORMATS } from './image-schemas.js';
import { admin, canSee, enforceModify, enforcePublicize, isOwner, notFound } from './image-policy.js';
import type { ImageQuotas } from './image-quotas.js';
import type { ImageStore } from './image-store.js';
import type { ImageListQuery, ImageRepository, SortKey } from './repositories/image-repository.js';
import type { MemberRepository } from './repositories/member-repository.js';
import type { ImageRow } from './repositories/rows.js';

// Glance's image_property_quota, image_tag_quota (glance/common/config.py defaults).
export const PROPERTY_QUOTA = 128;
export const TAG_QUOTA = 128;

const READ_ONLY = new Set(['checksum', 'os_hash_algo', 'os_hash_value', 'created_at', 'updated_at', 'status', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'stores']);
const RESERVED = new Set(['location', 'deleted', 'deleted_at']);
const SETTABLE_BASE = new Set(['name', 'visibility', 'protected', 'os_hidden', 'owner', 'container_format', 'disk_format', 'min_ram', 'min_disk', 'tags']);
const UUID = /^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$/;

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'visibility', 'owner', 'min_ram', 'min_disk', 'virtual_size', 'protected', 'os_hidden'];
const LIST_LIMIT_DEFAULT = 25;
const LIST_LIMIT_MAX = 1000;
const KNOWN_PARAMS = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'visibility', 'member_status', 'tag', 'size_min', 'size_max', 'os_hidden', 'protected', 'created_at', 'updated_at']);
const EQUALITY_PARAMS = new Set(['id', 'name', 'status', 'container_format', 'disk_format', 'owner', 'checksum', 'os_hash_value', 'min_ram', 'min_disk', 'size', 'virtual_size']);
const INTEGER_PARAMS = new Set(['min_ram', 'min_disk', 'size', 'virtual_size']);

/** Python's repr of a JSON value, as Glance's jsonschema messages print it. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

function schemaError(detail: string, field?: string, keyword?: string): BadRequestError {
  const where = field && keyword ? `\n\nFailed validating '${keyword}' in schema['properties']['${field}']` : '';
  return new BadRequestError(`Provided object does not match schema 'image': ${detail}${where}`);
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** Validates one attribute as Glance's image schema would; returns the value to store. */
function validateAttribute(key: string, value: unknown): unknown {
  const typeError = (type: string) => schemaError(`${pyRepr(value)} is not of type ${type}`, key, 'type');
  switch (key) {
    case 'name':
      if (value !== null && typeof value !== 'string') throw typeError("'null', 'string'");
      if (typeof value === 'string' && value.length > 255) throw schemaError(`${pyRepr(value)} is too long`, key, 'maxLength');
      return value;
    case 'visibility':
      if (!['community', 'public', 'private', 'shared'].includes(value as string)) throw schemaError(`${pyRepr(value)} is not one of ['community', 'public', 'private', 'shared']`, key, 'enum');
      return value;
    case 'protected':
    case 'os_hidden':
      if (typeof value !== 'boolean') throw typeError("'boolean'");
      return value;
    case 'min_ram':
    case 'min_disk':
      if (!isInt(value)) throw typeError("'integer'");
      if ((value as number) < 0) throw schemaError(`${value} is less than the minimum of 0`, key, 'minimum');
      if ((value as number) > 2 ** 31 - 1) throw schemaError(`${value} is greater than the maximum of 2147483647`, key, 'maximum');
      return value;
    case 'disk_format':
      if (value !== null && !DISK_FORMATS.includes(value as string)) throw schemaError(`${pyRepr(value)} is not one of ${pyRepr([null, ...DISK_FORMATS])}`, key, 'enum');
      return value;
    case 'container_format':
      if (value !== null && !CONTAINER_FORMATS.includes(value as string)) throw schemaError(`${pyRepr(value)} is not one of ${pyRepr([null, ...CONTAINER_FORMATS])}`, key, 'enum');
      return value;
    case 'owner':
      if (value !== null && typeof value !== 'string') throw typeError("'null', 'string'");
      if (typeof value === 'string' && value.length > 255) throw schemaError(`${pyRepr(value)} is too long`, key, 'maxLength');
      return value;
    case 'tags': {
      if (!Array.isArray(value)) throw typeError("'array'");
      for (const t of value) {
        if (typeof t !== 'string') throw schemaError(`${pyRepr(t)} is not of type 'string'`, key, 'type');
        if (t.length > 255) throw schemaError(`${pyRepr(t)} is too long`, key, 'maxLength');
      }
      const unique = [...new Set(value as string[])];
      if (unique.length > TAG_QUOTA) throw new PayloadTooLargeError(`Maximum number of tags exceeded: attempted ${unique.length}, maximum ${TAG_QUOTA}.`);
      return unique;
    }
    case 'kernel_id':
    case 'ramdisk_id':
      if (value !== null && (typeof value !== 'string' || !UUID.test(value))) throw schemaError(`${pyRepr(value)} does not match '${UUID.source}'`, key, 'pattern');
      return value;
    default:
      // Extra properties are strings (the schema's additionalProperties).
      if (typeof value !== 'string') throw schemaError(`${pyRepr(value)} is not of type 'string'`, key, 'type');
      if (key.length > 255) throw new BadRequestError(`Property name '${key.slice(0, 40)}…' is too long (at most 255 characters).`);
      return value;
  }
}

function checkWritable(key: string): void {
  if (READ_ONLY.has(key)) throw new ForbiddenError(`Attribute '${key}' is read-only.`);
  if (RESERVED.has(key) || key.startsWith('os_glance')) throw new ForbiddenError(`Attribute '${key}' is reserved.`);
  // Locations are hidden (show_multiple_locations = False), so they cannot be set either.
  if (key === 'locations') throw new ForbiddenError("It's not allowed to add locations if locations are invisible.");
}

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

/** Parses the body of an image PATCH in either of Glance's media types (glance/api/v2/images.py RequestDeserializer.update). */
export function parsePatch(contentType: string | undefined, body: unknown): { ops: PatchOp[]; v20: boolean } {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== PATCH_V21 && type !== PATCH_V20) {
    throw new UnsupportedMediaTypeError(`Unsupported Content-Type: use ${PATCH_V21}`);
  }
  const v20 = type === PATCH_V20;
  if (!Array.isArray(body)) throw new BadRequestError('Request body must be a JSON array of operation objects.');
  const ops = body.map((raw): PatchOp => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError('Operations must be JSON objects.');
    const o = raw as Record<string, unknown>;
    let op: string | undefined;
    let path: unknown;
    if (v20) {
      const keys = ['add', 'replace', 'remove'].filter((k) => k in o);
      if (keys.length !== 1) throw new BadRequestError('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = keys[0];
      path = o[op];
    } else {
      op = o.op as string;
      path = o.path;
      if (!['add', 'replace', 'remove'].includes(op)) throw new BadRequestError(`Invalid operation: \`${String(op)}\`: only add, replace and remove are supported.`);
    }
    if (typeof path !== 'string') throw new BadRequestError("Unable to find '/path' in JSON Schema change");
    if (op !== 'remove' && !('value' in o)) throw new BadRequestError(`Operation "${op}" requires a member named "value".`);
    return { op: op as PatchOp['op'], path, value: o.value };
  });
  return { ops, v20 };
}

/** A JSON pointer of one level, `/name` → `name` (RFC 6901 escapes ~1 and ~0). */
function pointerKey(path: string): string {
  if (!path.startsWith('/')) throw new BadRequestError(`Pointer \`${path}\` does not start with "/".`);
  const parts = path.slice(1).split('/');
  if (parts.length !== 1 || parts[0] === '') {
    if (parts[0] === 'locations') throw new ForbiddenError("It's not allowed to update locations if locations are invisible.");
    throw new BadRequestError(`Invalid JSON pointer for this resource: '${path}'`);
  }
  if (/~[^01]|~$/.test(parts[0])) throw new BadRequestError(`Pointer \`${path}\` contains "~" not part of a recognized escape sequence.`);
  return parts[0].replace(/~1/g, '/').replace(/~0/g, '~');
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function queryBool(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(s)) return false;
  throw new BadRequestError(`Invalid value '${v}' for ${name}: it must be a boolean.`);
}

/** `in:a,b` → [a, b] (names may be quoted, as Glance's split_filter_value_for_quotes allows). */
function inList(v: string): string[] {
  if (!v.startsWith('in:')) return [v];
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)/g;
  const body = v.slice(3);
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) && m[0] !== '') out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export class ImageService {
  constructor(
    private readonly images: ImageRepository,
    private readonly members: MemberRepository,
    private readonly quotas: ImageQuotas,
    private readonly store: ImageStore,
  ) {}

  /** The image if the caller may see it; Glance's 404 otherwise (never a 403 that would reveal it exists). */
  async get(auth: AuthContext, id: string): Promise<ImageRow> {
    const image = UUID.test(id) ? await this.images.get(id) : undefined;
    if (!image) throw notFound(id);
    if (!canSee(auth, image, auth.projectId ? await this.members.get(id, auth.projectId) : undefined)) throw notFound(id);
    return image;
  }

  async create(auth: AuthContext, body: unknown): Promise<ImageRow> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object.');
    const input = body as Record<string, unknown>;
    const now = new Date();
    const row: ImageRow = {
      id: randomUUID(), name: null, status: 'queued', visibility: 'shared', owner: auth.projectId ?? null,
      disk_format: null, container_format: null, size: null, virtual_size: null, checksum: null,
      os_hash_algo: null, os_hash_value: null, min_ram: 0, min_disk: 0, protected: false, os_hidden: false,
      properties: {}, tags: [], staged_size: null, upload_token: null, upload_heartbeat_at: null, created_at: now, updated_at: now,
    };
    for (const [key, value] of Object.entries(input)) {
      if (key === 'id') {
        if (typeof value !== 'string' || !UUID.test(value)) throw schemaError(`${pyRepr(value)} does not match '${UUID.source}'`, 'id', 'pattern');
        row.id = value.toLowerCase();
        continue;
      }
      checkWritable(key);
      const v = validateAttribute(key, value);
      if (SETTABLE_BASE.has(key)) (row as any)[key] = v;
      else row.properties[key] = v as string;
    }
    if (Object.keys(row.properties).length > PROPERTY_QUOTA) {
      throw new PayloadTooLargeError(`Maximum number of image properties exceeded: attempted ${Object.keys(row.properties).length}, maximum ${PROPERTY_QUOTA}.`);
    }
    if (row.visibility === 'public') enforcePublicize(auth);
    if ('owner' in input && row.owner !== (auth.projectId ?? null) && !admin(auth)) {
      throw new ForbiddenError(`You are not permitted to create images owned by '${row.owner}'.`);
    }
    await this.quotas.checkCreate(row.owner);
    try {
      return await this.images.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Image with identifier ${row.id} already exists!`);
      throw err;
    }
  }

  /** Parses Glance's list parameters (glance/api/v2/images.py RequestDeserializer.index). */
  parseListQuery(auth: AuthContext, params: Record<string, string | string[] | undefined>): ImageListQuery & { rawParams: Array<[string, string]> } {
    const limitRaw = first(params.limit);
    let limit = LIST_LIMIT_DEFAULT;
    if (limitRaw !== undefined) {
      if (!/^-?\d+$/.test(limitRaw)) throw new BadRequestError('limit param must be an integer');
      limit = Number(limitRaw);
      if (limit < 0) throw new BadRequestError('limit param must be positive');
    }
    limit = Math.min(limit, LIST_LIMIT_MAX);

    const sort = this.parseSort(params);
    const visibility = first(params.visibility);
    if (visibility !== undefined && !['public', 'private', 'shared', 'community', 'all'].includes(visibility)) {
      throw new BadRequestError(`Invalid visibility value: ${visibility}`);
    }
    const memberStatus = first(params.member_status) ?? 'accepted';
    if (!['accepted', 'pending', 'rejected', 'all'].includes(memberStatus)) throw new BadRequestError(`Invalid status value: ${memberStatus}`);

    const equals: Record<string, string[]> = {};
    const properties: Record<string, string> = {};
    const times: ImageListQuery['times'] = [];
    const rawParams: Array<[string, string]> = [];
    for (const [key, rawValue] of Object.entries(params)) {
      for (const v of all(rawValue)) if (key !== 'marker') rawParams.push([key, v]);
      const v = first(rawValue);
      if (v === undefined) continue;
      if (key === 'created_at' || key === 'updated_at') {
        const m = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(v);
        const d = new Date(m ? m[2] : v);
        if (Number.isNaN(d.getTime())) throw new BadRequestError(`Invalid time format for ${key}.`);
        times.push({ column: key, op: m ? m[1] : 'eq', value: d });
      } else if (EQUALITY_PARAMS.has(key)) {
        const values = inList(v);
        if (INTEGER_PARAMS.has(key) && values.some((x) => !/^\d+$/.test(x))) throw new BadRequestError(`Invalid value for ${key}: it must be an integer.`);
        if (key === 'id' && values.some((x) => !UUID.test(x))) {
          equals.id = ['00000000-0000-0000-0000-000000000000'];
          continue;
        }
        equals[key] = values;
      } else if (!KNOWN_PARAMS.has(key)) {
        properties[key] = v;
      }
    }
    const size = (name: string) => {
      const v = first(params[name]);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new BadRequestError(`${name} must be a non-negative integer.`);
      return Number(v);
    };
    return {
      projectId: auth.projectId,
      admin: admin(auth),
      visibility: visibility as ImageListQuery['visibility'],
      memberStatus: memberStatus as ImageListQuery['memberStatus'],
      equals,
      properties,
      tags: all(params.tag),
      sizeMin: size('size_min'),
      sizeMax: size('size_max'),
      osHidden: queryBool('os_hidden', first(params.os_hidden)),
      protected: queryBool('protected', first(params.protected)),
      times,
      sort,
      limit,
      rawParams,
    };
  }

  private parseSort(params: Record<string, string | string[] | undefined>): SortKey[] {
    const sortKeys = all(params.sort_key);
    const sortDirs = all(params.sort_dir);
    const sortNew = first(params.sort);
    const keys: SortKey[] = [];
    const checkKey = (k: string) => {
      if (!SORT_KEYS.includes(k)) throw new BadRequestError(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    };
    const checkDir = (d: string): 'asc' | 'desc' => {
      if (d !== 'asc' && d !== 'desc') throw new BadRequestError(`Invalid sort direction: ${d}`);
      return d;
    };
    if (sortNew !== undefined) {
      // sort=name:asc,created_at — the newer syntax; it cannot be mixed with sort_key/sort_dir.
      if (sortKeys.length || sortDirs.length) throw new BadRequestError('Old and new sorting syntax cannot be combined');
      for (const part of sortNew.split(',')) {
        const [k, d] = part.trim().split(':');
        checkKey(k);
        keys.push({ key: k, dir: d === undefined ? 'desc' : checkDir(d) });
      }
    } else {
      if (sortDirs.length > 1 && sortDirs.length !== sortKeys.length) throw new BadRequestError('Number of sort dirs does not match the number of sort keys');
      sortKeys.forEach((k, i) => {
        checkKey(k);
        keys.push({ key: k, dir: checkDir(sortDirs.length > 1 ? sortDirs[i] : (sortDirs[0] ?? 'desc')) });
      });
      if (!sortKeys.length && sortDirs.length) checkDir(sortDirs[0]);
    }
    // Glance appends created_at and id so that the order, and so the pages, are stable.
    const dir = keys.length ? keys[0].dir : 'desc';
    if (!keys.some((k) => k.key === 'created_at')) keys.push({ key: 'created_at', dir });
    if (!keys.some((k) => k.key === 'id')) keys.push({ key: 'id', dir });
    return keys;
  }

  async list(auth: AuthContext, params: Record<string, string | string[] | undefined>): Promise<{ images: ImageRow[]; first: string; next?: string }> {
    const q = this.parseListQuery(auth, params);
    const markerId = first(params.marker);
    if (markerId !== undefined) {
      const marker = UUID.test(markerId) ? await this.images.get(markerId) : undefined;
      if (!marker || !canSee(auth, marker, auth.projectId ? await this.members.get(markerId, auth.projectId) : undefined)) {
        throw new BadRequestError(`Invalid marker. Image ${markerId} could not be found.`);
      }
      q.marker = marker;
    }
    const images = await this.images.search(q);
    const query = new URLSearchParams(q.rawParams).toString();
    const firstLink = `/v2/images${query ? `?${query}` : ''}`;
    let next: string | undefined;
    if (q.limit > 0 && images.length === q.limit) {
      const p = new URLSearchParams(q.rawParams);
      p.set('marker', images[images.length - 1].id);
      next = `/v2/images?${p.toString()}`;
    }
    return { images, first: firstLink, next };
  }

  async update(auth: AuthContext, id: string, contentType: string | undefined, body: unknown): Promise<ImageRow> {
    const { ops, v20 } = parsePatch(contentType, body);
    const image = await this.get(auth, id);
    enforceModify(auth, image);
    const next: ImageRow = { ...image, properties: { ...image.properties }, tags: [...image.tags] };
    for (const op of ops) {
      const key = pointerKey(op.path);
      checkWritable(key);
      if (key === 'id') throw new ForbiddenError("Attribute 'id' is read-only.");
      const isBase = SETTABLE_BASE.has(key);
      if (op.op === 'remove') {
        if (isBase) throw new ForbiddenError(`Property ${key} may not be removed.`);
        if (!(key in next.properties)) throw new ConflictError(`Property ${key} does not exist.`);
        delete next.properties[key];
        continue;
      }
      const exists = isBase || key in next.properties;
      if (op.op === 'replace' && !exists) throw new ConflictError(`Property ${key} does not exist.`);
      // The v2.0 patch media type keeps JSON-patch's strict `add` (json_schema_version 4 in Glance).
      if (op.op === 'add' && v20 && exists && !isBase) throw new ConflictError(`Property ${key} already present.`);
      const value = validateAttribute(key, op.value);
      if (isBase) (next as any)[key] = value;
      else next.properties[key] = value as string;
    }
    if (Object.keys(next.properties).length > PROPERTY_QUOTA) {
      throw new PayloadTooLargeError(`Maximum number of image properties exceeded: attempted ${Object.keys(next.properties).length}, maximum ${PROPERTY_QUOTA}.`);
    }
    if (next.visibility === 'public' && image.visibility !== 'public') enforcePublicize(auth);
    if (next.owner !== image.owner && !admin(auth)) throw new ForbiddenError('You are not authorized to complete modify_image action: only an admin may change the owner.');
    for (const f of ['disk_format', 'container_format'] as const) {
      // glance/domain/__init__.py: formats are fixed once the image has data.
      if (next[f] !== image[f] && image.status !== 'queued') throw new ForbiddenError(`Attribute ${f} can be only replaced for a queued image.`);
    }
    const patch: Partial<ImageRow> = {};
    for (const k of [...SETTABLE_BASE, 'properties'] as Array<keyof ImageRow>) {
      if (JSON.stringify(next[k]) !== JSON.stringify(image[k])) (patch as any)[k] = next[k];
    }
    const updated = await this.images.updateFields(id, patch);
    if (!updated) throw notFound(id);
    return updated;
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    const image = await this.get(auth, id);
    enforceModify(auth, image, 'delete_image');
    if (image.protected) throw new ForbiddenError(`Image ${id} is protected and cannot be deleted.`);
    await this.images.delete(id);
    // An upload still running finds its image gone at the end and removes what it wrote.
    await this.store.remove(this.store.path(id));
    await this.store.remove(this.store.stagedPath(id));
  }

  async addTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const image = await this.get(auth, id);
    enforceModify(auth, image);
    if (tag.length > 255) throw new BadRequestError(`Tag '${tag.slice(0, 40)}…' is too long: at most 255 characters.`);
    if (image.tags.includes(tag)) return;
    if (image.tags.length + 1 > TAG_QUOTA) throw new PayloadTooLargeError(`Maximum number of tags exceeded: attempted ${image.tags.length + 1}, maximum ${TAG_QUOTA}.`);
    await this.images.updateFields(id, { tags: [...image.tags, tag] });
  }

  async deleteTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const image = await this.get(auth, id);
    enforceModify(auth, image);
    if (!image.tags.includes(tag)) throw notFoundTag(tag);
    await this.images.updateFields(id, { tags: image.tags.filter((t) => t !== tag) });
  }

  /** glance/api/v2/image_actions.py: only an active image is deactivated, only a deactivated one reactivated. */
  async deactivate(auth: AuthContext, id: string): Promise<void> {
    const image = await this.get(auth, id);
    enforceModify(auth, image, 'deactivate');
    if (image.status === 'deactivated') return;
    if (!(await this.images.transition(id, ['active'], 'deactivated'))) {
      throw new ForbiddenError(`Not allowed to deactivate image in status '${image.status}'`);
    }
  }

  async reactivate(auth: AuthContext, id: string): Promise<void> {
    const image = await this.get(auth, id);
    enforceModify(auth, image, 'reactivate');
    if (image.status === 'active') return;
    if (!(await this.images.transition(id, ['deactivated'], 'active'))) {
      throw new ForbiddenError(`Not allowed to reactivate image in status '${image.status}'`);
    }
  }

  ownerOf(auth: AuthContext, image: ImageRow): boolean {
    return isOwner(auth, image);
  }
}

function notFoundTag(tag: string): NotFoundError {
  return new NotFoundError(`Tag ${tag} not found.`);
}
