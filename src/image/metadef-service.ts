// The metadata definitions catalog (glance/api/v2/metadef_namespaces.py, metadef_objects.py,
// metadef_properties.py, metadef_tags.py, metadef_resource_types.py). Reading is open to every
// user (private namespaces only to their owner); changing it is admin-only, as Glance's default
// metadef policies are since Wallaby.
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { AuthContext } from '../identity/auth-context.js';
import { admin } from './image-policy.js';
import type { MetadefRepository } from './repositories/metadef-repository.js';
import type { MetadefObjectRow, MetadefPropertyRow, MetadefTagRow, NamespaceRow, ResourceTypeAssociationRow } from './repositories/rows.js';

const PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

function obj(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string, max: number, required = false): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new BadRequestError(`'${key}' is a required property`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BadRequestError(`Invalid input for field '${key}': ${JSON.stringify(v)} is not of type 'string'`);
  if (required && v === '') throw new BadRequestError(`'${key}' must not be empty`);
  if (v.length > max) throw new BadRequestError(`Invalid input for field '${key}': it is longer than ${max} characters`);
  return v;
}

/** A property definition: title and type are required, the rest is kept as JSON schema. */
function propertyDefinition(name: string, raw: unknown): Record<string, unknown> {
  const body = obj(raw);
  const schema: Record<string, unknown> = { ...body };
  delete schema.name;
  if (typeof schema.title !== 'string') throw new BadRequestError(`Property '${name}': 'title' is a required property`);
  if (typeof schema.type !== 'string' || !PROPERTY_TYPES.includes(schema.type)) {
    throw new BadRequestError(`Property '${name}': 'type' must be one of ${PROPERTY_TYPES.join(', ')}`);
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) throw new BadRequestError(`Property '${name}': 'enum' must be an array`);
  return schema;
}

export class MetadefService {
  constructor(private readonly repo: MetadefRepository) {}

  private static requireAdmin(auth: AuthContext, action: string): void {
    if (!admin(auth)) throw new ForbiddenError(`You are not authorized to complete ${action} action.`);
  }

  /** The namespace if the caller may see it (private ones: owner or admin). */
  async namespace(auth: AuthContext, name: string): Promise<NamespaceRow> {
    const ns = await this.repo.getNamespace(name);
    if (!ns || (ns.visibility === 'private' && !admin(auth) && ns.owner !== auth.projectId)) {
      throw new NotFoundError(`Metadata definition namespace=${name} was not found.`);
    }
    return ns;
  }

  async listNamespaces(auth: AuthContext, query: Record<string, string | string[] | undefined>): Promise<Array<{ ns: NamespaceRow; associations: ResourceTypeAssociationRow[] }>> {
    const rt = query.resource_types;
    const resourceTypes = typeof rt === 'string' ? rt.split(',').filter(Boolean) : undefined;
    const visibility = typeof query.visibility === 'string' ? query.visibility : undefined;
    if (visibility && !['public', 'private'].includes(visibility)) throw new BadRequestError(`Invalid visibility value: ${visibility}`);
    const rows = await this.repo.listNamespaces({ visibleTo: auth.projectId, admin: admin(auth), visibility, resourceTypes });
    return Promise.all(rows.map(async (ns) => ({ ns, associations: await this.repo.listAssociations(ns.id) })));
  }

  async showNamespace(auth: AuthContext, name: string) {
    const ns = await this.namespace(auth, name);
    return {
      ns,
      associations: await this.repo.listAssociations(ns.id),
      properties: await this.repo.listChildren<MetadefPropertyRow>('metadef_properties', ns.id),
      objects: await this.repo.listChildren<MetadefObjectRow>('metadef_objects', ns.id),
      tags: await this.repo.listChildren<MetadefTagRow>('metadef_tags', ns.id),
    };
  }

