// POST /servers/{id}/action: each action checks the states Nova allows it in (check_instance_state in
// nova/compute/api.py), moves the server with a compare-and-swap, records an instance action, and
// queues the job that drives the hypervisor. The answer is 202 at once.
import { randomBytes } from 'node:crypto';
import { BadRequestError, NotFoundError, ConflictError } from '../http/errors.js';
import { policyDenied, requireAdmin, type ComputeContext } from './compute-context.js';
import { accessIp, type ServerService } from './server-service.js';
import type { ServerRepository, ServerRow } from './repositories/server-repository.js';
import type { InstanceActionRepository } from './repositories/instance-action-repository.js';
import { TaskState, VmState } from './server-states.js';
import type { TaskQueue } from '../tasks/task-queue.js';
import type { HostManager } from './host-manager.js';
import type { ImageGateway, ComputeImage } from './image-gateway.js';

export interface ServerActionDeps {
  servers: ServerService;
  repo: ServerRepository;
  actions: InstanceActionRepository;
  tasks: TaskQueue;
  hosts: HostManager;
  images: ImageGateway;
  kick: () => void;
}

interface Rule {
  /** Nova's action name as instance actions record it. */
  action: string;
  vmStates: string[];
  taskStates: Array<string | null>;
  newTaskState: string;
  task: string;
}

const POWER_RULES: Record<string, Rule> = {
  'os-stop': { action: 'stop', vmStates: [VmState.ACTIVE, VmState.ERROR], taskStates: [null], newTaskState: TaskState.POWERING_OFF, task: 'stop' },
  'os-start': { action: 'start', vmStates: [VmState.STOPPED], taskStates: [null], newTaskState: TaskState.POWERING_ON, task: 'start' },
  pause: { action: 'pause', vmStates: [VmState.ACTIVE], taskStates: [null], newTaskState: TaskState.PAUSING, task: 'pause' },
  unpause: { action: 'unpause', vmStates: [VmState.PAUSED], taskStates: [null], newTaskState: TaskState.UNPAUSING, task: 'unpause' },
  suspend: { action: 'suspend', vmStates: [VmState.ACTIVE], taskStates: [null], newTaskState: TaskState.SUSPENDING, task: 'suspend' },
  resume: { action: 'resume', vmStates: [VmState.SUSPENDED], taskStates: [null], newTaskState: TaskState.RESUMING, task: 'resume' },
};

const SOFT_REBOOT: Rule = { action: 'reboot', vmStates: [VmState.ACTIVE], taskStates: [null], newTaskState: TaskState.REBOOTING, task: 'reboot' };
const HARD_REBOOT: Rule = {
  action: 'reboot',
  vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR],
  taskStates: [null, TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED, TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD],
  newTaskState: TaskState.REBOOTING_HARD,
  task: 'reboot',
};

/** Nova's metadata schema for images: keys of 1–255 characters, string values up to 255. */
function imageMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('Invalid input for field/attribute metadata.');
  for (const [k, v] of Object.entries(value)) {
    if (k.length < 1 || k.length > 255) throw new BadRequestError(`Invalid input for field/attribute metadata. Value: ${k}. Keys must be 1 to 255 characters.`);
    if (typeof v !== 'string' || v.length > 255) throw new BadRequestError(`Invalid input for field/attribute metadata. Value of ${k} must be a string of at most 255 characters.`);
  }
  return value as Record<string, string>;
}

/** Nova's control-character filter for console output (nova/api/openstack/compute/console_output.py). */
const CONSOLE_CONTROL = /[\x00-\x08\x0B-\x1F]/g;

export type ActionResult =
  | { kind: 'accepted' }
  | { kind: 'rebuilt'; adminPass: string }
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> };

export class ServerActionService {
  constructor(private readonly d: ServerActionDeps) {}

