// Keystone's credentials (incl. OS-EC2), domain configuration, endpoint groups, OAuth1 consumers and policies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { uniqueName } from '../support/identity-fixtures.js';

let url: string;
const t = useTestServer({}, ({ server }) => (url = server.authUrl));

const admin = () => ({ token: t.fx.adminToken });

describe('credentials', () => {
  test('an ec2 credential gets sha256(access) as id; CRUD keeps the id and needs a project', async () => {
    const m = await t.fx.member();
    const blob = JSON.stringify({ access: uniqueName('a'), secret: 's' });
    const created = await http('POST', `${url}/credentials`, { ...admin(), body: { credential: { user_id: m.user.id, project_id: m.project.id, type: 'ec2', blob } } });
    assert.equal(created.status, 201, created.text);
    const c = created.body.credential;
    assert.equal(c.id, createHash('sha256').update(JSON.parse(blob).access).digest('hex'));
    assert.equal(c.blob, blob);
    assert.equal(c.links.self, `${url}/credentials/${c.id}`);
    const dup = await http('POST', `${url}/credentials`, { ...admin(), body: { credential: { user_id: m.user.id, project_id: m.project.id, type: 'ec2', blob } } });
    assert.equal(dup.status, 409);
    const noProject = await http('POST', `${url}/credentials`, { ...admin(), body: { credential: { user_id: m.user.id, type: 'ec2', blob } } });
    assert.equal(noProject.status, 400);
    const noAccess = await http('POST', `${url}/credentials`, { ...admin(), body: { credential: { user_id: m.user.id, project_id: m.project.id, type: 'ec2', blob: '{"secret":"x"}' } } });
    assert.equal(noAccess.status, 400);
    const other = await t.fx.project();
    const newBlob = JSON.stringify({ access: 'new', secret: 'new' });
    const updated = await http('PATCH', `${url}/credentials/${c.id}`, { ...admin(), body: { credential: { project_id: other.id, blob: newBlob } } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.credential.id, c.id);
    assert.equal(updated.body.credential.project_id, other.id);
    assert.equal((await http('GET', `${url}/credentials/${c.id}`, admin())).body.credential.blob, newBlob);
    const listed = await http('GET', `${url}/credentials?user_id=${m.user.id}&type=ec2`, admin());
    assert.deepEqual(listed.body.credentials.map((x: any) => x.id), [c.id]);
    assert.equal((await http('DELETE', `${url}/credentials/${c.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/credentials/${c.id}`, admin())).status, 404);
  });

  test('a user manages its own credentials, sees only those, and cannot touch another user\'s', async () => {
    const m = await t.fx.member();
    const other = await t.fx.member();
    const mine = await http('POST', `${url}/credentials`, { token: m.token, body: { credential: { user_id: m.user.id, type: 'cert', blob: 'pem' } } });
    assert.equal(mine.status, 201, mine.text);
    const theirs = await http('POST', `${url}/credentials`, { token: other.token, body: { credential: { user_id: other.user.id, type: 'cert', blob: 'pem2' } } });
    assert.equal((await http('POST', `${url}/credentials`, { token: m.token, body: { credential: { user_id: other.user.id, type: 'cert', blob: 'x' } } })).status, 403);
    const list = await http('GET', `${url}/credentials`, { token: m.token });
    assert.deepEqual(list.body.credentials.map((x: any) => x.id), [mine.body.credential.id]);
    assert.deepEqual((await http('GET', `${url}/credentials?user_id=${other.user.id}`, { token: m.token })).body.credentials, []);
    assert.equal((await http('GET', `${url}/credentials/${theirs.body.credential.id}`, { token: m.token })).status, 403);
    assert.equal((await http('PATCH', `${url}/credentials/${mine.body.credential.id}`, { token: m.token, body: { credential: { user_id: other.user.id } } })).status, 403);
    assert.equal((await http('DELETE', `${url}/credentials/${theirs.body.credential.id}`, { token: m.token })).status, 403);
    assert.equal((await http('DELETE', `${url}/credentials/${mine.body.credential.id}`, { token: m.token })).status, 204);
  });

  test('deleting the user deletes its credentials', async () => {
    const u = await t.fx.user();
    const c = await t.fx.post('credentials', { credential: { user_id: u.id, type: 'totp', blob: 'seed' } });
    assert.equal((await http('DELETE', `${url}/users/${u.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/credentials/${c.credential.id}`, admin())).status, 404);
  });
});

describe('OS-EC2 credentials', () => {
  test('a user creates, lists, shows and deletes its own; they are ec2 credentials underneath', async () => {
    const m = await t.fx.member();
    const base = `${url}/users/${m.user.id}/credentials/OS-EC2`;
    const created = await http('POST', base, { token: m.token, body: { tenant_id: m.project.id } });
    assert.equal(created.status, 201, created.text);
    const c = created.body.credential;
    assert.equal(c.user_id, m.user.id);
    assert.equal(c.tenant_id, m.project.id);
    assert.match(c.access, /^[0-9a-f]{32}$/);
    assert.match(c.secret, /^[0-9a-f]{32}$/);
    assert.equal(c.links.self, `${base}/${c.access}`);
    const listed = await http('GET', base, { token: m.token });
    assert.deepEqual(listed.body.credentials.map((x: any) => x.access), [c.access]);
    const shown = await http('GET', `${base}/${c.access}`, { token: m.token });
    assert.equal(shown.body.credential.secret, c.secret);
    const generic = await http('GET', `${url}/credentials/${createHash('sha256').update(c.access).digest('hex')}`, admin());
    assert.equal(generic.body.credential.type, 'ec2');
    const other = await t.fx.member();
    assert.equal((await http('GET', base, { token: other.token })).status, 403);
    assert.equal((await http('POST', base, { token: other.token, body: { tenant_id: other.project.id } })).status, 403);
    assert.equal((await http('GET', `${url}/users/${other.user.id}/credentials/OS-EC2/${c.access}`, admin())).status, 404, 'another user\'s key is not found under this user');
    assert.equal((await http('POST', base, { token: m.token, body: { tenant_id: 'nope' } })).status, 404);
    assert.equal((await http('DELETE', `${base}/${c.access}`, { token: m.token })).status, 204);
    assert.equal((await http('GET', `${base}/${c.access}`, { token: m.token })).status, 404);
  });
});

describe('domain configuration', () => {
  const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=org', password: 'hidden' } };

  test('PUT creates (201) then replaces (200); sensitive options are stored but never shown', async () => {
    const d = (await t.fx.post('domains', { domain: { name: uniqueName('d') } })).domain;
    assert.equal((await http('GET', `${url}/domains/${d.id}/config`, admin())).status, 404);
    const created = await http('PUT', `${url}/domains/${d.id}/config`, { ...admin(), body: { config } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.config, { identity: { driver: 'ldap' }, ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=org' } });
    const replaced = await http('PUT', `${url}/domains/${d.id}/config`, { ...admin(), body: { config: { identity: { driver: 'sql', list_limit: 5 } } } });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.config, { identity: { driver: 'sql', list_limit: 5 } });
    assert.equal((await http('GET', `${url}/domains/${d.id}/config/ldap`, admin())).status, 404, 'replaced, not merged');
    assert.equal((await http('PUT', `${url}/domains/nope/config`, { ...admin(), body: { config } })).status, 404);
  });

  test('groups and options: show, update, delete; unsupported ones are 403', async () => {
    const d = (await t.fx.post('domains', { domain: { name: uniqueName('d') } })).domain;
    await http('PUT', `${url}/domains/${d.id}/config`, { ...admin(), body: { config } });
    assert.deepEqual((await http('GET', `${url}/domains/${d.id}/config/ldap/url`, admin())).body.config, { url: 'ldap://myldap.com:389/' });
    assert.equal((await http('GET', `${url}/domains/${d.id}/config/ldap/password`, admin())).status, 404, 'sensitive is never shown');
    const group = await http('PATCH', `${url}/domains/${d.id}/config/identity`, { ...admin(), body: { config: { identity: { driver: 'x', list_limit: 7 } } } });
    assert.equal(group.status, 200, group.text);
    assert.deepEqual(group.body.config.identity, { driver: 'x', list_limit: 7 });
    const option = await http('PATCH', `${url}/domains/${d.id}/config/identity/driver`, { ...admin(), body: { config: { driver: 'y' } } });
    assert.equal(option.body.config.identity.driver, 'y');
    assert.equal((await http('PATCH', `${url}/domains/${d.id}/config/identity`, { ...admin(), body: { config: { ldap: { url: 'x' } } } })).status, 403);
    assert.equal((await http('PUT', `${url}/domains/${d.id}/config`, { ...admin(), body: { config: { ldap: { bogus: 1 } } } })).status, 403);
    assert.equal((await http('PUT', `${url}/domains/${d.id}/config`, { ...admin(), body: { config: { assignment: { driver: 'x' } } } })).status, 403);
    assert.equal((await http('DELETE', `${url}/domains/${d.id}/config/identity/driver`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/domains/${d.id}/config/identity/driver`, admin())).status, 404);
    assert.equal((await http('DELETE', `${url}/domains/${d.id}/config/identity`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/domains/${d.id}/config/identity`, admin())).status, 404);
    assert.equal((await http('DELETE', `${url}/domains/${d.id}/config/identity`, admin())).status, 404);
    assert.equal((await http('DELETE', `${url}/domains/${d.id}/config`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/domains/${d.id}/config`, admin())).status, 404);
  });

  test('defaults are Keystone\'s, for whitelisted options only; admin only', async () => {
    const all = await http('GET', `${url}/domains/config/default`, admin());
    assert.equal(all.body.config.identity.driver, 'sql');
    assert.equal(all.body.config.ldap.url, 'ldap://localhost');
    assert.equal(all.body.config.ldap.password, undefined);
    assert.deepEqual((await http('GET', `${url}/domains/config/identity/default`, admin())).body.config, { identity: { driver: 'sql', list_limit: null } });
    assert.deepEqual((await http('GET', `${url}/domains/config/ldap/page_size/default`, admin())).body.config, { page_size: 0 });
    assert.equal((await http('GET', `${url}/domains/config/ldap/password/default`, admin())).status, 403);
    const m = await t.fx.member();
    assert.equal((await http('GET', `${url}/domains/config/default`, { token: m.token })).status, 403);
  });
});

describe('endpoint groups', () => {
  test('CRUD and HEAD; the filters select endpoints; unknown filters are 400', async () => {
    const svc = (await t.fx.post('services', { service: { type: uniqueName('t') } })).service;
    const ep = (await t.fx.post('endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://x' } })).endpoint;
    const base = `${url}/OS-EP-FILTER/endpoint_groups`;
    const created = await http('POST', base, { ...admin(), body: { endpoint_group: { name: 'g', description: 'd', filters: { service_id: svc.id } } } });
    assert.equal(created.status, 201, created.text);
    const g = created.body.endpoint_group;
    assert.deepEqual(g.filters, { service_id: svc.id });
    assert.equal(g.links.self, `${base}/${g.id}`);
    assert.equal((await http('HEAD', `${base}/${g.id}`, admin())).status, 200);
    assert.ok((await http('GET', base, admin())).body.endpoint_groups.some((x: any) => x.id === g.id));
    assert.deepEqual((await http('GET', `${base}/${g.id}/endpoints`, admin())).body.endpoints.map((e: any) => e.id), [ep.id]);
    const updated = await http('PATCH', `${base}/${g.id}`, { ...admin(), body: { endpoint_group: { name: 'g2', filters: { service_id: svc.id, interface: 'admin' } } } });
    assert.equal(updated.body.endpoint_group.name, 'g2');
    assert.deepEqual((await http('GET', `${base}/${g.id}/endpoints`, admin())).body.endpoints, []);
    assert.equal((await http('POST', base, { ...admin(), body: { endpoint_group: { name: 'g', filters: { color: 'x' } } } })).status, 400);
    assert.equal((await http('DELETE', `${base}/${g.id}`, admin())).status, 204);
    assert.equal((await http('HEAD', `${base}/${g.id}`, admin())).status, 404);
  });
});

describe('OAuth1 consumers and policies', () => {
  test('a consumer\'s secret is shown at create only; the secret cannot be changed', async () => {
    const created = await http('POST', `${url}/OS-OAUTH1/consumers`, { ...admin(), body: { consumer: { description: 'c' } } });
    assert.equal(created.status, 201);
    const c = created.body.consumer;
    assert.ok(c.secret.length >= 32);
    const shown = await http('GET', `${url}/OS-OAUTH1/consumers/${c.id}`, admin());
    assert.deepEqual(shown.body.consumer, { id: c.id, description: 'c', links: c.links });
    assert.equal((await http('PATCH', `${url}/OS-OAUTH1/consumers/${c.id}`, { ...admin(), body: { consumer: { description: 'new' } } })).body.consumer.description, 'new');
    assert.equal((await http('PATCH', `${url}/OS-OAUTH1/consumers/${c.id}`, { ...admin(), body: { consumer: { secret: 'x' } } })).status, 400);
    assert.ok((await http('GET', `${url}/OS-OAUTH1/consumers`, admin())).body.consumers.some((x: any) => x.id === c.id));
    assert.equal((await http('DELETE', `${url}/OS-OAUTH1/consumers/${c.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/OS-OAUTH1/consumers/${c.id}`, admin())).status, 404);
  });

  test('policies: blob and type are required and kept; admin only', async () => {
    assert.equal((await http('POST', `${url}/policies`, { ...admin(), body: { policy: { blob: 'x' } } })).status, 400);
    const p = (await t.fx.post('policies', { policy: { blob: '{"a": 1}', type: 'application/json' } })).policy;
    assert.equal(p.blob, '{"a": 1}');
    const updated = await http('PATCH', `${url}/policies/${p.id}`, { ...admin(), body: { policy: { type: 'text/plain' } } });
    assert.deepEqual([updated.body.policy.type, updated.body.policy.blob], ['text/plain', '{"a": 1}']);
    assert.deepEqual((await http('GET', `${url}/policies?type=text/plain`, admin())).body.policies.map((x: any) => x.id), [p.id]);
    const m = await t.fx.member();
    assert.equal((await http('GET', `${url}/policies`, { token: m.token })).status, 403);
    assert.equal((await http('DELETE', `${url}/policies/${p.id}`, admin())).status, 204);
    assert.equal((await http('GET', `${url}/policies/${p.id}`, admin())).status, 404);
  });
});
