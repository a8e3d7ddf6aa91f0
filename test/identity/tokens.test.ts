import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, useTestServer } from '../support/server.js';
import { http, issueToken, passwordAuth, projectScope } from '../support/http.js';

// `ctx`, not `t`: the tests below name their tokens `t`.
const ctx = useTestServer({ VIRTSTACK_LOCKOUT_FAILURES: '3', VIRTSTACK_LOCKOUT_DURATION: '60' });

describe('version discovery', () => {
  test('GET /identity answers 300 with versions.values and a Location', async () => {
    const res = await http('GET', `${ctx.server.url}/identity`);
    assert.equal(res.status, 300);
    assert.equal(res.headers.get('location'), `${ctx.server.url}/identity/v3/`);
    assert.equal(res.body.versions.values[0].id, 'v3.14');
    assert.equal(res.body.versions.values[0].status, 'stable');
    assert.match(res.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
  });

  test('GET /identity/v3 answers the version document', async () => {
    const res = await http('GET', `${ctx.server.url}/identity/v3`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.version.links, [{ rel: 'self', href: `${ctx.server.url}/identity/v3/` }]);
    assert.equal(res.body.version['media-types'][0].type, 'application/vnd.openstack.identity-v3+json');
  });
});

describe('password authentication', () => {
  test('a project-scoped token carries user, project, roles, catalog and audit ids', async () => {
    const t = await issueToken(ctx.server.authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, projectScope('admin')));
    assert.equal(t.status, 201);
    const token = t.body.token;
    assert.deepEqual(token.methods, ['password']);
    assert.equal(token.user.name, 'admin');
    assert.deepEqual(token.user.domain, { id: 'default', name: 'Default' });
    assert.equal(token.project.name, 'admin');
    assert.equal(token.is_domain, false);
    assert.deepEqual(token.roles.map((r: any) => r.name).sort(), ['admin', 'member', 'reader']);
    assert.match(token.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(token.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(token.audit_ids.length, 1);
    assert.match(token.audit_ids[0], /^[A-Za-z0-9_-]{22}$/);
    const identity = token.catalog.find((s: any) => s.type === 'identity');
    assert.ok(identity, 'catalog lists identity');
    assert.deepEqual(identity.endpoints.map((e: any) => e.interface).sort(), ['admin', 'internal', 'public']);
    assert.equal(identity.endpoints[0].url, `${ctx.server.url}/identity`);
    // Exactly what virtstack serves: no network or volume service, which would change client behaviour.
    assert.deepEqual(token.catalog.map((s: any) => s.type).sort(), ['compute', 'identity', 'image']);
    const compute = token.catalog.find((s: any) => s.type === 'compute');
    assert.equal(compute.endpoints[0].url, `${ctx.server.url}/compute/v2.1`);
  });

  test('nocatalog leaves the catalog out', async () => {
    const res = await http('POST', `${ctx.server.authUrl}/auth/tokens?nocatalog`, { body: passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, projectScope('admin')) });
    assert.equal(res.status, 201);
    assert.equal(res.body.token.catalog, undefined);
  });

  test('a user found by id, and by name with a domain id, both authenticate', async () => {
    const user = await ctx.fx.user();
    const byId = await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: user.password }));
    assert.equal(byId.status, 201);
    const byName = await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } } } });
    assert.equal(byName.status, 201);
    // Unscoped: no roles, no catalog, no project.
    assert.equal(byName.body.token.project, undefined);
    assert.equal(byName.body.token.roles, undefined);
    assert.ok(!('catalog' in byName.body.token), 'an unscoped token has no catalog key at all');
  });

  test('a wrong password is a 401 in Keystone shape with WWW-Authenticate', async () => {
    const res = await http('POST', `${ctx.server.authUrl}/auth/tokens`, { body: passwordAuth({ name: 'admin', password: 'wrong' }) });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${ctx.server.url}/identity/v3"`);
  });

  test('repeated wrong passwords lock the user out even with the right one, for a while', async () => {
    const user = await ctx.fx.user();
    for (let i = 0; i < 3; i++) {
      assert.equal((await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: 'nope' }))).status, 401);
    }
    const locked = await http('POST', `${ctx.server.authUrl}/auth/tokens`, { body: passwordAuth({ id: user.id, password: user.password }) });
    assert.equal(locked.status, 401);
    assert.match(locked.body.error.message, /locked/);
    // An admin resetting the password unlocks the account.
    await http('PATCH', `${ctx.server.authUrl}/users/${user.id}`, { token: ctx.fx.adminToken, body: { user: { password: 'fresh-password' } } });
    assert.equal((await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: 'fresh-password' }))).status, 201);
  });

  test('a scope on a project without roles is refused', async () => {
    const user = await ctx.fx.user();
    const project = await ctx.fx.project();
    const res = await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: user.password }, { project: { id: project.id } }));
    assert.equal(res.status, 401);
  });

  test('without a scope the token is scoped to the default project', async () => {
    const { project } = await ctx.fx.member();
    const user = await ctx.fx.user({ default_project_id: project.id });
    await ctx.fx.put(`projects/${project.id}/users/${user.id}/roles/${(await ctx.fx.role('member')).id}`);
    const t = await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: user.password }));
    assert.equal(t.body.token.project.id, project.id);
  });

  test('domain and system scopes', async () => {
    const admin = await http('GET', `${ctx.server.authUrl}/users?name=admin`, { token: ctx.fx.adminToken });
    const adminId = admin.body.users[0].id;
    await ctx.fx.put(`domains/default/users/${adminId}/roles/${(await ctx.fx.role('admin')).id}`);
    const domain = await issueToken(ctx.server.authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, { domain: { name: 'Default' } }));
    assert.equal(domain.status, 201);
    assert.deepEqual(domain.body.token.domain, { id: 'default', name: 'Default' });
    const system = await issueToken(ctx.server.authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, { system: { all: true } }));
    assert.equal(system.status, 201);
    assert.deepEqual(system.body.token.system, { all: true });
  });
});