  async perform(ctx: ComputeContext, id: string, action: string, body: any): Promise<ActionResult> {
    const server = await this.d.servers.get(ctx, id);
    switch (action) {
      case 'os-stop':
      case 'os-start':
      case 'pause':
      case 'unpause':
      case 'suspend':
      case 'resume':
        this.d.servers.checkLock(ctx, server);
        await this.transitionAndQueue(ctx, server, POWER_RULES[action], { action: POWER_RULES[action].task });
        return { kind: 'accepted' };
      case 'reboot': {
        const type = String(body?.type ?? '').toUpperCase();
        if (type !== 'SOFT' && type !== 'HARD') throw new BadRequestError(`Invalid input for field/attribute type. Value: ${body?.type}. '${body?.type}' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']`);
        this.d.servers.checkLock(ctx, server);
        await this.transitionAndQueue(ctx, server, type === 'SOFT' ? SOFT_REBOOT : HARD_REBOOT, { action: 'reboot', type });
        return { kind: 'accepted' };
      }
      case 'lock': {
        if (ctx.version.before('2.73') && body && Object.keys(body).length) throw new BadRequestError('Invalid input for field/attribute lock.');
        await this.d.repo.update(server.id, { locked: true, locked_by: ctx.isAdmin && server.project_id !== ctx.projectId ? 'admin' : 'owner', locked_reason: body?.locked_reason ?? null });
        await this.record(ctx, server, 'lock');
        return { kind: 'accepted' };
      }
      case 'unlock':
        // Nova: an owner may not undo an admin's lock.
        if (server.locked && server.locked_by === 'admin' && !ctx.isAdmin) throw policyDenied('os_compute_api:os-lock-server:unlock:unlock_override');
        await this.d.repo.update(server.id, { locked: false, locked_by: null, locked_reason: null });
        await this.record(ctx, server, 'unlock');
        return { kind: 'accepted' };
      case 'os-getConsoleOutput':
        return { kind: 'json', status: 200, body: { output: await this.consoleOutput(server, body?.length) } };
      case 'os-resetState': {
        requireAdmin(ctx, 'os_compute_api:os-admin-actions:reset_state');
        const state = body?.state;
        if (state !== 'active' && state !== 'error') throw new BadRequestError(`Invalid input for field/attribute state. Value: ${state}. '${state}' is not one of ['active', 'error']`);
        await this.d.repo.update(server.id, { vm_state: state, task_state: null });
        await this.record(ctx, server, 'resetState');
        return { kind: 'accepted' };
      }
      case 'forceDelete':
      case 'restore':
        if (action === 'restore') throw new ConflictError(`Instance ${server.id} is not soft-deleted: virtstack deletes servers at once.`);
        await this.d.servers.delete(ctx, id);
        return { kind: 'accepted' };
      case 'trigger_crash_dump': {
        if (ctx.version.before('2.17')) throw new BadRequestError('There is no such action: trigger_crash_dump');
        this.d.servers.checkLock(ctx, server);
        if (![VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED, VmState.ERROR].includes(server.vm_state as never) || server.task_state !== null) {
          throw this.stateConflict('trigger_crash_dump', server);
        }
        await this.d.hosts.driverFor(server.host).injectNmi(server.id, server.number);
        await this.record(ctx, server, 'trigger_crash_dump');
        return { kind: 'accepted' };
      }
      case 'createImage':
        return this.createImage(ctx, server, body);
      case 'createBackup':
        return this.createBackup(ctx, server, body);
      case 'addSecurityGroup':
      case 'removeSecurityGroup': {
        const name = body?.name;
        if (typeof name !== 'string' || !name) throw new BadRequestError(`Invalid input for field/attribute ${action}: 'name' is a required property`);
        // Only the implicit "default" group exists: there is no network service to define others.
        if (name !== 'default') throw new NotFoundError(`Security group ${name} not found.`);
        const member = server.security_groups.includes(name);
        if (action === 'addSecurityGroup' && member) throw new BadRequestError(`Security group ${name} is already associated with the instance ${server.id}`);
        if (action === 'removeSecurityGroup' && !member) throw new BadRequestError(`Security group ${name} not associated with the instance ${server.id}`);
        const groups = action === 'addSecurityGroup' ? [...server.security_groups, name] : server.security_groups.filter((g) => g !== name);
        await this.d.repo.update(server.id, { security_groups: groups });
        return { kind: 'accepted' };
      }
      case 'rebuild':
        return this.rebuild(ctx, server, body);
      default:
        throw new BadRequestError(`There is no such action: ${action}`);
    }
  }

