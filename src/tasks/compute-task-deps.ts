// What the compute jobs share: the records they move and the hosts they drive.
import type { Logger } from 'pino';
import type { HostManager } from '../compute/host-manager.js';
import type { ImageGateway } from '../compute/image-gateway.js';
import type { InstanceActionRepository } from '../compute/repositories/instance-action-repository.js';
import type { NetworkRepository } from '../compute/repositories/network-repository.js';
import type { ServerGroupRepository } from '../compute/repositories/server-group-repository.js';
import type { ServerRepository, ServerRow, ServerWithDetails } from '../compute/repositories/server-repository.js';

export interface ComputeTaskDeps {
  servers: ServerRepository;
  networks: NetworkRepository;
  actions: InstanceActionRepository;
  groups: ServerGroupRepository;
  hosts: HostManager;
  images: ImageGateway;
  shutdownTimeoutSeconds: number;
  log: Logger;
}

export async function loadServer(d: ComputeTaskDeps, id: string | null): Promise<ServerWithDetails | undefined> {
  if (!id) return undefined;
  const row = await d.servers.get(id, { includeDeleted: true });
  if (!row) return undefined;
  return (await d.servers.details([row]))[0];
}

/** Nova's fault record (nova/compute/utils.py add_instance_fault_from_exc). */
export function faultOf(err: unknown, code = 500) {
  const message = err instanceof Error ? err.message : String(err);
  return { code, message: message.slice(0, 255), details: err instanceof Error ? (err.stack ?? message) : message, created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Records an instance action event around `fn` (instance actions show each step's result). */
export async function withEvent<T>(d: ComputeTaskDeps, server: ServerRow, requestId: string | null, event: string, fn: () => Promise<T>): Promise<T> {
  const eventId = requestId ? await d.actions.eventStart(server.id, requestId, event, server.host) : undefined;
  try {
    const out = await fn();
    await d.actions.eventFinish(eventId, 'Success');
    return out;
  } catch (err) {
    await d.actions.eventFinish(eventId, 'Error', err instanceof Error ? err.stack : String(err));
    throw err;
  }
}
