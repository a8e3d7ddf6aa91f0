// Glance as a new user meets it, with Debian's real clients: `openstack image …` and
// `glance image-create-via-import --import-method web-download` from a file served on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import { IdentityFixtures, uniqueName } from '../support/identity-fixtures.js';
import { openstack, openstackJson, openstackOk } from '../support/openstack-cli.js';

let server: TestServer;
let files: Server;
let filesUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'virtstack-image-e2e-'));
const disk = join(dir, 'disk.qcow2');

before(async () => {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '256M']);
  files = createServer((req, res) => {
    if (req.url !== '/disk.qcow2') return void res.writeHead(404).end();
    const data = readFileSync(disk);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length });
    res.end(data);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
  server = await startTestServer({ VIRTSTACK_WEB_DOWNLOAD_ALLOW: '127.0.0.1' });
});
after(async () => {
  await server.stop();
  await new Promise((r) => files.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function glance(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) clean[k] = v;
  // stdin must be closed (`<&-`, glanceclient's own advice for cron jobs): glanceclient takes any other
  // non-tty stdin as image data and refuses it with web-download.
  const child = spawn('/bin/sh', ['-c', 'exec /usr/bin/glance "$@" <&-', 'glance', ...args], { env: { ...clean, PATH: `/usr/bin:/bin:${clean.PATH ?? ''}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

test('image create, list, show, set, save, share with another project, delete — with the openstack CLI', async () => {
  const env = server.adminEnv;
  const name = uniqueName('cirros-like');
  const created = await openstackJson(env, 'image', 'create', '--file', disk, '--disk-format', 'qcow2', '--container-format', 'bare', name);
  assert.equal(created.name, name);
  const list = await openstackJson(env, 'image', 'list');
  assert.ok(list.some((i: any) => i.Name === name && i.Status === 'active'));
  await openstackOk(env, 'image', 'set', '--property', 'os_distro=debian', '--tag', 'golden', name);
  const shown = await openstackJson(env, 'image', 'show', name);
  assert.equal(shown.status, 'active');
  assert.equal(shown.disk_format, 'qcow2');
  assert.equal(shown.properties.os_distro, 'debian');
  assert.deepEqual(shown.tags, ['golden']);
  assert.equal(shown.virtual_size, 256 * 1024 * 1024);

  const out = join(dir, 'out.qcow2');
  await openstackOk(env, 'image', 'save', '--file', out, name);
  assert.ok(readFileSync(out).equals(readFileSync(disk)), 'identical bytes');

  // Share with a project whose user accepts it.
  const fx = await IdentityFixtures.create(server.authUrl);
  const project = await fx.project();
  const user = await fx.user();
  const member = await fx.role('member');
  await fx.put(`projects/${project.id}/users/${user.id}/roles/${member.id}`);
  await openstackOk(env, 'image', 'set', '--shared', name);
  await openstackOk(env, 'image', 'add', 'project', name, project.id);
  const members = await openstackJson(env, 'image', 'member', 'list', name);
  assert.deepEqual(members.map((m: any) => [m['Member ID'], m.Status]), [[project.id, 'pending']]);
  const userEnv = { ...env, OS_USERNAME: user.name, OS_PASSWORD: user.password, OS_PROJECT_NAME: project.name };
  await openstackOk(userEnv, 'image', 'set', '--accept', shown.id);
  const theirs = await openstackJson(userEnv, 'image', 'list');
  assert.ok(theirs.some((i: any) => i.ID === shown.id), 'the member lists the accepted image');
  const after = await openstackJson(env, 'image', 'member', 'list', name);
  assert.equal(after[0].Status, 'accepted');

  await openstackOk(env, 'image', 'delete', name);
  const gone = await openstack(env, 'image', 'show', shown.id);
  assert.notEqual(gone.code, 0);
});

test('glance image-create-via-import --import-method web-download from a loopback URL allowed by config', async () => {
  const env = server.adminEnv;
  const name = uniqueName('imported');
  const r = await glance(env, 'image-create-via-import', '--name', name, '--disk-format', 'qcow2', '--container-format', 'bare', '--import-method', 'web-download', '--uri', `${filesUrl}/disk.qcow2`);
  assert.equal(r.code, 0, r.stderr);
  const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);
  const deadline = Date.now() + 30_000;
  let shown: any;
  do {
    shown = await openstackJson(env, 'image', 'show', id!);
    if (shown.status === 'active') break;
    await new Promise((res) => setTimeout(res, 250));
  } while (Date.now() < deadline);
  assert.equal(shown.status, 'active');
  assert.equal(shown.size, readFileSync(disk).length);
  const out = join(dir, 'imported.qcow2');
  await openstackOk(env, 'image', 'save', '--file', out, id!);
  assert.ok(readFileSync(out).equals(readFileSync(disk)));
});
