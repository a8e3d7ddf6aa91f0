// os-simple-tenant-usage (nova/api/openstack/compute/simple_tenant_usage.py): hours each server ran
// inside a period, from its launched_at/terminated_at, weighted by the flavor it had.
import { BadRequestError } from '../http/errors.js';
import { parseNonNegativeInt, policyDenied, requireAdmin, type ComputeContext } from './compute-context.js';
import type { ServerRow } from './repositories/server-repository.js';
import type { UsageRepository } from './repositories/usage-repository.js';

export interface ServerUsage {
  instance_id: string;
  name: string;
  tenant_id: string;
  flavor: string;
  hours: number;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  started_at: Date;
  ended_at: Date | null;
  state: string;
  uptime: number;
}

export interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: Date;
  stop: Date;
}

export interface UsageQuery {
  start?: unknown;
  end?: unknown;
  detailed?: unknown;
  limit?: unknown;
  marker?: unknown;
}

/** Nova's CONF.api.max_limit: the page when no limit is given. */
const MAX_LIMIT = 1000;
const POLICY = 'os_compute_api:os-simple-tenant-usage';

export class UsageService {
  constructor(private readonly repo: UsageRepository) {}

  async list(ctx: ComputeContext, q: UsageQuery, paginated: boolean) {
    requireAdmin(ctx, `${POLICY}:list`);
    const { start, stop } = period(q);
    return this.usages(start, stop, undefined, one(q.detailed) === '1', paginated ? await this.page(q) : { limit: MAX_LIMIT });
  }

  async show(ctx: ComputeContext, tenantId: string, q: UsageQuery, paginated: boolean) {
    if (!ctx.isAdmin && ctx.projectId !== tenantId) throw policyDenied(`${POLICY}:show`);
    const { start, stop } = period(q);
    return this.usages(start, stop, tenantId, true, paginated ? await this.page(q) : { limit: MAX_LIMIT });
  }

  private async page(q: UsageQuery): Promise<{ limit: number; marker?: ServerRow }> {
    const limit = q.limit !== undefined ? Math.min(parseNonNegativeInt(one(q.limit), 'limit'), MAX_LIMIT) : MAX_LIMIT;
    const markerId = one(q.marker);
    if (markerId === undefined) return { limit };
    const marker = await this.repo.find(markerId);
    if (!marker) throw new BadRequestError(`Marker ${markerId} could not be found.`);
    return { limit, marker };
  }

  private async usages(start: Date, stop: Date, projectId: string | undefined, detailed: boolean, page: { limit: number; marker?: ServerRow }) {
    const rows = await this.repo.activeInWindow({ start, end: stop, projectId, ...page });
    const tenants = new Map<string, TenantUsage>();
    const servers: ServerUsage[] = [];
    const now = Date.now();
    for (const r of rows) {
      const u = serverUsage(r, start, stop, now);
      servers.push(u);
      let t = tenants.get(u.tenant_id);
      if (!t) {
        t = { tenant_id: u.tenant_id, ...(detailed ? { server_usages: [] } : {}), total_local_gb_usage: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_hours: 0, start, stop };
        tenants.set(u.tenant_id, t);
      }
      t.total_local_gb_usage += u.local_gb * u.hours;
      t.total_vcpus_usage += u.vcpus * u.hours;
      t.total_memory_mb_usage += u.memory_mb * u.hours;
      t.total_hours += u.hours;
      t.server_usages?.push(u);
    }
    return { tenants: [...tenants.values()], servers, limit: page.limit };
  }
}

/** Nova's _hours_for: the part of [launched, terminated] inside [start, stop], in hours. */
function serverUsage(r: ServerRow, start: Date, stop: Date, now: number): ServerUsage {
  const launched = r.launched_at!;
  const terminated = r.terminated_at;
  let hours = 0;
  if (!(terminated && terminated < start) && !(launched > stop)) {
    const from = Math.max(launched.getTime(), start.getTime());
    const to = terminated ? Math.min(stop.getTime(), terminated.getTime()) : stop.getTime();
    hours = (to - from) / 3_600_000;
  }
  return {
    instance_id: r.id,
    name: r.name,
    tenant_id: r.project_id,
    flavor: r.flavor?.name ?? '',
    hours,
    memory_mb: r.flavor.ram,
    local_gb: r.flavor.disk + r.flavor.ephemeral,
    vcpus: r.flavor.vcpus,
    started_at: launched,
    ended_at: terminated,
    state: terminated ? 'terminated' : r.vm_state,
    uptime: Math.floor(((terminated ? terminated.getTime() : now) - launched.getTime()) / 1000),
  };
}

/** start/end as Nova parses them (naive UTC, three formats; absent → now); the end is capped at now. */
function period(q: UsageQuery): { start: Date; stop: Date } {
  const start = parseTime(one(q.start));
  let stop = parseTime(one(q.end));
  if (!(start < stop)) throw new BadRequestError('Invalid start time. The start time cannot occur after the end time.');
  const now = new Date();
  if (stop > now) stop = now;
  return { start, stop };
}

function parseTime(s: string | undefined): Date {
  if (!s) return new Date();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T| )(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s);
  // "%Y-%m-%d %H:%M:%S" without a fraction is not among Nova's formats.
  if (!m || (s[10] === ' ' && m[7] === undefined)) throw new BadRequestError('Invalid datetime string: Datetime is in invalid format');
  const ms = m[7] ? Number(m[7].padEnd(6, '0').slice(0, 3)) : 0;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms));
  if (Number.isNaN(d.getTime()) || d.getUTCDate() !== +m[3]) throw new BadRequestError('Invalid datetime string: Datetime is in invalid format');
  return d;
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}
