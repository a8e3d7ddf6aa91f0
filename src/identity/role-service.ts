// Roles, implied roles and role assignments (keystone/assignment/core.py in spirit).
// Token roles are computed at validation time, so a grant or a revocation takes effect on existing tokens.
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import { newId } from './ids.js';
import { SYSTEM_TARGET, type AssignmentRepository } from './repositories/assignment-repository.js';
import type { DomainRepository } from './repositories/domain-repository.js';
import type { GroupRepository } from './repositories/group-repository.js';
import type { ProjectRepository } from './repositories/project-repository.js';
import type { RoleRepository } from './repositories/role-repository.js';
import type { AssignmentRow, AssignmentType, RoleRow } from './repositories/rows.js';
import type { UserRepository } from './repositories/user-repository.js';
import { splitExtra } from './resource-service.js';

export interface RoleServiceDeps {
  roles: RoleRepository;
  assignments: AssignmentRepository;
  users: UserRepository;
  groups: GroupRepository;
  projects: ProjectRepository;
  domains: DomainRepository;
}

export type ActorKind = 'user' | 'group';
export type TargetKind = 'project' | 'domain' | 'system';

export interface Grant {
  actor: ActorKind;
  actorId: string;
  target: TargetKind;
  targetId: string;
  roleId: string;
  inherited: boolean;
}

/** One line of GET /v3/role_assignments, before the view shapes it. */
export interface AssignmentEntry {
  actor: ActorKind;
  actorId: string;
  target: TargetKind;
  targetId: string;
  roleId: string;
  inherited: boolean;
  /** For effective listings: the group or parent assignment it was expanded from. */
  via?: { groupId?: string; assignment: AssignmentEntry };
  /** For effective listings: the role that implied this one. */
  priorRoleId?: string;
}

export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  roleId?: string;
  inherited?: boolean;
  effective: boolean;
}

const ROLE_FIELDS = ['name', 'domain_id', 'description', 'options'] as const;

function assignmentType(actor: ActorKind, target: TargetKind): AssignmentType {
  return `${actor === 'user' ? 'User' : 'Group'}${target === 'project' ? 'Project' : target === 'domain' ? 'Domain' : 'System'}` as AssignmentType;
}

function toEntry(row: AssignmentRow): AssignmentEntry {
  return {
    actor: row.type.startsWith('User') ? 'user' : 'group',
    actorId: row.actor_id,
    target: row.type.endsWith('Project') ? 'project' : row.type.endsWith('Domain') ? 'domain' : 'system',
    targetId: row.target_id,
    roleId: row.role_id,
    inherited: row.inherited,
  };
}

export class RoleService {
  constructor(private readonly d: RoleServiceDeps) {}

  async getRole(id: string): Promise<RoleRow> {
    const role = await this.d.roles.get(id);
    if (!role) throw new NotFoundError(`Could not find role: ${id}.`);
    return role;
  }

  async listRoles(filters: { name?: string; domainId?: string }): Promise<RoleRow[]> {
    return this.d.roles.listRoles(filters);
  }

