// The only place that shapes Glance JSON. Field order and nulls follow real Glance
// (shared/openstack-samples/glance-02/04/05): extra properties first, then the base attributes.
import type { ImageRow, MemberRow, MetadefObjectRow, MetadefPropertyRow, MetadefTagRow, NamespaceRow, ResourceTypeAssociationRow, ResourceTypeRow } from './repositories/rows.js';

/** Glance prints times as ISO 8601 without fractions, with Z. */
export function glanceTime(d: Date | string | null): string | null {
  if (d === null) return null;
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The versions Glance would advertise for the features served here (glance/api/versions.py). */
const VERSIONS: Array<[string, string]> = [
  ['v2.7', 'CURRENT'], ['v2.6', 'SUPPORTED'], ['v2.5', 'SUPPORTED'], ['v2.4', 'SUPPORTED'], ['v2.3', 'SUPPORTED'],
  ['v2.2', 'SUPPORTED'], ['v2.1', 'SUPPORTED'], ['v2.0', 'SUPPORTED'],
];

export const IMPORT_METHODS = ['glance-direct', 'web-download'];
export const STORE_ID = 'file';

export class ImageViews {
  /** imageBase: the public URL of the service, e.g. http://host:8080/image */
  constructor(private readonly imageBase: string) {}

  versions(): Record<string, unknown> {
    return { versions: VERSIONS.map(([id, status]) => ({ id, status, links: [{ rel: 'self', href: `${this.imageBase}/v2/` }] })) };
  }

  location(id: string): string {
    return `${this.imageBase}/v2/images/${id}`;
  }

  image(row: ImageRow): Record<string, unknown> {
    const body: Record<string, unknown> = { ...row.properties };
    Object.assign(body, {
      name: row.name,
      disk_format: row.disk_format,
      container_format: row.container_format,
      visibility: row.visibility,
      size: row.size,
      virtual_size: row.virtual_size,
      status: row.status,
      checksum: row.checksum,
      protected: row.protected,
      min_ram: row.min_ram,
      min_disk: row.min_disk,
      owner: row.owner,
      os_hidden: row.os_hidden,
      os_hash_algo: row.os_hash_algo,
      os_hash_value: row.os_hash_value,
      id: row.id,
      created_at: glanceTime(row.created_at),
      updated_at: glanceTime(row.updated_at),
      tags: row.tags,
      self: `/v2/images/${row.id}`,
      file: `/v2/images/${row.id}/file`,
      schema: '/v2/schemas/image',
    });
    // Glance with a store list names the store holding the data (glance/api/v2/images.py, "stores").
    if (row.status === 'active' || row.status === 'deactivated') body.stores = STORE_ID;
    return body;
  }

  images(rows: ImageRow[], first: string, next?: string): Record<string, unknown> {
    const body: Record<string, unknown> = { images: rows.map((r) => this.image(r)), first, schema: '/v2/schemas/images' };
    if (next) body.next = next;
    return body;
  }

  member(row: MemberRow): Record<string, unknown> {
    return {
      created_at: glanceTime(row.created_at),
      image_id: row.image_id,
      member_id: row.member_id,
      schema: '/v2/schemas/member',
      status: row.status,
      updated_at: glanceTime(row.updated_at),
    };
  }

  members(rows: MemberRow[]): Record<string, unknown> {
    return { members: rows.map((r) => this.member(r)), schema: '/v2/schemas/members' };
  }

  importInfo(): Record<string, unknown> {
    // glance/api/v2/discovery.py get_image_import
    return { 'import-methods': { description: 'Import methods available.', type: 'array', value: IMPORT_METHODS } };
  }

  stores(): Record<string, unknown> {
    return { stores: [{ id: STORE_ID, description: 'Image files in the data directory of virtstack', default: true }] };
  }

  usage(u: { count: number; bytes: number; staged: number; uploading: number }, limits: { count: number; bytes: number; staged: number }): Record<string, unknown> {
    // glance/api/v2/discovery.py get_usage: sizes in MiB as the unified limits count them.
    const mib = (b: number) => Math.ceil(b / 1048576);
    return {
      usage: {
        image_count_total: { limit: limits.count, usage: u.count },
        image_size_total: { limit: mib(limits.bytes), usage: mib(u.bytes) },
        image_stage_total: { limit: mib(limits.staged), usage: mib(u.staged) },
        image_count_uploading: { limit: limits.count, usage: u.uploading },
      },
    };
  }

  // Metadata definitions (glance/api/v2/metadef_*.py)
  namespace(row: NamespaceRow, extra: { associations?: ResourceTypeAssociationRow[]; properties?: MetadefPropertyRow[]; objects?: MetadefObjectRow[]; tags?: MetadefTagRow[] } = {}): Record<string, unknown> {
    const body: Record<string, unknown> = {
      namespace: row.namespace,
      visibility: row.visibility,
      protected: row.protected,
      owner: row.owner,
      created_at: glanceTime(row.created_at),
      updated_at: glanceTime(row.updated_at),
      self: `/v2/metadefs/namespaces/${row.namespace}`,
      schema: '/v2/schemas/metadefs/namespace',
    };
    if (row.display_name !== null) body.display_name = row.display_name;
    if (row.description !== null) body.description = row.description;
    if (extra.associations?.length) body.resource_type_associations = extra.associations.map((a) => this.association(a));
    if (extra.properties?.length) body.properties = this.propertyMap(extra.properties);
    if (extra.objects?.length) body.objects = extra.objects.map((o) => this.object(row.namespace, o));
    if (extra.tags?.length) body.tags = extra.tags.map((t) => ({ name: t.name }));
    return body;
  }

  namespaces(rows: Array<Record<string, unknown>>): Record<string, unknown> {
    return { namespaces: rows, first: '/v2/metadefs/namespaces', schema: '/v2/schemas/metadefs/namespaces' };
  }

  object(namespace: string, row: MetadefObjectRow): Record<string, unknown> {
    const body: Record<string, unknown> = {
      name: row.name,
      required: row.required,
      properties: row.properties,
      created_at: glanceTime(row.created_at),
      updated_at: glanceTime(row.updated_at),
      self: `/v2/metadefs/namespaces/${namespace}/objects/${row.name}`,
      schema: 'v2/schemas/metadefs/object',
    };
    if (row.description !== null) body.description = row.description;
    return body;
  }

  objects(namespace: string, rows: MetadefObjectRow[]): Record<string, unknown> {
    return { objects: rows.map((r) => this.object(namespace, r)), schema: 'v2/schemas/metadefs/objects' };
  }

  property(row: MetadefPropertyRow): Record<string, unknown> {
    return { name: row.name, ...row.schema };
  }

  propertyMap(rows: MetadefPropertyRow[]): Record<string, unknown> {
    return Object.fromEntries(rows.map((r) => [r.name, { ...r.schema }]));
  }

  properties(rows: MetadefPropertyRow[]): Record<string, unknown> {
    return { properties: this.propertyMap(rows) };
  }

  tag(row: MetadefTagRow): Record<string, unknown> {
    return { name: row.name, created_at: glanceTime(row.created_at), updated_at: glanceTime(row.updated_at) };
  }

  tags(rows: MetadefTagRow[]): Record<string, unknown> {
    return { tags: rows.map((r) => this.tag(r)) };
  }

  resourceTypes(rows: ResourceTypeRow[]): Record<string, unknown> {
    return { resource_types: rows.map((r) => ({ name: r.name, created_at: glanceTime(r.created_at), updated_at: glanceTime(r.updated_at) })) };
  }

  association(row: ResourceTypeAssociationRow): Record<string, unknown> {
    const body: Record<string, unknown> = { name: row.resource_type, created_at: glanceTime(row.created_at), updated_at: glanceTime(row.updated_at) };
    if (row.prefix !== null) body.prefix = row.prefix;
    if (row.properties_target !== null) body.properties_target = row.properties_target;
    return body;
  }

  associations(rows: ResourceTypeAssociationRow[]): Record<string, unknown> {
    return { resource_type_associations: rows.map((r) => this.association(r)) };
  }
}
