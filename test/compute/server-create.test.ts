import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { IdentityFixtures } from '../support/identity-fixtures.js';

let server: TestServer;
let fx: IdentityFixtures;
let compute: string;

before(async () => {
  server = await startTestServer();
  fx = await IdentityFixtures.create(server.authUrl);
  compute = `${server.url}/compute/v2.1`;
});
after(() => server.stop());

test('many concurrent creates over quota are each refused with 403, none starves the database pool', async () => {
  const { project, token } = await fx.member();
  assert.equal((await http('PUT', `${compute}/os-quota-sets/${project.id}`, { token: fx.adminToken, body: { quota_set: { instances: 0 } } })).status, 200);
  // More concurrent requests than database connections: each holds the project's quota lock in turn.
  const image = await http('POST', `${server.url}/image/v2/images`, { token: fx.adminToken, body: { name: 'quota-probe', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
  await fetch(`${server.url}/image/v2/images/${image.body.id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': fx.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(1 << 20) });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    http('POST', `${compute}/servers`, { token, body: { server: { name: `q${i}`, imageRef: image.body.id, flavorRef: '1' } } })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [403], JSON.stringify(results.find((r) => r.status !== 403)?.body));
  assert.match(results[0].body.forbidden.message, /^Quota exceeded for instances: Requested 1, but already used 0 of 0 instances/);
  // (A starved pool answers 500 once knex's acquire timeout runs out: the status check above catches it.)
});
