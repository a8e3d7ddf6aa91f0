// os-quota-sets and os-quota-class-sets (nova/api/openstack/compute/quota_sets.py, quota_classes.py,
// nova/quota.py DbQuotaDriver). A limit resolves as Nova's does: the user's own limit, else the
// project's, else the `default` quota class, else the configured default. Project limits are written
// through QuotaService (which enforces them at boot); per-user and class limits in QuotaScopeRepository.
import { BadRequestError } from '../http/errors.js';
import { policyDenied, requireAdmin, type ComputeContext } from './compute-context.js';
import { DEFAULT_QUOTAS, QUOTA_RESOURCES, type QuotaService } from './quota-service.js';
import type { QuotaRepository } from './repositories/quota-repository.js';
import type { QuotaScopeRepository } from './repositories/quota-scope-repository.js';

/** Nova-network quotas: still stored and shown before 2.36 (unlimited by default), never enforced. */
export const NETWORK_QUOTAS = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules'] as const;
export const ALL_QUOTAS: readonly string[] = [...QUOTA_RESOURCES, ...NETWORK_QUOTAS];
const DEFAULTS: Record<string, number> = { ...DEFAULT_QUOTAS, ...Object.fromEntries(NETWORK_QUOTAS.map((k) => [k, -1])) };

export type Limits = Record<string, number>;
export type DetailedLimits = Record<string, { limit: number; in_use: number; reserved: number }>;

const denied = (rule: string) => policyDenied(`os_compute_api:os-quota-sets:${rule}`);

export class QuotaSetService {
  constructor(
    private readonly quotas: QuotaService,
    private readonly projectRows: QuotaRepository,
    private readonly scopes: QuotaScopeRepository,
  ) {}

  /** Defaults as every project starts with: the configured ones overridden by the `default` class. */
  async defaults(): Promise<Limits> {
    return { ...DEFAULTS, ...(await this.scopes.classLimits('default')) };
  }

  async show(ctx: ComputeContext, projectId: string, userId?: string): Promise<Limits> {
    this.mayRead(ctx, projectId, 'show');
    return this.resolve(projectId, userId);
  }

  async detail(ctx: ComputeContext, projectId: string, userId?: string): Promise<DetailedLimits> {
    this.mayRead(ctx, projectId, 'detail');
    const limits = await this.resolve(projectId, userId);
    const used: Record<string, number> = { ...(await this.quotas.usage(projectId, userId)) };
    if (userId) Object.assign(used, await this.scopes.userServerUsage(projectId, userId));
    return Object.fromEntries(Object.entries(limits).map(([k, limit]) => [k, { limit, in_use: used[k] ?? 0, reserved: 0 }]));
  }

  /**
   * PUT: values below what is in use are refused unless `force` (Nova's _validate_quota_limit); a
   * user's limit may not exceed its project's. Network quotas are refused from 2.36 on.
   */
  async update(ctx: ComputeContext, projectId: string, userId: string | undefined, body: Record<string, unknown>): Promise<Limits> {
    if (!ctx.isAdmin) throw denied('update');
    const force = ['true', 't', '1', 'yes', 'y', 'on'].includes(String(body.force ?? 'false').toLowerCase());
    const values: Limits = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'force' || v === null || v === '') continue;
      if (!ALL_QUOTAS.includes(k) || (ctx.version.atLeast('2.36') && (NETWORK_QUOTAS as readonly string[]).includes(k))) {
        throw new BadRequestError(`Invalid input for field/attribute quota_set. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('${k}' was unexpected)`);
      }
      values[k] = Number(v);
    }
    if (userId) {
      const [project, used] = await Promise.all([this.resolve(projectId), this.userUsage(projectId, userId)]);
      for (const [k, n] of Object.entries(values)) {
        if (!force && !atLeast(n, used[k] ?? 0)) throw new BadRequestError(`Quota limit ${n} for ${k} must be greater than or equal to already used and reserved ${used[k] ?? 0}.`);
        if (!force && !atLeast(project[k], n)) throw new BadRequestError(`Quota limit ${n} for ${k} must be less than or equal to ${project[k]}.`);
      }
      await this.scopes.setUserLimits(projectId, userId, values);
    } else {
      const network = Object.fromEntries(Object.entries(values).filter(([k]) => (NETWORK_QUOTAS as readonly string[]).includes(k)));
      const compute = Object.fromEntries(Object.entries(values).filter(([k]) => !(k in network)));
      await this.quotas.set(projectId, compute, force);
      if (Object.keys(network).length > 0) await this.projectRows.set(projectId, network);
    }
    return this.resolve(projectId, userId);
  }

  async delete(ctx: ComputeContext, projectId: string, userId?: string): Promise<void> {
    if (!ctx.isAdmin) throw denied('delete');
    if (userId) return this.scopes.resetUser(projectId, userId);
    await this.quotas.reset(projectId);
    await this.scopes.resetProjectUsers(projectId);
  }

  async showClass(ctx: ComputeContext, name: string): Promise<Limits> {
    requireAdmin(ctx, 'os_compute_api:os-quota-class-sets:show');
    return { ...DEFAULTS, ...(await this.scopes.classLimits(name)) };
  }

  async updateClass(ctx: ComputeContext, name: string, body: Record<string, unknown>): Promise<Limits> {
    requireAdmin(ctx, 'os_compute_api:os-quota-class-sets:update');
    if (name.length < 1 || name.length > 255) throw new BadRequestError('Invalid input received: quota_class_name has a length of more than 255 characters or less than 1.');
    const values: Limits = {};
    for (const [k, v] of Object.entries(body)) {
      if (!ALL_QUOTAS.includes(k)) throw new BadRequestError(`Invalid input for field/attribute quota_class_set. Additional properties are not allowed ('${k}' was unexpected)`);
      values[k] = Number(v);
    }
    await this.scopes.setClassLimits(name, values);
    return { ...DEFAULTS, ...(await this.scopes.classLimits(name)) };
  }

  private async resolve(projectId: string, userId?: string): Promise<Limits> {
    const [defaults, project, user] = await Promise.all([
      this.defaults(),
      this.projectRows.limits(projectId),
      userId ? this.scopes.userLimits(projectId, userId) : Promise.resolve({}),
    ]);
    return { ...defaults, ...project, ...user };
  }

  private async userUsage(projectId: string, userId: string): Promise<Record<string, number>> {
    return { ...(await this.quotas.usage(projectId, userId)), ...(await this.scopes.userServerUsage(projectId, userId)) };
  }

  /** PROJECT_READER_OR_ADMIN: one's own project, or any for an admin. */
  private mayRead(ctx: ComputeContext, projectId: string, rule: string): void {
    if (!ctx.isAdmin && ctx.projectId !== projectId) throw denied(rule);
  }
}

/** limit ≥ value, with -1 meaning unlimited on either side. */
function atLeast(limit: number, value: number): boolean {
  if (limit === -1) return true;
  if (value === -1) return false;
  return limit >= value;
}