  async createNamespace(auth: AuthContext, raw: unknown) {
    MetadefService.requireAdmin(auth, 'add_metadef_namespace');
    const body = obj(raw);
    const now = new Date();
    const visibility = str(body, 'visibility', 32) ?? 'private';
    if (!['public', 'private'].includes(visibility)) throw new BadRequestError(`Invalid visibility value: ${visibility}`);
    if (body.protected !== undefined && typeof body.protected !== 'boolean') throw new BadRequestError("Invalid input for field 'protected': must be a boolean");
    const row: NamespaceRow = {
      id: randomUUID(),
      namespace: str(body, 'namespace', 80, true)!,
      display_name: str(body, 'display_name', 80) ?? null,
      description: str(body, 'description', 500) ?? null,
      visibility: visibility as NamespaceRow['visibility'],
      protected: (body.protected as boolean | undefined) ?? false,
      owner: str(body, 'owner', 255) ?? auth.projectId ?? null,
      created_at: now,
      updated_at: now,
    };
    let ns: NamespaceRow;
    try {
      ns = await this.repo.insertNamespace(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Metadata definition namespace=${row.namespace} already exists.`);
      throw err;
    }
    // A namespace may come with its content (Glance creates all of it in one request).
    for (const a of (Array.isArray(body.resource_type_associations) ? body.resource_type_associations : [])) await this.createAssociation(auth, ns.namespace, a);
    for (const [name, def] of Object.entries(body.properties && typeof body.properties === 'object' ? body.properties : {})) {
      await this.createProperty(auth, ns.namespace, { ...(def as object), name });
    }
    for (const o of (Array.isArray(body.objects) ? body.objects : [])) await this.createObject(auth, ns.namespace, o);
    for (const t of (Array.isArray(body.tags) ? body.tags : [])) await this.createTag(auth, ns.namespace, String((t as { name?: unknown }).name ?? ''));
    return this.showNamespace(auth, ns.namespace);
  }

  async updateNamespace(auth: AuthContext, name: string, raw: unknown) {
    MetadefService.requireAdmin(auth, 'modify_metadef_namespace');
    const ns = await this.namespace(auth, name);
    const body = obj(raw);
    const patch: Partial<NamespaceRow> = {};
    const newName = str(body, 'namespace', 80);
    if (newName !== undefined) patch.namespace = newName;
    if ('display_name' in body) patch.display_name = str(body, 'display_name', 80) ?? null;
    if ('description' in body) patch.description = str(body, 'description', 500) ?? null;
    if (body.visibility !== undefined) {
      if (!['public', 'private'].includes(body.visibility as string)) throw new BadRequestError(`Invalid visibility value: ${String(body.visibility)}`);
      patch.visibility = body.visibility as NamespaceRow['visibility'];
    }
    if (body.protected !== undefined) {
      if (typeof body.protected !== 'boolean') throw new BadRequestError("Invalid input for field 'protected': must be a boolean");
      patch.protected = body.protected;
    }
    if (body.owner !== undefined) patch.owner = str(body, 'owner', 255) ?? null;
    try {
      const updated = await this.repo.updateNamespace(ns.id, patch);
      return { ns: updated, associations: await this.repo.listAssociations(ns.id) };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Metadata definition namespace=${newName} already exists.`);
      throw err;
    }
  }

