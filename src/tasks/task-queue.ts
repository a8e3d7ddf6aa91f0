// Long operations are jobs in PostgreSQL: the API enqueues and answers 202 at once; workers claim jobs
// with FOR UPDATE SKIP LOCKED, so several virtstack processes share the work. A claimed job holds a
// lease that its worker renews; a job whose worker died (process killed) is claimed again once the
// lease has run out, and the job kinds are written to be run again safely.
import type { Knex } from 'knex';
import type { Database } from '../db/database.js';

export interface TaskRow {
  id: number;
  kind: string;
  server_id: string | null;
  payload: Record<string, unknown>;
  state: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  request_id: string | null;
  error: string | null;
}

export interface NewTask {
  kind: string;
  serverId?: string;
  payload?: Record<string, unknown>;
  requestId?: string;
}

export class TaskQueue {
  constructor(private readonly db: Database) {}

  async enqueue(task: NewTask, trx?: Knex.Transaction): Promise<number> {
    const [row] = await (trx ?? this.db)('tasks')
      .insert({ kind: task.kind, server_id: task.serverId ?? null, payload: JSON.stringify(task.payload ?? {}), request_id: task.requestId ?? null })
      .returning('id');
    await (trx ?? this.db).raw(`SELECT pg_notify('virtstack_tasks', ?)`, [String(row.id)]);
    return row.id;
  }

  /**
   * Claims the oldest runnable job. Jobs of one server run one at a time and in order (a delete waits
   * for the build before it), so a job never races another on the same guest.
   */
  async claim(leaseSeconds: number): Promise<TaskRow | undefined> {
    const { rows } = await this.db.raw(
      `UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_until = now() + make_interval(secs => ?)
       WHERE id = (
         SELECT t.id FROM tasks t
         WHERE ((t.state = 'pending' AND t.run_after <= now()) OR (t.state = 'running' AND t.lease_until < now()))
           AND (t.server_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM tasks o WHERE o.server_id = t.server_id AND o.id < t.id AND o.state IN ('pending', 'running')))
         ORDER BY t.id
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING *`,
      [leaseSeconds],
    );
    return rows[0];
  }

  async renew(id: number, leaseSeconds: number): Promise<void> {
    await this.db('tasks').where({ id, state: 'running' }).update({ lease_until: this.db.raw('now() + make_interval(secs => ?)', [leaseSeconds]) });
  }

  async finish(id: number, outcome: 'done' | 'failed', error?: string): Promise<void> {
    await this.db('tasks').where({ id }).update({ state: outcome, error: error ?? null, finished_at: this.db.fn.now(), lease_until: null });
  }

  async retryLater(id: number, delaySeconds: number, error: string): Promise<void> {
    await this.db('tasks').where({ id }).update({ state: 'pending', error, lease_until: null, run_after: this.db.raw('now() + make_interval(secs => ?)', [delaySeconds]) });
  }

  async pendingFor(serverId: string): Promise<TaskRow[]> {
    return this.db('tasks').where({ server_id: serverId }).whereIn('state', ['pending', 'running']).orderBy('id');
  }

  /** Finished jobs are kept a day for diagnosis, then removed. */
  async prune(): Promise<void> {
    await this.db('tasks').whereIn('state', ['done', 'failed']).where('finished_at', '<', this.db.raw(`now() - interval '1 day'`)).delete();
  }
}
