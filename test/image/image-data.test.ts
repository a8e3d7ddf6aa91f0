// Image data against a real server: upload, download with Range, and bad input that must be refused
// without losing anything — wrong format, backing files, truncated and concurrent uploads, quotas,
// and recovery of uploads whose process died.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createImageModule } from '../../src/image/image-module.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { http } from '../support/http.js';
import { IdentityFixtures } from '../support/identity-fixtures.js';
import { ImageApi, qemuImg, scratchDir } from './image-support.js';

let server: TestServer;
let fx: IdentityFixtures;
let api: ImageApi;
let admin: string;
const dir = scratchDir();

before(async () => {
  server = await startTestServer();
  fx = await IdentityFixtures.create(server.authUrl);
  api = new ImageApi(`${server.url}/image`);
  admin = fx.adminToken;
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const storeFiles = () => readdirSync(join(server.dataDir, 'images'));

describe('upload and download', () => {
  test('a qcow2 upload becomes active with size, md5, sha512 and virtual size; download is identical', async () => {
    const data = qemuImg(dir, 'ok.qcow2', 'qcow2', '64M');
    const img = await api.create(admin, { disk_format: 'qcow2' });
    const up = await api.upload(admin, img.id, data);
    assert.equal(up.status, 204, up.text);
    const shown = (await api.get(`/v2/images/${img.id}`, admin)).body;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, md5(data));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, sha512(data));
    assert.equal(shown.virtual_size, 64 * 1024 * 1024);
    const dl = await api.download(admin, img.id);
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-md5'), md5(data));
    assert.equal(dl.headers.get('content-length'), String(data.length));
    assert.ok(dl.data.equals(data));
    // A second upload to an active image is a conflict.
    const again = await api.upload(admin, img.id, data);
    assert.equal(again.status, 409);
  });

  test('Range requests answer 206 with Content-Range; past the end is 416', async () => {
    const data = randomBytes(100_000);
    const img = await api.create(admin);
    assert.equal((await api.upload(admin, img.id, data)).status, 204);
    const part = await api.download(admin, img.id, { Range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${data.length}`);
    assert.ok(part.data.equals(data.subarray(10, 20)));
    const tail = await api.download(admin, img.id, { Range: 'bytes=-5' });
    assert.ok(tail.data.equals(data.subarray(data.length - 5)));
    const open = await api.download(admin, img.id, { Range: `bytes=${data.length - 3}-` });
    assert.equal(open.data.length, 3);
    const past = await api.download(admin, img.id, { Range: `bytes=${data.length}-` });
    assert.equal(past.status, 416);
  });

  test('an image without data downloads as 204; upload needs application/octet-stream', async () => {
    const img = await api.create(admin);
    assert.equal((await api.download(admin, img.id)).status, 204);
    const wrong = await http('PUT', `${server.url}/image/v2/images/${img.id}/file`, { token: admin, body: { a: 1 } });
    assert.equal(wrong.status, 415);
  });

  test('deactivated images cannot be downloaded by their owner; reactivation allows it again', async () => {
    const { token } = await fx.member();
    const img = await api.create(token);
    assert.equal((await api.upload(token, img.id, randomBytes(1000))).status, 204);
    assert.equal((await http('POST', `${server.url}/image/v2/images/${img.id}/actions/deactivate`, { token })).status, 204);
    assert.equal((await api.get(`/v2/images/${img.id}`, token)).body.status, 'deactivated');
    assert.equal((await api.download(token, img.id)).status, 403);
    assert.equal((await api.download(admin, img.id)).status, 200, 'admin still may');
    assert.equal((await http('POST', `${server.url}/image/v2/images/${img.id}/actions/reactivate`, { token })).status, 204);
    assert.equal((await api.download(token, img.id)).status, 200);
    const queued = await api.create(token);
    assert.equal((await http('POST', `${server.url}/image/v2/images/${queued.id}/actions/deactivate`, { token })).status, 403);
  });
});

describe('bad input is refused and loses nothing', () => {
  test('data whose format does not match disk_format is 400 and the image stays queued', async () => {
    const qcow2 = qemuImg(dir, 'mismatch.qcow2', 'qcow2', '16M');
    const asRaw = await api.create(admin, { disk_format: 'raw' });
    const r1 = await api.upload(admin, asRaw.id, qcow2);
    assert.equal(r1.status, 400);
    assert.match(r1.body.message, /the data is qcow2, the image says raw/);
    assert.equal((await api.get(`/v2/images/${asRaw.id}`, admin)).body.status, 'queued');
    const asQcow2 = await api.create(admin, { disk_format: 'qcow2' });
    const r2 = await api.upload(admin, asQcow2.id, randomBytes(65536));
    assert.equal(r2.status, 400);
    assert.match(r2.body.message, /the data is raw, the image says qcow2/);
    // The same image takes the right data afterwards.
    assert.equal((await api.upload(admin, asQcow2.id, qcow2)).status, 204);
    assert.ok(!storeFiles().some((f) => f.startsWith('.tmp-')), 'no temporary file is left');
  });

  test('a qcow2 with a backing file pointing at /etc/passwd, or an external data file, is refused', async () => {
    const backed = qemuImg(dir, 'backed.qcow2', 'qcow2', '16M', 'backing_file=/etc/passwd,backing_fmt=raw');
    const img = await api.create(admin, { disk_format: 'qcow2' });
    const res = await api.upload(admin, img.id, backed);
    assert.equal(res.status, 400);
    assert.match(res.body.message, /backing file/);
    assert.equal((await api.get(`/v2/images/${img.id}`, admin)).body.status, 'queued');
    const external = qemuImg(dir, 'external.qcow2', 'qcow2', '16M', `data_file=${join(dir, 'external.data')}`);
    const img2 = await api.create(admin, { disk_format: 'qcow2' });
    const res2 = await api.upload(admin, img2.id, external);
    assert.equal(res2.status, 400);
    assert.match(res2.body.message, /external data file/);
  });

  test('a truncated upload puts the image back to queued and leaves no file', async () => {
    const img = await api.create(admin);
    const url = new URL(`${server.url}/image/v2/images/${img.id}/file`);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(url.port), url.hostname, () => {
        sock.write(`PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nX-Auth-Token: ${admin}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n`);
        sock.write(randomBytes(300_000), () => setTimeout(() => {
          sock.destroy();
          resolve();
        }, 200));
      });
      sock.on('error', reject);
    });
    const after = await api.waitForStatus(admin, img.id, ['queued']);
    assert.equal(after.size, null);
    assert.equal(after.checksum, null);
    assert.ok(!storeFiles().includes(img.id));
    assert.ok(!storeFiles().some((f) => f.startsWith('.tmp-')));
    // And a complete upload afterwards works.
    assert.equal((await api.upload(admin, img.id, randomBytes(5000))).status, 204);
  });

  test('10 concurrent uploads to one image: exactly one wins, the others get 409, the data is the winner\'s', async () => {
    const img = await api.create(admin);
    const payloads = Array.from({ length: 10 }, () => randomBytes(2 * 1024 * 1024));
    const results = await Promise.all(payloads.map((p) => api.upload(admin, img.id, p)));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 204).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 9, JSON.stringify(statuses));
    const shown = (await api.get(`/v2/images/${img.id}`, admin)).body;
    const winner = payloads[statuses.indexOf(204)];
    assert.equal(shown.checksum, md5(winner));
    assert.ok((await api.download(admin, img.id)).data.equals(winner));
  });
});

describe('quotas and size limit', () => {
  let limited: TestServer;
  let lapi: ImageApi;
  let ltoken: string;
  before(async () => {
    limited = await startTestServer({ VIRTSTACK_IMAGE_QUOTA_BYTES: '1000000', VIRTSTACK_IMAGE_QUOTA_COUNT: '3', VIRTSTACK_IMAGE_SIZE_LIMIT: '600000' });
    const lfx = await IdentityFixtures.create(limited.authUrl);
    lapi = new ImageApi(`${limited.url}/image`);
    ltoken = (await lfx.member()).token;
  });
  after(() => limited.stop());

  test('an upload over the per-image limit or the project\'s bytes is 413 and the image stays queued', async () => {
    const a = await lapi.create(ltoken);
    const tooBig = await lapi.upload(ltoken, a.id, randomBytes(700_000));
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.title, 'Request Entity Too Large');
    assert.equal((await lapi.get(`/v2/images/${a.id}`, ltoken)).body.status, 'queued');
    assert.equal((await lapi.upload(ltoken, a.id, randomBytes(500_000))).status, 204);
    const b = await lapi.create(ltoken);
    const overQuota = await lapi.upload(ltoken, b.id, randomBytes(550_000));
    assert.equal(overQuota.status, 413);
    assert.match(overQuota.body.message, /image_size_total/);
    assert.equal((await lapi.get(`/v2/images/${b.id}`, ltoken)).body.status, 'queued');
    const usage = await lapi.get('/v2/info/usage', ltoken);
    assert.equal(usage.body.usage.image_count_total.usage, 2);
  });

  test('creating more images than the count quota is 413', async () => {
    const { token } = await IdentityFixtures.create(limited.authUrl).then((f) => f.member());
    for (let i = 0; i < 3; i++) await lapi.create(token);
    const res = await http('POST', `${limited.url}/image/v2/images`, { token, body: { name: 'one-too-many' } });
    assert.equal(res.status, 413);
    assert.match(res.body.message, /image_count_total is over limit of 3/);
  });
});

describe('recovery after a crash', () => {
  test('at start, an upload whose process died goes back to queued, or to active if its file was complete', async () => {
    const db = server.database.db;
    const lost = await api.create(admin);
    const done = await api.create(admin);
    const stale = new Date(Date.now() - 10 * 60_000);
    await db('images').whereIn('id', [lost.id, done.id]).update({ status: 'saving', upload_token: 'dead', upload_heartbeat_at: stale });
    const tmp = join(server.dataDir, 'images', '.tmp-deadbeef');
    writeFileSync(tmp, randomBytes(1000));
    const old = stale.getTime() / 1000;
    (await import('node:fs')).utimesSync(tmp, old, old);
    const data = randomBytes(4096);
    writeFileSync(join(server.dataDir, 'images', done.id), data);

    // A second process starting on the same database and data dir runs the recovery.
    const config = { ...loadConfig({ VIRTSTACK_DATA_DIR: server.dataDir, DATABASE_URL: server.database.url }), publicUrl: server.url };
    const module = await createImageModule({ db, config, tokens: { validate: async () => { throw new Error('unused'); } }, specDir: join(import.meta.dirname, '..', '..', 'api-specs'), log: pino({ level: 'silent' }) });
    await module.stop();

    assert.equal((await api.get(`/v2/images/${lost.id}`, admin)).body.status, 'queued');
    const recovered = (await api.get(`/v2/images/${done.id}`, admin)).body;
    assert.equal(recovered.status, 'active');
    assert.equal(recovered.checksum, md5(data));
    assert.ok(!storeFiles().includes('.tmp-deadbeef'));
  });
});
