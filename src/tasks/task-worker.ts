// Runs jobs from the queue: a few at once, woken by NOTIFY when a job is enqueued (by any process)
// and by a slow poll for retries and expired leases.
import type { Logger } from 'pino';
import pg from 'pg';
import type { TaskQueue, TaskRow } from './task-queue.js';

export interface TaskContext {
  task: TaskRow;
  log: Logger;
}

/** One kind of job. `perform` must be safe to run again after a crash part-way through. */
export interface TaskHandler {
  perform(ctx: TaskContext): Promise<void>;
  /** Called once the job has failed for good (after maxAttempts): leave nothing half-done. */
  onFailed?(ctx: TaskContext, error: unknown): Promise<void>;
  maxAttempts?: number;
}

const LEASE_SECONDS = 30;

export class TaskWorker {
  private running = 0;
  private stopped = false;
  private poll?: NodeJS.Timeout;
  private listener?: pg.Client;
  private idle: Array<() => void> = [];

  constructor(
    private readonly queue: TaskQueue,
    private readonly handlers: Record<string, TaskHandler>,
    private readonly log: Logger,
    private readonly opts: { concurrency: number; databaseUrl: string },
  ) {}

  async start(): Promise<void> {
    this.listener = new pg.Client({ connectionString: this.opts.databaseUrl });
    this.listener.on('error', (err) => this.log.warn({ err }, 'task listener connection failed; polling only'));
    await this.listener.connect();
    await this.listener.query('LISTEN virtstack_tasks');
    this.listener.on('notification', () => this.kick());
    this.poll = setInterval(() => this.kick(), 1000);
    this.poll.unref();
    this.kick();
  }

  /** Looks for work now (called after enqueueing in this process, and on NOTIFY). */
  kick(): void {
    // One claim per kick; a claim that finds work kicks again to fill the other slots.
    if (this.stopped || this.running >= this.opts.concurrency) return;
    this.running++;
    void this.runOne().finally(() => {
      this.running--;
      if (this.running === 0) for (const r of this.idle.splice(0)) r();
    });
  }

  private async runOne(): Promise<void> {
    let task: TaskRow | undefined;
    try {
      task = await this.queue.claim(LEASE_SECONDS);
    } catch (err) {
      if (!this.stopped) this.log.warn({ err }, 'claiming a task failed');
      return;
    }
    if (!task) return;
    // Another slot may find more work while this one runs.
    setImmediate(() => this.kick());
    const log = this.log.child({ task: task.id, kind: task.kind, server: task.server_id, request_id: task.request_id });
    const handler = this.handlers[task.kind];
    if (!handler) {
      log.error('no handler for task kind');
      await this.queue.finish(task.id, 'failed', `no handler for ${task.kind}`);
      return;
    }
    const renew = setInterval(() => void this.queue.renew(task!.id, LEASE_SECONDS).catch(() => undefined), (LEASE_SECONDS * 1000) / 3);
    try {
      await handler.perform({ task, log });
      await this.queue.finish(task.id, 'done');
    } catch (err) {
      const max = handler.maxAttempts ?? 1;
      const message = err instanceof Error ? err.message : String(err);
      if (task.attempts < max && !this.stopped) {
        log.warn({ err }, 'task failed; it will be retried');
        await this.queue.retryLater(task.id, 2 * task.attempts, message);
      } else {
        log.error({ err }, 'task failed');
        try {
          await handler.onFailed?.({ task, log }, err);
        } catch (cleanupErr) {
          log.error({ err: cleanupErr }, 'cleaning up after a failed task failed');
        }
        await this.queue.finish(task.id, 'failed', message);
      }
    } finally {
      clearInterval(renew);
      this.kick();
    }
  }

  /** Stops claiming; running jobs finish (their leases let another process resume them otherwise). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.listener?.end().catch(() => undefined);
    if (this.running > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
