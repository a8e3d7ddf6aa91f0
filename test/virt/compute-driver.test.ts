// Contract tests of the ComputeDriver (nova/virt/driver.py's idea: one suite, every driver), run
// against LibvirtDriver on the real qemu:///system, booting the real test guest (TCG here).
//
//   scripts/start-libvirt && node --import tsx --test test/virt/compute-driver.test.ts
//
// Everything it creates is its own: pools vstest-<hex>-instances/-console over a temporary
// state directory, the NAT network vstest-net-<hex> (bridge vsvt<hex>, a 10.251.N.0/24 no other
// libvirt network uses), domains instance-7e57xxxx with uuids made here. The after hook removes
// them all.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { isNoDomain, isNoStorageVol, LibvirtConnection } from '../../src/libvirt/index.js';
import {
  domainName,
  InstanceNotFoundError,
  PowerState,
  type ImageSource,
  type InstanceSpec,
  type NicSpec,
  type PowerStateChange,
  type PowerStateValue,
} from '../../src/virt/compute-driver.js';
import { inspectImageHeader } from '../../src/virt/image-format.js';
import { LibvirtDriver, uuidBytes } from '../../src/virt/libvirt-driver.js';
import { detectVirtType } from '../../src/virt/virt-type.js';
import { parseGuestFacts, waitForConsoleLine } from '../support/guest-console.js';

const repo = new URL('../..', import.meta.url).pathname;
const suffix = randomBytes(3).toString('hex');
const poolPrefix = `vstest-${suffix}`;
const NET = { name: `vstest-net-${suffix}`, bridge: `vsvt${suffix}`, cidr: '', gateway: '' };
let subnet = ''; // 10.251.N, chosen in before()
// instance numbers from a test range, spread by pid so parallel runs do not collide
const numberBase = 0x7e570000 + (process.pid % 0x1000) * 8;
const virtType = detectVirtType(process.env.VIRTSTACK_VIRT_TYPE);

let conn: LibvirtConnection;
let driver: LibvirtDriver;
let stateDir: string;
let imagePath: string;
const events: PowerStateChange[] = [];
const specs: InstanceSpec[] = [];
const opens = new Map<string, number>();

