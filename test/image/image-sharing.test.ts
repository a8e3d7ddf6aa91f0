// Visibility and members: private, shared (pending/accepted/rejected), community and public images
// as each project sees them; publicizing is admin-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { ImageApi } from './image-support.js';

let api: ImageApi;
const t = useTestServer({}, ({ server }) => (api = new ImageApi(`${server.url}/image`)));

const ids = async (token: string, q = '') => (await api.get(`/v2/images${q}`, token)).body.images.map((x: any) => x.id);

test('private images are invisible to other projects; publicizing is admin-only', async () => {
  const owner = await t.fx.member();
  const other = await t.fx.member();
  const img = await api.create(owner.token, { visibility: 'private' });
  assert.equal((await api.get(`/v2/images/${img.id}`, other.token)).status, 404);
  assert.ok(!(await ids(other.token)).includes(img.id));
  const pub = await api.patch(owner.token, img.id, [{ op: 'replace', path: '/visibility', value: 'public' }]);
  assert.equal(pub.status, 403);
  assert.match(pub.body.message, /publicize_image/);
  const create = await http('POST', `${t.server.url}/image/v2/images`, { token: owner.token, body: { visibility: 'public' } });
  assert.equal(create.status, 403);
  assert.equal((await api.patch(t.fx.adminToken, img.id, [{ op: 'replace', path: '/visibility', value: 'public' }])).status, 200);
  assert.ok((await ids(other.token)).includes(img.id));
  // Others see a public image but cannot change or delete it.
  assert.equal((await api.patch(other.token, img.id, [{ op: 'replace', path: '/name', value: 'x' }])).status, 403);
  assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}`, { token: other.token })).status, 403);
});

test('a shared image: member added pending, listed once accepted, hidden again when rejected; only the member decides', async () => {
  const owner = await t.fx.member();
  const member = await t.fx.member();
  const stranger = await t.fx.member();
  const img = await api.create(owner.token, { visibility: 'shared' });
  const added = await http('POST', `${t.server.url}/image/v2/images/${img.id}/members`, { token: owner.token, body: { member: member.project.id } });
  assert.equal(added.status, 200, added.text);
  assert.equal(added.body.status, 'pending');
  assert.equal(added.body.schema, '/v2/schemas/member');
  assert.equal((await http('POST', `${t.server.url}/image/v2/images/${img.id}/members`, { token: owner.token, body: { member: member.project.id } })).status, 409);

  // Pending: reachable by id, not in the default list, listed with member_status=pending.
  assert.equal((await api.get(`/v2/images/${img.id}`, member.token)).status, 200);
  assert.ok(!(await ids(member.token)).includes(img.id));
  assert.ok((await ids(member.token, '?member_status=pending')).includes(img.id));
  assert.equal((await api.get(`/v2/images/${img.id}`, stranger.token)).status, 404);

  const ownerAccepts = await http('PUT', `${t.server.url}/image/v2/images/${img.id}/members/${member.project.id}`, { token: owner.token, body: { status: 'accepted' } });
  assert.equal(ownerAccepts.status, 403);
  const invalid = await http('PUT', `${t.server.url}/image/v2/images/${img.id}/members/${member.project.id}`, { token: member.token, body: { status: 'maybe' } });
  assert.equal(invalid.status, 400);
  const accepted = await http('PUT', `${t.server.url}/image/v2/images/${img.id}/members/${member.project.id}`, { token: member.token, body: { status: 'accepted' } });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.status, 'accepted');
  assert.ok((await ids(member.token)).includes(img.id));
  assert.ok((await ids(member.token, '?visibility=shared')).includes(img.id));

  const list = await api.get(`/v2/images/${img.id}/members`, owner.token);
  assert.deepEqual(list.body.members.map((m: any) => [m.member_id, m.status]), [[member.project.id, 'accepted']]);
  assert.equal(list.body.schema, '/v2/schemas/members');

  await http('PUT', `${t.server.url}/image/v2/images/${img.id}/members/${member.project.id}`, { token: member.token, body: { status: 'rejected' } });
  assert.ok(!(await ids(member.token)).includes(img.id));

  assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}/members/${member.project.id}`, { token: owner.token })).status, 204);
  assert.equal((await api.get(`/v2/images/${img.id}`, member.token)).status, 404);
});

test('only shared images have members', async () => {
  const owner = await t.fx.member();
  const img = await api.create(owner.token, { visibility: 'private' });
  const res = await http('POST', `${t.server.url}/image/v2/images/${img.id}/members`, { token: owner.token, body: { member: 'someone' } });
  assert.equal(res.status, 403);
  assert.match(res.body.message, /Only shared images have members/);
});

test('community images are visible to all but listed only when asked for', async () => {
  const owner = await t.fx.member();
  const other = await t.fx.member();
  const img = await api.create(owner.token, { visibility: 'community' });
  assert.equal((await api.get(`/v2/images/${img.id}`, other.token)).status, 200);
  assert.ok(!(await ids(other.token)).includes(img.id));
  assert.ok((await ids(other.token, '?visibility=community')).includes(img.id));
  assert.ok((await ids(owner.token)).includes(img.id), 'the owner lists its own community image');
});