describe('validation and revocation', () => {
  test('GET, HEAD and DELETE /v3/auth/tokens validate, check and revoke', async () => {
    const { token } = await ctx.fx.member();
    const get = await http('GET', `${ctx.server.authUrl}/auth/tokens`, { token: ctx.fx.adminToken, headers: { 'X-Subject-Token': token } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('x-subject-token'), token);
    assert.equal(get.body.token.roles.some((r: any) => r.name === 'member'), true);
    const head = await http('HEAD', `${ctx.server.authUrl}/auth/tokens`, { token: ctx.fx.adminToken, headers: { 'X-Subject-Token': token } });
    assert.equal(head.status, 200);
    const del = await http('DELETE', `${ctx.server.authUrl}/auth/tokens`, { token: ctx.fx.adminToken, headers: { 'X-Subject-Token': token } });
    assert.equal(del.status, 204);
    const again = await http('GET', `${ctx.server.authUrl}/auth/tokens`, { token: ctx.fx.adminToken, headers: { 'X-Subject-Token': token } });
    assert.equal(again.status, 404);
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token })).status, 401);
  });

  test('a user may validate its own token but not another user\'s', async () => {
    const a = await ctx.fx.member();
    const b = await ctx.fx.member();
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/tokens`, { token: a.token, headers: { 'X-Subject-Token': a.token } })).status, 200);
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/tokens`, { token: a.token, headers: { 'X-Subject-Token': b.token } })).status, 403);
  });

  test('a garbage or tampered token is refused', async () => {
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: 'garbage' })).status, 401);
    const [h, p, s] = ctx.fx.adminToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone' })).toString('base64url')}.${s}`;
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: forged })).status, 401);
  });

  for (const [what, change] of [
    ['disabling the user', { enabled: false }],
    ['changing its password', { password: 'changed-password' }],
  ] as const) {
    test(`${what} revokes its existing tokens`, async () => {
      const { user, token } = await ctx.fx.member();
      assert.equal((await http('GET', `${ctx.server.authUrl}/users/${user.id}`, { token })).status, 200);
      const patch = await http('PATCH', `${ctx.server.authUrl}/users/${user.id}`, { token: ctx.fx.adminToken, body: { user: change } });
      assert.equal(patch.status, 200);
      assert.equal((await http('GET', `${ctx.server.authUrl}/users/${user.id}`, { token })).status, 401);
    });
  }

  test('deleting the user, disabling the project or removing the last role invalidates tokens', async () => {
    const a = await ctx.fx.member();
    await http('DELETE', `${ctx.server.authUrl}/users/${a.user.id}`, { token: ctx.fx.adminToken });
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: a.token })).status, 401);
    const b = await ctx.fx.member();
    await http('PATCH', `${ctx.server.authUrl}/projects/${b.project.id}`, { token: ctx.fx.adminToken, body: { project: { enabled: false } } });
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: b.token })).status, 401);
    const c = await ctx.fx.member();
    const member = await ctx.fx.role('member');
    await http('DELETE', `${ctx.server.authUrl}/projects/${c.project.id}/users/${c.user.id}/roles/${member.id}`, { token: ctx.fx.adminToken });
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: c.token })).status, 401);
  });

  test('self-service password change revokes the old tokens and needs the original password', async () => {
    const { user, token } = await ctx.fx.member();
    const wrong = await http('POST', `${ctx.server.authUrl}/users/${user.id}/password`, { body: { user: { original_password: 'bad', password: 'next-password' } } });
    assert.equal(wrong.status, 401);
    const ok = await http('POST', `${ctx.server.authUrl}/users/${user.id}/password`, { token, body: { user: { original_password: user.password, password: 'next-password' } } });
    assert.equal(ok.status, 204);
    assert.equal((await http('GET', `${ctx.server.authUrl}/users/${user.id}`, { token })).status, 401);
    assert.equal((await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: 'next-password' }))).status, 201);
  });

  test('re-scoping reads afresh after a change made through the API or straight in the database (another process)', async () => {
    const { user, project } = await ctx.fx.member();
    const unscoped = (await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: user.password }))).id;
    const rescope = async (scope: object) => (await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope } })).status;
    const byName = (name: string) => ({ project: { name, domain: { id: project.domain_id } } });
    // Twice: the second answer comes from what the first one cached.
    assert.equal(await rescope(byName(project.name)), 201);
    assert.equal(await rescope(byName(project.name)), 201);

    // Another process's writes arrive by NOTIFY, shortly after their commit.
    const eventually = async (scope: object, status: number) => {
      for (let i = 0; i < 100 && (await rescope(scope)) !== status; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await rescope(scope), status);
    };
    await ctx.server.database.db('projects').where({ id: project.id }).update({ name: `${project.name}-renamed` });
    await eventually(byName(project.name), 401);
    assert.equal(await rescope(byName(`${project.name}-renamed`)), 201);
    await ctx.server.database.db('projects').where({ id: project.id }).update({ enabled: false });
    await eventually({ project: { id: project.id } }, 401);
    await ctx.server.database.db('projects').where({ id: project.id }).update({ enabled: true });
    await eventually({ project: { id: project.id } }, 201);

    // Through the API: the change is known before the response that made it.
    const member = await ctx.fx.role('member');
    await http('DELETE', `${ctx.server.authUrl}/projects/${project.id}/users/${user.id}/roles/${member.id}`, { token: ctx.fx.adminToken });
    assert.equal(await rescope({ project: { id: project.id } }), 401);
    await http('PUT', `${ctx.server.authUrl}/projects/${project.id}/users/${user.id}/roles/${member.id}`, { token: ctx.fx.adminToken });
    assert.equal(await rescope({ project: { id: project.id } }), 201);
    await http('PATCH', `${ctx.server.authUrl}/users/${user.id}`, { token: ctx.fx.adminToken, body: { user: { enabled: false } } });
    assert.equal(await rescope({ project: { id: project.id } }), 401);
  });

  test('re-scoping an unscoped token keeps its expiry and chains its audit id', async () => {
    const { user, project } = await ctx.fx.member();
    const unscoped = await issueToken(ctx.server.authUrl, passwordAuth({ id: user.id, password: user.password }));
    const scoped = await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['token'], token: { id: unscoped.id } }, scope: { project: { id: project.id } } } });
    assert.equal(scoped.status, 201);
    assert.equal(scoped.body.token.project.id, project.id);
    assert.equal(scoped.body.token.expires_at, unscoped.body.token.expires_at);
    assert.equal(scoped.body.token.audit_ids[1], unscoped.body.token.audit_ids[0]);
    // Revoking the original revokes the whole chain.
    await http('DELETE', `${ctx.server.authUrl}/auth/tokens`, { token: ctx.fx.adminToken, headers: { 'X-Subject-Token': unscoped.id } });
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: scoped.id })).status, 401);
  });
});

