// Runs db/migrations at start. Two processes starting at once must not both migrate:
// knex's own lock table makes the loser fail, so we serialise on a PostgreSQL advisory lock instead,
// and the second process waits, then finds nothing left to do.
import type { Knex } from 'knex';
import type { Database } from './database.js';
import { migrations } from '../../db/migrations/index.js';

const MIGRATION_LOCK_KEY = 0x7669727473; // "virts"

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

export async function migrateLatest(db: Database): Promise<string[]> {
  const conn = await db.client.acquireConnection();
  try {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const [, applied] = await db.migrate.latest({ migrationSource: source, disableMigrationsListValidation: false });
      return applied as string[];
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}
