/**
 * What LibvirtDriver.spawn() costs over bare libvirt: time from the spawn() call to the domain
 * running (spawn resolves once domainCreate has returned, when libvirt reports it running),
 * median of 10, beside domainDefineXML + domainCreate of the same domain XML through src/libvirt
 * with its disks made beforehand (untimed). spawn() includes what a real build needs: the
 * overlay volume, the config drive ISO built and uploaded, the DHCP pin, the definition.
 *
 *   scripts/start-libvirt && node --import tsx bench/compute-driver.ts   (or npm run bench compute-driver)
 *
 * Creates (and removes) pools vsbench-<hex>-*, the network vsbench-net-<hex> (bridge
 * vsbn<hex>, a free 10.252.N.0/24) and domains instance-7e58xxxx. COMPUTE_BENCH_RUNS changes the count.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { LibvirtConnection } from '../src/libvirt/index.js';
import type { ImageSource, InstanceSpec } from '../src/virt/compute-driver.js';
import { buildConfigDrive } from '../src/virt/config-drive.js';
import { buildDomainXml } from '../src/virt/domain-xml.js';
import { inspectImageHeader } from '../src/virt/image-format.js';
import { LibvirtDriver } from '../src/virt/libvirt-driver.js';
import { detectVirtType } from '../src/virt/virt-type.js';

const repo = resolve(import.meta.dirname, '..');

export interface ComputeDriverBench {
  virtType: string;
  firstSpawnMs: number;
  spawnMs: number[];
  bareMs: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mac = () => '52:54:00:' + [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');

export async function run(): Promise<ComputeDriverBench> {
  const runs = Number(process.env.COMPUTE_BENCH_RUNS ?? 10);
  execFileSync(join(repo, 'scripts/start-libvirt'), { stdio: 'inherit' });
  const imagePath = execFileSync(join(repo, 'scripts/build-test-image'), { encoding: 'utf8' }).trim().split('\n').pop()!;
  const suffix = randomBytes(3).toString('hex');
  const poolPrefix = `vsbench-${suffix}`;
  const stateDir = mkdtempSync('/var/tmp/vsbench-virt-');
  chmodSync(stateDir, 0o755);
  const virtType = detectVirtType(process.env.VIRTSTACK_VIRT_TYPE);
  const conn = await LibvirtConnection.open('qemu:///system');
  const used = (await Promise.all((await conn.connectListAllNetworks()).map((n) => conn.networkGetXMLDesc(n)))).join('\n');
  const free = [...Array(254).keys()].map((i) => ((process.pid + i) % 254) + 1).find((k) => !used.includes(`10.252.${k}.`));
  if (free === undefined) throw new Error('no free 10.252.N.0/24 for the bench network');
  const subnet = `10.252.${free}`;
  const NET = { name: `vsbench-net-${suffix}`, bridge: `vsbn${suffix}`, cidr: `${subnet}.0/24`, gateway: `${subnet}.1` };
  const driver = new LibvirtDriver(conn, { virtType, stateDir, network: NET, poolPrefix, log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
  const image: ImageSource = {
    id: `bench-${suffix}`,
    diskFormat: 'qcow2',
    size: statSync(imagePath).size,
    virtualSize: Number(inspectImageHeader(readFileSync(imagePath).subarray(0, 512)).virtualSize),
    open: async () => createReadStream(imagePath),
  };
  const numberBase = 0x7e580000 + (process.pid % 0x1000) * 64;
  let n = 0;
  const buildSpec = (): InstanceSpec => {
    const i = n++;
    const id = randomUUID();
    return {
      id,
      number: numberBase + i,
      name: `bench${i}`,
      hostname: `bench${i}`,
      memoryMiB: 128,
      vcpus: 1,
      rootGiB: 1,
      ephemeralGiB: 0,
      swapMiB: 0,
      image,
      nics: [{ mac: mac(), address: `${subnet}.${10 + i}`, prefix: 24, gateway: NET.gateway, libvirtNetwork: NET.name }],
      configDrive: {
        'openstack/latest/meta_data.json': JSON.stringify({ uuid: id, name: `bench${i}`, hostname: `bench${i}` }),
        'openstack/latest/user_data': '#!/bin/sh\necho bench\n',
      },
      owner: { projectId: 'bench', userId: 'bench', flavorName: 'm1.bench', serverName: `bench${i}` },
    };
  };
  const spawned: InstanceSpec[] = [];
  try {
    await driver.init();
    const pool = await conn.storagePoolLookupByName(`${poolPrefix}-instances`);

    const first = buildSpec();
    spawned.push(first);
    let t0 = performance.now();
    await driver.spawn(first); // uploads the base image
    const firstSpawnMs = performance.now() - t0;
    await driver.destroy(first.id, first.number, first.nics);
    const basePath = await conn.storageVolGetPath(await conn.storageVolLookupByName(pool, `base-${image.id}`));

    const spawnMs: number[] = [];
    const bareMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      // the driver
      const spec = buildSpec();
      spawned.push(spec);
      t0 = performance.now();
      await driver.spawn(spec);
      spawnMs.push(performance.now() - t0);
      await driver.destroy(spec.id, spec.number, spec.nics);

      // bare libvirt: the same XML, disks prepared beforehand
      const bare = buildSpec();
      const disk = await conn.storageVolCreateXML(
        pool,
        `<volume><name>${bare.id}-disk</name><capacity unit='bytes'>${1024 ** 3}</capacity><target><format type='qcow2'/></target>` +
          `<backingStore><path>${basePath}</path><format type='qcow2'/></backingStore></volume>`,
      );
      const isoBytes = await buildConfigDrive(bare.configDrive!);
      const iso = await conn.storageVolCreateXML(
        pool,
        `<volume><name>${bare.id}-config.iso</name><capacity unit='bytes'>${isoBytes.length}</capacity><target><format type='raw'/></target></volume>`,
      );
      await conn.storageVolUpload(iso, Readable.from([isoBytes]));
      const xml = buildDomainXml(bare, {
        virtType,
        rootDiskPath: await conn.storageVolGetPath(disk),
        configDrivePath: await conn.storageVolGetPath(iso),
        consoleLogPath: join(stateDir, 'console', `${bare.id}.log`),
      });
      t0 = performance.now();
      const dom = await conn.domainDefineXML(xml);
      await conn.domainCreate(dom);
      bareMs.push(performance.now() - t0);
      await conn.domainDestroy(dom);
      await conn.domainUndefine(dom);
      await conn.storageVolDelete(disk);
      await conn.storageVolDelete(iso);
    }
    return { virtType, firstSpawnMs, spawnMs, bareMs };
  } finally {
    for (const s of spawned) await driver.destroy(s.id, s.number, s.nics).catch(() => {});
    await driver.close();
    for (const name of [`${poolPrefix}-instances`, `${poolPrefix}-console`]) {
      const p = await conn.storagePoolLookupByName(name).catch(() => null);
      if (!p) continue;
      await conn.storagePoolRefresh(p).catch(() => {});
      for (const v of await conn.storagePoolListAllVolumes(p)) await conn.storageVolDelete(v).catch(() => {});
      await conn.storagePoolDestroy(p).catch(() => {});
      await conn.storagePoolUndefine(p).catch(() => {});
    }
    const net = await conn.networkLookupByName(NET.name).catch(() => null);
    if (net) {
      await conn.networkDestroy(net).catch(() => {});
      await conn.networkUndefine(net).catch(() => {});
    }
    await conn.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export function report(r: ComputeDriverBench): string {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  return [
    `virt type ${r.virtType}; ${r.spawnMs.length} runs each, alternating`,
    `first spawn (uploads the 16 MiB base image):      ${ms(r.firstSpawnMs)}`,
    `spawn() → running (LibvirtDriver):       median ${ms(median(r.spawnMs))}  [${list(r.spawnMs)}]`,
    `define + create (bare src/libvirt):      median ${ms(median(r.bareMs))}  [${list(r.bareMs)}]`,
    `ratio: ${(median(r.spawnMs) / median(r.bareMs)).toFixed(2)}×`,
    `host load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run().then(
    (r) => console.log(report(r)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