describe('application credentials', () => {
  test('created with a secret shown once, they authenticate with restricted roles until deleted', async () => {
    const { user, project, token } = await ctx.fx.member();
    const created = await http('POST', `${ctx.server.authUrl}/users/${user.id}/application_credentials`, {
      token, body: { application_credential: { name: 'ci', roles: [{ name: 'reader' }] } },
    });
    assert.equal(created.status, 201, created.text);
    const ac = created.body.application_credential;
    assert.ok(ac.secret.length >= 32);
    assert.deepEqual(ac.roles.map((r: any) => r.name), ['reader']);
    const shown = await http('GET', `${ctx.server.authUrl}/users/${user.id}/application_credentials/${ac.id}`, { token });
    assert.equal(shown.body.application_credential.secret, undefined, 'the secret is never shown again');
    const t = await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.equal(t.body.token.project.id, project.id);
    assert.deepEqual(t.body.token.roles.map((r: any) => r.name), ['reader']);
    assert.equal(t.body.token.application_credential.id, ac.id);
    const byName = await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['application_credential'], application_credential: { name: 'ci', user: { id: user.id }, secret: ac.secret } } } });
    assert.equal(byName.status, 201);
    const bad = await issueToken(ctx.server.authUrl, { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: 'wrong' } } } });
    assert.equal(bad.status, 401);
    assert.equal((await http('DELETE', `${ctx.server.authUrl}/users/${user.id}/application_credentials/${ac.id}`, { token })).status, 204);
    assert.equal((await http('GET', `${ctx.server.authUrl}/auth/projects`, { token: t.id })).status, 401);
  });

  test('expires_at keeps the microseconds it was given', async () => {
    const { user, token } = await ctx.fx.member();
    const expires = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, '.891492');
    const created = await http('POST', `${ctx.server.authUrl}/users/${user.id}/application_credentials`, { token, body: { application_credential: { name: 'exp', expires_at: expires } } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.application_credential.expires_at, expires);
    const shown = await http('GET', `${ctx.server.authUrl}/users/${user.id}/application_credentials/${created.body.application_credential.id}`, { token });
    assert.equal(shown.body.application_credential.expires_at, expires);
  });

  test('a role the user does not hold cannot be delegated; another user cannot read them', async () => {
    const { user, token } = await ctx.fx.member();
    const res = await http('POST', `${ctx.server.authUrl}/users/${user.id}/application_credentials`, { token, body: { application_credential: { name: 'x', roles: [{ name: 'admin' }] } } });
    assert.equal(res.status, 400);
    const other = await ctx.fx.member();
    assert.equal((await http('GET', `${ctx.server.authUrl}/users/${user.id}/application_credentials`, { token: other.token })).status, 403);
  });
});

