// Interoperable image import: discovery, stage + glance-direct, web-download from a throwaway HTTP
// server on loopback (allowed by config) and the SSRF guard without the allow-list; and the metadefs catalog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { startTestServer, type TestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { IdentityFixtures } from '../support/identity-fixtures.js';
import { ImageApi } from './image-support.js';

let server: TestServer;
let guarded: TestServer;
let files: Server;
let filesUrl: string;
const payload = randomBytes(3 * 1024 * 1024);

before(async () => {
  files = createServer((req, res) => {
    if (req.url === '/disk.raw') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': payload.length });
      res.end(payload);
    } else if (req.url === '/redirect') {
      res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
  server = await startTestServer({ VIRTSTACK_WEB_DOWNLOAD_ALLOW: '127.0.0.1/32', VIRTSTACK_IMAGE_SIZE_LIMIT: String(4 * 1024 * 1024) });
  guarded = await startTestServer();
});
after(async () => {
  await server.stop();
  await guarded.stop();
  await new Promise((r) => files.close(r));
});

const importReq = (s: TestServer, token: string, id: string, method: Record<string, unknown>) =>
  http('POST', `${s.url}/image/v2/images/${id}/import`, { token, body: { method } });

describe('import', () => {
  test('discovery lists glance-direct and web-download, and the file store', async () => {
    const fx = await IdentityFixtures.create(server.authUrl);
    const api = new ImageApi(`${server.url}/image`);
    const info = await api.get('/v2/info/import', fx.adminToken);
    assert.deepEqual(info.body['import-methods'].value, ['glance-direct', 'web-download']);
    const stores = await api.get('/v2/info/stores', fx.adminToken);
    assert.deepEqual(stores.body.stores.map((s: any) => s.id), ['file']);
  });

  test('stage then glance-direct: uploading, then active with the staged bytes', async () => {
    const fx = await IdentityFixtures.create(server.authUrl);
    const api = new ImageApi(`${server.url}/image`);
    const { token } = await fx.member();
    const img = await api.create(token);
    assert.equal((await importReq(server, token, img.id, { name: 'glance-direct' })).status, 409, 'nothing staged yet');
    const data = randomBytes(200_000);
    assert.equal((await api.upload(token, img.id, data, 'stage')).status, 204);
    assert.equal((await api.get(`/v2/images/${img.id}`, token)).body.status, 'uploading');
    assert.equal((await importReq(server, token, img.id, { name: 'glance-direct' })).status, 202);
    const done = await api.waitForStatus(token, img.id, ['active']);
    assert.equal(done.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(done.os_glance_importing_to_stores, undefined);
  });

  test('web-download from an allowed loopback server streams the file into the image', async () => {
    const fx = await IdentityFixtures.create(server.authUrl);
    const api = new ImageApi(`${server.url}/image`);
    const { token } = await fx.member();
    const img = await api.create(token);
    const res = await importReq(server, token, img.id, { name: 'web-download', uri: `${filesUrl}/disk.raw` });
    assert.equal(res.status, 202, res.text);
    const done = await api.waitForStatus(token, img.id, ['active']);
    assert.equal(done.size, payload.length);
    assert.ok((await api.download(token, img.id)).data.equals(payload));
  });

  test('a web-download that fails (404, or a redirect to the metadata service) leaves the image queued, marked failed', async () => {
    const fx = await IdentityFixtures.create(server.authUrl);
    const api = new ImageApi(`${server.url}/image`);
    const { token } = await fx.member();
    for (const path of ['/missing', '/redirect']) {
      const img = await api.create(token);
      assert.equal((await importReq(server, token, img.id, { name: 'web-download', uri: `${filesUrl}${path}` })).status, 202);
      const deadline = Date.now() + 10_000;
      let shown: any;
      do {
        shown = (await api.get(`/v2/images/${img.id}`, token)).body;
        if (shown.os_glance_failed_import) break;
        await new Promise((r) => setTimeout(r, 100));
      } while (Date.now() < deadline);
      assert.equal(shown.status, 'queued');
      assert.equal(shown.os_glance_failed_import, 'file');
    }
  });

  test('without the allow-list, loopback, private and link-local URLs are refused (SSRF guard)', async () => {
    const fx = await IdentityFixtures.create(guarded.authUrl);
    const api = new ImageApi(`${guarded.url}/image`);
    const img = await api.create(fx.adminToken);
    for (const uri of [`${filesUrl}/disk.raw`, 'http://localhost/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'file:///etc/passwd']) {
      const res = await importReq(guarded, fx.adminToken, img.id, { name: 'web-download', uri });
      assert.equal(res.status, 400, uri);
      assert.match(res.body.message, /does not pass filtering/, uri);
    }
    assert.equal((await api.get(`/v2/images/${img.id}`, fx.adminToken)).body.status, 'queued');
    assert.equal((await importReq(guarded, fx.adminToken, img.id, { name: 'copy-image' })).status, 400);
  });
});

describe('metadata definitions', () => {
  test('the seeded catalog lists namespaces and resource types; admins create, protect and delete namespaces', async () => {
    const fx = await IdentityFixtures.create(server.authUrl);
    const api = new ImageApi(`${server.url}/image`);
    const admin = fx.adminToken;
    const types = await api.get('/v2/metadefs/resource_types', admin);
    assert.ok(types.body.resource_types.some((t: any) => t.name === 'OS::Glance::Image'));
    const list = await api.get('/v2/metadefs/namespaces?resource_types=OS::Glance::Image', admin);
    assert.ok(list.body.namespaces.some((n: any) => n.namespace === 'OS::Compute::LibvirtImage'));
    const libvirt = await api.get('/v2/metadefs/namespaces/OS::Compute::LibvirtImage', admin);
    assert.ok(libvirt.body.properties.hw_disk_bus.enum.includes('virtio'));

    const { token } = await fx.member();
    assert.equal((await http('POST', `${server.url}/image/v2/metadefs/namespaces`, { token, body: { namespace: 'nope' } })).status, 403);
    const created = await http('POST', `${server.url}/image/v2/metadefs/namespaces`, { token: admin, body: { namespace: 'test-ns', visibility: 'public', protected: true, resource_type_associations: [{ name: 'OS::Glance::Image' }] } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.resource_type_associations[0].name, 'OS::Glance::Image');
    assert.equal((await http('POST', `${server.url}/image/v2/metadefs/namespaces`, { token: admin, body: { namespace: 'test-ns' } })).status, 409);
    const obj = await http('POST', `${server.url}/image/v2/metadefs/namespaces/test-ns/objects`, { token: admin, body: { name: 'o1', properties: { p: { title: 'P', type: 'string' } } } });
    assert.equal(obj.status, 201, obj.text);
    const prop = await http('POST', `${server.url}/image/v2/metadefs/namespaces/test-ns/properties`, { token: admin, body: { name: 'OS::Glance::Image', title: 't', type: 'string', enum: ['a'] } });
    assert.equal(prop.status, 201, prop.text);
    assert.equal((await api.get('/v2/metadefs/namespaces/test-ns/properties/OS::Glance::Image', admin)).body.title, 't');
    const tags = await http('POST', `${server.url}/image/v2/metadefs/namespaces/test-ns/tags`, { token: admin, body: { tags: [{ name: 't1' }, { name: 't2' }] } });
    assert.equal(tags.status, 201);
    assert.equal(tags.body.tags.length, 2);
    assert.equal((await http('DELETE', `${server.url}/image/v2/metadefs/namespaces/test-ns`, { token: admin })).status, 403, 'protected');
    await http('PUT', `${server.url}/image/v2/metadefs/namespaces/test-ns`, { token: admin, body: { namespace: 'test-ns', protected: false } });
    assert.equal((await http('DELETE', `${server.url}/image/v2/metadefs/namespaces/test-ns`, { token: admin })).status, 204);
    assert.equal((await api.get('/v2/metadefs/namespaces/test-ns', admin)).status, 404);
  });
});
