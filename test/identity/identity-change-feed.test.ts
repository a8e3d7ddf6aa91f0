// The identity change feed on real PostgreSQL: writes to the identity tables bump the generation, in
// the writing process at once and in others through NOTIFY; a wrong password's lockout counters do not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { IdentityChangeFeed } from '../../src/identity/identity-change-feed.js';
import { UserRepository } from '../../src/identity/repositories/user-repository.js';

let database: TestDatabase;
/** Another process's connection pool: its writes reach the feed only by NOTIFY. */
let other: Database;
let feed: IdentityChangeFeed;

const settle = () => new Promise((r) => setTimeout(r, 300));

before(async () => {
  database = await createTestDatabase();
  other = createDatabase(database.url);
  feed = new IdentityChangeFeed(database.db, database.url, pino({ level: 'silent' }));
  await feed.start();
  await database.db('domains').insert({ id: 'feed-domain', name: 'feed-domain' });
  await database.db('users').insert({ id: 'feed-user', name: 'feed-user', domain_id: 'feed-domain' });
  await settle();
});
after(async () => {
  await feed.stop();
  await other.destroy();
  await database.drop();
});

test('a wrong password, counted here or in another process, is not a change; disabling the user is', async () => {
  assert.ok(feed.healthy);
  const here = new UserRepository(database.db);
  const there = new UserRepository(other);
  const before = feed.generation;
  assert.equal(await here.recordFailedAuth('feed-user'), 1);
  assert.equal(await there.recordFailedAuth('feed-user'), 2);
  await here.clearFailedAuth('feed-user');
  await settle();
  assert.equal(feed.generation, before, 'lockout counters bumped the generation');

  await other('users').where({ id: 'feed-user' }).update({ enabled: false, failed_auth_count: 3 });
  await settle();
  const afterOther = feed.generation;
  assert.ok(afterOther > before, 'a change in another process did not arrive');
  await here.update('feed-user', { enabled: true });
  assert.ok(feed.generation > afterOther, 'a change here did not count at once');
});
