// Glance v2 images over HTTP against a real server: discovery, shapes, errors, JSON patch, lists.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { ImageApi } from './image-support.js';

let api: ImageApi;
let admin: string;
const t = useTestServer({}, ({ server, fx }) => {
  api = new ImageApi(`${server.url}/image`);
  admin = fx.adminToken;
});

describe('version discovery', () => {
  test('GET /image is 300 and /image/versions 200, CURRENT v2 linking to /image/v2/', async () => {
    const root = await http('GET', `${t.server.url}/image`);
    assert.equal(root.status, 300);
    const current = root.body.versions.find((v: any) => v.status === 'CURRENT');
    assert.match(current.id, /^v2\.\d+$/);
    assert.equal(current.links[0].href, `${t.server.url}/image/v2/`);
    const versions = await http('GET', `${t.server.url}/image/versions`);
    assert.equal(versions.status, 200);
    assert.deepEqual(versions.body, root.body);
  });

  test('the catalog lists the image service', async () => {
    const res = await http('GET', `${t.server.authUrl}/auth/catalog`, { token: admin });
    const image = res.body.catalog.find((s: any) => s.type === 'image');
    assert.equal(image.name, 'glance');
    assert.ok(image.endpoints.some((e: any) => e.url === `${t.server.url}/image`));
  });
});

