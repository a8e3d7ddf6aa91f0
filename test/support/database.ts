// Each test file gets its own database, cloned from the migrated template (fast: a file copy in PostgreSQL).
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '../../src/db/database.js';

export const TEMPLATE_DB = 'virtstack_test_template';

export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL;
  if (!url) throw new Error('TEST_DATABASE_SERVER_URL is not set: run the tests with `npm test` (test/run-tests.ts)');
  return url;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `virtstack_test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase(serverUrl(), 1);
  try {
    await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString());
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      const a = createDatabase(serverUrl(), 1);
      try {
        await a.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.destroy();
      }
    },
  };
}
