import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { waitForGone, waitForStatus } from '../support/compute-fixtures.js';

const t = useTestServer();

test('os-server-external-events: each event answered on its own, 207 when some fail, 404 when none is accepted; admin only', async () => {
  const admin = t.fx.adminToken;
  const image = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { name: 'events-probe', disk_format: 'raw', container_format: 'bare', visibility: 'public' } });
  await fetch(`${t.server.url}/image/v2/images/${image.body.id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': admin, 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(1 << 20) });
  const created = await http('POST', `${t.compute}/servers`, { token: admin, body: { server: { name: 'events', imageRef: image.body.id, flavorRef: '1' } } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const server = created.body.server.id;
  // A server no host can take (more memory than any host has) ends in ERROR on no host.
  const me = await http('GET', `${t.server.authUrl}/auth/tokens`, { token: admin, headers: { 'X-Subject-Token': admin } });
  await http('PUT', `${t.compute}/os-quota-sets/${me.body.token.project.id}`, { token: admin, body: { quota_set: { ram: -1 } } });
  const flavor = await http('POST', `${t.compute}/flavors`, { token: admin, body: { flavor: { name: 'events-huge', ram: 64 * 1024 * 1024, vcpus: 1, disk: 0 } } });
  const homeless = (await http('POST', `${t.compute}/servers`, { token: admin, body: { server: { name: 'homeless', imageRef: image.body.id, flavorRef: flavor.body.flavor.id } } })).body.server.id;
  try {
    await waitForStatus(t.compute, admin, server, 'ACTIVE');
    await waitForStatus(t.compute, admin, homeless, 'ERROR');
    const post = (events: unknown[], token = admin) => http('POST', `${t.compute}/os-server-external-events`, { token, body: { events } });

    const ok = await post([{ name: 'network-changed', server_uuid: server }]);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { events: [{ name: 'network-changed', server_uuid: server, status: 'completed', code: 200 }] });

    const missing = '5a1b6bd8-0e1f-4c86-8b1b-8d0e6c2f9a11';
    const mixed = await post([
      { name: 'network-vif-plugged', server_uuid: server, tag: 'port-1', status: 'in-progress' },
      { name: 'network-vif-unplugged', server_uuid: missing },
      { name: 'network-vif-deleted', server_uuid: homeless, tag: 'port-2' },
    ]);
    assert.equal(mixed.status, 207);
    assert.deepEqual(mixed.body.events, [
      { name: 'network-vif-plugged', server_uuid: server, tag: 'port-1', status: 'completed', code: 200 },
      { name: 'network-vif-unplugged', server_uuid: missing, status: 'failed', code: 404 },
      { name: 'network-vif-deleted', server_uuid: homeless, tag: 'port-2', status: 'failed', code: 422 },
    ]);

    const none = await post([{ name: 'network-changed', server_uuid: missing }, { name: 'network-changed', server_uuid: homeless }]);
    assert.equal(none.status, 404);
    assert.equal(none.body.itemNotFound.message, 'No instances found for any event');

    // Names beyond 2.50 (volume-extended, power-update), unknown fields, an empty list, a long tag: 400.
    for (const bad of [[{ name: 'volume-extended', server_uuid: server, tag: 'vol' }], [{ name: 'network-changed', server_uuid: server, extra: 1 }], [], [{ name: 'network-changed', server_uuid: server, tag: 'x'.repeat(256) }], [{ name: 'network-changed', server_uuid: 'not-a-uuid' }]]) {
      const res = await post(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.ok(res.body.badRequest, JSON.stringify(res.body));
    }

    const member = await t.fx.member();
    const denied = await post([{ name: 'network-changed', server_uuid: server }], member.token);
    assert.equal(denied.status, 403);
  } finally {
    for (const id of [server, homeless]) {
      await http('DELETE', `${t.compute}/servers/${id}`, { token: admin });
      await waitForGone(t.compute, admin, id);
    }
  }
});
