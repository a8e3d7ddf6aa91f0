// Nova's operator and misc APIs, keyed by the operationIds of api-specs/compute-v2.1.yaml:
// availability zones, hypervisors, services, os-hosts, aggregates, server groups, quota sets and
// classes, simple tenant usage, extensions, server external events, and the image proxy. Handlers
// stay thin: policy and behaviour in the services, JSON and microversion gates in the views; routes
// that Nova removes at a microversion answer 404 from it on, as Nova's api_version ranges do.
import type { Database } from '../db/database.js';
import { BadRequestError, ForbiddenError, NotFoundError, NotImplementedError } from '../http/errors.js';
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { aggregateView } from './aggregate-views.js';
import { AggregateService } from './aggregate-service.js';
import type { AvailabilityZones } from './availability-zones.js';
import { computeContext, parseNonNegativeInt, requireAdmin, type ComputeContext } from './compute-context.js';
import { NOVA_V21_EXTENSIONS } from './extension-list.js';
import type { HostManager } from './host-manager.js';
import { HypervisorService } from './hypervisor-service.js';
import { HypervisorViews } from './hypervisor-views.js';
import type { ImageGateway } from './image-gateway.js';
import { ImageProxyViews } from './image-proxy-views.js';
import type { QuotaService } from './quota-service.js';
import { QuotaSetService } from './quota-set-service.js';
import { quotaClassSetView, quotaSetView } from './quota-set-views.js';
import type { AggregateRepository } from './repositories/aggregate-repository.js';
import { ComputeServiceRepository } from './repositories/compute-service-repository.js';
import type { HostRepository } from './repositories/host-repository.js';
import { HypervisorRepository } from './repositories/hypervisor-repository.js';
import { QuotaRepository } from './repositories/quota-repository.js';
import { QuotaScopeRepository } from './repositories/quota-scope-repository.js';
import type { ServerGroupRepository } from './repositories/server-group-repository.js';
import type { ServerRepository } from './repositories/server-repository.js';
import { ExternalEventService, type ExternalEvent } from './external-event-service.js';
import { UsageRepository } from './repositories/usage-repository.js';
import { ServerGroupService } from './server-group-service.js';
import { serverGroupView } from './server-group-views.js';
import { ServiceDirectory } from './service-directory.js';
import { availabilityZonesView, hostListView, hostShowView, serviceView } from './service-views.js';
import { UsageService } from './usage-service.js';
import { UsageViews } from './usage-views.js';

export interface AdminHandlerDeps {
  db: Database;
  hosts: HostManager;
  hostRepo: HostRepository;
  aggregates: AggregateRepository;
  zones: AvailabilityZones;
  groups: ServerGroupRepository;
  quotas: QuotaService;
  servers: ServerRepository;
  /** Glance, for the image proxy (GET/DELETE /v2.1/images…, image metadata) before 2.36. */
  images: ImageGateway;
  /** Public URL of the compute API without version. */
  base: string;
}