  async createRole(body: Record<string, unknown>): Promise<RoleRow> {
    const { known, extra } = splitExtra(body, ROLE_FIELDS);
    if (known.domain_id && !(await this.d.domains.get(known.domain_id))) throw new NotFoundError(`Could not find domain: ${known.domain_id}.`);
    try {
      return await this.d.roles.insert({ id: newId(), name: known.name, domain_id: known.domain_id ?? null, description: known.description ?? null, options: known.options ?? {}, extra });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store role - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
  }

  async updateRole(id: string, body: Record<string, unknown>): Promise<RoleRow> {
    const current = await this.getRole(id);
    const { known, extra } = splitExtra(body, ROLE_FIELDS);
    if (known.domain_id !== undefined && (known.domain_id ?? null) !== current.domain_id) throw new BadRequestError('Update of `domain_id` is not allowed.');
    try {
      return (await this.d.roles.update(id, { name: known.name, description: known.description, options: known.options, extra: { ...current.extra, ...extra } }))!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store role - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
  }

  async deleteRole(id: string): Promise<void> {
    await this.getRole(id);
    await this.d.roles.delete(id);
  }

  async createImplied(priorId: string, impliedId: string): Promise<{ prior: RoleRow; implied: RoleRow }> {
    const [prior, implied] = await Promise.all([this.getRole(priorId), this.getRole(impliedId)]);
    if (implied.domain_id !== null && prior.domain_id === null) throw new ForbiddenError('A global role cannot imply a domain-specific role.');
    if (await this.d.roles.wouldCycle(priorId, impliedId)) throw new ForbiddenError(`Creating the implied role from ${priorId} to ${impliedId} would make a cycle.`);
    await this.d.roles.addImplied(priorId, impliedId);
    return { prior, implied };
  }

  async getImplied(priorId: string, impliedId: string): Promise<{ prior: RoleRow; implied: RoleRow }> {
    const [prior, implied] = await Promise.all([this.getRole(priorId), this.getRole(impliedId)]);
    if (!(await this.d.roles.impliedExists(priorId, impliedId))) throw new NotFoundError(`Could not find implied role: ${priorId} implies ${impliedId}.`);
    return { prior, implied };
  }

  async deleteImplied(priorId: string, impliedId: string): Promise<void> {
    await this.getImplied(priorId, impliedId);
    await this.d.roles.removeImplied(priorId, impliedId);
  }

  /** The roles `priorId` implies directly, or every inference rule when no prior is given. */
  async listImplied(priorId?: string): Promise<Array<{ prior: RoleRow; implies: RoleRow[] }>> {
    if (priorId) await this.getRole(priorId);
    const edges = await this.d.roles.listImplied(priorId);
    const roles = new Map((await this.d.roles.getMany([...new Set(edges.flatMap((e) => [e.prior_role_id, e.implied_role_id]))])).map((r) => [r.id, r]));
    const byPrior = new Map<string, RoleRow[]>();
    if (priorId) byPrior.set(priorId, []);
    for (const e of edges) {
      const list = byPrior.get(e.prior_role_id) ?? [];
      list.push(roles.get(e.implied_role_id)!);
      byPrior.set(e.prior_role_id, list);
    }
    return Promise.all([...byPrior].map(async ([id, implies]) => ({ prior: roles.get(id) ?? (await this.getRole(id)), implies })));
  }

  private async checkGrantParties(g: Grant): Promise<AssignmentRow> {
    const role = await this.getRole(g.roleId);
    if (g.actor === 'user' && !(await this.d.users.get(g.actorId))) throw new NotFoundError(`Could not find user: ${g.actorId}.`);
    if (g.actor === 'group' && !(await this.d.groups.get(g.actorId))) throw new NotFoundError(`Could not find group: ${g.actorId}.`);
    if (g.target === 'project') {
      const project = await this.d.projects.get(g.targetId);
      if (!project) throw new NotFoundError(`Could not find project: ${g.targetId}.`);
      if (role.domain_id && role.domain_id !== project.domain_id) throw new ForbiddenError('A domain-specific role can only be granted within its domain.');
    }
    if (g.target === 'domain') {
      if (!(await this.d.domains.get(g.targetId))) throw new NotFoundError(`Could not find domain: ${g.targetId}.`);
      if (role.domain_id && role.domain_id !== g.targetId) throw new ForbiddenError('A domain-specific role can only be granted within its domain.');
    }
    return { type: assignmentType(g.actor, g.target), actor_id: g.actorId, target_id: g.target === 'system' ? SYSTEM_TARGET : g.targetId, role_id: g.roleId, inherited: g.inherited };
  }

  async grant(g: Grant): Promise<void> {
    await this.d.assignments.grant(await this.checkGrantParties(g));
  }

  async checkGrant(g: Grant): Promise<void> {
    if (!(await this.d.assignments.exists(await this.checkGrantParties(g)))) {
      throw new NotFoundError(`Could not find role assignment with role: ${g.roleId}, ${g.actor}: ${g.actorId}, ${g.target}: ${g.targetId}.`);
    }
  }

  async revokeGrant(g: Grant): Promise<void> {
    if (!(await this.d.assignments.revoke(await this.checkGrantParties(g)))) {
      throw new NotFoundError(`Could not find role assignment with role: ${g.roleId}, ${g.actor}: ${g.actorId}, ${g.target}: ${g.targetId}.`);
    }
  }

  /** GET …/{users|groups}/{id}/roles on a project, domain or the system. */
  async listGrants(actor: ActorKind, actorId: string, target: TargetKind, targetId: string, inherited: boolean): Promise<RoleRow[]> {
    const rows = await this.d.assignments.list({
      types: [assignmentType(actor, target)],
      actorIds: [actorId],
      targetId: target === 'system' ? SYSTEM_TARGET : targetId,
      inherited,
    });
    return this.d.roles.getMany([...new Set(rows.map((r) => r.role_id))]);
  }

  /** GET /v3/role_assignments, with Keystone's `effective` expansion of groups, inheritance and implied roles. */
  async listAssignments(q: AssignmentQuery): Promise<AssignmentEntry[]> {
    if (q.userId && q.groupId) throw new BadRequestError('Specify at most one of user.id and group.id.');
    if ([q.projectId, q.domainId, q.system].filter(Boolean).length > 1) throw new BadRequestError('Specify at most one of scope.project.id, scope.domain.id and scope.system.');
    if (q.effective && q.groupId) throw new BadRequestError('Combining effective and group filter will always result in an empty list.');
    const all = (await this.d.assignments.list({})).map(toEntry);
    let entries = all;
    if (q.effective) entries = await this.expand(all);
    return entries.filter((e) => {
      if (q.userId && !(e.actor === 'user' && e.actorId === q.userId)) return false;
      if (q.groupId && !(e.actor === 'group' && e.actorId === q.groupId)) return false;
      if (q.projectId && !(e.target === 'project' && e.targetId === q.projectId)) return false;
      if (q.domainId && !(e.target === 'domain' && e.targetId === q.domainId)) return false;
      if (q.system && e.target !== 'system') return false;
      if (q.roleId && e.roleId !== q.roleId) return false;
      if (q.inherited !== undefined && !q.effective && e.inherited !== q.inherited) return false;
      return true;
    });
  }

  /** Groups become their members, inherited grants become grants on each project below, implied roles are added. */
  private async expand(entries: AssignmentEntry[]): Promise<AssignmentEntry[]> {
    const out: AssignmentEntry[] = [];
    const members = new Map<string, string[]>();
    for (const e of entries) {
      let actors: Array<{ id: string; groupId?: string }> = [{ id: e.actorId }];
      if (e.actor === 'group') {
        if (!members.has(e.actorId)) members.set(e.actorId, await this.d.groups.memberIds(e.actorId));
        actors = members.get(e.actorId)!.map((id) => ({ id, groupId: e.actorId }));
      }
      let targets: Array<{ kind: TargetKind; id: string }> = [{ kind: e.target, id: e.targetId }];
      if (e.inherited) {
        const projects = e.target === 'domain'
          ? await this.d.projects.list({ domain_id: e.targetId })
          : await this.d.projects.descendants(e.targetId);
        targets = projects.map((p) => ({ kind: 'project' as const, id: p.id }));
      }
      for (const a of actors) {
        for (const t of targets) {
          const via = a.groupId || e.inherited ? { groupId: a.groupId, assignment: e } : undefined;
          out.push({ actor: 'user', actorId: a.id, target: t.kind, targetId: t.id, roleId: e.roleId, inherited: false, via });
        }
      }
    }
    // Implied roles: each role brings the roles it (transitively) implies, as Keystone lists them.
    // Domain-specific roles then drop out: they only ever stand for the roles they imply, never appear in a
    // token, so neither in an effective listing (keystone/assignment/core.py, test_assignments_for_domain_roles).
    const [edges, domainRoles] = await Promise.all([this.d.roles.listImplied(), this.d.roles.domainSpecificIds()]);
    const global = (list: AssignmentEntry[]) => (domainRoles.length === 0 ? list : list.filter((e) => !domainRoles.includes(e.roleId)));
    if (edges.length === 0) return global(out);
    const implies = new Map<string, string[]>();
    for (const e of edges) implies.set(e.prior_role_id, [...(implies.get(e.prior_role_id) ?? []), e.implied_role_id]);
    const withImplied: AssignmentEntry[] = [];
    for (const e of out) {
      withImplied.push(e);
      const seen = new Set([e.roleId]);
      const queue = [...(implies.get(e.roleId) ?? [])];
      while (queue.length) {
        const r = queue.shift()!;
        if (seen.has(r)) continue;
        seen.add(r);
        withImplied.push({ ...e, roleId: r, priorRoleId: e.roleId });
        queue.push(...(implies.get(r) ?? []));
      }
    }
    return global(withImplied);
  }
}