  private stateConflict(action: string, server: ServerRow): ConflictError {
    if (server.task_state) return new ConflictError(`Cannot '${action}' instance ${server.id} while it is in task_state ${server.task_state}`);
    return new ConflictError(`Cannot '${action}' instance ${server.id} while it is in vm_state ${server.vm_state}`);
  }

  private async record(ctx: ComputeContext, server: ServerRow, action: string): Promise<void> {
    await this.d.actions.start({ server_id: server.id, action, request_id: ctx.requestId, project_id: server.project_id, user_id: ctx.auth.userId });
  }

  private async transitionAndQueue(ctx: ComputeContext, server: ServerRow, rule: Rule, payload: Record<string, unknown>, kind = 'power-action'): Promise<void> {
    if (!server.host) throw this.stateConflict(rule.action, server);
    const moved = await this.d.repo.transition(server.id, { vmStates: rule.vmStates, taskStates: rule.taskStates }, { task_state: rule.newTaskState });
    if (!moved) throw this.stateConflict(rule.action, server);
    await this.record(ctx, server, rule.action);
    await this.d.tasks.enqueue({ kind, serverId: server.id, requestId: ctx.requestId, payload });
    this.d.kick();
  }

  private async consoleOutput(server: ServerRow, length: unknown): Promise<string> {
    if (!server.host) throw new ConflictError(`Instance ${server.id} is not ready`);
    let lines: number | undefined;
    if (length !== undefined && length !== null) {
      const n = typeof length === 'number' ? length : /^-?\d+$/.test(String(length)) ? Number(length) : NaN;
      if (!Number.isInteger(n) || n < -1) throw new BadRequestError(`Invalid input for field/attribute length. Value: ${length}.`);
      if (n >= 0) lines = n;
    }
    // Nova reads at most the last 100 KiB of the log (MAX_CONSOLE_BYTES).
    const text = (await this.d.hosts.driverFor(server.host).consoleOutput(server.id, 100 * 1024)).replace(CONSOLE_CONTROL, '');
    if (lines === undefined) return text;
    if (lines === 0) return '';
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines).join('\n');
  }

  private async createImage(ctx: ComputeContext, server: ServerRow, body: any): Promise<ActionResult> {
    const name = body?.name;
    if (typeof name !== 'string' || !name.trim() || name.length > 255) throw new BadRequestError(`Invalid input for field/attribute name. Value: ${name}.`);
    const metadata = imageMetadata(body?.metadata);
    // Nova: the caller's metadata is applied over the snapshot's own properties (image_type included).
    return this.snapshot(ctx, server, 'createImage', TaskState.IMAGE_SNAPSHOT, name, { image_type: 'snapshot', ...metadata }, {});
  }

  /** createBackup: a snapshot tagged as a backup; only the newest `rotation` backups of its type are kept. */
  private async createBackup(ctx: ComputeContext, server: ServerRow, body: any): Promise<ActionResult> {
    const { name, backup_type: backupType, rotation } = body ?? {};
    if (typeof name !== 'string' || !name.trim() || name.length > 255) throw new BadRequestError(`Invalid input for field/attribute name. Value: ${name}.`);
    if (typeof backupType !== 'string' || !backupType) throw new BadRequestError("Invalid input for field/attribute createBackup. Value: 'backup_type' is a required property");
    const keep = typeof rotation === 'number' ? rotation : /^\d+$/.test(String(rotation)) ? Number(rotation) : NaN;
    if (!Number.isInteger(keep) || keep < 0) throw new BadRequestError(`Invalid input for field/attribute rotation. Value: ${rotation}.`);
    const metadata = imageMetadata(body?.metadata);
    return this.snapshot(ctx, server, 'createBackup', TaskState.IMAGE_BACKUP, name, { ...metadata, image_type: 'backup', backup_type: backupType }, { rotation: keep, backupType });
  }

  private async snapshot(ctx: ComputeContext, server: ServerRow, action: string, taskState: string, name: string, props: Record<string, unknown>, payload: Record<string, unknown>): Promise<ActionResult> {
    this.d.servers.checkLock(ctx, server);
    const allowed = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];
    if (!server.host || !allowed.includes(server.vm_state as never) || server.task_state !== null) throw this.stateConflict(action, server);
    const moved = await this.d.repo.transition(server.id, { vmStates: allowed, taskStates: [null] }, { task_state: taskState });
    if (!moved) throw this.stateConflict(action, server);
    let image: ComputeImage;
    try {
      // As Nova: the image exists (queued) before the call returns; the job fills it in.
      const base = server.image_ref ? await this.d.images.get(ctx.auth, server.image_ref) : undefined;
      image = await this.d.images.createSnapshot(ctx.auth, {
        name,
        properties: {
          ...Object.fromEntries(Object.entries(base?.properties ?? {}).filter(([k]) => !k.startsWith('os_') && !['owner_specified.openstack.md5', 'owner_specified.openstack.sha256', 'owner_specified.openstack.object'].includes(k))),
          ...props,
          instance_uuid: server.id,
          user_id: ctx.auth.userId,
          base_image_ref: server.image_ref ?? '',
        },
        minRam: Math.max(base?.minRam ?? 0, 0),
        minDisk: Math.max(server.flavor.disk, base?.minDisk ?? 0),
      });
    } catch (err) {
      await this.d.repo.update(server.id, { task_state: null });
      throw err;
    }
    await this.record(ctx, server, action);
    await this.d.tasks.enqueue({ kind: 'snapshot-server', serverId: server.id, requestId: ctx.requestId, payload: { ...payload, imageId: image.id, taskState } });
    this.d.kick();
    const location = `${this.d.hosts.imageBaseUrl}/v2/images/${image.id}`;
    if (ctx.version.atLeast('2.45')) return { kind: 'json', status: 202, body: { image_id: image.id } };
    return { kind: 'json', status: 202, body: undefined, headers: { Location: location } };
  }

  private async rebuild(ctx: ComputeContext, server: ServerRow, body: any): Promise<ActionResult> {
    const imageRef = body?.imageRef;
    if (typeof imageRef !== 'string' || !imageRef) throw new BadRequestError("Invalid input for field/attribute rebuild. Value: 'imageRef' is a required property");
    this.d.servers.checkLock(ctx, server);
    const imageId = imageRef.replace(/^.*\//, '');
    const image = await this.d.images.get(ctx.auth, imageId);
    if (!image) throw new BadRequestError(`Image ${imageId} could not be found.`);
    if (image.status !== 'active') throw new BadRequestError(`Image ${imageId} is not active.`);
    if (server.flavor.ram < image.minRam) throw new BadRequestError("Flavor's memory is too small for requested image.");
    const allowed = [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR];
    if (!server.host || !allowed.includes(server.vm_state as never) || server.task_state !== null) throw this.stateConflict('rebuild', server);
    const set: Partial<ServerRow> = { task_state: TaskState.REBUILDING, image_ref: image.id };
    if (body.name !== undefined) set.name = String(body.name);
    if (body.description !== undefined && ctx.version.atLeast('2.19')) set.description = body.description;
    if (body.accessIPv4 !== undefined) set.access_ip_v4 = accessIp(body.accessIPv4, 4);
    if (body.accessIPv6 !== undefined) set.access_ip_v6 = accessIp(body.accessIPv6, 6);
    const moved = await this.d.repo.transition(server.id, { vmStates: allowed, taskStates: [null] }, set);
    if (!moved) throw this.stateConflict('rebuild', server);
    if (body.metadata !== undefined) await this.d.repo.setMetadata(server.id, body.metadata, true);
    await this.record(ctx, server, 'rebuild');
    await this.d.tasks.enqueue({ kind: 'rebuild-server', serverId: server.id, requestId: ctx.requestId, payload: { previousVmState: server.vm_state } });
    this.d.kick();
    return { kind: 'rebuilt', adminPass: typeof body.adminPass === 'string' && body.adminPass ? body.adminPass : randomBytes(9).toString('base64url') };
  }
}
