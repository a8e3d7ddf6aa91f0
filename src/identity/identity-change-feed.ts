// Tells the token validation cache when anything a token depends on may have changed.
// A generation number goes up on every such change: in this process as soon as a write to an
// identity table completes, and from every other process through PostgreSQL's
// NOTIFY virtstack_identity (sent by triggers, db/migrations/20261128_0002_identity_change_notify.ts;
// a wrong password's counters in users are not a change: 20261129_0003).
// While the LISTEN connection is down the feed is unhealthy and the cache is not used.
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';

const IDENTITY_TABLES = /"(users|projects|domains|roles|implied_roles|role_assignments|group_members|groups|revocation_events|application_credentials)"/;
const WRITE = /^\s*(insert|update|delete|truncate)\b/i;
/** A wrong password's count (user-repository.ts recordFailedAuth / clearFailedAuth): no token depends on it. */
const LOCKOUT_COUNTERS_ONLY = /^\s*update "users" set "failed_auth_count" = [^,]+, "failed_auth_at" = \S+ where /i;

export class IdentityChangeFeed {
  private gen = 0;
  private listener?: pg.Client;
  private listening = false;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {
    // In this process, a change is known before the HTTP response that made it is sent. (knex emits no
    // event for COMMIT: a write inside a transaction counts here when it runs, and again when its
    // trigger's NOTIFY arrives after the commit.)
    db.on('query-response', (_response: unknown, obj: { sql?: string }) => {
      const sql = obj?.sql ?? '';
      if (WRITE.test(sql) && IDENTITY_TABLES.test(sql) && !LOCKOUT_COUNTERS_ONLY.test(sql)) this.gen++;
    });
  }

  get generation(): number {
    return this.gen;
  }

  /** Whether changes made by other processes reach this one (else: do not cache). */
  get healthy(): boolean {
    return this.listening;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', () => {
      this.gen++;
    });
    client.on('error', (err) => {
      this.log.warn({ err }, 'identity change feed lost its connection; token cache off until it is back');
      this.listening = false;
      this.gen++;
      void client.end().catch(() => undefined);
      this.scheduleRetry();
    });
    try {
      await client.connect();
      await client.query('LISTEN virtstack_identity');
      this.listener = client;
      this.gen++; // anything may have changed while we were not listening
      this.listening = true;
    } catch (err) {
      this.log.warn({ err }, 'identity change feed could not listen; token cache off for now');
      await client.end().catch(() => undefined);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, 1000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.retry);
    await this.listener?.end().catch(() => undefined);
  }
}
