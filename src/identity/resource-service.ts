// Domains and projects (keystone/resource/core.py in spirit).
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { Database } from '../db/database.js';
import type { AuthContext } from './auth-context.js';
import { newId } from './ids.js';
import type { AssignmentRepository } from './repositories/assignment-repository.js';
import type { DomainRepository } from './repositories/domain-repository.js';
import type { GroupRepository } from './repositories/group-repository.js';
import type { ProjectRepository } from './repositories/project-repository.js';
import type { RevocationRepository } from './repositories/revocation-repository.js';
import type { DomainRow, ProjectRow } from './repositories/rows.js';
import type { UserRepository } from './repositories/user-repository.js';

export interface ResourceServiceDeps {
  db: Database;
  domains: DomainRepository;
  projects: ProjectRepository;
  users: UserRepository;
  groups: GroupRepository;
  assignments: AssignmentRepository;
  revocations: RevocationRepository;
}

/** Splits a request body into the known columns and Keystone's free-form extra attributes. */
export function splitExtra<K extends string>(body: Record<string, unknown>, known: readonly K[]): { known: Partial<Record<K, any>>; extra: Record<string, unknown> } {
  const k: Partial<Record<K, any>> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if ((known as readonly string[]).includes(key)) k[key as K] = value;
    else if (key !== 'id' && key !== 'links') extra[key] = value;
  }
  return { known: k, extra };
}

const DOMAIN_FIELDS = ['name', 'description', 'enabled', 'options', 'tags'] as const;

/**
 * Keystone stores every domain as a project with is_domain=true; we keep domains in their own table and
 * show each one as such a project: no domain and no parent of its own.
 */
export function domainAsProject(d: DomainRow): ProjectRow {
  return { id: d.id, name: d.name, domain_id: d.id, parent_id: null, description: d.description, enabled: d.enabled, is_domain: true, tags: [], extra: d.extra };
}
const PROJECT_FIELDS = ['name', 'description', 'enabled', 'domain_id', 'parent_id', 'is_domain', 'tags', 'options'] as const;

export class ResourceService {
  constructor(private readonly d: ResourceServiceDeps) {}

  async getDomain(id: string): Promise<DomainRow> {
    const domain = await this.d.domains.get(id);
    if (!domain) throw new NotFoundError(`Could not find domain: ${id}.`);
    return domain;
  }

  async listDomains(filters: { name?: string; enabled?: boolean }): Promise<DomainRow[]> {
    return this.d.domains.list(filters, 'name');
  }

