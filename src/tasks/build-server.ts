// Boots a server: schedule a host, spawn the guest, mark it ACTIVE. Safe to run again after a crash
// (spawn is idempotent); a boot that fails puts the server into ERROR with a fault and removes the
// guest, its disks and its addresses — nothing is left behind.
import { instanceSpec, nicsOf } from '../compute/instance-spec.js';
import { NoValidHost, selectHost } from '../compute/scheduler.js';
import { TaskState, VmState } from '../compute/server-states.js';
import { PowerState } from '../virt/compute-driver.js';
import { faultOf, loadServer, withEvent, type ComputeTaskDeps } from './compute-task-deps.js';
import type { TaskContext, TaskHandler } from './task-worker.js';

export class BuildServerTask implements TaskHandler {
  // Retried once after a crash or a transient libvirt error, then the server goes to ERROR.
  readonly maxAttempts = 2;

  constructor(private readonly d: ComputeTaskDeps) {}

  async perform({ task, log }: TaskContext): Promise<void> {
    let server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at || server.vm_state !== VmState.BUILDING || server.task_state === TaskState.DELETING) {
      log.info('server is no longer being built; nothing to do');
      return;
    }
    if (!server.host) {
      const candidates = await this.d.hosts.candidates();
      let group;
      if (server.server_group_id) {
        const g = await this.d.groups.get(server.server_group_id);
        if (g) {
          const members = (await this.d.groups.members(g.id)).filter((m) => m.id !== server!.id && m.host);
          group = { policy: g.policy, memberHosts: members.map((m) => m.host!), maxServerPerHost: Number(g.rules.max_server_per_host ?? 1) };
        }
      }
      let host;
      try {
        host = selectHost(candidates, {
          vcpus: server.flavor.vcpus,
          ramMiB: server.flavor.ram,
          diskGiB: server.flavor.disk + server.flavor.ephemeral,
          zone: server.availability_zone,
          group,
        });
      } catch (err) {
        if (err instanceof NoValidHost) {
          await this.fail(task.server_id!, err, 500, log);
          return;
        }
        throw err;
      }
      const placed = await this.d.servers.transition(server.id, { vmStates: [VmState.BUILDING], taskStates: [TaskState.SCHEDULING] }, {
        host: host.name,
        availability_zone: host.zone,
        task_state: TaskState.SPAWNING,
      });
      if (!placed) return; // deleted meanwhile
      server = (await loadServer(this.d, server.id))!;
    }
    const image = server.image_ref ? await this.d.images.find(server.image_ref) : undefined;
    if (!image || image.status !== 'active') {
      await this.fail(server.id, new Error(`Image ${server.image_ref} is not available.`), 400, log);
      return;
    }
    const driver = this.d.hosts.driverFor(server.host);
    await withEvent(this.d, server, task.request_id, 'compute__do_build_and_run_instance', () => driver.spawn(instanceSpec(server!, image, this.d.images)));
    const active = await this.d.servers.transition(server.id, { vmStates: [VmState.BUILDING], taskStates: [TaskState.SPAWNING, TaskState.SCHEDULING] }, {
      vm_state: VmState.ACTIVE,
      task_state: null,
      power_state: PowerState.RUNNING,
      launched_at: new Date(),
      progress: 0,
    });
    if (!active) {
      // Deleted while it booted: the delete job (queued behind this one) removes the guest.
      log.info('server left BUILD while booting');
    }
  }

  async onFailed({ task, log }: TaskContext, error: unknown): Promise<void> {
    if (task.server_id) await this.fail(task.server_id, error, 500, log);
  }

  /** ERROR with a fault, and nothing left on the host or in the address pool. */
  private async fail(serverId: string, error: unknown, code: number, log: TaskContext['log']): Promise<void> {
    const server = await loadServer(this.d, serverId);
    if (!server || server.deleted_at) return;
    if (server.host) {
      try {
        await this.d.hosts.driverFor(server.host).destroy(server.id, server.number, nicsOf(server));
      } catch (err) {
        log.error({ err }, 'removing the guest of a failed boot failed');
      }
    }
    await this.d.networks.release(server.id);
    await this.d.servers.transition(server.id, { vmStates: [VmState.BUILDING] }, { vm_state: VmState.ERROR, task_state: null, power_state: PowerState.NOSTATE, fault: faultOf(error, code) });
  }
}
