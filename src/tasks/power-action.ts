// stop, start, reboot, pause, unpause, suspend, resume: drive the guest, then settle the states
// (nova/compute/manager.py: the vm_state each action ends in, task_state back to None).
import { VmState } from '../compute/server-states.js';
import { PowerState, type ComputeDriver, type PowerStateValue } from '../virt/compute-driver.js';
import { faultOf, loadServer, withEvent, type ComputeTaskDeps } from './compute-task-deps.js';
import type { TaskContext, TaskHandler } from './task-worker.js';
import type { ServerWithDetails } from '../compute/repositories/server-repository.js';

interface Outcome {
  event: string;
  run: (driver: ComputeDriver, s: ServerWithDetails, payload: Record<string, unknown>) => Promise<void>;
  vmState: string;
  powerState: PowerStateValue;
}

export class PowerActionTask implements TaskHandler {
  private readonly outcomes: Record<string, Outcome>;

  constructor(private readonly d: ComputeTaskDeps) {
    const timeout = d.shutdownTimeoutSeconds;
    this.outcomes = {
      stop: { event: 'compute_stop_instance', run: (dr, s) => dr.powerOff(s.id, s.number, timeout), vmState: VmState.STOPPED, powerState: PowerState.SHUTDOWN },
      start: { event: 'compute_start_instance', run: (dr, s) => dr.powerOn(s.id, s.number), vmState: VmState.ACTIVE, powerState: PowerState.RUNNING },
      reboot: {
        event: 'compute_reboot_instance',
        run: (dr, s, p) => dr.reboot(s.id, s.number, p.type === 'HARD' ? 'HARD' : 'SOFT'),
        vmState: VmState.ACTIVE,
        powerState: PowerState.RUNNING,
      },
      pause: { event: 'compute_pause_instance', run: (dr, s) => dr.pause(s.id, s.number), vmState: VmState.PAUSED, powerState: PowerState.PAUSED },
      unpause: { event: 'compute_unpause_instance', run: (dr, s) => dr.unpause(s.id, s.number), vmState: VmState.ACTIVE, powerState: PowerState.RUNNING },
      suspend: { event: 'compute_suspend_instance', run: (dr, s) => dr.suspend(s.id, s.number), vmState: VmState.SUSPENDED, powerState: PowerState.SHUTDOWN },
      resume: { event: 'compute_resume_instance', run: (dr, s) => dr.resume(s.id, s.number), vmState: VmState.ACTIVE, powerState: PowerState.RUNNING },
    };
  }

  async perform({ task, log }: TaskContext): Promise<void> {
    const action = String(task.payload.action);
    const outcome = this.outcomes[action];
    if (!outcome) throw new Error(`unknown power action ${action}`);
    const server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at || !server.task_state) {
      log.info('server no longer waits for this action');
      return;
    }
    const driver = this.d.hosts.driverFor(server.host);
    await withEvent(this.d, server, task.request_id, outcome.event, () => outcome.run(driver, server, task.payload));
    await this.d.servers.transition(server.id, { taskStates: [server.task_state] }, { vm_state: outcome.vmState, task_state: null, power_state: outcome.powerState });
  }

  /** Nova reverts the task state when an action fails and keeps the vm_state; the fault tells why. */
  async onFailed({ task }: TaskContext, error: unknown): Promise<void> {
    const server = await loadServer(this.d, task.server_id);
    if (!server || server.deleted_at) return;
    let power: PowerStateValue = server.power_state as PowerStateValue;
    try {
      power = await this.d.hosts.driverFor(server.host).powerState(server.id, server.number);
    } catch {
      // keep the last known power state
    }
    await this.d.servers.update(server.id, { task_state: null, power_state: power, fault: faultOf(error) });
  }
}