  async createDomain(body: Record<string, unknown>, id = newId()): Promise<DomainRow> {
    const { known, extra } = splitExtra(body, DOMAIN_FIELDS);
    try {
      return await this.d.domains.insert({ id, name: known.name, description: known.description ?? null, enabled: known.enabled ?? true, extra });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store domain - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
  }

  async updateDomain(id: string, body: Record<string, unknown>): Promise<DomainRow> {
    const current = await this.getDomain(id);
    const { known, extra } = splitExtra(body, DOMAIN_FIELDS);
    if (id === 'default' && known.enabled === false) throw new BadRequestError('The default domain cannot be disabled.');
    let updated: DomainRow | undefined;
    try {
      updated = await this.d.domains.update(id, { name: known.name, description: known.description, enabled: known.enabled, extra: { ...current.extra, ...extra } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store domain - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
    if (known.enabled === false && current.enabled) await this.revokeDomain(id);
    return updated!;
  }

  /** Keystone refuses to delete an enabled domain; deleting a disabled one removes its content. */
  async deleteDomain(id: string): Promise<void> {
    const domain = await this.getDomain(id);
    if (domain.enabled) throw new ForbiddenError('Cannot delete a domain that is enabled, please disable it first.');
    await this.revokeDomain(id);
    await this.d.projects.deleteInDomain(id);
    await this.d.users.deleteInDomain(id);
    await this.d.groups.deleteInDomain(id);
    await this.d.assignments.deleteFor(id);
    await this.d.domains.delete(id);
  }

  private async revokeDomain(id: string): Promise<void> {
    await this.d.revocations.add({ domain_id: id, issued_before_ms: Date.now() });
  }

  /** A project, or a domain seen as a project acting as a domain. */
  async getProject(id: string): Promise<ProjectRow> {
    const project = await this.d.projects.get(id);
    if (project) return project;
    const domain = await this.d.domains.get(id);
    if (domain) return domainAsProject(domain);
    throw new NotFoundError(`Could not find project: ${id}.`);
  }

  /** `is_domain=true` lists the domains as projects; otherwise (Keystone's default, is_domain=false) the projects. */
  async listProjects(filters: { name?: string; domain_id?: string; enabled?: boolean; parent_id?: string; is_domain?: boolean }): Promise<ProjectRow[]> {
    const { is_domain: isDomain, ...rest } = filters;
    if (isDomain) {
      // Projects acting as domains belong to no domain and have no parent.
      if (rest.domain_id !== undefined || rest.parent_id !== undefined) return [];
      return (await this.d.domains.list({ name: rest.name, enabled: rest.enabled }, 'name')).map(domainAsProject);
    }
    return this.d.projects.list(rest, 'name');
  }

  async createProject(auth: AuthContext, body: Record<string, unknown>): Promise<ProjectRow> {
    const { known, extra } = splitExtra(body, PROJECT_FIELDS);
    if (known.is_domain) {
      // A project that is a domain is how Keystone stores domains; create the domain and show it as a project.
      const domain = await this.createDomain({ name: known.name, description: known.description, enabled: known.enabled, ...extra });
      return domainAsProject(domain);
    }
    let domainId: string | undefined = known.domain_id ?? undefined;
    let parentId: string | null = known.parent_id ?? null;
    if (parentId) {
      const parent = await this.d.projects.get(parentId);
      if (!parent) {
        // parent_id may name the domain itself: that is a top-level project.
        if (await this.d.domains.get(parentId)) {
          domainId ??= parentId;
          parentId = null;
        } else throw new NotFoundError(`Could not find project: ${parentId}.`);
      } else {
        if (domainId && domainId !== parent.domain_id) throw new BadRequestError('Cannot create project: the parent project is in another domain.');
        domainId = parent.domain_id;
      }
    }
    domainId ??= auth.projectDomainId ?? auth.domainId ?? 'default';
    if (!(await this.d.domains.get(domainId))) throw new NotFoundError(`Could not find domain: ${domainId}.`);
    try {
      return await this.d.projects.insert({
        id: newId(),
        name: known.name,
        domain_id: domainId,
        parent_id: parentId,
        description: known.description ?? '',
        enabled: known.enabled ?? true,
        is_domain: false,
        tags: known.tags ?? [],
        extra,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${known.name}.`);
      throw err;
    }
  }

  async updateProject(id: string, body: Record<string, unknown>): Promise<ProjectRow> {
    const current = await this.getProject(id);
    const { known, extra } = splitExtra(body, PROJECT_FIELDS);
    if (current.is_domain) {
      if (known.is_domain === false) throw new BadRequestError('Update of `is_domain` is not allowed.');
      const { domain_id: _d, parent_id: _p, is_domain: _i, ...domainBody } = body;
      return domainAsProject(await this.updateDomain(id, domainBody));
    }
    if (known.domain_id !== undefined && known.domain_id !== current.domain_id) throw new BadRequestError('Update of `domain_id` is not allowed.');
    if (known.is_domain !== undefined && known.is_domain !== current.is_domain) throw new BadRequestError('Update of `is_domain` is not allowed.');
    if (known.parent_id !== undefined && (known.parent_id ?? null) !== current.parent_id && known.parent_id !== current.domain_id) {
      throw new ForbiddenError('Update of `parent_id` is not allowed.');
    }
    let updated: ProjectRow | undefined;
    try {
      updated = await this.d.projects.update(id, { name: known.name, description: known.description, enabled: known.enabled, tags: known.tags, extra: { ...current.extra, ...extra } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${known.name}.`);
      throw err;
    }
    if (known.enabled === false && current.enabled) await this.d.revocations.add({ project_id: id, issued_before_ms: Date.now() });
    return updated!;
  }

  async deleteProject(id: string): Promise<void> {
    const project = await this.getProject(id);
    if (project.is_domain) return this.deleteDomain(id);
    if (await this.d.projects.hasChildren(id)) throw new ForbiddenError(`Cannot delete the project ${id} since it is not a leaf in the hierarchy.`);
    await this.d.revocations.add({ project_id: id, issued_before_ms: Date.now() });
    await this.d.assignments.deleteFor(id);
    await this.d.projects.delete(id);
  }

  ancestors(id: string): Promise<ProjectRow[]> {
    return this.d.projects.ancestors(id);
  }

  descendants(id: string): Promise<ProjectRow[]> {
    return this.d.projects.descendants(id);
  }

  async projectsOfUser(userId: string): Promise<ProjectRow[]> {
    const ids = await this.d.assignments.projectIdsWithRoles(userId);
    const projects = await Promise.all(ids.map((id) => this.d.projects.get(id)));
    return projects.filter((p): p is ProjectRow => !!p).sort((a, b) => a.name.localeCompare(b.name));
  }

  async domainsOfUser(userId: string): Promise<DomainRow[]> {
    const ids = await this.d.assignments.domainIdsWithRoles(userId);
    const domains = await Promise.all(ids.map((id) => this.d.domains.get(id)));
    return domains.filter((d): d is DomainRow => !!d && d.enabled);
  }
}
