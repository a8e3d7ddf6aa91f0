// Servers: create, list, show, update, delete, metadata and tags (nova/compute/api.py in spirit).
// Long work (boot, delete) is queued as jobs; this service only records the intent in PostgreSQL,
// with compare-and-swap transitions on (vm_state, task_state).
import { randomBytes, randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import type { Database } from '../db/database.js';
import type { ComputeContext } from './compute-context.js';
import { parseNonNegativeInt } from './compute-context.js';
import type { FlavorService } from './flavor-service.js';
import type { ImageGateway } from './image-gateway.js';
import type { InstanceActionRepository } from './repositories/instance-action-repository.js';
import type { KeypairRepository } from './repositories/keypair-repository.js';
import type { NetworkRepository, NetworkRow } from './repositories/network-repository.js';
import type { ServerFilters, ServerRepository, ServerRow, ServerWithDetails } from './repositories/server-repository.js';
import { SERVER_SORT_COLUMNS } from './repositories/server-repository.js';
import type { QuotaService } from './quota-service.js';
import { statesOfStatus, TaskState, VALID_STATUSES, VmState } from './server-states.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { AvailabilityZones } from './availability-zones.js';
import type { ServerGroupRepository } from './repositories/server-group-repository.js';

export interface ServerServiceDeps {
  db: Database;
  servers: ServerRepository;
  flavors: FlavorService;
  keypairs: KeypairRepository;
  networks: NetworkRepository;
  actions: InstanceActionRepository;
  groups: ServerGroupRepository;
  images: ImageGateway;
  quotas: QuotaService;
  zones: AvailabilityZones;
  tasks: TaskQueue;
  /** Wakes the local worker after a job is queued. */
  kick: () => void;
  forceConfigDrive: boolean;
  defaultNetwork: () => NetworkRow | undefined;
  /** Addresses with a live DHCP lease on a libvirt network (not to be handed out yet). */
  leasedAddresses: (libvirtNetwork: string) => Promise<Set<string>>;
}

export interface CreatedServers {
  servers: ServerRow[];
  adminPass: string;
  reservationId: string;
}

/** Nova's hostname sanitising (nova/utils.py sanitize_hostname). */
export function sanitizeHostname(name: string): string {
  let h = name.toLowerCase().replace(/[ _]/g, '-').replace(/[^\w.-]+/g, '');
  h = h.replace(/^[.-]+|[.-]+$/g, '').slice(0, 63).replace(/[.-]+$/g, '');
  return h || 'server';
}

function newMac(): string {
  // fa:16:3e is the prefix OpenStack uses for the MACs it makes.
  const b = randomBytes(3);
  return `fa:16:3e:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The addresses a guest may get on a network: the cidr without network, gateway and broadcast. */
export function hostAddresses(cidr: string, gateway: string): { first: number; last: number; gateway: number } {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base);
  return { first: start + 2, last: start + size - 2, gateway: ipToInt(gateway) };
}

function base64Valid(s: string): boolean {
  const clean = s.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(clean) && clean.length % 4 === 0;
}

/** Nova validates access IPs and keeps IPv6 in its compressed form (netaddr). */
export function accessIp(value: unknown, version: 4 | 6): string | null {
  const s = String(value ?? '').trim();
  if (s === '') return null;
  if (version === 4) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.split('.').some((o) => Number(o) > 255)) throw new BadRequestError(`Invalid input for field/attribute accessIPv4. Value: ${s}. '${s}' is not a 'ipv4'`);
    return s;
  }
  try {
    // The WHATWG URL parser canonicalises IPv6 (RFC 5952), as netaddr does for Nova.
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    throw new BadRequestError(`Invalid input for field/attribute accessIPv6. Value: ${s}. '${s}' is not a 'ipv6'`);
  }
}

function truthy(v: unknown): boolean {
  return v === true || ['true', 't', '1', 'yes', 'y', 'on'].includes(String(v).toLowerCase());
}

export class ServerService {
  constructor(private readonly d: ServerServiceDeps) {}

  /** A server the caller may see (its project's, or any for an admin): 404 otherwise, as Nova. */
  async get(ctx: ComputeContext, id: string, opts: { includeDeleted?: boolean } = {}): Promise<ServerRow> {
    const server = await this.d.servers.get(id, opts);
    if (!server || (!ctx.isAdmin && server.project_id !== ctx.projectId)) throw new NotFoundError(`Instance ${id} could not be found.`);
    return server;
  }

  async getDetailed(ctx: ComputeContext, id: string): Promise<ServerWithDetails> {
    const [server] = await this.d.servers.details([await this.get(ctx, id)]);
    return server;
  }

  async create(ctx: ComputeContext, body: Record<string, any>, hints: Record<string, unknown>): Promise<CreatedServers> {
    if (!ctx.projectId) throw new ForbiddenError('A project-scoped token is required to create servers.');
    const name = String(body.name);
    if (!name.trim()) throw new BadRequestError("Invalid input for field/attribute name. Value: . '' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'");
    if (body.block_device_mapping_v2?.length) throw new BadRequestError('Block device mappings need the block storage service, which virtstack does not serve.');
    if (body.personality?.length) throw new BadRequestError('Personality files are not supported (removed in microversion 2.57); use user_data or a config drive.');
    if (!body.imageRef) throw new BadRequestError('Missing imageRef attribute');

    let flavor;
    try {
      flavor = await this.d.flavors.get(ctx, String(body.flavorRef));
    } catch (err) {
      if (err instanceof NotFoundError) throw new BadRequestError(`Flavor ${body.flavorRef} could not be found.`);
      throw err;
    }
    if (flavor.disabled) throw new BadRequestError(`Flavor ${flavor.id} is disabled.`);
    const imageId = String(body.imageRef).replace(/^.*\//, '');
    const image = await this.d.images.get(ctx.auth, imageId);
    if (!image) throw new BadRequestError(`Image ${imageId} could not be found.`);
    if (image.status !== 'active') throw new BadRequestError(`Image ${imageId} is not active.`);
    if (image.diskFormat && !['qcow2', 'raw'].includes(image.diskFormat)) {
      throw new BadRequestError(`Image ${imageId} has disk format ${image.diskFormat}; virtstack boots qcow2 and raw images.`);
    }
    if (flavor.ram < image.minRam) throw new BadRequestError("Flavor's memory is too small for requested image.");
    const imageGiB = Math.ceil((image.virtualSize ?? image.size ?? 0) / 2 ** 30);
    if (flavor.disk !== 0 && (flavor.disk < image.minDisk || flavor.disk < imageGiB)) throw new BadRequestError("Flavor's disk is too small for requested image.");

    let keyData: string | null = null;
    if (body.key_name !== undefined) {
      const kp = await this.d.keypairs.get(ctx.auth.userId, body.key_name);
      if (!kp) throw new BadRequestError('Invalid key_name provided.');
      keyData = kp.public_key;
    }
    let userData: string | null = null;
    if (body.user_data !== undefined && body.user_data !== null) {
      if (!base64Valid(body.user_data)) throw new BadRequestError('User data needs to be valid base 64.');
      if (Buffer.from(body.user_data, 'base64').length > 65535) throw new BadRequestError('User data too large. User data must be no larger than 65535 bytes once base64 encoded.');
      userData = body.user_data;
    }
    const metadata: Record<string, string> = body.metadata ?? {};
    await this.d.quotas.checkMetadata(ctx.projectId, Object.keys(metadata).length);

    const networks = await this.resolveNetworks(ctx, body.networks);
    let zone: string | null = null;
    if (body.availability_zone) {
      zone = String(body.availability_zone).split(':')[0];
      if (!(await this.d.zones.exists(zone))) throw new BadRequestError(`The requested availability zone is not available`);
    }
    let groupId: string | null = null;
    if (hints.group !== undefined) {
      const group = await this.d.groups.get(String(hints.group));
      if (!group) throw new BadRequestError(`Invalid server group ${hints.group}.`);
      if (!ctx.isAdmin && group.project_id !== ctx.projectId && ctx.version.atLeast('2.7')) throw new BadRequestError(`Invalid server group ${hints.group}.`);
      groupId = group.id;
    }

    const minCount = body.min_count === undefined ? 1 : parseNonNegativeInt(body.min_count, 'min_count', { min: 1 });
    const maxCount = body.max_count === undefined ? minCount : parseNonNegativeInt(body.max_count, 'max_count', { min: 1 });
    if (minCount > maxCount) throw new BadRequestError("min_count must be <= max_count");
    for (const n of networks) {
      if (n.fixedIp && maxCount > 1) throw new BadRequestError('Unable to launch multiple instances with a single configured fixed IP address.');
    }

    const reservationId = `r-${randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 8)}`;
    // Nova keeps an adminPass the caller chose, and makes one otherwise.
    const adminPass = typeof body.adminPass === 'string' && body.adminPass ? body.adminPass : randomBytes(9).toString('base64url');
    for (const sg of (body.security_groups ?? []) as Array<{ name?: string }>) {
      // Security groups need the network service; only the implicit "default" group exists here.
      if (sg?.name !== 'default') throw new BadRequestError(`Unable to find security_group with name or id '${sg?.name}'`);
    }
    const configDrive = this.d.forceConfigDrive || truthy(body.config_drive);

    const limits = await this.d.quotas.limits(ctx.projectId);
    // Read before the transaction (it asks the hosts): addresses still leased to a gone guest's MAC.
    const leased = new Map<string, Set<string>>();
    for (const n of networks) {
      if (n.network.mode === 'nat' && !leased.has(n.network.id)) leased.set(n.network.id, await this.d.leasedAddresses(n.network.libvirt_name));
    }
    const created = await this.d.db.transaction(async (trx) => {
      // Serialise quota checks per project, so two concurrent creates cannot both pass.
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`quota:${ctx.projectId}`]);
      const count = await this.d.quotas.reserveInstances(ctx.projectId, limits, flavor, minCount, maxCount, trx);
      const rows: ServerRow[] = [];
      for (let i = 0; i < count; i++) {
        const serverName = count > 1 ? `${name}-${i + 1}` : name;
        const server = await this.d.servers.insert({
          id: randomUUID(),
          name: serverName,
          project_id: ctx.projectId,
          user_id: ctx.auth.userId,
          image_ref: image.id,
          flavor_id: flavor.id,
          flavor,
          vm_state: VmState.BUILDING,
          task_state: TaskState.SCHEDULING,
          power_state: 0,
          host: null,
          availability_zone: zone,
          key_name: body.key_name ?? null,
          key_data: keyData,
          user_data: userData,
          config_drive: configDrive,
          access_ip_v4: accessIp(body.accessIPv4, 4),
          access_ip_v6: accessIp(body.accessIPv6, 6),
          description: body.description ?? null,
          hostname: sanitizeHostname(serverName),
          locked: false,
          locked_by: null,
          locked_reason: null,
          reservation_id: reservationId,
          launch_index: i,
          server_group_id: groupId,
          progress: 0,
          fault: null,
          requested_networks: body.networks ?? 'auto',
          launched_at: null,
          terminated_at: null,
        }, trx);
        if (Object.keys(metadata).length) await this.d.servers.setMetadata(server.id, metadata, false, trx);
        // Addresses are allocated now, so a server has its address from its first GET (openstacksdk
        // deletes an ACTIVE server without addresses) and the DHCP reservation can be made before boot.
        for (const n of networks) {
          await this.d.networks.lockForAllocation(n.network.id, trx);
          const address = n.fixedIp ?? (await this.freeAddress(n.network, trx, leased.get(n.network.id)));
          await this.d.networks.allocate({ network_id: n.network.id, address, mac: newMac(), server_id: server.id }, trx).catch((err) => {
            if ((err as { code?: string }).code === '23505') throw new ConflictError(`Fixed IP address ${address} is already in use on network ${n.network.id}.`);
            throw err;
          });
        }
        if (body.tags?.length) {
          for (const tag of new Set<string>(body.tags)) await trx('server_tags').insert({ server_id: server.id, tag });
        }
        await trx('instance_actions').insert({ server_id: server.id, action: 'create', request_id: ctx.requestId, project_id: ctx.projectId, user_id: ctx.auth.userId });
        await this.d.tasks.enqueue({ kind: 'build-server', serverId: server.id, requestId: ctx.requestId }, trx);
        rows.push(server);
      }
      return rows;
    });
    this.d.kick();
    return { servers: created, adminPass, reservationId };
  }

  private async resolveNetworks(ctx: ComputeContext, requested: unknown): Promise<Array<{ network: NetworkRow; fixedIp?: string }>> {
    if (requested === undefined && ctx.version.atLeast('2.37')) throw new BadRequestError("Invalid input for field/attribute server. Value: 'networks' is a required property");
    if (requested === 'none' || (Array.isArray(requested) && requested.length === 0)) return [];
    if (requested === undefined || requested === 'auto') {
      const def = this.d.defaultNetwork();
      return def ? [{ network: def }] : [];
    }
    const out: Array<{ network: NetworkRow; fixedIp?: string }> = [];
    for (const r of requested as Array<{ uuid?: string; fixed_ip?: string; port?: string | null }>) {
      if (r.port) throw new BadRequestError('Ports need the network service, which virtstack does not serve; request a network by uuid.');
      if (!r.uuid) throw new BadRequestError('Bad networks format: network uuid is not in proper format');
      const network = await this.d.networks.get(r.uuid);
      if (!network) throw new BadRequestError(`Network ${r.uuid} could not be found.`);
      if (r.fixed_ip !== undefined) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(r.fixed_ip)) throw new BadRequestError(`Invalid fixed IP address (${r.fixed_ip})`);
        const range = hostAddresses(network.cidr, network.gateway);
        const ip = ipToInt(r.fixed_ip);
        if (ip < range.first || ip > range.last || ip === range.gateway) throw new BadRequestError(`Fixed IP address ${r.fixed_ip} is not in network ${network.id}.`);
      }
      out.push({ network, fixedIp: r.fixed_ip });
    }
    return out;
  }

  private async freeAddress(network: NetworkRow, trx: Parameters<Parameters<Database['transaction']>[0]>[0], leased = new Set<string>()): Promise<string> {
    const used = await this.d.networks.usedAddresses(network.id, trx);
    for (const ip of leased) used.add(ip);
    const { first, last, gateway } = hostAddresses(network.cidr, network.gateway);
    for (let n = first; n <= last; n++) {
      if (n === gateway) continue;
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
    throw new ConflictError(`No more IP addresses available on network ${network.id}.`);
  }

  async list(ctx: ComputeContext, query: Record<string, string | string[] | undefined>): Promise<{ rows: ServerRow[]; limit?: number }> {
    const q = (k: string) => {
      const v = query[k];
      return Array.isArray(v) ? v[v.length - 1] : v;
    };
    const allTenants = q('all_tenants') !== undefined && truthy(q('all_tenants') === '' ? 'true' : q('all_tenants'));
    const f: ServerFilters = { sortKeys: [] };
    if (!(allTenants && ctx.isAdmin)) f.projectId = ctx.projectId;
    const tenant = q('project_id') ?? q('tenant_id');
    if (ctx.isAdmin && allTenants && tenant) f.projectId = tenant;
    const regexOf = (v: string) => {
      try {
        new RegExp(v);
        return v;
      } catch {
        throw new BadRequestError(`Invalid regular expression: ${v}`);
      }
    };
    if (q('name') !== undefined) f.nameRegex = regexOf(q('name')!);
    if (q('ip') !== undefined) f.ipRegex = regexOf(q('ip')!.replace(/\./g, '\\.'));
    if (q('image') !== undefined) f.imageRef = q('image')!.replace(/^.*\//, '');
    if (q('flavor') !== undefined) f.flavorId = q('flavor')!.replace(/^.*\//, '');
    if (q('reservation_id') !== undefined) f.reservationId = q('reservation_id');
    if (ctx.isAdmin && q('host') !== undefined) f.host = q('host');
    if (ctx.isAdmin && q('user_id') !== undefined) f.userId = q('user_id');
    if (q('availability_zone') !== undefined) f.availabilityZone = q('availability_zone');
    if (q('locked') !== undefined) f.locked = truthy(q('locked'));
    if (q('status') !== undefined) {
      const status = q('status')!.toUpperCase();
      const states = statesOfStatus(status);
      if (!states) {
        // Nova: from 2.38 an unknown status is a 400; before, it simply matches nothing.
        if (ctx.version.atLeast('2.38') && !VALID_STATUSES.includes(status)) throw new BadRequestError(`Invalid status value`);
        return { rows: [] };
      }
      f.vmStates = states.vmStates;
      if (states.taskStates) f.taskStates = states.taskStates;
      if (status === 'DELETED') f.onlyDeleted = true;
    }
    for (const [key, field] of [['changes-since', 'changesSince'], ['changes-before', 'changesBefore']] as const) {
      const v = q(key);
      if (v === undefined) continue;
      const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([zZ]|[+-]\d{2}:?\d{2})?$/.test(v);
      const d = new Date(v.length > 10 && !/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
      if (!iso || Number.isNaN(d.getTime())) throw new BadRequestError(`Invalid input for query parameters ${key}. Value: ${v}. '${v}' is not a 'date-time'`);
      f[field] = d;
      // Nova lists deleted servers too when asked what changed since a time.
      f.includeDeleted = true;
    }
    if (f.changesSince && f.changesBefore && f.changesSince > f.changesBefore) {
      throw new BadRequestError('The value of changes-since must be less than or equal to changes-before.');
    }
    if (q('deleted') !== undefined && ctx.isAdmin && truthy(q('deleted'))) f.onlyDeleted = true;
    if (q('tags') !== undefined) f.tagsAll = q('tags')!.split(',');
    if (q('tags-any') !== undefined) f.tagsAny = q('tags-any')!.split(',');
    if (q('not-tags') !== undefined) f.notTagsAll = q('not-tags')!.split(',');
    if (q('not-tags-any') !== undefined) f.notTagsAny = q('not-tags-any')!.split(',');

    const keys = ([] as string[]).concat(query.sort_key ?? []);
    const dirs = ([] as string[]).concat(query.sort_dir ?? []);
    for (const [i, key] of keys.entries()) {
      const column = SERVER_SORT_COLUMNS[key];
      if (!column) throw new BadRequestError(`Invalid input for query parameters sort_key. Value: ${key}.`);
      const dir = (dirs[i] ?? dirs[0] ?? 'desc').toLowerCase();
      if (dir !== 'asc' && dir !== 'desc') throw new BadRequestError(`Invalid input for query parameters sort_dir. Value: ${dir}.`);
      f.sortKeys.push({ column, order: dir });
    }
    if (f.sortKeys.length === 0) f.sortKeys.push({ column: 'created_at', order: 'desc' });
    let limit: number | undefined;
    if (q('limit') !== undefined) {
      limit = parseNonNegativeInt(q('limit'), 'limit');
    }
    if (q('marker') !== undefined) {
      const marker = await this.d.servers.get(q('marker')!, { includeDeleted: true });
      if (!marker) throw new BadRequestError(`marker [${q('marker')}] not found`);
      f.marker = marker;
    }
    f.limit = limit;
    return { rows: await this.d.servers.list(f), limit };
  }

  async details(rows: ServerRow[]): Promise<ServerWithDetails[]> {
    return this.d.servers.details(rows);
  }

  async update(ctx: ComputeContext, id: string, body: Record<string, unknown>): Promise<ServerWithDetails> {
    const server = await this.get(ctx, id);
    const set: Partial<ServerRow> = {};
    if (body.name !== undefined) {
      if (!String(body.name).trim()) throw new BadRequestError('Invalid input for field/attribute name.');
      set.name = String(body.name);
    }
    if (body.description !== undefined) {
      if (ctx.version.before('2.19')) throw new BadRequestError("Invalid input for field/attribute server. Additional properties are not allowed ('description' was unexpected)");
      set.description = body.description as string | null;
    }
    if (body.accessIPv4 !== undefined) set.access_ip_v4 = accessIp(body.accessIPv4, 4);
    if (body.accessIPv6 !== undefined) set.access_ip_v6 = accessIp(body.accessIPv6, 6);
    await this.d.servers.update(server.id, set);
    return this.getDetailed(ctx, id);
  }

  /** Refuses an action on a locked server for anyone but an admin (Nova's check_instance_lock). */
  checkLock(ctx: ComputeContext, server: ServerRow): void {
    if (server.locked && !ctx.isAdmin) throw new ConflictError(`Instance ${server.id} is locked`);
  }

  async delete(ctx: ComputeContext, id: string): Promise<void> {
    const server = await this.get(ctx, id);
    this.checkLock(ctx, server);
    if (server.task_state === TaskState.DELETING) return; // already on its way
    const updated = await this.d.servers.transition(server.id, {}, { task_state: TaskState.DELETING });
    if (!updated) throw new NotFoundError(`Instance ${id} could not be found.`);
    await this.d.actions.start({ server_id: id, action: 'delete', request_id: ctx.requestId, project_id: server.project_id, user_id: ctx.auth.userId });
    await this.d.tasks.enqueue({ kind: 'delete-server', serverId: id, requestId: ctx.requestId });
    this.d.kick();
  }

  async metadata(ctx: ComputeContext, id: string): Promise<Record<string, string>> {
    return (await this.getDetailed(ctx, id)).metadata;
  }

  async setMetadata(ctx: ComputeContext, id: string, items: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const server = await this.get(ctx, id);
    this.checkLock(ctx, server);
    if (server.task_state === TaskState.DELETING) throw new ConflictError(`Cannot 'update metadata' instance ${id} while it is in task_state deleting`);
    const existing = replace ? 0 : (await this.d.servers.details([server]))[0].metadata;
    const total = replace ? Object.keys(items).length : Object.keys({ ...(existing as Record<string, string>), ...items }).length;
    await this.d.quotas.checkMetadata(server.project_id, total);
    await this.d.servers.setMetadata(id, items, replace);
    return this.metadata(ctx, id);
  }

  async deleteMetadata(ctx: ComputeContext, id: string, key: string): Promise<void> {
    const server = await this.get(ctx, id);
    this.checkLock(ctx, server);
    if (!(await this.d.servers.deleteMetadata(id, key))) throw new NotFoundError(`Metadata item was not found`);
  }

  async tags(ctx: ComputeContext, id: string): Promise<string[]> {
    return (await this.getDetailed(ctx, id)).tags;
  }

  async setTags(ctx: ComputeContext, id: string, tags: string[]): Promise<string[]> {
    const server = await this.get(ctx, id);
    this.checkTaggable(server);
    await this.d.servers.setTags(id, tags);
    return this.tags(ctx, id);
  }

  async addTag(ctx: ComputeContext, id: string, tag: string): Promise<boolean> {
    const server = await this.get(ctx, id);
    this.checkTaggable(server);
    if (tag.length > 60 || tag.length === 0 || /[,/]/.test(tag)) throw new BadRequestError(`Tag '${tag}' is invalid.`);
    if ((await this.d.servers.countTags(id)) >= 50) throw new BadRequestError('The number of tags exceeded the per-server limit 50');
    return this.d.servers.addTag(id, tag);
  }

  async deleteTag(ctx: ComputeContext, id: string, tag: string): Promise<void> {
    const server = await this.get(ctx, id);
    this.checkTaggable(server);
    if (!(await this.d.servers.deleteTag(id, tag))) throw new NotFoundError(`Tag ${tag} could not be found.`);
  }

  private checkTaggable(server: ServerRow): void {
    // Nova allows tag changes only in these states (nova/api/openstack/compute/server_tags.py).
    if (![VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED, VmState.ERROR, VmState.BUILDING, VmState.SHELVED, VmState.SHELVED_OFFLOADED, VmState.RESCUED].includes(server.vm_state as never)) {
      throw new ConflictError(`Cannot update tags of instance ${server.id} while it is in vm_state ${server.vm_state}`);
    }
  }
}
