// rebuild: the same server (id, addresses, name unless changed) on a fresh disk from a new image.
// A server that was stopped is stopped again afterwards (Nova's rebuild keeps the power state).
import { instanceSpec, nicsOf } from '../compute/instance-spec.js';
import { TaskState, VmState } from '../compute/server-states.js';
import { PowerState } from '../virt/compute-driver.js';
import { faultOf, loadServer, withEvent, type ComputeTaskDeps } from './compute-task-deps.js';
import type { TaskContext, TaskHandler } from './task-worker.js';

export class RebuildServerTask implements TaskHandler {
  constructor(private readonly d: ComputeTaskDeps) {}

  async perform({ task }: TaskContext): Promise<void> {
    const server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at || server.task_state !== TaskState.REBUILDING) return;
    const image = server.image_ref ? await this.d.images.find(server.image_ref) : undefined;
    if (!image) throw new Error(`Image ${server.image_ref} is not available.`);
    const driver = this.d.hosts.driverFor(server.host);
    await withEvent(this.d, server, task.request_id, 'compute_rebuild_instance', async () => {
      // The addresses stay allocated; only the guest and its disks are replaced.
      await driver.destroy(server.id, server.number, nicsOf(server));
      await this.d.servers.update(server.id, { task_state: TaskState.REBUILD_SPAWNING });
      await driver.spawn(instanceSpec(server, image, this.d.images));
    });
    const wasStopped = task.payload.previousVmState === VmState.STOPPED;
    if (wasStopped) await driver.powerOff(server.id, server.number, 0);
    await this.d.servers.update(server.id, {
      vm_state: wasStopped ? VmState.STOPPED : VmState.ACTIVE,
      task_state: null,
      power_state: wasStopped ? PowerState.SHUTDOWN : PowerState.RUNNING,
      launched_at: new Date(),
    });
  }

  async onFailed({ task }: TaskContext, error: unknown): Promise<void> {
    const server = await loadServer(this.d, task.server_id);
    if (server && !server.deleted_at) await this.d.servers.update(server.id, { vm_state: VmState.ERROR, task_state: null, fault: faultOf(error) });
  }
}
