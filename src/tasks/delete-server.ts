// Deletes a server: the guest and everything it has on its host, then its addresses, then the record
// (kept as deleted, as Nova keeps them, for changes-since and instance actions).
import { nicsOf } from '../compute/instance-spec.js';
import { VmState } from '../compute/server-states.js';
import { PowerState } from '../virt/compute-driver.js';
import { loadServer, withEvent, type ComputeTaskDeps } from './compute-task-deps.js';
import type { TaskContext, TaskHandler } from './task-worker.js';

export class DeleteServerTask implements TaskHandler {
  // A host that is unreachable for a while must not leave the server half-deleted: keep trying.
  readonly maxAttempts = 10;

  constructor(private readonly d: ComputeTaskDeps) {}

  async perform({ task }: TaskContext): Promise<void> {
    const server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at) return;
    if (server.host) {
      const driver = this.d.hosts.driverFor(server.host);
      await withEvent(this.d, server, task.request_id, 'compute_terminate_instance', () => driver.destroy(server.id, server.number, nicsOf(server)));
    }
    await this.d.networks.release(server.id);
    const now = new Date();
    await this.d.servers.update(server.id, { vm_state: VmState.DELETED, task_state: null, power_state: PowerState.NOSTATE, deleted_at: now, terminated_at: now });
  }
}
