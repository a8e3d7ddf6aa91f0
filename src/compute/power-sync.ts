// Keeps power_state in step with the hypervisor, which is the source of truth: lifecycle events as they
// come, and a periodic reconcile for what events missed (a restart of virtstack or of libvirtd).
// The rules are Nova's _sync_instance_power_state (nova/compute/manager.py): a server that is ACTIVE
// but whose guest is off (it powered itself off, crashed, or was destroyed behind our back) becomes
// SHUTOFF. Servers with a task in progress are left to their task.
import type { Logger } from 'pino';
import { PowerState, type PowerStateValue } from '../virt/compute-driver.js';
import type { HostManager } from './host-manager.js';
import type { ServerRepository, ServerRow } from './repositories/server-repository.js';
import { VmState } from './server-states.js';

const OFF: number[] = [PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.NOSTATE];

export class PowerSync {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly servers: ServerRepository,
    private readonly hosts: HostManager,
    private readonly log: Logger,
  ) {}

  start(intervalMs = 10_000): void {
    for (const host of this.hosts.hosts()) {
      host.driver.onPowerStateChange((change) => {
        void this.apply(change.serverId, change.powerState).catch((err) => this.log.warn({ err, server: change.serverId }, 'power state update failed'));
      });
    }
    this.timer = setInterval(() => void this.reconcile().catch((err) => this.log.warn({ err }, 'power state reconcile failed')), intervalMs);
    this.timer.unref();
  }

  /** One pass over every host: what libvirt says against what the database says. */
  async reconcile(): Promise<void> {
    for (const host of this.hosts.hosts()) {
      // A server that changed after the listing began may have a guest the listing did not see yet
      // (a boot that just finished): it is left for the next pass.
      const listedAt = Date.now() - 1000;
      const states = await host.driver.listPowerStates();
      for (const server of await this.servers.onHost(host.name)) {
        if (server.vm_state === VmState.BUILDING || server.updated_at.getTime() >= listedAt) continue;
        await this.applyTo(server, states.get(server.id) ?? PowerState.NOSTATE, listedAt);
      }
    }
  }

  private async apply(serverId: string, power: PowerStateValue): Promise<void> {
    const server = await this.servers.get(serverId);
    if (server) await this.applyTo(server, power);
  }

  private async applyTo(server: ServerRow, power: PowerStateValue, unchangedSince?: number): Promise<void> {
    if (server.task_state !== null) return; // a task is moving this server; it sets the states itself
    if (server.vm_state === VmState.ACTIVE && OFF.includes(power)) {
      const moved = await this.servers.transition(
        server.id,
        { vmStates: [VmState.ACTIVE], taskStates: [null], unchangedSince: unchangedSince === undefined ? undefined : new Date(unchangedSince) },
        { vm_state: VmState.STOPPED, power_state: power },
      );
      if (moved) this.log.info({ server: server.id, power }, 'guest is off: server is now SHUTOFF');
      return;
    }
    if (server.vm_state === VmState.PAUSED && OFF.includes(power)) {
      await this.servers.transition(server.id, { vmStates: [VmState.PAUSED], taskStates: [null] }, { vm_state: VmState.STOPPED, power_state: power });
      return;
    }
    if (server.power_state !== power) {
      await this.servers.transition(server.id, { taskStates: [null] }, { power_state: power });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
