import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';

const t = useTestServer();

test('migrations: an empty list for admins (virtstack never migrates), 403 for members', async () => {
  const res = await http('GET', `${t.compute}/os-migrations`, { token: t.fx.adminToken });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { migrations: [] });
  const member = await t.fx.member();
  const denied = await http('GET', `${t.compute}/os-migrations`, { token: member.token });
  assert.equal(denied.status, 403);
  assert.ok(denied.body.forbidden);
});

test('instance usage audit log: every host not run, for the previous month', async () => {
  const res = await http('GET', `${t.compute}/os-instance_usage_audit_log`, { token: t.fx.adminToken });
  assert.equal(res.status, 200);
  const log = res.body.instance_usage_audit_logs;
  assert.equal(log.num_hosts, log.hosts_not_run.length);
  assert.ok(log.num_hosts >= 1, 'the local host is registered');
  assert.equal(log.overall_status, `0 of ${log.num_hosts} hosts done. 0 errors.`);
  const shown = await http('GET', `${t.compute}/os-instance_usage_audit_log/${encodeURIComponent('2026-03-15 10:00:00')}`, { token: t.fx.adminToken });
  assert.equal(shown.body.instance_usage_audit_log.period_beginning, '2026-02-01 00:00:00');
  assert.equal(shown.body.instance_usage_audit_log.period_ending, '2026-03-01 00:00:00');
  const bad = await http('GET', `${t.compute}/os-instance_usage_audit_log/not-a-date`, { token: t.fx.adminToken });
  assert.equal(bad.status, 400);
});

test('legacy /compute/v2 answers the v2.0 version document and 2.1 bodies', async () => {
  const res = await http('GET', `${t.server.url}/compute/v2/`, { token: t.fx.adminToken, headers: { 'OpenStack-API-Version': 'compute 2.47' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.version.id, 'v2.0');
  assert.equal(res.body.version.links[0].href, `${t.server.url}/compute/v2/`);
  const flavors = await http('GET', `${t.server.url}/compute/v2/flavors`, { token: t.fx.adminToken, headers: { 'OpenStack-API-Version': 'compute 2.47' } });
  assert.equal(flavors.headers.get('openstack-api-version'), 'compute 2.1');
  const root = await http('GET', `${t.server.url}/compute/`);
  assert.deepEqual(root.body.versions.map((v: any) => v.id), ['v2.0', 'v2.1']);
});

test('os-simple-tenant-usage/ with an empty tenant id is 404, not the list', async () => {
  const res = await http('GET', `${t.compute}/os-simple-tenant-usage/?start=2026-01-01T00:00:00`, { token: t.fx.adminToken });
  assert.equal(res.status, 404);
  assert.ok(res.body.itemNotFound);
});