describe('bad requests', () => {
  test('malformed JSON is a 400 in Keystone shape', async () => {
    const res = await http('POST', `${ctx.server.authUrl}/auth/tokens`, { rawBody: '{"auth": ' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 400);
    assert.equal(res.body.error.title, 'Bad Request');
  });

  test('a body without identity names the missing property', async () => {
    const res = await http('POST', `${ctx.server.authUrl}/auth/tokens`, { body: { auth: { scope: 'x' } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /'identity' is a required property/);
  });

  test('an unsupported method is a 401', async () => {
    const res = await http('POST', `${ctx.server.authUrl}/auth/tokens`, { body: { auth: { identity: { methods: ['totp'] } } } });
    assert.equal(res.status, 401);
  });

  test('no token is a 401 with WWW-Authenticate', async () => {
    const res = await http('GET', `${ctx.server.authUrl}/projects`);
    assert.equal(res.status, 401);
    assert.ok(res.headers.get('www-authenticate'));
  });

  test('unknown paths are 404, a known path with another method 405, a malformed %-escape 404; all in Keystone shape', async () => {
    const cases: [string, string, number][] = [['GET', '/no-such-thing', 404], ['DELETE', '/auth/catalog', 405], ['GET', '/users/%E0%A4%A', 404], ['GET', '/users/%E0%A4%A/groups', 404]];
    for (const [method, path, status] of cases) {
      const res = await http(method, `${ctx.server.authUrl}${path}`, { token: ctx.fx.adminToken });
      assert.equal(res.status, status, `${method} ${path}`);
      assert.equal(res.body.error.code, status);
    }
  });
});