  async deleteNamespace(auth: AuthContext, name: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'delete_metadef_namespace');
    const ns = await this.namespace(auth, name);
    if (ns.protected) throw new ForbiddenError(`Namespace ${name} is protected and cannot be deleted.`);
    await this.repo.deleteNamespace(ns.id);
  }

  // Objects
  async listObjects(auth: AuthContext, namespace: string): Promise<MetadefObjectRow[]> {
    const ns = await this.namespace(auth, namespace);
    return this.repo.listChildren('metadef_objects', ns.id);
  }

  async showObject(auth: AuthContext, namespace: string, name: string): Promise<MetadefObjectRow> {
    const ns = await this.namespace(auth, namespace);
    const row = await this.repo.getChild<MetadefObjectRow>('metadef_objects', ns.id, name);
    if (!row) throw new NotFoundError(`Metadata definition object not found for namespace=${namespace} and object=${name}.`);
    return row;
  }

  private objectFields(body: Record<string, unknown>): Pick<MetadefObjectRow, 'description' | 'required' | 'properties'> {
    const properties: Record<string, unknown> = {};
    if (body.properties !== undefined) {
      for (const [k, v] of Object.entries(obj(body.properties))) properties[k] = propertyDefinition(k, v);
    }
    if (body.required !== undefined && (!Array.isArray(body.required) || body.required.some((x) => typeof x !== 'string'))) {
      throw new BadRequestError("Invalid input for field 'required': must be an array of strings");
    }
    return { description: str(body, 'description', 65535) ?? null, required: (body.required as string[]) ?? [], properties };
  }

  async createObject(auth: AuthContext, namespace: string, raw: unknown): Promise<MetadefObjectRow> {
    MetadefService.requireAdmin(auth, 'add_metadef_object');
    const ns = await this.namespace(auth, namespace);
    const body = obj(raw);
    const name = str(body, 'name', 80, true)!;
    const now = new Date();
    try {
      return await this.repo.insertChild('metadef_objects', { namespace_id: ns.id, name, ...this.objectFields(body), created_at: now, updated_at: now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata definition object with name=${name} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  async updateObject(auth: AuthContext, namespace: string, name: string, raw: unknown): Promise<MetadefObjectRow> {
    MetadefService.requireAdmin(auth, 'modify_metadef_object');
    const existing = await this.showObject(auth, namespace, name);
    const body = obj(raw);
    const newName = str(body, 'name', 80, true)!;
    try {
      const row = await this.repo.updateChild<MetadefObjectRow>('metadef_objects', existing.namespace_id, name, { name: newName, ...this.objectFields(body) });
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata definition object with name=${newName} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  async deleteObject(auth: AuthContext, namespace: string, name: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'delete_metadef_object');
    const existing = await this.showObject(auth, namespace, name);
    await this.repo.deleteChild('metadef_objects', existing.namespace_id, name);
  }

  async deleteAllObjects(auth: AuthContext, namespace: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'delete_metadef_object');
    const ns = await this.namespace(auth, namespace);
    await this.repo.deleteChild('metadef_objects', ns.id);
  }

  // Properties
  async listProperties(auth: AuthContext, namespace: string): Promise<MetadefPropertyRow[]> {
    const ns = await this.namespace(auth, namespace);
    return this.repo.listChildren('metadef_properties', ns.id);
  }

  async showProperty(auth: AuthContext, namespace: string, name: string): Promise<MetadefPropertyRow> {
    const ns = await this.namespace(auth, namespace);
    // A property may be asked for with a resource type's prefix (GET …/properties/hw:watchdog_action?resource_type=…).
    const row = await this.repo.getChild<MetadefPropertyRow>('metadef_properties', ns.id, name);
    if (!row) throw new NotFoundError(`Metadata definition property not found for namespace=${namespace} and property=${name}.`);
    return row;
  }

  async createProperty(auth: AuthContext, namespace: string, raw: unknown): Promise<MetadefPropertyRow> {
    MetadefService.requireAdmin(auth, 'add_metadef_property');
    const ns = await this.namespace(auth, namespace);
    const body = obj(raw);
    const name = str(body, 'name', 255, true)!;
    const now = new Date();
    try {
      return await this.repo.insertChild('metadef_properties', { namespace_id: ns.id, name, schema: propertyDefinition(name, body), created_at: now, updated_at: now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata definition property with name=${name} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  async updateProperty(auth: AuthContext, namespace: string, name: string, raw: unknown): Promise<MetadefPropertyRow> {
    MetadefService.requireAdmin(auth, 'modify_metadef_property');
    const existing = await this.showProperty(auth, namespace, name);
    const body = obj(raw);
    const newName = str(body, 'name', 255, true)!;
    try {
      const row = await this.repo.updateChild<MetadefPropertyRow>('metadef_properties', existing.namespace_id, name, { name: newName, schema: propertyDefinition(newName, body) });
      return row!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata definition property with name=${newName} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  async deleteProperty(auth: AuthContext, namespace: string, name: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'remove_metadef_property');
    const existing = await this.showProperty(auth, namespace, name);
    await this.repo.deleteChild('metadef_properties', existing.namespace_id, name);
  }

  async deleteAllProperties(auth: AuthContext, namespace: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'remove_metadef_property');
    const ns = await this.namespace(auth, namespace);
    await this.repo.deleteChild('metadef_properties', ns.id);
  }

  // Tags
  async listTags(auth: AuthContext, namespace: string): Promise<MetadefTagRow[]> {
    const ns = await this.namespace(auth, namespace);
    return this.repo.listChildren('metadef_tags', ns.id);
  }

  async showTag(auth: AuthContext, namespace: string, name: string): Promise<MetadefTagRow> {
    const ns = await this.namespace(auth, namespace);
    const row = await this.repo.getChild<MetadefTagRow>('metadef_tags', ns.id, name);
    if (!row) throw new NotFoundError(`Metadata tag not found for namespace=${namespace} and tag=${name}.`);
    return row;
  }

  async createTag(auth: AuthContext, namespace: string, name: string): Promise<MetadefTagRow> {
    MetadefService.requireAdmin(auth, 'add_metadef_tag');
    const ns = await this.namespace(auth, namespace);
    if (!name || name.length > 255) throw new BadRequestError('A tag name must have 1 to 255 characters.');
    const now = new Date();
    try {
      return await this.repo.insertChild('metadef_tags', { namespace_id: ns.id, name, created_at: now, updated_at: now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata tag with name=${name} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  /** POST …/tags: replaces the namespace's tags (or appends with X-Openstack-Append: True). */
  async createTags(auth: AuthContext, namespace: string, raw: unknown, append: boolean): Promise<MetadefTagRow[]> {
    MetadefService.requireAdmin(auth, 'add_metadef_tags');
    const ns = await this.namespace(auth, namespace);
    const tags = obj(raw).tags;
    if (!Array.isArray(tags)) throw new BadRequestError("'tags' is a required property");
    const names = tags.map((t) => (t && typeof t === 'object' ? (t as { name?: unknown }).name : undefined));
    if (names.some((n) => typeof n !== 'string' || n === '' || n.length > 255)) throw new BadRequestError('Every tag needs a name of 1 to 255 characters.');
    if (new Set(names).size !== names.length) throw new ConflictError('A tag name was given more than once.');
    try {
      await this.repo.replaceTags(ns.id, names as string[], append);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata tag already exists in namespace=${namespace}.`);
      throw err;
    }
    return this.repo.listChildren('metadef_tags', ns.id);
  }

  async updateTag(auth: AuthContext, namespace: string, name: string, raw: unknown): Promise<MetadefTagRow> {
    MetadefService.requireAdmin(auth, 'modify_metadef_tag');
    const existing = await this.showTag(auth, namespace, name);
    const newName = str(obj(raw), 'name', 255, true)!;
    try {
      return (await this.repo.updateChild<MetadefTagRow>('metadef_tags', existing.namespace_id, name, { name: newName }))!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A metadata tag with name=${newName} already exists in namespace=${namespace}.`);
      throw err;
    }
  }

  async deleteTag(auth: AuthContext, namespace: string, name: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'delete_metadef_tag');
    const existing = await this.showTag(auth, namespace, name);
    await this.repo.deleteChild('metadef_tags', existing.namespace_id, name);
  }

  async deleteAllTags(auth: AuthContext, namespace: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'delete_metadef_tags');
    const ns = await this.namespace(auth, namespace);
    await this.repo.deleteChild('metadef_tags', ns.id);
  }

  // Resource types
  async listResourceTypes() {
    return this.repo.listResourceTypes();
  }

  async listAssociations(auth: AuthContext, namespace: string): Promise<ResourceTypeAssociationRow[]> {
    const ns = await this.namespace(auth, namespace);
    return this.repo.listAssociations(ns.id);
  }

  async createAssociation(auth: AuthContext, namespace: string, raw: unknown): Promise<ResourceTypeAssociationRow> {
    MetadefService.requireAdmin(auth, 'add_metadef_resource_type_association');
    const ns = await this.namespace(auth, namespace);
    const body = obj(raw);
    const name = str(body, 'name', 80, true)!;
    // Glance creates an unknown resource type on first association.
    if (!(await this.repo.getResourceType(name))) await this.repo.insertResourceType(name);
    const now = new Date();
    try {
      return await this.repo.insertAssociation({
        namespace_id: ns.id, resource_type: name, prefix: str(body, 'prefix', 80) ?? null, properties_target: str(body, 'properties_target', 80) ?? null, created_at: now, updated_at: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`The metadata definition resource-type association of resource-type=${name} to namespace=${namespace}, already exists.`);
      throw err;
    }
  }

  async deleteAssociation(auth: AuthContext, namespace: string, name: string): Promise<void> {
    MetadefService.requireAdmin(auth, 'remove_metadef_resource_type_association');
    const ns = await this.namespace(auth, namespace);
    if (!(await this.repo.deleteAssociation(ns.id, name))) {
      throw new NotFoundError(`The metadata definition resource-type association of resource-type=${name} to namespace=${namespace}, was not found.`);
    }
  }
}
