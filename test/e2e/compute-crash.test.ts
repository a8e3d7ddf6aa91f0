// Killing virtstack in the middle of a boot and starting it again ends in ACTIVE or ERROR, never a
// BUILD that lasts forever: the build job's lease runs out and the new process takes the job over.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { http, issueToken, passwordAuth, projectScope } from '../support/http.js';
import { ADMIN_PASSWORD } from '../support/server.js';
import { sleep, testImagePath, waitForGone, waitForStatus } from '../support/compute-fixtures.js';
import { createReadStream, statSync } from 'node:fs';
import { freePort } from '../../src/util/free-port.js';

const root = join(import.meta.dirname, '..', '..');
let database: TestDatabase;
let dataDir: string;
let port: number;
let child: ChildProcess | undefined;


async function startVirtstack(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(root, 'bin', 'virtstack.js'), 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      VIRTSTACK_DATA_DIR: dataDir,
      VIRTSTACK_PORT: String(port),
      VIRTSTACK_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VIRTSTACK_LOG_LEVEL: 'warn',
      VIRTSTACK_NETWORK_NAME: 'vstest',
      VIRTSTACK_NETWORK_BRIDGE: 'vstestbr0',
      VIRTSTACK_NETWORK_CIDR: '10.250.0.0/24',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const end = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/identity/v3`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (proc.exitCode !== null) throw new Error(`virtstack exited with ${proc.exitCode}`);
    if (Date.now() > end) throw new Error('virtstack did not start');
    await sleep(200);
  }
}

before(async () => {
  database = await createTestDatabase();
  await database.db.raw(`ALTER SEQUENCE servers_number_seq RESTART WITH ${0x100000 + Math.floor(Math.random() * 0x7fe00000)}`);
  dataDir = mkdtempSync(join(tmpdir(), 'vs-crash-'));
  port = await freePort();
});

after(async () => {
  child?.kill('SIGTERM');
  await new Promise((r) => (child && child.exitCode === null ? child.once('exit', r) : r(undefined)));
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a boot interrupted by SIGKILL finishes after a restart', async () => {
  child = await startVirtstack();
  const authUrl = `http://127.0.0.1:${port}/identity/v3`;
  const compute = `http://127.0.0.1:${port}/compute/v2.1`;
  const token = (await issueToken(authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, projectScope('admin')))).id;

  const imagePath = await testImagePath();
  const image = await http('POST', `http://127.0.0.1:${port}/image/v2/images`, { token, body: { name: 'tiny', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' } });
  assert.equal(image.status, 201);
  const upload = await fetch(`http://127.0.0.1:${port}/image/v2/images/${image.body.id}/file`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(statSync(imagePath).size) },
    body: createReadStream(imagePath) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  assert.equal(upload.status, 204);

  const created = await http('POST', `${compute}/servers`, { token, body: { server: { name: 'crashy', imageRef: image.body.id, flavorRef: '1' } } });
  assert.equal(created.status, 202);
  const id = created.body.server.id;
  // Kill it while the build job runs (the job is claimed within milliseconds of the POST).
  await sleep(150);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));

  child = await startVirtstack();
  const fresh = (await issueToken(authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, projectScope('admin')))).id;
  const end = Date.now() + 120_000;
  let status = '';
  while (Date.now() < end) {
    const res = await http('GET', `${compute}/servers/${id}`, { token: fresh });
    status = res.body.server.status;
    if (status === 'ACTIVE' || status === 'ERROR') break;
    await sleep(500);
  }
  assert.ok(status === 'ACTIVE' || status === 'ERROR', `the server ended in ${status}`);
  if (status === 'ACTIVE') await waitForStatus(compute, fresh, id, 'ACTIVE');

  const del = await http('DELETE', `${compute}/servers/${id}`, { token: fresh });
  assert.equal(del.status, 204);
  await waitForGone(compute, fresh, id);
});
