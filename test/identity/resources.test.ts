import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { uniqueName } from '../support/identity-fixtures.js';

let url: string;
const t = useTestServer({}, ({ server }) => (url = server.authUrl));

const admin = () => ({ token: t.fx.adminToken });

describe('domains', () => {
  test('create, filter, update, and delete only once disabled (which removes its content)', async () => {
    const name = uniqueName('dom');
    const created = await http('POST', `${url}/domains`, { ...admin(), body: { domain: { name, description: 'd' } } });
    assert.equal(created.status, 201);
    const d = created.body.domain;
    assert.equal(d.enabled, true);
    assert.equal(d.links.self, `${url}/domains/${d.id}`);
    const byName = await http('GET', `${url}/domains?name=${name}`, admin());
    assert.deepEqual(byName.body.domains.map((x: any) => x.id), [d.id]);
    const project = await t.fx.project({ domain_id: d.id });
    const user = await t.fx.user({ domain_id: d.id });
    assert.equal((await http('DELETE', `${url}/domains/${d.id}`, admin())).status, 403, 'an enabled domain is not deleted');
    const disabled = await http('PATCH', `${url}/domains/${d.id}`, { ...admin(), body: { domain: { enabled: false } } });
    assert.equal(disabled.body.domain.enabled, false);
    const filtered = await http('GET', `${url}/domains?enabled=false`, admin());
    assert.ok(filtered.body.domains.some((x: any) => x.id === d.id));
    assert.equal((await http('DELETE', `${url}/domains/${d.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/projects/${project.id}`, admin())).status, 404);
    assert.equal((await http('GET', `${url}/users/${user.id}`, admin())).status, 404);
  });

  test('duplicate names are 409, empty or too long names 400', async () => {
    const name = uniqueName('dom');
    await t.fx.post('domains', { domain: { name } });
    const dup = await http('POST', `${url}/domains`, { ...admin(), body: { domain: { name } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.title, 'Conflict');
    assert.equal((await http('POST', `${url}/domains`, { ...admin(), body: { domain: { name: '' } } })).status, 400);
    const long = await http('POST', `${url}/domains`, { ...admin(), body: { domain: { name: 'x'.repeat(65) } } });
    assert.equal(long.status, 400);
    assert.match(long.body.error.message, /too long/);
  });

  test('the default domain exists', async () => {
    const res = await http('GET', `${url}/domains/default`, admin());
    assert.equal(res.body.domain.name, 'Default');
  });
});

describe('projects', () => {
  test('top-level projects show their domain as parent; children name their parent', async () => {
    const parent = await t.fx.project();
    assert.equal(parent.parent_id, 'default');
    assert.equal(parent.is_domain, false);
    const child = await t.fx.project({ parent_id: parent.id });
    assert.equal(child.parent_id, parent.id);
    assert.equal((await http('DELETE', `${url}/projects/${parent.id}`, admin())).status, 403, 'a parent is not deleted');
    const listed = await http('GET', `${url}/projects?parent_id=${parent.id}`, admin());
    assert.deepEqual(listed.body.projects.map((p: any) => p.id), [child.id]);
    const shown = await http('GET', `${url}/projects/${child.id}?parents_as_list`, admin());
    assert.deepEqual(shown.body.project.parents.map((p: any) => p.project.id), [parent.id]);
  });

  test('extra attributes are kept; domain_id cannot change; duplicates are 409', async () => {
    const p = await t.fx.project({ color: 'blue' });
    assert.equal(p.color, 'blue');
    const upd = await http('PATCH', `${url}/projects/${p.id}`, { ...admin(), body: { project: { description: 'new', domain_id: 'other' } } });
    assert.equal(upd.status, 400);
    const ok = await http('PATCH', `${url}/projects/${p.id}`, { ...admin(), body: { project: { description: 'new' } } });
    assert.equal(ok.body.project.description, 'new');
    assert.equal(ok.body.project.color, 'blue');
    const dup = await http('POST', `${url}/projects`, { ...admin(), body: { project: { name: p.name } } });
    assert.equal(dup.status, 409);
  });

  test('a member may not list or create projects, but may list its own', async () => {
    const m = await t.fx.member();
    const list = await http('GET', `${url}/projects`, { token: m.token });
    assert.equal(list.status, 403);
    assert.match(list.body.error.message, /not authorized/);
    assert.equal((await http('POST', `${url}/projects`, { token: m.token, body: { project: { name: 'x' } } })).status, 403);
    const own = await http('GET', `${url}/users/${m.user.id}/projects`, { token: m.token });
    assert.deepEqual(own.body.projects.map((p: any) => p.id), [m.project.id]);
    const auth = await http('GET', `${url}/auth/projects`, { token: m.token });
    assert.deepEqual(auth.body.projects.map((p: any) => p.id), [m.project.id]);
    assert.equal((await http('GET', `${url}/projects/${m.project.id}`, { token: m.token })).status, 200);
  });
});

describe('projects acting as domains', () => {
  test('a project created with is_domain is a domain, listed with is_domain=true, updated and deleted as a project', async () => {
    const created = await http('POST', `${url}/projects`, { ...admin(), body: { project: { name: uniqueName('pd'), is_domain: true, domain_id: null } } });
    assert.equal(created.status, 201, created.text);
    const p = created.body.project;
    assert.deepEqual([p.is_domain, p.domain_id, p.parent_id], [true, null, null]);
    const asDomains = await http('GET', `${url}/projects?is_domain=true`, admin());
    assert.ok(asDomains.body.projects.some((x: any) => x.id === p.id));
    assert.ok(asDomains.body.projects.some((x: any) => x.id === 'default'), 'every domain is a project acting as a domain');
    assert.ok(!(await http('GET', `${url}/projects`, admin())).body.projects.some((x: any) => x.id === p.id), 'plain listing shows projects only');
    assert.ok((await http('GET', `${url}/domains`, admin())).body.domains.some((x: any) => x.id === p.id));
    assert.equal((await http('GET', `${url}/projects/${p.id}`, admin())).body.project.is_domain, true);
    const disabled = await http('PATCH', `${url}/projects/${p.id}`, { ...admin(), body: { project: { enabled: false } } });
    assert.equal(disabled.body.project.enabled, false);
    assert.equal((await http('GET', `${url}/domains/${p.id}`, admin())).body.domain.enabled, false);
    assert.equal((await http('DELETE', `${url}/projects/${p.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/domains/${p.id}`, admin())).status, 404);
  });
});

describe('users and groups', () => {
  test('users: create with extra fields, never show the password, read itself but not others', async () => {
    const u = await t.fx.user({ email: 'u@example.org' });
    assert.equal(u.email, 'u@example.org');
    assert.equal(u.password_expires_at, null);
    const shown = await http('GET', `${url}/users/${u.id}`, admin());
    assert.equal(shown.body.user.password, undefined);
    const m = await t.fx.member();
    assert.equal((await http('GET', `${url}/users/${m.user.id}`, { token: m.token })).status, 200);
    assert.equal((await http('GET', `${url}/users/${u.id}`, { token: m.token })).status, 403);
    assert.equal((await http('GET', `${url}/users`, { token: m.token })).status, 403);
    const missing = await http('POST', `${url}/users`, { ...admin(), body: { user: { name: 'x', domain_id: 'nope' } } });
    assert.equal(missing.status, 404);
  });

  test('groups: membership add, check, list both ways, remove', async () => {
    const g = (await t.fx.post('groups', { group: { name: uniqueName('g') } })).group;
    const u = await t.fx.user();
    assert.equal((await http('PUT', `${url}/groups/${g.id}/users/${u.id}`, admin())).status, 204);
    assert.equal((await http('HEAD', `${url}/groups/${g.id}/users/${u.id}`, admin())).status, 204);
    const members = await http('GET', `${url}/groups/${g.id}/users`, admin());
    assert.deepEqual(members.body.users.map((x: any) => x.id), [u.id]);
    const groups = await http('GET', `${url}/users/${u.id}/groups`, admin());
    assert.deepEqual(groups.body.groups.map((x: any) => x.id), [g.id]);
    assert.equal((await http('DELETE', `${url}/groups/${g.id}/users/${u.id}`, admin())).status, 204);
    assert.equal((await http('HEAD', `${url}/groups/${g.id}/users/${u.id}`, admin())).status, 404);
  });
});

describe('roles and assignments', () => {
  test('a grant through a group gives the role, listed with effective and include_names', async () => {
    const project = await t.fx.project();
    const user = await t.fx.user();
    const g = (await t.fx.post('groups', { group: { name: uniqueName('g') } })).group;
    await t.fx.put(`groups/${g.id}/users/${user.id}`);
    const member = await t.fx.role('member');
    await t.fx.put(`projects/${project.id}/groups/${g.id}/roles/${member.id}`);
    const effective = await http('GET', `${url}/role_assignments?effective&include_names&user.id=${user.id}`, admin());
    assert.equal(effective.status, 200);
    const names = effective.body.role_assignments.map((a: any) => `${a.role.name}@${a.scope.project.name}`).sort();
    assert.deepEqual(names, [`member@${project.name}`, `reader@${project.name}`], 'member implies reader');
    const direct = effective.body.role_assignments.find((a: any) => a.role.name === 'member');
    assert.equal(direct.user.name, user.name);
    assert.equal(direct.links.membership, `${url}/groups/${g.id}/users/${user.id}`);
    const plain = await http('GET', `${url}/role_assignments?scope.project.id=${project.id}`, admin());
    assert.deepEqual(plain.body.role_assignments.map((a: any) => a.group?.id), [g.id]);
  });

  test('inherited grants on a domain reach its projects, not the domain', async () => {
    const project = await t.fx.project();
    const user = await t.fx.user();
    const reader = await t.fx.role('reader');
    await t.fx.put(`OS-INHERIT/domains/default/users/${user.id}/roles/${reader.id}/inherited_to_projects`);
    const listed = await http('GET', `${url}/OS-INHERIT/domains/default/users/${user.id}/roles/inherited_to_projects`, admin());
    assert.deepEqual(listed.body.roles.map((r: any) => r.name), ['reader']);
    const effective = await http('GET', `${url}/role_assignments?effective&user.id=${user.id}&scope.project.id=${project.id}`, admin());
    assert.equal(effective.body.role_assignments.length, 1);
    assert.equal((await http('GET', `${url}/domains/default/users/${user.id}/roles`, admin())).body.roles.length, 0);
  });

  test('a domain-specific role never appears in effective assignments, only the roles it implies', async () => {
    const project = await t.fx.project();
    const user = await t.fx.user();
    const domainRole = (await t.fx.post('roles', { role: { name: uniqueName('dr'), domain_id: 'default' } })).role;
    await t.fx.put(`projects/${project.id}/users/${user.id}/roles/${domainRole.id}`);
    const q = `${url}/role_assignments?effective&user.id=${user.id}&scope.project.id=${project.id}`;
    assert.deepEqual((await http('GET', q, admin())).body.role_assignments, []);
    const reader = await t.fx.role('reader');
    await t.fx.put(`roles/${domainRole.id}/implies/${reader.id}`);
    assert.deepEqual((await http('GET', q, admin())).body.role_assignments.map((a: any) => a.role.id), [reader.id]);
    const direct = await http('GET', `${url}/role_assignments?user.id=${user.id}`, admin());
    assert.deepEqual(direct.body.role_assignments.map((a: any) => a.role.id), [domainRole.id], 'the grant itself is still listed');
  });

  test('implied roles: create, list, refuse cycles, delete', async () => {
    const a = (await t.fx.post('roles', { role: { name: uniqueName('ra') } })).role;
    const b = (await t.fx.post('roles', { role: { name: uniqueName('rb') } })).role;
    const created = await http('PUT', `${url}/roles/${a.id}/implies/${b.id}`, admin());
    assert.equal(created.status, 201);
    assert.equal(created.body.role_inference.implies.id, b.id);
    assert.equal((await http('PUT', `${url}/roles/${b.id}/implies/${a.id}`, admin())).status, 403);
    const list = await http('GET', `${url}/roles/${a.id}/implies`, admin());
    assert.deepEqual(list.body.role_inference.implies.map((r: any) => r.id), [b.id]);
    assert.equal((await http('DELETE', `${url}/roles/${a.id}/implies/${b.id}`, admin())).status, 204);
    assert.equal((await http('HEAD', `${url}/roles/${a.id}/implies/${b.id}`, admin())).status, 404);
  });

  test('grant, check and revoke on a project; unknown parties are 404', async () => {
    const project = await t.fx.project();
    const user = await t.fx.user();
    const member = await t.fx.role('member');
    const path = `${url}/projects/${project.id}/users/${user.id}/roles/${member.id}`;
    assert.equal((await http('HEAD', path, admin())).status, 404);
    assert.equal((await http('PUT', path, admin())).status, 204);
    assert.equal((await http('HEAD', path, admin())).status, 204);
    assert.equal((await http('DELETE', path, admin())).status, 204);
    assert.equal((await http('PUT', `${url}/projects/nope/users/${user.id}/roles/${member.id}`, admin())).status, 404);
  });
});

describe('catalog', () => {
  test('regions, services and endpoints CRUD; endpoints with a bad interface are refused', async () => {
    const region = await http('PUT', `${url}/regions/${uniqueName('r')}`, { ...admin(), body: { region: { description: 'x' } } });
    assert.equal(region.status, 201);
    const svc = (await t.fx.post('services', { service: { type: 'example', name: 'ex', description: 'd' } })).service;
    assert.equal(svc.name, 'ex');
    const bad = await http('POST', `${url}/endpoints`, { ...admin(), body: { endpoint: { service_id: svc.id, interface: 'private', url: 'http://x' } } });
    assert.equal(bad.status, 400);
    const ep = (await t.fx.post('endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x', region_id: region.body.region.id } })).endpoint;
    assert.equal(ep.region_id, region.body.region.id);
    assert.equal((await http('DELETE', `${url}/regions/${region.body.region.id}`, admin())).status, 403, 'a region with endpoints stays');
    assert.equal((await http('DELETE', `${url}/services/${svc.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/endpoints/${ep.id}`, admin())).status, 404, 'endpoints go with their service');
  });

  test('an endpoint naming an unknown region creates the region, as Keystone does', async () => {
    const svc = (await t.fx.post('services', { service: { type: uniqueName('t') } })).service;
    const region = uniqueName('new-region');
    const ep = (await t.fx.post('endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x', region } })).endpoint;
    assert.equal(ep.region_id, region);
    assert.equal((await http('GET', `${url}/regions/${region}`, admin())).status, 200);
    const other = uniqueName('r2');
    const upd = await http('PATCH', `${url}/endpoints/${ep.id}`, { ...admin(), body: { endpoint: { region_id: other } } });
    assert.equal(upd.body.endpoint.region_id, other);
    assert.equal((await http('GET', `${url}/regions/${other}`, admin())).status, 200);
  });
});
