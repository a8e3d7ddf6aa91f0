// Nova's operator and misc APIs against a real virtstack (real PostgreSQL, real libvirtd host):
// availability zones, hypervisors, services, os-hosts, aggregates, server groups, quotas, usage,
// extensions, and the microversion gates of each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { http } from '../support/http.js';
import { IdentityFixtures, uniqueName } from '../support/identity-fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let ids: IdentityFixtures;
let admin: string;
let member: { user: any; project: any; token: string };
let nova: string;
let hostName: string;

const v = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
const get = (path: string, token: string, version = '2.1') => http('GET', `${nova}${path}`, { token, headers: v(version) });
const send = (method: string, path: string, token: string, body?: unknown, version = '2.1') => http(method, `${nova}${path}`, { token, body, headers: v(version) });
const forbidden = (res: { status: number; body: any }, rule: string) => {
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.deepEqual(res.body, { forbidden: { code: 403, message: `Policy doesn't allow ${rule} to be performed.` } });
};

before(async () => {
  server = await startTestServer();
  ids = await IdentityFixtures.create(server.authUrl);
  admin = ids.adminToken;
  member = await ids.member();
  nova = `${server.url}/compute/v2.1`;
  const res = await get('/os-hypervisors', admin);
  assert.equal(res.status, 200, res.text);
  hostName = res.body.hypervisors[0].hypervisor_hostname;
});

after(async () => {
  await server?.stop();
});

