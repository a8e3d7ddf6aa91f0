// GET /limits (nova/api/openstack/compute/limits.py, views/limits.py): absolute limits and usage.
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { computeContext } from './compute-context.js';
import type { QuotaService } from './quota-service.js';

export function createLimitsHandlers(quotas: QuotaService): Record<string, Handler<AuthContext>> {
  return {
    showLimits: async (req, res) => {
      const ctx = computeContext(req, res);
      const tenant = typeof req.query.tenant_id === 'string' && ctx.isAdmin ? req.query.tenant_id : ctx.projectId;
      const [limits, used] = await Promise.all([quotas.limits(tenant), quotas.usage(tenant, ctx.auth.userId)]);
      const absolute: Record<string, number> = {
        maxServerMeta: limits.metadata_items,
        maxTotalInstances: limits.instances,
        maxPersonality: limits.injected_files,
        maxPersonalitySize: limits.injected_file_content_bytes,
        maxTotalCores: limits.cores,
        maxTotalRAMSize: limits.ram,
        maxTotalKeypairs: limits.key_pairs,
        maxServerGroups: limits.server_groups,
        maxServerGroupMembers: limits.server_group_members,
        totalInstancesUsed: used.instances,
        totalCoresUsed: used.cores,
        totalRAMUsed: used.ram,
        totalServerGroupsUsed: used.server_groups,
      };
      // Proxy limits (images, networks, floating IPs, security groups) until 2.36 (Nova's views).
      if (ctx.version.before('2.36')) {
        Object.assign(absolute, {
          maxSecurityGroupRules: -1, maxSecurityGroups: -1, maxTotalFloatingIps: -1,
          totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0,
        });
      }
      if (ctx.version.before('2.39')) absolute.maxImageMeta = limits.metadata_items;
      res.json({ limits: { rate: [], absolute } });
    },
  };
}
