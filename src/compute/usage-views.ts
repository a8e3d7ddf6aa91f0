// Nova's simple tenant usage JSON (simple_tenant_usage.py, views/usages.py): naive timestamps with
// microseconds. Gate: 2.40 adds tenant_usage(s)_links, paged by the last server usage's instance id.
import type { ApiVersion } from './api-version.js';
import { isoMicrosNoZone } from './server-views.js';
import type { ServerUsage, TenantUsage } from './usage-service.js';

function serverUsageView(u: ServerUsage) {
  return { ...u, started_at: isoMicrosNoZone(u.started_at), ended_at: isoMicrosNoZone(u.ended_at) };
}

function tenantUsageView(t: TenantUsage) {
  return {
    ...t,
    ...(t.server_usages ? { server_usages: t.server_usages.map(serverUsageView) } : {}),
    start: isoMicrosNoZone(t.start),
    stop: isoMicrosNoZone(t.stop),
  };
}

export class UsageViews {
  constructor(private readonly base: string) {}

  private links(servers: ServerUsage[], limit: number, path: string) {
    if (servers.length === 0 || servers.length !== limit) return undefined;
    return [{ rel: 'next', href: `${this.base}/v2.1/${path}?limit=${limit}&marker=${servers[servers.length - 1].instance_id}` }];
  }

  list(r: { tenants: TenantUsage[]; servers: ServerUsage[]; limit: number }, v: ApiVersion) {
    const body: Record<string, unknown> = { tenant_usages: r.tenants.map(tenantUsageView) };
    const links = v.atLeast('2.40') ? this.links(r.servers, r.limit, 'os-simple-tenant-usage') : undefined;
    if (links) body.tenant_usages_links = links;
    return body;
  }

  show(tenantId: string, r: { tenants: TenantUsage[]; servers: ServerUsage[]; limit: number }, v: ApiVersion) {
    const body: Record<string, unknown> = { tenant_usage: r.tenants[0] ? tenantUsageView(r.tenants[0]) : {} };
    const links = v.atLeast('2.40') ? this.links(r.servers, r.limit, `os-simple-tenant-usage/${tenantId}`) : undefined;
    if (links) body.tenant_usage_links = links;
    return body;
  }
}
