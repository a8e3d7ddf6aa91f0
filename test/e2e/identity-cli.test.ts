// The foundation issue's acceptance flow, driven with the real `openstack` command.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { openstack, openstackJson, openstackOk } from '../support/openstack-cli.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test('an admin sets up a project and a user; the user works within its rights', async () => {
  const admin = server.adminEnv;
  const token = await openstackJson(admin, 'token', 'issue');
  assert.ok(token.id && token.project_id && token.user_id);

  const catalog = await openstackJson(admin, 'catalog', 'list');
  assert.deepEqual(catalog.map((s: any) => s.Type).sort(), ['compute', 'identity', 'image']);

  const demo = await openstackJson(admin, 'project', 'create', 'demo');
  assert.equal(demo.name, 'demo');
  const alice = await openstackJson(admin, 'user', 'create', '--project', 'demo', '--password', 's3cret', 'alice');
  assert.equal(alice.default_project_id, demo.id);
  await openstackOk(admin, 'role', 'add', '--user', 'alice', '--project', 'demo', 'member');
  const assignments = await openstackJson(admin, 'role', 'assignment', 'list', '--names');
  assert.ok(assignments.some((a: any) => a.Role === 'member' && a.User === 'alice@Default' && a.Project === 'demo@Default'));
  const group = await openstackJson(admin, 'group', 'create', 'devs');
  assert.equal(group.name, 'devs');
  await openstackOk(admin, 'group', 'add', 'user', 'devs', 'alice');
  const contains = await openstack(admin, 'group', 'contains', 'user', 'devs', 'alice');
  assert.match(contains.stdout, /alice in group devs/);
  const adminCred = await openstackJson(admin, 'application', 'credential', 'create', 'ci');
  assert.ok(adminCred.secret);

  const aliceEnv = { ...admin, OS_USERNAME: 'alice', OS_PASSWORD: 's3cret', OS_PROJECT_NAME: 'demo' };
  const aliceToken = await openstackJson(aliceEnv, 'token', 'issue');
  assert.equal(aliceToken.project_id, demo.id);
  // GET /v3/projects is denied to alice (the CLI then falls back to her own projects).
  const denied = await http('GET', `${server.authUrl}/projects`, { token: aliceToken.id });
  assert.equal(denied.status, 403);
  const shown = await openstackJson(aliceEnv, 'user', 'show', 'alice');
  assert.equal(shown.id, alice.id);
  const otherUser = await openstack(aliceEnv, 'user', 'show', 'admin');
  assert.notEqual(otherUser.code, 0);

  const cred = await openstackJson(aliceEnv, 'application', 'credential', 'create', 'alice-ci');
  const credEnv = {
    OS_AUTH_URL: admin.OS_AUTH_URL,
    OS_IDENTITY_API_VERSION: '3',
    OS_AUTH_TYPE: 'v3applicationcredential',
    OS_APPLICATION_CREDENTIAL_ID: cred.id,
    OS_APPLICATION_CREDENTIAL_SECRET: cred.secret,
  };
  const credToken = await openstackJson(credEnv, 'token', 'issue');
  assert.equal(credToken.project_id, demo.id);
  assert.equal(credToken.user_id, alice.id);

  await openstackOk(aliceEnv, 'token', 'revoke', aliceToken.id);
  assert.equal((await http('GET', `${server.authUrl}/users/${alice.id}`, { token: aliceToken.id })).status, 401);

  const fresh = await openstackJson(aliceEnv, 'token', 'issue');
  assert.equal((await http('GET', `${server.authUrl}/users/${alice.id}`, { token: fresh.id })).status, 200);
  await openstackOk(admin, 'user', 'set', '--disable', 'alice');
  assert.equal((await http('GET', `${server.authUrl}/users/${alice.id}`, { token: fresh.id })).status, 401);
  const refused = await openstack(aliceEnv, 'token', 'issue');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /HTTP 401/);
});
