// Operator views Nova serves that need no state of their own here: server diagnostics (read from the
// hypervisor), migrations (virtstack never migrates, so the list is empty, as Nova's is on such a
// cloud) and the instance usage audit log (the periodic audit task does not run here, so every
// host is reported as "not run", as Nova reports hosts whose task has not run).
import { BadRequestError, ConflictError } from '../http/errors.js';
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { InstanceNotFoundError } from '../virt/compute-driver.js';
import { computeContext, requireAdmin } from './compute-context.js';
import type { HostManager } from './host-manager.js';
import type { HostRepository } from './repositories/host-repository.js';
import type { ServerService } from './server-service.js';

/** Nova's default audit period is the previous calendar month (instance_usage_audit_period=month). */
function auditPeriod(before: Date): { begin: Date; end: Date } {
  const end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
  const begin = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { begin, end };
}

const fmt = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

export function createAuditHandlers(d: { servers: ServerService; hosts: HostManager; hostRepo: HostRepository }): Record<string, Handler<AuthContext>> {
  const auditLog = async (before: Date) => {
    const hosts = (await d.hostRepo.list()).map((h) => h.name);
    const { begin, end } = auditPeriod(before);
    return {
      hosts_not_run: hosts,
      log: {},
      num_hosts: hosts.length,
      num_hosts_done: 0,
      num_hosts_not_run: hosts.length,
      num_hosts_running: 0,
      overall_status: `0 of ${hosts.length} hosts done. 0 errors.`,
      period_beginning: fmt(begin),
      period_ending: fmt(end),
      total_errors: 0,
      total_instances: 0,
    };
  };
  return {
    showServerDiagnostics: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-server-diagnostics');
      const server = await d.servers.get(ctx, req.params.server_id);
      if (!server.host) throw new ConflictError(`Cannot 'get_diagnostics' instance ${server.id} while it is in vm_state ${server.vm_state}`);
      try {
        res.json(await d.hosts.driverFor(server.host).diagnostics(server.id, server.number));
      } catch (err) {
        if (err instanceof InstanceNotFoundError) throw new ConflictError(`Cannot 'get_diagnostics' instance ${server.id}: it has no guest on its host.`);
        throw err;
      }
    },
    listMigrations: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-migrations:index');
      res.json({ migrations: [] });
    },
    listInstanceUsageAuditLogs: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-instance-usage-audit-log:list');
      res.json({ instance_usage_audit_logs: await auditLog(new Date()) });
    },
    showInstanceUsageAuditLog: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-instance-usage-audit-log:show');
      const raw = decodeURIComponent(req.params.before_timestamp);
      const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(raw);
      const when = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
      if (!when || Number.isNaN(when.getTime())) throw new BadRequestError(`Invalid timestamp for date ${raw}`);
      res.json({ instance_usage_audit_log: await auditLog(when) });
    },
  };
}

