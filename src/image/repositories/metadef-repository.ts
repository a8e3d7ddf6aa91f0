// SQL for the metadata definitions catalog. Every child table is keyed by (namespace_id, name).
import type { Database } from '../../db/database.js';
import type { MetadefObjectRow, MetadefPropertyRow, MetadefTagRow, NamespaceRow, ResourceTypeAssociationRow, ResourceTypeRow } from './rows.js';

type Child = 'metadef_objects' | 'metadef_properties' | 'metadef_tags';

const json = (row: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    out[k] = v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v;
  }
  return out;
};

export class MetadefRepository {
  constructor(private readonly db: Database) {}

  // Namespaces
  async listNamespaces(opts: { visibleTo?: string; admin: boolean; visibility?: string; resourceTypes?: string[] }): Promise<NamespaceRow[]> {
    const q = this.db('metadef_namespaces').select('metadef_namespaces.*');
    if (!opts.admin) q.where((b) => b.where('visibility', 'public').orWhere('owner', opts.visibleTo ?? ''));
    if (opts.visibility) q.where('visibility', opts.visibility);
    if (opts.resourceTypes?.length) {
      q.whereExists((s) => s.select(this.db.raw('1')).from('metadef_namespace_resource_types as a')
        .whereRaw('a.namespace_id = metadef_namespaces.id').whereIn('a.resource_type', opts.resourceTypes!));
    }
    return q.orderBy('created_at').orderBy('namespace');
  }

  async getNamespace(namespace: string): Promise<NamespaceRow | undefined> {
    return this.db('metadef_namespaces').where({ namespace }).first();
  }

  async insertNamespace(row: NamespaceRow): Promise<NamespaceRow> {
    const [raw] = await this.db('metadef_namespaces').insert(row).returning('*');
    return raw;
  }

  async updateNamespace(id: string, patch: Partial<NamespaceRow>): Promise<NamespaceRow> {
    const [raw] = await this.db('metadef_namespaces').where({ id }).update({ ...json(patch), updated_at: new Date() }).returning('*');
    return raw;
  }

  async deleteNamespace(id: string): Promise<void> {
    await this.db('metadef_namespaces').where({ id }).delete();
  }

  // Objects, properties and tags share one shape of queries.
  async listChildren<T>(table: Child, namespaceId: string): Promise<T[]> {
    return this.db(table).where({ namespace_id: namespaceId }).orderBy('created_at').orderBy('name');
  }

  async getChild<T>(table: Child, namespaceId: string, name: string): Promise<T | undefined> {
    return this.db(table).where({ namespace_id: namespaceId, name }).first();
  }

  async insertChild<T>(table: Child, row: MetadefObjectRow | MetadefPropertyRow | MetadefTagRow): Promise<T> {
    const [raw] = await this.db(table).insert(json(row as unknown as Record<string, unknown>)).returning('*');
    return raw;
  }

  async updateChild<T>(table: Child, namespaceId: string, name: string, patch: Record<string, unknown>): Promise<T | undefined> {
    const [raw] = await this.db(table).where({ namespace_id: namespaceId, name }).update({ ...json(patch), updated_at: new Date() }).returning('*');
    return raw;
  }

  async deleteChild(table: Child, namespaceId: string, name?: string): Promise<number> {
    const q = this.db(table).where({ namespace_id: namespaceId });
    if (name !== undefined) q.where({ name });
    return q.delete();
  }

  /** Replaces (or, with append, extends) a namespace's tags in one transaction. */
  async replaceTags(namespaceId: string, names: string[], append: boolean): Promise<MetadefTagRow[]> {
    return this.db.transaction(async (trx) => {
      if (!append) await trx('metadef_tags').where({ namespace_id: namespaceId }).delete();
      const now = new Date();
      const rows = names.map((name) => ({ namespace_id: namespaceId, name, created_at: now, updated_at: now }));
      return rows.length ? trx('metadef_tags').insert(rows).returning('*') : [];
    });
  }

  // Resource types
  async listResourceTypes(): Promise<ResourceTypeRow[]> {
    return this.db('metadef_resource_types').orderBy('name');
  }

  async getResourceType(name: string): Promise<ResourceTypeRow | undefined> {
    return this.db('metadef_resource_types').where({ name }).first();
  }

  async insertResourceType(name: string): Promise<void> {
    const now = new Date();
    await this.db('metadef_resource_types').insert({ name, protected: false, created_at: now, updated_at: now }).onConflict('name').ignore();
  }

  async listAssociations(namespaceId: string): Promise<ResourceTypeAssociationRow[]> {
    return this.db('metadef_namespace_resource_types').where({ namespace_id: namespaceId }).orderBy('created_at').orderBy('resource_type');
  }

  async insertAssociation(row: ResourceTypeAssociationRow): Promise<ResourceTypeAssociationRow> {
    const [raw] = await this.db('metadef_namespace_resource_types').insert(row).returning('*');
    return raw;
  }

  async deleteAssociation(namespaceId: string, resourceType: string): Promise<boolean> {
    return (await this.db('metadef_namespace_resource_types').where({ namespace_id: namespaceId, resource_type: resourceType }).delete()) > 0;
  }
}