describe('images', () => {
  test('create answers 201 with Location, import methods and Glance\'s body, extra properties included', async () => {
    const res = await http('POST', `${t.server.url}/image/v2/images`, {
      token: admin,
      body: { name: 'sample', disk_format: 'raw', container_format: 'bare', visibility: 'private', 'owner_specified.openstack.md5': '', os_distro: 'debian' },
    });
    assert.equal(res.status, 201, res.text);
    const img = res.body;
    assert.equal(res.headers.get('location'), `${t.server.url}/image/v2/images/${img.id}`);
    assert.equal(res.headers.get('openstack-image-import-methods'), 'glance-direct,web-download');
    assert.equal(img.status, 'queued');
    assert.equal(img.size, null);
    assert.equal(img.checksum, null);
    assert.equal(img['owner_specified.openstack.md5'], '');
    assert.equal(img.os_distro, 'debian');
    assert.equal(img.self, `/v2/images/${img.id}`);
    assert.equal(img.file, `/v2/images/${img.id}/file`);
    assert.equal(img.schema, '/v2/schemas/image');
    assert.match(img.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const shown = await api.get(`/v2/images/${img.id}`, admin);
    assert.deepEqual(shown.body, img);
  });

  test('visibility defaults to shared and disk_format may be omitted', async () => {
    const res = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { name: 'bare' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.visibility, 'shared');
    assert.equal(res.body.disk_format, null);
  });

  test('errors have Glance\'s shape: 404, 400 on a bad disk_format, 401 with WWW-Authenticate', async () => {
    const missing = await api.get('/v2/images/b8621bc9-c59f-4ef1-83eb-7833ce64c45b', admin);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { message: 'No image found with ID b8621bc9-c59f-4ef1-83eb-7833ce64c45b<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' });
    const bad = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { name: 'bad', disk_format: 'nope', container_format: 'bare' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, '400 Bad Request');
    assert.match(bad.body.message, /^Provided object does not match schema 'image': 'nope' is not one of \[None, 'ami'/);
    const unauth = await api.get('/v2/images', 'invalid');
    assert.equal(unauth.status, 401);
    assert.equal(unauth.body.title, 'Unauthorized');
    assert.equal(unauth.headers.get('www-authenticate'), `Keystone uri="${t.server.url}/identity"`);
    const slash = await api.get('/v2/images/', admin);
    assert.equal(slash.status, 404, 'Glance has no route with a trailing slash');
  });

  test('read-only and reserved attributes are refused on create', async () => {
    const ro = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { status: 'active' } });
    assert.equal(ro.status, 403);
    assert.match(ro.body.message, /Attribute 'status' is read-only/);
    const reserved = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { os_glance_x: 'y' } });
    assert.equal(reserved.status, 403);
    const notString = await http('POST', `${t.server.url}/image/v2/images`, { token: admin, body: { extra: 5 } });
    assert.equal(notString.status, 400);
    assert.match(notString.body.message, /5 is not of type 'string'/);
  });

  test('JSON patch: add, replace, remove with the real media type; read-only paths are 403; other media types 415', async () => {
    const img = await api.create(admin, { name: 'patch-me' });
    const ok = await api.patch(admin, img.id, [
      { op: 'replace', path: '/name', value: 'patched' },
      { op: 'add', path: '/os_distro', value: 'debian' },
      { op: 'add', path: '/tags', value: ['a', 'b'] },
      { op: 'replace', path: '/min_ram', value: 512 },
    ]);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.name, 'patched');
    assert.equal(ok.body.os_distro, 'debian');
    assert.deepEqual(ok.body.tags, ['a', 'b']);
    assert.equal(ok.body.min_ram, 512);
    const removed = await api.patch(admin, img.id, [{ op: 'remove', path: '/os_distro' }]);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.os_distro, undefined);

    const readOnly = await api.patch(admin, img.id, [{ op: 'replace', path: '/status', value: 'active' }]);
    assert.equal(readOnly.status, 403);
    assert.match(readOnly.body.message, /Attribute 'status' is read-only/);
    const checksum = await api.patch(admin, img.id, [{ op: 'add', path: '/checksum', value: 'x' }]);
    assert.equal(checksum.status, 403);
    const missing = await api.patch(admin, img.id, [{ op: 'replace', path: '/nothing', value: 'x' }]);
    assert.equal(missing.status, 409);
    const wrongType = await api.patch(admin, img.id, [{ op: 'replace', path: '/name', value: 'x' }], 'application/json');
    assert.equal(wrongType.status, 415);
    const badOp = await api.patch(admin, img.id, [{ op: 'move', path: '/name', from: '/x' }]);
    assert.equal(badOp.status, 400);
    const notArray = await api.patch(admin, img.id, { op: 'replace' });
    assert.equal(notArray.status, 400);
    const v20 = await api.patch(admin, img.id, [{ replace: '/name', value: 'old-style' }], 'application/openstack-images-v2.0-json-patch');
    assert.equal(v20.status, 200);
    assert.equal(v20.body.name, 'old-style');
    // Nothing of the refused patches was applied.
    const after = (await api.get(`/v2/images/${img.id}`, admin)).body;
    assert.equal(after.status, 'queued');
    assert.equal(after.checksum, null);
  });

  test('a protected image cannot be deleted until unprotected; deleted images are 404', async () => {
    const img = await api.create(admin, { protected: true });
    const refused = await http('DELETE', `${t.server.url}/image/v2/images/${img.id}`, { token: admin });
    assert.equal(refused.status, 403);
    assert.equal((await api.patch(admin, img.id, [{ op: 'replace', path: '/protected', value: false }])).status, 200);
    assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}`, { token: admin })).status, 204);
    assert.equal((await api.get(`/v2/images/${img.id}`, admin)).status, 404);
    assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}`, { token: admin })).status, 404);
  });

  test('tags are added idempotently and removed; a missing tag is 404', async () => {
    const img = await api.create(admin);
    assert.equal((await http('PUT', `${t.server.url}/image/v2/images/${img.id}/tags/golden`, { token: admin })).status, 204);
    assert.equal((await http('PUT', `${t.server.url}/image/v2/images/${img.id}/tags/golden`, { token: admin })).status, 204);
    assert.equal((await http('PUT', `${t.server.url}/image/v2/images/${img.id}/tags/with%20space`, { token: admin })).status, 204);
    assert.deepEqual((await api.get(`/v2/images/${img.id}`, admin)).body.tags, ['golden', 'with space']);
    assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}/tags/golden`, { token: admin })).status, 204);
    assert.equal((await http('DELETE', `${t.server.url}/image/v2/images/${img.id}/tags/golden`, { token: admin })).status, 404);
    const noImage = await http('PUT', `${t.server.url}/image/v2/images/b8621bc9-c59f-4ef1-83eb-7833ce64c45b/tags/x`, { token: admin });
    assert.equal(noImage.status, 404);
  });
});

describe('listing', () => {
  test('limit/marker pages follow `next` through every image exactly once, in created_at order', async () => {
    const { token } = await t.fx.member();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api.create(token, { name: `page-${i}`, visibility: 'private' })).id);
    const seen: string[] = [];
    let path: string | undefined = '/v2/images?limit=3';
    let pages = 0;
    while (path) {
      const res = await api.get(path, token);
      assert.equal(res.status, 200);
      seen.push(...res.body.images.map((x: any) => x.id));
      path = res.body.next;
      pages++;
      if (path) assert.match(path, /^\/v2\/images\?limit=3&marker=/);
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('filters, sort_key/sort_dir and sort=, with 400 on a bad sort key', async () => {
    const { token } = await t.fx.member();
    await api.create(token, { name: 'b', disk_format: 'qcow2', tags: ['x'], architecture: 'x86_64' });
    await api.create(token, { name: 'a', disk_format: 'raw', tags: ['x', 'y'] });
    await api.create(token, { name: 'c', disk_format: 'raw', os_hidden: true });
    const names = async (q: string) => (await api.get(`/v2/images?${q}`, token)).body.images.map((x: any) => x.name);
    assert.deepEqual(await names('sort_key=name&sort_dir=asc'), ['a', 'b']);
    assert.deepEqual(await names('sort=name:desc'), ['b', 'a']);
    assert.deepEqual(await names('disk_format=raw'), ['a']);
    assert.deepEqual(await names('tag=x&tag=y'), ['a']);
    assert.deepEqual(await names('architecture=x86_64'), ['b']);
    assert.deepEqual(await names('name=in:a,b&sort_key=name&sort_dir=asc'), ['a', 'b']);
    assert.deepEqual(await names('os_hidden=true'), ['c']);
    const bad = await api.get('/v2/images?sort_key=nope', token);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /Invalid sort key: nope/);
    assert.equal((await api.get('/v2/images?limit=-1', token)).status, 400);
    assert.equal((await api.get('/v2/images?marker=b8621bc9-c59f-4ef1-83eb-7833ce64c45b', token)).status, 400);
  });
});

describe('schemas', () => {
  test('image, images, member, members and the metadefs schemas are served with Glance\'s names', async () => {
    const image = await api.get('/v2/schemas/image', admin);
    assert.equal(image.body.name, 'image');
    assert.deepEqual(image.body.additionalProperties, { type: 'string' });
    assert.ok(image.body.properties.disk_format.enum.includes('qcow2'));
    for (const [path, name] of [
      ['images', 'images'], ['member', 'member'], ['members', 'members'],
      ['metadefs/namespace', 'namespace'], ['metadefs/namespaces', 'namespaces'], ['metadefs/object', 'object'],
      ['metadefs/objects', 'objects'], ['metadefs/property', 'property'], ['metadefs/properties', 'properties'],
      ['metadefs/tag', 'tag'], ['metadefs/tags', 'tags'], ['metadefs/resource_type', 'resource_type_association'],
      ['metadefs/resource_types', 'resource_type_associations'],
    ]) {
      const res = await api.get(`/v2/schemas/${path}`, admin);
      assert.equal(res.status, 200, path);
      assert.equal(res.body.name, name);
    }
    assert.equal((await api.get('/v2/schemas/nope', admin)).status, 404);
  });
});
