import type { Database } from '../../db/database.js';

export interface InstanceActionRow {
  id: number;
  server_id: string;
  action: string;
  request_id: string;
  project_id: string;
  user_id: string;
  message: string | null;
  start_time: Date;
  updated_at: Date;
}

export interface InstanceActionEventRow {
  id: number;
  action_id: number;
  event: string;
  result: string | null;
  traceback: string | null;
  host: string | null;
  start_time: Date;
  finish_time: Date | null;
}

/** Nova's instance actions and their events (nova/objects/instance_action.py). */
export class InstanceActionRepository {
  constructor(private readonly db: Database) {}

  async start(a: { server_id: string; action: string; request_id: string; project_id: string; user_id: string }): Promise<InstanceActionRow> {
    const [row] = await this.db('instance_actions').insert(a).returning('*');
    return row;
  }

  async list(serverId: string): Promise<InstanceActionRow[]> {
    return this.db('instance_actions').where({ server_id: serverId }).orderBy([{ column: 'start_time', order: 'desc' }, { column: 'id', order: 'desc' }]);
  }

  async get(serverId: string, requestId: string): Promise<InstanceActionRow | undefined> {
    return this.db('instance_actions').where({ server_id: serverId, request_id: requestId }).orderBy('id', 'desc').first();
  }

  async events(actionId: number): Promise<InstanceActionEventRow[]> {
    return this.db('instance_action_events').where({ action_id: actionId }).orderBy('id');
  }

  async eventStart(serverId: string, requestId: string, event: string, host: string | null): Promise<number | undefined> {
    const action = await this.get(serverId, requestId);
    if (!action) return undefined;
    const [row] = await this.db('instance_action_events').insert({ action_id: action.id, event, host }).returning('id');
    await this.db('instance_actions').where({ id: action.id }).update({ updated_at: this.db.fn.now() });
    return row.id;
  }

  async eventFinish(eventId: number | undefined, result: 'Success' | 'Error', traceback?: string): Promise<void> {
    if (eventId === undefined) return;
    await this.db('instance_action_events').where({ id: eventId }).update({ result, traceback: traceback ?? null, finish_time: this.db.fn.now() });
    const [{ action_id }] = await this.db('instance_action_events').where({ id: eventId }).select('action_id');
    await this.db('instance_actions').where({ id: action_id }).update({ updated_at: this.db.fn.now(), ...(result === 'Error' ? { message: 'Error' } : {}) });
  }
}