const randomMac = () => '52:54:00:' + [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');

function fileImage(id: string, path: string, diskFormat = 'qcow2'): ImageSource {
  const head = readFileSync(path).subarray(0, 512);
  const size = statSync(path).size;
  return {
    id,
    diskFormat,
    size,
    virtualSize: Number(inspectImageHeader(head).virtualSize ?? BigInt(size)),
    open: async () => {
      opens.set(id, (opens.get(id) ?? 0) + 1);
      return createReadStream(path);
    },
  };
}

function buildSpec(i: number, image: ImageSource, over: Partial<InstanceSpec> = {}): InstanceSpec {
  const spec: InstanceSpec = {
    id: randomUUID(),
    number: numberBase + i,
    name: `vm${i}-${suffix}`,
    hostname: `vm${i}-${suffix}`,
    memoryMiB: 128, // 64 MiB makes the guest reboot in a loop; 80+ boots
    vcpus: 1,
    rootGiB: 1,
    ephemeralGiB: 0,
    swapMiB: 0,
    image,
    nics: [],
    owner: { projectId: 'p-test', userId: 'u-test', flavorName: 'm1.test', serverName: `vm${i}-${suffix}` },
    ...over,
  };
  specs.push(spec);
  return spec;
}

const consoleOf = (id: string) => () => driver.consoleOutput(id, 1 << 20);
const waitReady = (id: string, since = 0) => waitForConsoleLine(consoleOf(id), /^tiny-guest ready$/, 60_000, { since, intervalMs: 500 });

async function waitForEvent(id: string, state: PowerStateValue, fromIndex: number, ms = 20_000): Promise<PowerStateChange> {
  const end = Date.now() + ms;
  for (;;) {
    const e = events.slice(fromIndex).find((c) => c.serverId === id && c.powerState === state);
    if (e) return e;
    if (Date.now() > end) throw new Error(`no power state ${state} event for ${id}; got ${JSON.stringify(events.filter((c) => c.serverId === id))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  execFileSync(join(repo, 'scripts/start-libvirt'), { stdio: 'inherit' });
  imagePath = execFileSync(join(repo, 'scripts/build-test-image'), { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
  stateDir = mkdtempSync('/var/tmp/vstest-virt-');
  chmodSync(stateDir, 0o755); // qemu runs as libvirt-qemu and must reach the disks
  conn = await LibvirtConnection.open('qemu:///system');
  // a subnet no other libvirt network (another test run, a real virtstack) uses
  const used = (await Promise.all((await conn.connectListAllNetworks()).map((n) => conn.networkGetXMLDesc(n)))).join('\n');
  const free = [...Array(254).keys()].map((i) => (process.pid + i) % 254 + 1).find((n) => !used.includes(`10.251.${n}.`));
  assert.ok(free !== undefined, 'a free 10.251.N.0/24');
  subnet = `10.251.${free}`;
  Object.assign(NET, { cidr: `${subnet}.0/24`, gateway: `${subnet}.1` });
  driver = new LibvirtDriver(conn, { virtType, stateDir, network: NET, log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), poolPrefix });
  driver.onPowerStateChange((c) => events.push(c));
  await driver.init();
  await driver.init(); // safe to call again
});

after(async () => {
  for (const s of specs) await driver?.destroy(s.id, s.number, s.nics).catch(() => {});
  await driver?.close();
  if (conn) {
    for (const name of [`${poolPrefix}-instances`, `${poolPrefix}-console`]) {
      try {
        const p = await conn.storagePoolLookupByName(name);
        await conn.storagePoolRefresh(p).catch(() => {});
        for (const v of await conn.storagePoolListAllVolumes(p)) await conn.storageVolDelete(v).catch(() => {});
        await conn.storagePoolDestroy(p).catch(() => {});
        await conn.storagePoolUndefine(p);
      } catch {
        /* not created */
      }
    }
    try {
      const n = await conn.networkLookupByName(NET.name);
      await conn.networkDestroy(n).catch(() => {});
      await conn.networkUndefine(n);
    } catch {
      /* not created */
    }
    await conn.close();
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('hostInfo reads the host from libvirt', async () => {
  const h = await driver.hostInfo();
  assert.ok(h.hostname.length > 0);
  assert.ok(h.vcpus >= 1 && h.memoryMiB > 256 && h.freeMemoryMiB > 0 && h.freeMemoryMiB <= h.memoryMiB);
  assert.ok(h.localGiB >= 1 && h.freeDiskGiB <= h.localGiB);
  assert.equal(h.hypervisorType, 'QEMU');
  assert.ok(h.hypervisorVersion > 1_000_000);
  assert.equal((h.cpuInfo as { arch: string }).arch, 'x86_64');
});

test('spawn refuses an image with a backing file and leaves no base behind', async () => {
  const dir = mkdtempSync('/var/tmp/vstest-bad-');
  try {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', imagePath, join(dir, 'bad.qcow2')]);
    const spec = buildSpec(7, fileImage(`bad-${suffix}`, join(dir, 'bad.qcow2')));
    await assert.rejects(driver.spawn(spec), /backing file/);
    const pool = await conn.storagePoolLookupByName(`${poolPrefix}-instances`);
    const names = (await conn.storagePoolListAllVolumes(pool)).map((v) => v.name);
    assert.ok(!names.some((n) => n.startsWith(`base-bad-${suffix}`)), `left ${names.join(', ')}`);
    await driver.destroy(spec.id, spec.number, spec.nics);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('power operations on a missing guest throw InstanceNotFoundError; its state is NOSTATE', async () => {
  const id = randomUUID();
  await assert.rejects(driver.powerOn(id, numberBase + 6), InstanceNotFoundError);
  assert.equal(await driver.powerState(id, numberBase + 6), PowerState.NOSTATE);
  await driver.destroy(id, numberBase + 6, []); // destroy of nothing succeeds
});

test('servers boot and live their whole lifecycle', { timeout: 170_000, concurrency: true }, async (t) => {
  const image = fileImage(`tiny-${suffix}`, imagePath);
  const nicA: NicSpec = { mac: randomMac(), address: `${subnet}.${100 + (process.pid % 100)}`, prefix: 24, gateway: NET.gateway, libvirtNetwork: NET.name };
  const publicKeys = { alice: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOgk8Pr6eJmYdOe7Jb1W2Zt0R9y6Vb3R2T1r9R0u2K3x alice@example' };
  const meta = { role: 'witness', motto: 'hello world = 42' };
  const a = buildSpec(1, image, {
    nics: [nicA],
    configDrive: {},
  });
  a.configDrive = {
    'openstack/latest/meta_data.json': JSON.stringify({
      uuid: a.id,
      name: a.owner.serverName,
      hostname: a.hostname,
      launch_index: 0,
      availability_zone: 'nova',
      project_id: a.owner.projectId,
      public_keys: publicKeys,
      keys: Object.entries(publicKeys).map(([name, data]) => ({ name, type: 'ssh', data })),
      meta,
    }),
    'openstack/latest/user_data': '#!/bin/sh\necho "hello from $(hostname)"\nexit 3\n',
    'openstack/latest/network_data.json': JSON.stringify({
      links: [{ id: 'tap0', type: 'phy', ethernet_mac_address: nicA.mac, mtu: 1500 }],
      networks: [
        {
          id: 'network0',
          type: 'ipv4',
          link: 'tap0',
          ip_address: nicA.address,
          netmask: '255.255.255.0',
          routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: NET.gateway }],
          network_id: randomUUID(),
        },
      ],
      services: [],
    }),
  };
  // B: user-mode networking, no config drive, ephemeral and swap disks
  const userNic: NicSpec = { mac: randomMac(), address: '10.0.2.15', prefix: 24, gateway: '10.0.2.2', libvirtNetwork: null };
  const b = buildSpec(2, image, { nics: [userNic], ephemeralGiB: 1, swapMiB: 64 });

  const t0 = Date.now();
  await Promise.all([driver.spawn(a), driver.spawn(b)]);
  assert.equal(opens.get(image.id), 1, 'the base image was uploaded once for two concurrent spawns');
  assert.equal(await driver.powerState(a.id, a.number), PowerState.RUNNING);
  await waitForEvent(a.id, PowerState.RUNNING, 0);
  await Promise.all([waitReady(a.id), waitReady(b.id)]);
  t.diagnostic(`virt type ${virtType}: two guests ready ${((Date.now() - t0) / 1000).toFixed(1)} s after spawn`);
  const states = await driver.listPowerStates();
  assert.equal(states.get(a.id), PowerState.RUNNING);
  assert.equal(states.get(b.id), PowerState.RUNNING);

  await Promise.all([
    t.test('the guest saw its config drive, keys, metadata, user data and pinned address', async () => {
      const facts = parseGuestFacts(await consoleOf(a.id)());
      assert.equal(facts.boots, 1);
      assert.deepEqual(facts.configDrive, { device: '/dev/sr0', filesystem: 'iso9660' });
      assert.deepEqual(facts.metaData, { uuid: a.id, hostname: a.hostname, name: a.owner.serverName });
      assert.deepEqual(facts.publicKeys, ['alice']);
      assert.deepEqual(facts.meta, meta);
      assert.deepEqual(facts.userData, { firstLine: '#!/bin/sh', output: [`hello from ${a.hostname}`], exitCode: 3 });
      assert.deepEqual(facts.addresses.eth0, { address: nicA.address, prefix: 24, router: NET.gateway, mac: nicA.mac, source: 'dhcp' });
    }),
    t.test('user-mode networking, no config drive', async () => {
      const facts = parseGuestFacts(await consoleOf(b.id)());
      assert.equal(facts.configDrive, null);
      assert.equal(facts.addresses.eth0?.address, '10.0.2.15');
      assert.equal(facts.addresses.eth0?.source, 'dhcp');
      const pool = await conn.storagePoolLookupByName(`${poolPrefix}-instances`);
      const names = (await conn.storagePoolListAllVolumes(pool)).map((v) => v.name).filter((n) => n.startsWith(b.id)).sort();
      assert.deepEqual(names, [`${b.id}-disk`, `${b.id}-disk.local`, `${b.id}-disk.swap`]);
    }),
  ]);

  await Promise.all([
    t.test('spawn again is idempotent; pause, suspend, reboots and power off', async () => {
      await driver.spawn(a);
      assert.equal(opens.get(image.id), 1);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.RUNNING);

      let mark = events.length;
      await driver.pause(a.id, a.number);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.PAUSED);
      await waitForEvent(a.id, PowerState.PAUSED, mark);
      mark = events.length;
      await driver.unpause(a.id, a.number);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.RUNNING);
      await waitForEvent(a.id, PowerState.RUNNING, mark);

      mark = events.length;
      await driver.suspend(a.id, a.number);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.SHUTDOWN);
      assert.equal((await driver.listPowerStates()).get(a.id), PowerState.SHUTDOWN);
      await waitForEvent(a.id, PowerState.SHUTDOWN, mark);
      await driver.resume(a.id, a.number);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.RUNNING);
      assert.equal(parseGuestFacts(await consoleOf(a.id)()).boots, 1, 'resume restored the memory: no new boot');

      let since = (await consoleOf(a.id)()).length;
      await driver.reboot(a.id, a.number, 'SOFT');
      await waitReady(a.id, since);
      let facts = parseGuestFacts(await consoleOf(a.id)());
      assert.equal(facts.boots, 2);
      assert.ok(facts.addresses.eth0?.address === nicA.address);

      since = (await consoleOf(a.id)()).length;
      await driver.reboot(a.id, a.number, 'HARD');
      await waitReady(a.id, since);
      assert.equal(parseGuestFacts(await consoleOf(a.id)()).boots, 3);

      mark = events.length;
      const off = Date.now();
      await driver.powerOff(a.id, a.number, 30);
      t.diagnostic(`ACPI power off took ${Date.now() - off} ms`);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.SHUTDOWN);
      await waitForEvent(a.id, PowerState.SHUTDOWN, mark);
      facts = parseGuestFacts(await consoleOf(a.id)());
      assert.equal(facts.powerButton, true, 'a clean ACPI shutdown, not a hard power off');
      await driver.powerOn(a.id, a.number);
      assert.equal(await driver.powerState(a.id, a.number), PowerState.RUNNING);
    }),
    t.test('a snapshot is a standalone qcow2 that boots as a new server', async () => {
      const dir = mkdtempSync('/var/tmp/vstest-snap-');
      try {
        const file = join(dir, 'snap.qcow2');
        let announced = -1;
        const size = await driver.snapshot(b.id, b.number, async (data: Readable, n: number) => {
          announced = n;
          await pipeline(data, createWriteStream(file));
        });
        assert.equal(size, announced);
        assert.equal(statSync(file).size, size);
        const header = inspectImageHeader(readFileSync(file).subarray(0, 512));
        assert.equal(header.format, 'qcow2');
        assert.equal(header.backingFile, false);
        assert.equal(await driver.powerState(b.id, b.number), PowerState.RUNNING, 'the guest runs again after the copy');

        // A base left by an interrupted upload (no completion marker) is uploaded again.
        const snapImage = fileImage(`snap-${suffix}`, file);
        const pool = await conn.storagePoolLookupByName(`${poolPrefix}-instances`);
        const junk = await conn.storageVolCreateXML(
          pool,
          `<volume><name>base-${snapImage.id}</name><capacity unit='bytes'>65536</capacity><target><format type='raw'/></target></volume>`,
        );
        await conn.storageVolUpload(junk, Readable.from([Buffer.alloc(65536, 1)]));

        const c = buildSpec(3, snapImage, { rootGiB: 0, nics: [{ ...userNic, mac: randomMac() }] });
        await driver.spawn(c);
        assert.equal(opens.get(snapImage.id), 1);
        await waitReady(c.id);
        assert.equal(parseGuestFacts(await consoleOf(c.id)()).boots, 1);
        await driver.destroy(c.id, c.number, c.nics);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  ]);

  await t.test('destroy removes everything, twice', async () => {
    for (const s of [a, b]) {
      const mark = events.length;
      await driver.destroy(s.id, s.number, s.nics);
      await driver.destroy(s.id, s.number, s.nics);
      assert.equal(await driver.powerState(s.id, s.number), PowerState.NOSTATE);
      if (s === a) await waitForEvent(a.id, PowerState.SHUTDOWN, mark);
    }
    const pool = await conn.storagePoolLookupByName(`${poolPrefix}-instances`);
    const consolePool = await conn.storagePoolLookupByName(`${poolPrefix}-console`);
    await conn.storagePoolRefresh(consolePool);
    const vols = [...(await conn.storagePoolListAllVolumes(pool)), ...(await conn.storagePoolListAllVolumes(consolePool))].map((v) => v.name);
    for (const s of specs) {
      await assert.rejects(conn.domainLookupByUUID(uuidBytes(s.id)), isNoDomain);
      await assert.rejects(conn.domainLookupByName(domainName(s.number)), isNoDomain);
      assert.deepEqual(vols.filter((n) => n.startsWith(s.id)), []);
      await assert.rejects(conn.storageVolLookupByName(pool, `${s.id}-disk`), isNoStorageVol);
    }
    const netXml = await conn.networkGetXMLDesc(await conn.networkLookupByName(NET.name));
    assert.doesNotMatch(netXml, /<host /, 'no DHCP host entry left');
    // double-check with virsh (tests only)
    const names = execFileSync('virsh', ['-q', '-c', 'qemu:///system', 'list', '--all', '--name'], { encoding: 'utf8' });
    for (const s of specs) assert.ok(!names.includes(domainName(s.number)));
  });
});