/** Nova's VersionNotFoundForAPIMethod: a route removed at microversion `gone` is a 404 from it on. */
function goneFrom(ctx: ComputeContext, gone: string): void {
  if (ctx.version.atLeast(gone)) throw new NotFoundError(`API version ${ctx.version} is not supported on this method.`);
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

/** Nova's strutils.bool_from_string(strict=False) for forced_down. */
function bool(v: unknown): boolean {
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(String(v).toLowerCase());
}

const IMAGE_FILTERS: Record<string, string> = { name: 'name', status: 'status', server: 'instance_uuid', type: 'image_type', minRam: 'min_ram', minDisk: 'min_disk' };

export function createAdminHandlers(d: AdminHandlerDeps): Record<string, Handler<AuthContext>> {
  // The admin APIs' own repositories, over the same database as the rest of Nova.
  const services = new ServiceDirectory(d.hosts, d.hostRepo, new ComputeServiceRepository(d.db), d.zones);
  const hypervisors = new HypervisorService(d.hostRepo, new HypervisorRepository(d.db), d.servers, services);
  const aggregates = new AggregateService(d.aggregates, d.servers, services);
  const groups = new ServerGroupService(d.groups, d.quotas);
  const quotaSets = new QuotaSetService(d.quotas, new QuotaRepository(d.db), new QuotaScopeRepository(d.db));
  const usage = new UsageService(new UsageRepository(d.db));
  const externalEvents = new ExternalEventService(d.servers);
  const hvViews = new HypervisorViews(d.base);
  const usageViews = new UsageViews(d.base);
  const imageViews = new ImageProxyViews(d.base, d.hosts.imageBaseUrl);
  const hv = (rule: string, ctx: ComputeContext) => requireAdmin(ctx, `os_compute_api:os-hypervisors:${rule}`);
  const hostRule = (rule: string, ctx: ComputeContext) => requireAdmin(ctx, `os_compute_api:os-hosts:${rule}`);
  const agg = (rule: string, ctx: ComputeContext) => requireAdmin(ctx, `os_compute_api:os-aggregates:${rule}`);

  /** os-hosts: the nova-compute service of `host`, 404 otherwise (HostAPI._assert_host_exists). */
  const computeHost = async (host: string) => {
    const s = await services.computeOf(host);
    if (!s?.hostRow) throw new NotFoundError(`Compute host ${host} could not be found.`);
    return s.hostRow;
  };
  const glance = (): ImageGateway => d.images;
  const image = async (ctx: ComputeContext, id: string) => {
    const found = await glance().get(ctx.auth, id);
    if (!found) throw new NotFoundError('Image not found.');
    return found;
  };

  return {
    // --- os-availability-zone
    listAvailabilityZones: async (req, res) => {
      computeContext(req, res);
      res.json(availabilityZonesView(await services.list(), false));
    },
    listAvailabilityZonesDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-availability-zone:detail');
      res.json(availabilityZonesView(await services.list(), true));
    },

    // --- os-hypervisors
    listHypervisors: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('list', ctx);
      const page = hypervisorPage(ctx, req.query);
      const rows = await hypervisors.list(page);
      res.json(hvViews.collection(rows.map((h) => hvViews.summary(h)), rows, ctx.version, page.limit, 'os-hypervisors'));
    },
    listHypervisorsDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('list-detail', ctx);
      const page = hypervisorPage(ctx, req.query);
      const rows = await hypervisors.list(page);
      res.json(hvViews.collection(rows.map((h) => hvViews.detail(h, ctx.version)), rows, ctx.version, page.limit, 'os-hypervisors/detail'));
    },
    showHypervisorStatistics: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('statistics', ctx);
      res.json(hvViews.statistics(await hypervisors.statistics()));
    },
    showHypervisor: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('show', ctx);
      res.json({ hypervisor: hvViews.detail(await hypervisors.get(req.params.hypervisor_id), ctx.version) });
    },
    showHypervisorUptime: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('uptime', ctx);
      const h = await hypervisors.get(req.params.hypervisor_id);
      res.json({ hypervisor: hvViews.uptime(h, await hypervisors.uptime(h)) });
    },
    searchHypervisors: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('search', ctx);
      res.json({ hypervisors: (await hypervisors.search(req.params.hypervisor_id)).map((h) => hvViews.summary(h)) });
    },
    listHypervisorServers: async (req, res) => {
      const ctx = computeContext(req, res);
      hv('servers', ctx);
      const found = await hypervisors.search(req.params.hypervisor_id);
      res.json({ hypervisors: await Promise.all(found.map(async (h) => hvViews.withServers(h, await hypervisors.serversOn(h)))) });
    },

    // --- os-server-external-events (sent by Neutron and Cinder to Nova; admin only)
    createServerExternalEvents: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-server-external-events:create');
      const result = await externalEvents.create((req.body as { events: ExternalEvent[] }).events);
      for (const e of result.events) req.ctx.log.info({ server_id: e.server_uuid, event: e.name, tag: e.tag, code: e.code }, 'external event');
      res.status(result.code).json({ events: result.events });
    },

    // --- os-services (before 2.53: PUT /os-services/{action} with host and binary in the body)
    listServices: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-services:list');
      const list = await services.list({ host: one(req.query.host), binary: one(req.query.binary) });
      res.json({ services: list.map((s) => serviceView(s, ctx.version)) });
    },
    updateService: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-services:update');
      const action = req.params.service_id;
      const body = req.body as { host: string; binary: string; disabled_reason?: string; forced_down?: unknown };
      if ('forced_down' in body && ctx.version.before('2.11')) {
        throw new BadRequestError("Invalid input for field/attribute. Additional properties are not allowed ('forced_down' was unexpected)");
      }
      const service: Record<string, unknown> = { host: body.host, binary: body.binary };
      if (action === 'enable') {
        await services.update(body.host, body.binary, { disabled: false, disabledReason: null });
        service.status = 'enabled';
      } else if (action === 'disable' || action === 'disable-log-reason') {
        let reason: string | null = null;
        if (action === 'disable-log-reason') {
          if (body.disabled_reason === undefined) throw new BadRequestError('Missing disabled reason field');
          reason = body.disabled_reason;
        }
        await services.update(body.host, body.binary, { disabled: true, disabledReason: reason });
        service.status = 'disabled';
        if (reason) service.disabled_reason = reason;
      } else if (action === 'force-down' && ctx.version.atLeast('2.11')) {
        if (body.forced_down === undefined) throw new BadRequestError('Missing forced_down field');
        const forcedDown = bool(body.forced_down);
        await services.update(body.host, body.binary, { forcedDown });
        service.forced_down = forcedDown;
      } else {
        throw new NotFoundError('Unknown action');
      }
      res.json({ service });
    },
    deleteService: async (req, res) => {
      const ctx = computeContext(req, res);
      requireAdmin(ctx, 'os_compute_api:os-services:delete');
      await services.delete(req.params.service_id);
      res.status(204).end();
    },

    // --- os-hosts (gone at 2.43)
    listHosts: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.43');
      hostRule('list', ctx);
      res.json(hostListView(await services.list(), one(req.query.zone)));
    },
    showHost: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.43');
      hostRule('show', ctx);
      const row = await computeHost(req.params.host_name);
      const servers = (await d.servers.onHost(row.name)).map((s) => ({ project_id: s.project_id, vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk + s.flavor.ephemeral }));
      res.json(hostShowView(row.name, { cpu: row.vcpus, memory_mb: Number(row.memory_mb), disk_gb: Number(row.local_gb) }, servers));
    },
    // Nova asks the host's virt driver; the libvirt driver implements neither enabling nor
    // maintenance through os-hosts (os-services does that), so a known host answers 501 as there.
    updateHost: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.43');
      hostRule('update', ctx);
      await computeHost(req.params.host_name);
      throw new NotImplementedError('The requested functionality is not supported.');
    },
    startupHost: async (req, res) => hostPowerAction(req, res, 'start'),
    shutdownHost: async (req, res) => hostPowerAction(req, res, 'shutdown'),
    rebootHost: async (req, res) => hostPowerAction(req, res, 'reboot'),

    // --- os-aggregates (200 everywhere, as Nova keeps for compatibility)
    listAggregates: async (req, res) => {
      const ctx = computeContext(req, res);
      agg('index', ctx);
      res.json({ aggregates: (await aggregates.list()).map((a) => aggregateView(a, ctx.version)) });
    },
    createAggregate: async (req, res) => {
      const ctx = computeContext(req, res);
      agg('create', ctx);
      const a = req.body.aggregate as { name: string; availability_zone?: string | null };
      res.json({ aggregate: aggregateView(await aggregates.create(a.name, a.availability_zone), ctx.version, { created: true }) });
    },
    showAggregate: async (req, res) => {
      const ctx = computeContext(req, res);
      agg('show', ctx);
      res.json({ aggregate: aggregateView(await aggregates.get(req.params.aggregate_id), ctx.version) });
    },
    updateAggregate: async (req, res) => {
      const ctx = computeContext(req, res);
      agg('update', ctx);
      res.json({ aggregate: aggregateView(await aggregates.update(req.params.aggregate_id, req.body.aggregate), ctx.version) });
    },
    deleteAggregate: async (req, res) => {
      const ctx = computeContext(req, res);
      agg('delete', ctx);
      await aggregates.delete(req.params.aggregate_id);
      res.status(200).end();
    },
    aggregateAction: async (req, res) => {
      const ctx = computeContext(req, res);
      const id = req.params.aggregate_id;
      const body = req.body as { add_host?: { host: string }; remove_host?: { host: string }; set_metadata?: { metadata: Record<string, string | null> } };
      let result;
      if (body.add_host) {
        agg('add_host', ctx);
        result = await aggregates.addHost(id, body.add_host.host);
      } else if (body.remove_host) {
        agg('remove_host', ctx);
        result = await aggregates.removeHost(id, body.remove_host.host);
      } else if (body.set_metadata) {
        agg('set_metadata', ctx);
        result = await aggregates.setMetadata(id, body.set_metadata.metadata);
      } else {
        throw new BadRequestError(`There is no such action: ${Object.keys(body)[0]}`);
      }
      res.json({ aggregate: aggregateView(result, ctx.version) });
    },

    // --- os-server-groups
    listServerGroups: async (req, res) => {
      const ctx = computeContext(req, res);
      const list = await groups.list(ctx, req.query);
      res.json({ server_groups: list.map((g) => serverGroupView(g, ctx.version)) });
    },
    createServerGroup: async (req, res) => {
      const ctx = computeContext(req, res);
      const body = req.body.server_group as { name: string; policies: string[] };
      // Soft policies arrive with 2.15 (schemas/server_groups.py create_v215).
      if (ctx.version.before('2.15') && body.policies.some((p) => p.startsWith('soft-'))) {
        throw new BadRequestError(`Invalid input for field/attribute 0. Value: ${body.policies[0]}. '${body.policies[0]}' is not one of ['anti-affinity', 'affinity']`);
      }
      res.json({ server_group: serverGroupView(await groups.create(ctx, body), ctx.version) });
    },
    showServerGroup: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ server_group: serverGroupView(await groups.get(ctx, req.params.group_id), ctx.version) });
    },
    deleteServerGroup: async (req, res) => {
      const ctx = computeContext(req, res);
      await groups.delete(ctx, req.params.group_id);
      res.status(204).end();
    },

    // --- os-quota-sets, os-quota-class-sets
    showQuotaSet: async (req, res) => {
      const ctx = computeContext(req, res);
      const id = req.params.project_id;
      res.json(quotaSetView(await quotaSets.show(ctx, id, one(req.query.user_id)), ctx.version, id));
    },
    showQuotaSetDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      const id = req.params.project_id;
      res.json(quotaSetView(await quotaSets.detail(ctx, id, one(req.query.user_id)), ctx.version, id));
    },
    showQuotaSetDefaults: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json(quotaSetView(await quotaSets.defaults(), ctx.version, req.params.project_id));
    },
    updateQuotaSet: async (req, res) => {
      const ctx = computeContext(req, res);
      const values = await quotaSets.update(ctx, req.params.project_id, one(req.query.user_id), req.body.quota_set);
      res.json(quotaSetView(values, ctx.version));
    },
    deleteQuotaSet: async (req, res) => {
      const ctx = computeContext(req, res);
      await quotaSets.delete(ctx, req.params.project_id, one(req.query.user_id));
      res.status(202).end();
    },
    showQuotaClassSet: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json(quotaClassSetView(await quotaSets.showClass(ctx, req.params.class_name), ctx.version, req.params.class_name));
    },
    updateQuotaClassSet: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json(quotaClassSetView(await quotaSets.updateClass(ctx, req.params.class_name, req.body.quota_class_set), ctx.version));
    },

    // --- os-simple-tenant-usage
    listTenantUsages: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json(usageViews.list(await usage.list(ctx, req.query, ctx.version.atLeast('2.40')), ctx.version));
    },
    showTenantUsage: async (req, res) => {
      const ctx = computeContext(req, res);
      const id = req.params.tenant_id;
      res.json(usageViews.show(id, await usage.show(ctx, id, req.query, ctx.version.atLeast('2.40')), ctx.version));
    },

    // --- extensions
    listExtensions: async (req, res) => {
      computeContext(req, res);
      res.json({ extensions: NOVA_V21_EXTENSIONS.map(extensionView) });
    },
    showExtension: async (req, res) => {
      computeContext(req, res);
      const ext = NOVA_V21_EXTENSIONS.find(([alias]) => alias === req.params.alias);
      if (!ext) throw new NotFoundError('The resource could not be found.');
      res.json({ extension: extensionView(ext) });
    },

    // --- image proxy (gone at 2.36) and image metadata (gone at 2.39)
    listImages: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.36');
      const { rows, limit } = await listImages(ctx, req.query);
      res.json(imageViews.collection(rows.map((i) => imageViews.basic(i)), rows, limit, 'images'));
    },
    listImagesDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.36');
      const { rows, limit } = await listImages(ctx, req.query);
      res.json(imageViews.collection(rows.map((i) => imageViews.detail(i)), rows, limit, 'images/detail'));
    },
    showImage: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.36');
      res.json({ image: imageViews.detail(await image(ctx, req.params.image_id)) });
    },
    deleteImage: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.36');
      try {
        await glance().delete(ctx.auth, req.params.image_id);
      } catch (err) {
        if (err instanceof NotFoundError) throw new NotFoundError('Image not found.');
        if (err instanceof ForbiddenError) throw new ForbiddenError('You are not allowed to delete the image.');
        throw err;
      }
      res.status(204).end();
    },
    deleteImageWithoutId: async (req, res) => {
      computeContext(req, res);
      throw new NotFoundError('The resource could not be found.');
    },
    listImageMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      res.json({ metadata: (await image(ctx, req.params.image_id)).properties });
    },
    showImageMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      const props = (await image(ctx, req.params.image_id)).properties;
      if (!(req.params.key in props)) throw new NotFoundError('The resource could not be found.');
      res.json({ meta: { [req.params.key]: props[req.params.key] } });
    },
    createImageMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      const current = await image(ctx, req.params.image_id);
      const props = { ...stringProps(current.properties), ...(req.body.metadata as Record<string, string>) };
      await checkImageMetadataQuota(ctx, props);
      res.json({ metadata: (await glance().replaceProperties(ctx.auth, current.id, props)).properties });
    },
    replaceImageMetadata: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      const current = await image(ctx, req.params.image_id);
      const props = req.body.metadata as Record<string, string>;
      await checkImageMetadataQuota(ctx, props);
      await glance().replaceProperties(ctx.auth, current.id, props);
      res.json({ metadata: props });
    },
    setImageMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      const meta = req.body.meta as Record<string, string>;
      if (!(req.params.key in meta)) throw new BadRequestError('Request body and URI mismatch');
      if (Object.keys(meta).length > 1) throw new BadRequestError('Request body contains too many items');
      const current = await image(ctx, req.params.image_id);
      const props = { ...stringProps(current.properties), [req.params.key]: meta[req.params.key] };
      await checkImageMetadataQuota(ctx, props);
      await glance().replaceProperties(ctx.auth, current.id, props);
      res.json({ meta });
    },
    deleteImageMetadataItem: async (req, res) => {
      const ctx = computeContext(req, res);
      goneFrom(ctx, '2.39');
      const current = await image(ctx, req.params.image_id);
      if (!(req.params.key in current.properties)) throw new NotFoundError('Invalid metadata key');
      const props = stringProps(current.properties);
      delete props[req.params.key];
      await glance().replaceProperties(ctx.auth, current.id, props);
      res.status(204).end();
    },
  };

  async function hostPowerAction(req: Parameters<Handler<AuthContext>>[0], res: Parameters<Handler<AuthContext>>[1], rule: string) {
    const ctx = computeContext(req, res);
    goneFrom(ctx, '2.43');
    hostRule(rule, ctx);
    await computeHost(req.params.host_name);
    // The libvirt driver cannot power its own host on or off (ComputeDriver.host_power_action).
    throw new NotImplementedError('The requested functionality is not supported.');
  }

  /** Nova's image list: its filters mapped to Glance's, with limit/marker. */
  async function listImages(ctx: ComputeContext, query: Record<string, unknown>) {
    const filters: Record<string, string> = {};
    for (const [param, raw] of Object.entries(query)) {
      const value = one(raw);
      if (value === undefined) continue;
      if (param in IMAGE_FILTERS) filters[IMAGE_FILTERS[param]] = value;
      else if (param.startsWith('property-')) filters[param.slice('property-'.length)] = value;
      else if (param === 'changes-since') filters.updated_at = `gte:${value}`;
    }
    // Nova accepts a server link as the server filter and keeps its last path segment.
    if (filters.instance_uuid?.includes('/')) filters.instance_uuid = filters.instance_uuid.slice(filters.instance_uuid.lastIndexOf('/') + 1);
    if (filters.status) filters.status = filters.status.toLowerCase();
    const limit = query.limit !== undefined ? parseNonNegativeInt(one(query.limit), 'limit') : undefined;
    const rows = await glance().list(ctx.auth, { filters, limit, marker: one(query.marker) });
    return { rows, limit };
  }

  /** Nova's check_img_metadata_properties_quota: the metadata_items quota bounds image properties. */
  async function checkImageMetadataQuota(ctx: ComputeContext, props: Record<string, string>) {
    const { metadata_items: limit } = await d.quotas.limits(ctx.projectId);
    if (limit >= 0 && Object.keys(props).length > limit) throw new ForbiddenError('Image metadata limit exceeded');
  }
}

function hypervisorPage(ctx: ComputeContext, q: Record<string, unknown>): { limit?: number; marker?: string } {
  // Pagination arrives with 2.33; before it the parameters are ignored (additionalProperties: true).
  if (ctx.version.before('2.33')) return {};
  return {
    limit: q.limit !== undefined ? parseNonNegativeInt(one(q.limit), 'limit') : undefined,
    marker: one(q.marker),
  };
}

function stringProps(props: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));
}

function extensionView([alias, name, description]: readonly [string, string, string]) {
  return { alias, description, links: [], name, namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z' };
}
