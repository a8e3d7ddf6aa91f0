// Server groups (nova/api/openstack/compute/server_groups.py): a policy the scheduler honours for the
// servers booted into the group. Owners (and admins) read and delete; a member role creates, within
// the project's server_groups quota.
import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { hasRole } from '../identity/auth-context.js';
import { parseNonNegativeInt, policyDenied, type ComputeContext } from './compute-context.js';
import type { QuotaService } from './quota-service.js';
import type { ServerGroupRepository, ServerGroupRow } from './repositories/server-group-repository.js';

export interface ServerGroup extends ServerGroupRow {
  /** Ids of the group's servers that are not deleted. */
  members: string[];
}

const denied = (rule: string) => policyDenied(`os_compute_api:os-server-groups:${rule}`);

export class ServerGroupService {
  constructor(
    private readonly groups: ServerGroupRepository,
    private readonly quotas: QuotaService,
  ) {}

  /** Own project's groups; all projects' for an admin asking all_projects (any value, as Nova). */
  async list(ctx: ComputeContext, q: { all_projects?: unknown; limit?: unknown; offset?: unknown }): Promise<ServerGroup[]> {
    const all = q.all_projects !== undefined && ctx.isAdmin;
    // Nova's common.limited: the page size is capped at max_limit (1000).
    const limit = Math.min(q.limit !== undefined ? parseNonNegativeInt(first(q.limit), 'limit') : 1000, 1000);
    const offset = q.offset !== undefined ? parseNonNegativeInt(first(q.offset), 'offset') : 0;
    const rows = await this.groups.list(all ? undefined : ctx.projectId, { limit, offset });
    return Promise.all(rows.map((r) => this.withMembers(r)));
  }

  async get(ctx: ComputeContext, id: string): Promise<ServerGroup> {
    return this.withMembers(await this.owned(ctx, id, 'show'));
  }

  async create(ctx: ComputeContext, body: { name: string; policies: string[] }): Promise<ServerGroup> {
    // Nova's default: PROJECT_MEMBER_OR_ADMIN (a reader cannot create).
    if (!ctx.projectId || !(ctx.isAdmin || hasRole(ctx.auth, 'member'))) throw denied('create');
    await this.quotas.checkServerGroups(ctx.projectId);
    const [policy] = body.policies;
    if (!policy) throw new BadRequestError("Invalid input for field/attribute policies. Value: []. [] is too short");
    const row = await this.groups.insert({ id: randomUUID(), name: body.name, project_id: ctx.projectId, user_id: ctx.auth.userId, policy, rules: {} });
    // Nova re-checks after creating (CONF.quota.recheck_quota) so that racing creates cannot both pass.
    const { server_groups: limit } = await this.quotas.limits(ctx.projectId);
    if (limit >= 0 && (await this.groups.countForProject(ctx.projectId)) > limit) {
      await this.groups.delete(row.id);
      throw new ForbiddenError('Quota exceeded, too many server groups.');
    }
    return { ...row, members: [] };
  }

  async delete(ctx: ComputeContext, id: string): Promise<void> {
    const row = await this.owned(ctx, id, 'delete');
    if (!(await this.groups.delete(row.id))) throw new NotFoundError(`Instance group ${id} could not be found.`);
  }

  /** The group, checked against the caller: Nova finds it first (404), then applies the owner policy (403). */
  private async owned(ctx: ComputeContext, id: string, rule: string): Promise<ServerGroupRow> {
    const row = await this.groups.get(id);
    if (!row) throw new NotFoundError(`Instance group ${id} could not be found.`);
    if (!ctx.isAdmin && row.project_id !== ctx.projectId) throw denied(rule);
    if (rule === 'delete' && !ctx.isAdmin && !hasRole(ctx.auth, 'member')) throw denied(rule);
    return row;
  }

  private async withMembers(row: ServerGroupRow): Promise<ServerGroup> {
    return { ...row, members: (await this.groups.members(row.id)).map((m) => m.id) };
  }
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}
