// createImage: copy the guest's disk into the Glance image created by the API call (queued until the
// data arrives), then clear the task state. A failed copy removes the image, as Nova does.
import { TaskState } from '../compute/server-states.js';
import { loadServer, withEvent, type ComputeTaskDeps } from './compute-task-deps.js';
import type { TaskContext, TaskHandler } from './task-worker.js';

const SNAPSHOT_STATES = [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_BACKUP, TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING];

export class SnapshotServerTask implements TaskHandler {
  constructor(private readonly d: ComputeTaskDeps) {}

  async perform({ task }: TaskContext): Promise<void> {
    const imageId = String(task.payload.imageId);
    const server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at) {
      await this.d.images.discardSnapshot(imageId);
      return;
    }
    const driver = this.d.hosts.driverFor(server.host);
    const first = String(task.payload.taskState ?? TaskState.IMAGE_SNAPSHOT);
    await this.d.servers.transition(server.id, { taskStates: [first] }, { task_state: TaskState.IMAGE_PENDING_UPLOAD });
    await withEvent(this.d, server, task.request_id, 'compute_snapshot_instance', () =>
      driver.snapshot(server.id, server.number, async (data) => {
        await this.d.servers.transition(server.id, { taskStates: [TaskState.IMAGE_PENDING_UPLOAD] }, { task_state: TaskState.IMAGE_UPLOADING });
        await this.d.images.uploadSnapshot(imageId, data, 'qcow2');
      }),
    );
    if (task.payload.rotation !== undefined) {
      // Nova's backup rotation: keep the newest `rotation` backups of this type of this server.
      await this.d.images.rotateBackups(server.project_id, server.id, String(task.payload.backupType), Number(task.payload.rotation));
    }
    await this.d.servers.transition(server.id, { taskStates: SNAPSHOT_STATES }, { task_state: null });
  }

  async onFailed({ task }: TaskContext): Promise<void> {
    await this.d.images.discardSnapshot(String(task.payload.imageId)).catch(() => undefined);
    const server = await loadServer(this.d, task.server_id);
    if (server && !server.deleted_at) {
      await this.d.servers.transition(server.id, { taskStates: SNAPSHOT_STATES }, { task_state: null });
    }
  }
}
