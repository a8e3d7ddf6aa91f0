import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';

const t = useTestServer();

test('many concurrent creates over quota are each refused with 403, none starves the database pool', async () => {
  const { project, token } = await t.fx.member();
  assert.equal((await http('PUT', `${t.compute}/os-quota-sets/${project.id}`, { token: t.fx.adminToken, body: { quota_set: { instances: 0 } } })).status, 200);
  // More concurrent requests than database connections: each holds the project's quota lock in turn.
  const image = await http('POST', `${t.server.url}/image/v2/images`, { token: t.fx.adminToken, body: { name: 'quota-probe', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
  await fetch(`${t.server.url}/image/v2/images/${image.body.id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': t.fx.adminToken, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(1 << 20) });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    http('POST', `${t.compute}/servers`, { token, body: { server: { name: `q${i}`, imageRef: image.body.id, flavorRef: '1' } } })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [403], JSON.stringify(results.find((r) => r.status !== 403)?.body));
  assert.match(results[0].body.forbidden.message, /^Quota exceeded for instances: Requested 1, but already used 0 of 0 instances/);
  // (A starved pool answers 500 once knex's acquire timeout runs out: the status check above catches it.)
});
