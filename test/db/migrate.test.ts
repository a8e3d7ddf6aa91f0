import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDatabase } from '../../src/db/database.js';
import { migrateLatest } from '../../src/db/migrate.js';

test('two processes migrating one empty database at once both succeed, and it is migrated once', async () => {
  const server = process.env.TEST_DATABASE_SERVER_URL!;
  const name = `virtstack_migrate_${randomBytes(4).toString('hex')}`;
  const admin = createDatabase(server, 1);
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  // Two knex instances with their own pools stand for two server processes.
  const a = createDatabase(url.toString());
  const b = createDatabase(url.toString());
  try {
    const [appliedA, appliedB] = await Promise.all([migrateLatest(a), migrateLatest(b)]);
    assert.equal(appliedA.length + appliedB.length > 0, true);
    assert.equal(appliedA.length === 0 || appliedB.length === 0, true, 'only one of them applied the migrations');
    const { rows } = await a.raw('SELECT count(*)::int AS n FROM knex_migrations');
    assert.equal(rows[0].n, appliedA.length + appliedB.length);
    assert.deepEqual(await migrateLatest(a), [], 'a third run has nothing to do');
  } finally {
    await a.destroy();
    await b.destroy();
    await admin.raw(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.destroy();
  }
});
