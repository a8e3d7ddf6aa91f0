// Nova server handlers, keyed by the operationIds of api-specs/compute-v2.1.yaml.
import { BadRequestError, NotFoundError } from '../http/errors.js';
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { computeContext, type ComputeContext, type ComputeRequest } from './compute-context.js';
import type { HostManager } from './host-manager.js';
import type { InstanceActionRepository } from './repositories/instance-action-repository.js';
import type { ServerWithDetails } from './repositories/server-repository.js';
import type { ServerActionService } from './server-action-service.js';
import type { ServerService } from './server-service.js';
import type { ServerViews } from './server-views.js';
import { isoMicrosNoZone } from './server-views.js';

export interface ServerHandlerDeps {
  servers: ServerService;
  actions: ServerActionService;
  instanceActions: InstanceActionRepository;
  hosts: HostManager;
  views: ServerViews;
}

export function createServerHandlers(d: ServerHandlerDeps): Record<string, Handler<AuthContext>> {
  const v = d.views;
  const viewOptions = async (ctx: ComputeContext) => {
    const statuses = ctx.isAdmin && ctx.version.atLeast('2.16') ? await d.hosts.statusMap() : undefined;
    return { version: ctx.version, isAdmin: ctx.isAdmin, hostStatus: (h: string | null) => (h ? (statuses?.get(h) ?? 'UNKNOWN') : '') };
  };
  const show = async (ctx: ComputeContext, server: ServerWithDetails, reduced = false) => v.detail(server, { ...(await viewOptions(ctx)), reduced });
  const metadataItem = (req: ComputeRequest) => {
    const meta = req.body?.meta as Record<string, string>;
    const keys = Object.keys(meta ?? {});
    if (keys.length !== 1) throw new BadRequestError('Request body contains too many items');
    if (keys[0] !== req.params.key) throw new BadRequestError('Request body and URI mismatch');
    return meta;
  };

  return {
    listServers: async (req, res) => {
      const ctx = computeContext(req, res);
      const { rows, limit } = await d.servers.list(ctx, req.query);
      res.json(v.collection(rows.map((s) => v.basic(s)), rows, limit, 'servers', req.query));
    },
    listServersDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      const { rows, limit } = await d.servers.list(ctx, req.query);
      const detailed = await d.servers.details(rows);
      const o = await viewOptions(ctx);
      res.json(v.collection(detailed.map((s) => v.detail(s, o)), rows, limit, 'servers/detail', req.query));
    },
    showServer: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ server: await show(ctx, await d.servers.getDetailed(ctx, req.params.server_id)) });
    },
    createServer: async (req, res) => {
      const ctx = computeContext(req, res);
      const hints = req.body['os:scheduler_hints'] ?? req.body['OS-SCH-HNT:scheduler_hints'] ?? {};
      const created = await d.servers.create(ctx, req.body.server, hints);
      const first = created.servers[0];
      res.status(202);
      if (req.body.server.return_reservation_id === true || String(req.body.server.return_reservation_id).toLowerCase() === 'true') {
        res.json({ reservation_id: created.reservationId });
        return;
      }
      res.setHeader('Location', `${v.links(first.id)[0].href}`);
      res.json(v.createResponse(first, created.adminPass));
    },
    updateServer: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ server: await show(ctx, await d.servers.update(ctx, req.params.server_id, req.body.server), true) });
    },
    deleteServer: async (req, res) => {
      const ctx = computeContext(req, res);
      await d.servers.delete(ctx, req.params.server_id);
      res.status(204).end();
    },
    serverAction: async (req, res) => {
      const ctx = computeContext(req, res);
      const [action, body] = Object.entries(req.body as Record<string, unknown>)[0];
      const result = await d.actions.perform(ctx, req.params.server_id, action, body);
      if (result.kind === 'accepted') {
        res.status(202).end();
      } else if (result.kind === 'rebuilt') {
        const server = await show(ctx, await d.servers.getDetailed(ctx, req.params.server_id), true);
        res.status(202).json({ server: { ...server, adminPass: result.adminPass } });
      } else {
        for (const [k, val] of Object.entries(result.headers ?? {})) res.setHeader(k, val);
        if (result.body === undefined) res.status(result.status).end();
        else res.status(result.status).json(result.body);
      }
    },

    listServerMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ metadata: await d.servers.metadata(ctx, req.params.server_id) });
    },
    updateServerMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ metadata: await d.servers.setMetadata(ctx, req.params.server_id, req.body.metadata, false) });
    },
    replaceServerMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ metadata: await d.servers.setMetadata(ctx, req.params.server_id, req.body.metadata, true) });
    },
    showServerMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      const meta = await d.servers.metadata(ctx, req.params.server_id);
      if (!(req.params.key in meta)) throw new NotFoundError('Metadata item was not found');
      res.json({ meta: { [req.params.key]: meta[req.params.key] } });
    },
    setServerMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      const item = metadataItem(req);
      await d.servers.setMetadata(ctx, req.params.server_id, item, false);
      res.json({ meta: item });
    },
    deleteServerMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      await d.servers.deleteMetadata(ctx, req.params.server_id, req.params.key);
      res.status(204).end();
    },

    listServerTags: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      res.json({ tags: await d.servers.tags(ctx, req.params.server_id) });
    },
    replaceServerTags: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      res.json({ tags: await d.servers.setTags(ctx, req.params.server_id, req.body.tags) });
    },
    deleteServerTags: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      await d.servers.setTags(ctx, req.params.server_id, []);
      res.status(204).end();
    },
    checkServerTag: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      if (!(await d.servers.tags(ctx, req.params.server_id)).includes(req.params.tag)) throw new NotFoundError(`Tag ${req.params.tag} could not be found.`);
      res.status(204).end();
    },
    addServerTag: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      const added = await d.servers.addTag(ctx, req.params.server_id, req.params.tag);
      res.setHeader('Location', `${v.links(req.params.server_id)[0].href}/tags/${encodeURIComponent(req.params.tag)}`);
      res.status(added ? 201 : 204).end();
    },
    deleteServerTag: async (req, res) => {
      const ctx = computeContext(req, res);
      requireTags(ctx);
      await d.servers.deleteTag(ctx, req.params.server_id, req.params.tag);
      res.status(204).end();
    },

    listServerIps: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ addresses: ipsOf(v, await d.servers.getDetailed(ctx, req.params.server_id)) });
    },
    showServerIpsByNetwork: async (req, res) => {
      const ctx = computeContext(req, res);
      const all = ipsOf(v, await d.servers.getDetailed(ctx, req.params.server_id));
      if (!(req.params.network_label in all)) throw new NotFoundError('Instance is not a member of specified network');
      res.json({ [req.params.network_label]: all[req.params.network_label] });
    },

    // The password a guest posts to the metadata service, encrypted with its key (Nova's
    // os-server-password). virtstack has no metadata service yet, so no guest has posted one.
    showServerPassword: async (req, res) => {
      const ctx = computeContext(req, res);
      await d.servers.get(ctx, req.params.server_id);
      res.json({ password: '' });
    },
    clearServerPassword: async (req, res) => {
      const ctx = computeContext(req, res);
      await d.servers.get(ctx, req.params.server_id);
      res.status(204).end();
    },
    listInstanceActions: async (req, res) => {
      const ctx = computeContext(req, res);
      const server = await d.servers.get(ctx, req.params.server_id, { includeDeleted: ctx.version.atLeast('2.21') });
      const rows = await d.instanceActions.list(server.id);
      res.json({ instanceActions: rows.map((a) => actionView(a)) });
    },
    showInstanceAction: async (req, res) => {
      const ctx = computeContext(req, res);
      const server = await d.servers.get(ctx, req.params.server_id, { includeDeleted: ctx.version.atLeast('2.21') });
      const action = await d.instanceActions.get(server.id, req.params.request_id);
      if (!action) throw new NotFoundError(`Action ${req.params.request_id} not found`);
      const events = await d.instanceActions.events(action.id);
      res.json({
        instanceAction: {
          ...actionView(action),
          events: events.map((e) => {
            const ev: Record<string, unknown> = { event: e.event, start_time: isoMicrosNoZone(e.start_time), finish_time: isoMicrosNoZone(e.finish_time), result: e.result };
            // Nova shows tracebacks to admins only.
            if (ctx.isAdmin) ev.traceback = e.traceback;
            return ev;
          }),
        },
      });
    },
  };
}

function requireTags(ctx: ComputeContext): void {
  if (ctx.version.before('2.26')) throw new NotFoundError('The resource could not be found.');
}

function ipsOf(v: ServerViews, server: ServerWithDetails) {
  // /ips shows version and addr only (nova/api/openstack/compute/views/addresses.py).
  const out: Record<string, Array<{ version: number; addr: string }>> = {};
  for (const [net, list] of Object.entries(v.addresses(server))) out[net] = list.map((a) => ({ version: a.version as number, addr: a.addr as string }));
  return out;
}

function actionView(a: { action: string; server_id: string; request_id: string; user_id: string; project_id: string; start_time: Date; message: string | null }) {
  return {
    action: a.action,
    instance_uuid: a.server_id,
    request_id: a.request_id,
    user_id: a.user_id,
    project_id: a.project_id,
    start_time: isoMicrosNoZone(a.start_time),
    message: a.message,
  };
}

