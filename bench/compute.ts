// Nova on libvirt, side by side with baselines measured in the same run (`npm run bench compute`):
//   - POST /servers → ACTIVE (median of 10) vs the bare define+start of the same domain through src/libvirt
//   - 20 servers created at once: time until all are ACTIVE
//   - GET /servers/detail with 1000 servers in the database (p50) vs GET /flavors/detail (p50)
// The server runs as a child process (`virtstack serve`) on its own embedded PostgreSQL, with its own
// NAT network, and boots the tiny test guest (scripts/build-test-image).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createDatabase } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded-database.js';
import { LibvirtConnection } from '../src/libvirt/index.js';
import { freePort } from '../src/util/free-port.js';

const root = join(import.meta.dirname, '..');
const PASSWORD = 'bench-admin-password';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];


async function call(method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...(token ? { 'X-Auth-Token': token } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function run(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'virtstack-bench-compute-'));
  const pg = await startEmbeddedDatabase(scratch, pino({ level: 'warn' }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const conn = await LibvirtConnection.open('qemu:///system');
  try {
    child = spawn(process.execPath, [join(root, 'bin/virtstack.js'), 'serve'], {
      env: {
        ...process.env, DATABASE_URL: pg.url, VIRTSTACK_DATA_DIR: join(scratch, 'data'), VIRTSTACK_PORT: String(port),
        VIRTSTACK_ADMIN_PASSWORD: PASSWORD, VIRTSTACK_LOG_LEVEL: 'warn', VIRTSTACK_NETWORK_NAME: 'vsbench',
        VIRTSTACK_NETWORK_BRIDGE: 'vsbenchbr0', VIRTSTACK_NETWORK_CIDR: '10.248.0.0/24', VIRTSTACK_WORKERS: '8',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; ; i++) {
      if ((await call('GET', `${url}/identity/v3`).catch(() => ({ status: 0 }))).status === 200) break;
      if (i > 600) throw new Error('virtstack did not start');
      await sleep(100);
    }
    const db = createDatabase(pg.url, 2);
    // Domain names apart from any other virtstack on this machine.
    await db.raw(`ALTER SEQUENCE servers_number_seq RESTART WITH ${0x70000000 + Math.floor(Math.random() * 0x1000000)}`);
    const auth = await call('POST', `${url}/identity/v3/auth/tokens`, undefined, {
      auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
    });
    const token = auth.headers.get('x-subject-token')!;
    const compute = `${url}/compute/v2.1`;

    const imagePath = execFileSync(join(root, 'scripts/build-test-image'), { encoding: 'utf8' }).trim();
    const image = await call('POST', `${url}/image/v2/images`, token, { name: 'tiny', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' });
    await fetch(`${url}/image/v2/images/${image.json.id}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(statSync(imagePath).size) },
      body: createReadStream(imagePath) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);

    // 20 at once is more than Nova's default instance quota (10): raise the project's quota.
    const projectId = ((await fetch(`${url}/identity/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } }).then((r) => r.json())) as any).token.project.id;
    const quota = await call('PUT', `${compute}/os-quota-sets/${projectId}`, token, { quota_set: { instances: 100, cores: 200, ram: 512000 } });
    if (quota.status !== 200) throw new Error(`quota: ${quota.status} ${JSON.stringify(quota.json)}`);

    const boot = async (name: string) => {
      const t0 = performance.now();
      const res = await call('POST', `${compute}/servers`, token, { server: { name, imageRef: image.json.id, flavorRef: '1', networks: 'auto' } });
      if (res.status !== 202) throw new Error(`create: ${res.status} ${JSON.stringify(res.json)}`);
      const id = res.json.server.id;
      for (;;) {
        const s = (await call('GET', `${compute}/servers/${id}`, token)).json.server;
        if (s.status === 'ACTIVE') return { id, ms: performance.now() - t0 };
        if (s.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
        await sleep(10);
      }
    };
    const remove = async (ids: string[]) => {
      await Promise.all(ids.map((id) => call('DELETE', `${compute}/servers/${id}`, token)));
      for (const id of ids) while ((await call('GET', `${compute}/servers/${id}`, token)).status !== 404) await sleep(100);
    };

    // Warm-up: the first boot uploads the base image to the host.
    const warm = await boot('warm');
    const domXml = await conn.domainGetXMLDesc(await conn.domainLookupByUUID(Buffer.from(warm.id.replaceAll('-', ''), 'hex')));
    await remove([warm.id]);

    const apiTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = await boot(`bench-${i}`);
      apiTimes.push(b.ms);
      await remove([b.id]);
    }

    // The same domain, bare: define + start through src/libvirt (its disks and NIC left out, since they
    // belong to the server just deleted; the guest still starts, and has nothing to boot).
    const bareXml = domXml
      .replace(/<disk[\s\S]*?<\/disk>/g, '')
      .replace(/<interface[\s\S]*?<\/interface>/g, '')
      .replace(/<log [^>]*\/>/g, '');
    const bareTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const uuid = randomUUID();
      const xml = bareXml.replace(/<name>[^<]*<\/name>/, `<name>vs-bench-bare-${i}</name>`).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid}</uuid>`).replace(/<entry name='(serial|uuid)'>[^<]*</g, `<entry name='$1'>${uuid}<`);
      const t0 = performance.now();
      const dom = await conn.domainDefineXML(xml);
      await conn.domainCreate(dom);
      bareTimes.push(performance.now() - t0);
      await conn.domainDestroy(dom);
      await conn.domainUndefine(dom);
    }

    const t20 = performance.now();
    const twenty = await Promise.all(Array.from({ length: 20 }, (_, i) => boot(`twenty-${i}`)));
    const allActive = performance.now() - t20;
    await remove(twenty.map((b) => b.id));

    // 1000 servers in the database (rows only: this measures the API and its queries, not libvirt).
    const [{ flavor }] = (await db.raw(`SELECT row_to_json(f) AS flavor FROM flavors f WHERE id = '1'`)).rows;
    const [{ project_id, user_id }] = (await db.raw(`SELECT project_id, user_id FROM instance_actions LIMIT 1`)).rows;
    const net = (await db('networks').first()) as { id: string };
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      id: randomUUID(), name: `seeded-${i}`, project_id, user_id, image_ref: image.json.id, flavor_id: '1', flavor: JSON.stringify(flavor),
      vm_state: 'active', power_state: 1, host: 'seeded-host', availability_zone: 'nova', hostname: `seeded-${i}`, reservation_id: 'r-seeded', requested_networks: '"auto"',
    }));
    for (let i = 0; i < rows.length; i += 200) await db('servers').insert(rows.slice(i, i + 200));
    await db('fixed_ips').insert(rows.map((r, i) => ({ network_id: net.id, address: `10.247.${Math.floor(i / 250)}.${(i % 250) + 2}`, mac: `fa:16:3f:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, server_id: r.id })));
    await db('server_metadata').insert(rows.map((r) => ({ server_id: r.id, key: 'purpose', value: 'bench' })));
    const detail: number[] = [];
    const flavors: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t0 = performance.now();
      const d = await call('GET', `${compute}/servers/detail?limit=1000`, token);
      detail.push(performance.now() - t0);
      if (d.json.servers.length !== 1000) throw new Error(`expected 1000 servers, got ${d.json.servers.length}`);
      t0 = performance.now();
      await call('GET', `${compute}/flavors/detail`, token);
      flavors.push(performance.now() - t0);
    }
    await db('servers').where({ reservation_id: 'r-seeded' }).delete();
    await db.destroy();

    const f = (ms: number) => `${ms.toFixed(0).padStart(7)} ms`;
    console.log('Nova on libvirt (virt type of this host; TCG here)');
    console.log(`POST /servers → ACTIVE, median of 10        ${f(median(apiTimes))}   vs bare define+start of the same domain: ${f(median(bareTimes))}  (ratio ${(median(apiTimes) / median(bareTimes)).toFixed(2)}×)`);
    console.log(`20 servers created at once, all ACTIVE      ${f(allActive)}   (slowest single server ${f(Math.max(...twenty.map((b) => b.ms)))})`);
    console.log(`GET /servers/detail, 1000 servers, p50      ${f(pct(detail, 50))}   vs GET /flavors/detail p50: ${f(pct(flavors, 50))}  (p99 ${f(pct(detail, 99))})`);
  } finally {
    child?.kill('SIGTERM');
    await new Promise((r) => (child && child.exitCode === null ? child.once('exit', r) : r(undefined)));
    await conn.close();
    await pg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