describe('os-availability-zone', () => {
  test('lists the default zone to anyone, hides the internal zone', async () => {
    const res = await get('/os-availability-zone', member.token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.availabilityZoneInfo, [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
  });

  test('detail shows hosts with their services to admins only', async () => {
    const res = await get('/os-availability-zone/detail', admin);
    assert.equal(res.status, 200);
    const zones = Object.fromEntries(res.body.availabilityZoneInfo.map((z: any) => [z.zoneName, z]));
    assert.equal(zones.nova.hosts[hostName]['nova-compute'].active, true);
    assert.equal(zones.nova.hosts[hostName]['nova-compute'].available, true);
    assert.match(zones.nova.hosts[hostName]['nova-compute'].updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.ok(zones.internal.hosts);
    forbidden(await get('/os-availability-zone/detail', member.token), 'os_compute_api:os-availability-zone:detail');
  });
});

describe('os-hypervisors', () => {
  test('list, detail, show and statistics carry the host figures', async () => {
    const list = await get('/os-hypervisors', admin);
    const h = list.body.hypervisors[0];
    assert.deepEqual(Object.keys(h).sort(), ['hypervisor_hostname', 'id', 'state', 'status']);
    assert.equal(h.state, 'up');
    assert.equal(h.status, 'enabled');
    const show = await get(`/os-hypervisors/${h.id}`, admin);
    assert.equal(show.status, 200);
    const d = show.body.hypervisor;
    assert.ok(d.vcpus > 0 && d.memory_mb > 0 && d.local_gb > 0);
    assert.equal(d.free_ram_mb, d.memory_mb - d.memory_mb_used);
    assert.equal(d.service.host, hostName);
    assert.equal(typeof d.cpu_info, 'string', 'cpu_info is a JSON string before 2.28');
    const stats = await get('/os-hypervisors/statistics', admin);
    assert.equal(stats.body.hypervisor_statistics.count, 1);
    assert.equal(stats.body.hypervisor_statistics.vcpus, d.vcpus);
  });

  test('cpu_info is an object from 2.28', async () => {
    const res = await get('/os-hypervisors/detail', admin, '2.28');
    assert.equal(typeof res.body.hypervisors[0].cpu_info, 'object');
  });

  test('pages with limit and marker from 2.33', async () => {
    const page = await get('/os-hypervisors?limit=1', admin, '2.33');
    assert.equal(page.body.hypervisors.length, 1);
    assert.equal(page.body.hypervisors_links[0].rel, 'next');
    const next = await get(`/os-hypervisors?limit=1&marker=${page.body.hypervisors[0].id}`, admin, '2.33');
    assert.deepEqual(next.body.hypervisors, []);
    assert.equal((await get('/os-hypervisors?marker=9999', admin, '2.33')).status, 400);
    assert.equal((await get('/os-hypervisors?limit=1', admin, '2.32')).body.hypervisors_links, undefined);
  });

  test('search, servers and uptime by hostname and id', async () => {
    const search = await get(`/os-hypervisors/${hostName}/search`, admin);
    assert.equal(search.body.hypervisors[0].hypervisor_hostname, hostName);
    const servers = await get(`/os-hypervisors/${hostName}/servers`, admin);
    assert.equal(servers.status, 200);
    assert.equal((await get('/os-hypervisors/no-such-host/search', admin)).status, 404);
    const id = search.body.hypervisors[0].id;
    const uptime = await get(`/os-hypervisors/${id}/uptime`, admin);
    assert.equal(uptime.status, 200, uptime.text);
    assert.match(uptime.body.hypervisor.uptime, /load average/);
  });

  test('unknown ids are 404, members are refused', async () => {
    assert.equal((await get('/os-hypervisors/9999', admin)).status, 404);
    assert.equal((await get(`/os-hypervisors/${crypto.randomUUID()}`, admin)).status, 404);
    forbidden(await get('/os-hypervisors', member.token), 'os_compute_api:os-hypervisors:list');
    forbidden(await get('/os-hypervisors/statistics', member.token), 'os_compute_api:os-hypervisors:statistics');
  });
});

describe('os-services', () => {
  test('lists compute, scheduler and conductor with filters; forced_down from 2.11', async () => {
    const all = await get('/os-services', admin);
    assert.deepEqual(all.body.services.map((s: any) => s.binary).sort(), ['nova-compute', 'nova-conductor', 'nova-scheduler']);
    assert.equal(all.body.services[0].forced_down, undefined);
    const compute = await get('/os-services?binary=nova-compute', admin, '2.11');
    assert.equal(compute.body.services.length, 1);
    assert.equal(compute.body.services[0].forced_down, false);
    assert.equal(compute.body.services[0].zone, 'nova');
    assert.deepEqual((await get(`/os-services?host=${hostName}&binary=xxx`, admin)).body.services, []);
    forbidden(await get('/os-services', member.token), 'os_compute_api:os-services:list');
  });

  test('disabling nova-compute disables its hypervisor, enabling restores it', async () => {
    const reason = await send('PUT', '/os-services/disable-log-reason', admin, { host: hostName, binary: 'nova-compute', disabled_reason: 'maintenance' });
    assert.equal(reason.status, 200, reason.text);
    assert.deepEqual(reason.body, { service: { host: hostName, binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
    const hyp = await get('/os-hypervisors', admin);
    assert.equal(hyp.body.hypervisors[0].status, 'disabled');
    const enable = await send('PUT', '/os-services/enable', admin, { host: hostName, binary: 'nova-compute' });
    assert.deepEqual(enable.body, { service: { host: hostName, binary: 'nova-compute', status: 'enabled' } });
    assert.equal((await get('/os-hypervisors', admin)).body.hypervisors[0].status, 'enabled');
  });

  test('refuses other binaries, unknown hosts and actions', async () => {
    assert.equal((await send('PUT', '/os-services/disable', admin, { host: hostName, binary: 'nova-scheduler' })).status, 400);
    assert.equal((await send('PUT', '/os-services/disable', admin, { host: 'nowhere', binary: 'nova-compute' })).status, 404);
    assert.equal((await send('PUT', '/os-services/force-down', admin, { host: hostName, binary: 'nova-compute' })).status, 404, 'force-down needs 2.11');
    assert.equal((await send('PUT', '/os-services/force-down', admin, { host: hostName, binary: 'nova-compute', forced_down: true })).status, 400, 'forced_down is not in the 2.1 schema');
    const down = await send('PUT', '/os-services/force-down', admin, { host: hostName, binary: 'nova-compute', forced_down: false }, '2.11');
    assert.deepEqual(down.body, { service: { host: hostName, binary: 'nova-compute', forced_down: false } });
    assert.equal((await send('DELETE', '/os-services/abc', admin)).status, 400);
    assert.equal((await send('DELETE', '/os-services/9999', admin)).status, 404);
    forbidden(await send('PUT', '/os-services/enable', member.token, { host: hostName, binary: 'nova-compute' }), 'os_compute_api:os-services:update');
  });
});

describe('os-hosts', () => {
  test('lists and shows hosts until 2.42, gone at 2.43', async () => {
    const list = await get('/os-hosts', admin);
    assert.ok(list.body.hosts.length >= 2);
    assert.ok(list.body.hosts.some((h: any) => h.host_name === hostName && h.service === 'compute' && h.zone === 'nova'));
    assert.deepEqual((await get('/os-hosts?zone=xxx', admin)).body.hosts, []);
    const show = await get(`/os-hosts/${hostName}`, admin);
    assert.deepEqual(show.body.host.slice(0, 3).map((r: any) => r.resource.project), ['(total)', '(used_now)', '(used_max)']);
    assert.equal((await get('/os-hosts/nonexistent', admin)).status, 404);
    assert.equal((await get('/os-hosts', admin, '2.43')).status, 404);
    forbidden(await get('/os-hosts', member.token), 'os_compute_api:os-hosts:list');
  });

  test('update and power actions: 400 on bad input, 404 on unknown hosts, 501 for the libvirt host', async () => {
    assert.equal((await send('PUT', `/os-hosts/${hostName}`, admin, { status: 'invalid' })).status, 400);
    assert.equal((await send('PUT', `/os-hosts/${hostName}`, admin, {})).status, 400);
    assert.equal((await send('PUT', '/os-hosts/nonexistent', admin, { status: 'enable' })).status, 404);
    assert.equal((await send('PUT', `/os-hosts/${hostName}`, admin, { status: 'enable' })).status, 501);
    assert.equal((await get('/os-hosts/nonexistent/reboot', admin)).status, 404);
    assert.equal((await get(`/os-hosts/${hostName}/reboot`, admin)).status, 501);
  });
});

describe('os-aggregates', () => {
  test('CRUD with the availability zone, uuid from 2.41', async () => {
    const name = uniqueName('agg');
    const created = await send('POST', '/os-aggregates', admin, { aggregate: { name, availability_zone: 'az-a' } });
    assert.equal(created.status, 200, created.text);
    const a = created.body.aggregate;
    assert.deepEqual(Object.keys(a).sort(), ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id', 'name', 'updated_at']);
    assert.equal(a.availability_zone, 'az-a');
    const shown = await get(`/os-aggregates/${a.id}`, admin, '2.41');
    assert.match(shown.body.aggregate.uuid, /^[0-9a-f-]{36}$/);
    assert.equal((await get(`/os-aggregates/${a.id}`, admin, '2.40')).body.aggregate.uuid, undefined);
    assert.equal((await send('POST', '/os-aggregates', admin, { aggregate: { name } })).status, 409);
    const renamed = await send('PUT', `/os-aggregates/${a.id}`, admin, { aggregate: { name: `${name}-2` } });
    assert.equal(renamed.body.aggregate.name, `${name}-2`);
    assert.match(renamed.body.aggregate.updated_at, /^\d{4}-/);
    const meta = await send('POST', `/os-aggregates/${a.id}/action`, admin, { set_metadata: { metadata: { ssd: 'true' } } });
    assert.deepEqual(meta.body.aggregate.metadata, { availability_zone: 'az-a', ssd: 'true' });
    const unset = await send('POST', `/os-aggregates/${a.id}/action`, admin, { set_metadata: { metadata: { ssd: null } } });
    assert.deepEqual(unset.body.aggregate.metadata, { availability_zone: 'az-a' });
    assert.equal((await send('DELETE', `/os-aggregates/${a.id}`, admin)).status, 200);
    assert.equal((await get(`/os-aggregates/${a.id}`, admin)).status, 404);
    assert.equal((await get('/os-aggregates/abc', admin)).status, 400);
  });

  test('hosts: the zone places the host, one zone per host, non-empty aggregates stay', async () => {
    const a = (await send('POST', '/os-aggregates', admin, { aggregate: { name: uniqueName('agg'), availability_zone: 'az-b' } })).body.aggregate;
    const b = (await send('POST', '/os-aggregates', admin, { aggregate: { name: uniqueName('agg'), availability_zone: 'az-c' } })).body.aggregate;
    const added = await send('POST', `/os-aggregates/${a.id}/action`, admin, { add_host: { host: hostName } });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(added.body.aggregate.hosts, [hostName]);
    assert.equal((await send('POST', `/os-aggregates/${a.id}/action`, admin, { add_host: { host: hostName } })).status, 409);
    assert.equal((await send('POST', `/os-aggregates/${b.id}/action`, admin, { add_host: { host: hostName } })).status, 409, 'a host is in one zone only');
    assert.equal((await send('POST', `/os-aggregates/${a.id}/action`, admin, { add_host: { host: 'nowhere' } })).status, 404);
    const zones = await get('/os-availability-zone', member.token);
    assert.deepEqual(zones.body.availabilityZoneInfo.map((z: any) => z.zoneName), ['az-b']);
    assert.equal((await send('DELETE', `/os-aggregates/${a.id}`, admin)).status, 400);
    assert.equal((await send('POST', `/os-aggregates/${a.id}/action`, admin, { remove_host: { host: 'nowhere' } })).status, 404);
    const removed = await send('POST', `/os-aggregates/${a.id}/action`, admin, { remove_host: { host: hostName } });
    assert.deepEqual(removed.body.aggregate.hosts, []);
    assert.equal((await send('DELETE', `/os-aggregates/${a.id}`, admin)).status, 200);
    assert.equal((await send('DELETE', `/os-aggregates/${b.id}`, admin)).status, 200);
    assert.deepEqual((await get('/os-availability-zone', member.token)).body.availabilityZoneInfo.map((z: any) => z.zoneName), ['nova']);
  });

  test('validates names and refuses members', async () => {
    assert.equal((await send('POST', '/os-aggregates', admin, { aggregate: { name: '' } })).status, 400);
    assert.equal((await send('POST', '/os-aggregates', admin, { aggregate: { name: 'x'.repeat(256) } })).status, 400);
    assert.equal((await send('POST', '/os-aggregates', admin, { aggregate: { name: ' padded ' } })).status, 400);
    forbidden(await send('POST', '/os-aggregates', member.token, { aggregate: { name: uniqueName('agg') } }), 'os_compute_api:os-aggregates:create');
    forbidden(await get('/os-aggregates', member.token), 'os_compute_api:os-aggregates:index');
  });
});

describe('os-server-groups', () => {
  test('create, show, list and delete; project_id/user_id from 2.13', async () => {
    const created = await send('POST', '/os-server-groups', member.token, { server_group: { name: 'g1', policies: ['anti-affinity'] } });
    assert.equal(created.status, 200, created.text);
    const g = created.body.server_group;
    assert.deepEqual(g, { id: g.id, name: 'g1', policies: ['anti-affinity'], members: [], metadata: {} });
    const shown = await get(`/os-server-groups/${g.id}`, member.token, '2.13');
    assert.equal(shown.body.server_group.project_id, member.project.id);
    assert.equal(shown.body.server_group.user_id, member.user.id);
    const list = await get('/os-server-groups', member.token);
    assert.deepEqual(list.body.server_groups.map((x: any) => x.id), [g.id]);
    assert.equal((await get('/os-server-groups?all_projects=1', admin)).body.server_groups.some((x: any) => x.id === g.id), true);
    assert.equal((await get('/os-server-groups', admin)).body.server_groups.some((x: any) => x.id === g.id), false);
    assert.equal((await get('/os-server-groups?limit=0', member.token)).body.server_groups.length, 0);
    assert.equal((await get('/os-server-groups?offset=1', member.token)).body.server_groups.length, 0);
    const other = await ids.member();
    forbidden(await get(`/os-server-groups/${g.id}`, other.token), 'os_compute_api:os-server-groups:show');
    assert.equal((await send('DELETE', `/os-server-groups/${g.id}`, member.token)).status, 204);
    assert.equal((await get(`/os-server-groups/${g.id}`, member.token)).status, 404);
  });

  test('soft policies only from 2.15; bad policies are 400', async () => {
    assert.equal((await send('POST', '/os-server-groups', member.token, { server_group: { name: 'g', policies: ['soft-affinity'] } })).status, 400);
    const soft = await send('POST', '/os-server-groups', member.token, { server_group: { name: 'g', policies: ['soft-affinity'] } }, '2.15');
    assert.equal(soft.status, 200, soft.text);
    assert.deepEqual(soft.body.server_group.policies, ['soft-affinity']);
    assert.equal((await send('POST', '/os-server-groups', member.token, { server_group: { name: 'g', policies: ['bogus'] } })).status, 400);
    assert.equal((await send('POST', '/os-server-groups', member.token, { server_group: { name: 'g', policies: ['affinity', 'anti-affinity'] } })).status, 400);
  });

  test('the server_groups quota is enforced', async () => {
    const m = await ids.member();
    assert.equal((await send('PUT', `/os-quota-sets/${m.project.id}`, admin, { quota_set: { server_groups: 1 } })).status, 200);
    assert.equal((await send('POST', '/os-server-groups', m.token, { server_group: { name: 'a', policies: ['affinity'] } })).status, 200);
    const over = await send('POST', '/os-server-groups', m.token, { server_group: { name: 'b', policies: ['affinity'] } });
    assert.equal(over.status, 403);
    assert.equal(over.body.forbidden.message, 'Quota exceeded, too many server groups.');
  });
});

describe('os-quota-sets', () => {
  test('show, defaults and detail; network quotas gone at 2.36', async () => {
    const show = await get(`/os-quota-sets/${member.project.id}`, member.token);
    assert.equal(show.status, 200, show.text);
    assert.equal(show.body.quota_set.id, member.project.id);
    assert.equal(show.body.quota_set.instances, 10);
    assert.equal(show.body.quota_set.floating_ips, -1);
    assert.equal((await get(`/os-quota-sets/${member.project.id}`, member.token, '2.36')).body.quota_set.floating_ips, undefined);
    const defaults = await get(`/os-quota-sets/${member.project.id}/defaults`, member.token);
    assert.equal(defaults.body.quota_set.cores, 20);
    const detail = await get(`/os-quota-sets/${member.project.id}/detail`, member.token);
    assert.deepEqual(detail.body.quota_set.instances, { limit: 10, in_use: 0, reserved: 0 });
    const other = await ids.member();
    forbidden(await get(`/os-quota-sets/${member.project.id}`, other.token), 'os_compute_api:os-quota-sets:show');
  });

  test('update with force and delete back to defaults', async () => {
    const p = await ids.project();
    const updated = await send('PUT', `/os-quota-sets/${p.id}`, admin, { quota_set: { ram: '5120', instances: 3, force: true } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.quota_set.ram, 5120);
    assert.equal(updated.body.quota_set.id, undefined, 'update answers without id');
    assert.equal((await send('PUT', `/os-quota-sets/${p.id}`, admin, { quota_set: { ram: 'lots' } })).status, 400);
    assert.equal((await send('PUT', `/os-quota-sets/${p.id}`, admin, { quota_set: { floating_ips: 5 } }, '2.36')).status, 400);
    assert.equal((await send('PUT', `/os-quota-sets/${p.id}`, admin, { quota_set: { floating_ips: 5 } })).body.quota_set.floating_ips, 5);
    forbidden(await send('PUT', `/os-quota-sets/${p.id}`, member.token, { quota_set: { ram: 0 } }), 'os_compute_api:os-quota-sets:update');
    assert.equal((await send('DELETE', `/os-quota-sets/${p.id}`, admin)).status, 202);
    assert.equal((await get(`/os-quota-sets/${p.id}`, admin)).body.quota_set.ram, 51200);
  });

  test('per-user limits', async () => {
    const p = await ids.project();
    const u = await ids.user();
    assert.equal((await send('PUT', `/os-quota-sets/${p.id}?user_id=${u.id}`, admin, { quota_set: { ram: 2048 } })).status, 200);
    assert.equal((await get(`/os-quota-sets/${p.id}?user_id=${u.id}`, admin)).body.quota_set.ram, 2048);
    assert.equal((await get(`/os-quota-sets/${p.id}`, admin)).body.quota_set.ram, 51200);
  });

  test('the default quota class changes every project\'s defaults', async () => {
    const show = await get('/os-quota-class-sets/default', admin);
    assert.equal(show.body.quota_class_set.id, 'default');
    assert.equal(show.body.quota_class_set.server_groups, undefined, 'server group quotas appear at 2.50');
    const updated = await send('PUT', '/os-quota-class-sets/default', admin, { quota_class_set: { metadata_items: 200 } });
    assert.equal(updated.body.quota_class_set.metadata_items, 200);
    assert.equal((await get(`/os-quota-sets/${member.project.id}/defaults`, member.token)).body.quota_set.metadata_items, 200);
    await send('PUT', '/os-quota-class-sets/default', admin, { quota_class_set: { metadata_items: 128 } });
    forbidden(await get('/os-quota-class-sets/default', member.token), 'os_compute_api:os-quota-class-sets:show');
  });
});

describe('os-simple-tenant-usage', () => {
  test('lists usage to admins, shows a project to its members', async () => {
    const start = new Date(Date.now() - 3600_000).toISOString().replace('Z', '');
    const list = await get(`/os-simple-tenant-usage?start=${start}&detailed=1`, admin);
    assert.equal(list.status, 200, list.text);
    assert.ok(Array.isArray(list.body.tenant_usages));
    const show = await get(`/os-simple-tenant-usage/${member.project.id}?start=${start}`, member.token);
    assert.deepEqual(show.body, { tenant_usage: {} });
    forbidden(await get('/os-simple-tenant-usage', member.token), 'os_compute_api:os-simple-tenant-usage:list');
    forbidden(await get(`/os-simple-tenant-usage/${admin}`, member.token), 'os_compute_api:os-simple-tenant-usage:show');
  });

  test('refuses bad periods', async () => {
    assert.equal((await get('/os-simple-tenant-usage?start=yesterday', admin)).status, 400);
    assert.equal((await get('/os-simple-tenant-usage?start=2030-01-01T00:00:00&end=2029-01-01T00:00:00', admin)).status, 400);
    assert.equal((await get(`/os-simple-tenant-usage?marker=${crypto.randomUUID()}`, admin, '2.40')).status, 400);
  });
});

describe('extensions', () => {
  test('lists Nova\'s v2.1 extensions and shows one by alias', async () => {
    const list = await get('/extensions', member.token);
    assert.equal(list.body.extensions.length, 99);
    const az = await get('/extensions/os-availability-zone', member.token);
    assert.equal(az.body.extension.name, 'AvailabilityZone');
    assert.equal((await get('/extensions/os-nope', member.token)).status, 404);
  });
});

describe('image proxy', () => {
  test('is gone from 2.36 on, image metadata from 2.39 on', async () => {
    assert.equal((await get('/images', member.token, '2.36')).status, 404);
    assert.equal((await get(`/images/${crypto.randomUUID()}/metadata`, member.token, '2.39')).status, 404);
  });

  test('lists images and answers 404 for unknown ones', async () => {
    const list = await get('/images', member.token);
    assert.equal(list.status, 200, list.text);
    assert.ok(Array.isArray(list.body.images));
    assert.equal((await get(`/images/${crypto.randomUUID()}`, member.token)).status, 404);
    assert.equal((await send('DELETE', `/images/${crypto.randomUUID()}`, member.token)).status, 404);
  });
});
