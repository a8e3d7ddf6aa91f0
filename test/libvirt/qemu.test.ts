// Real guests, volumes and networks through qemu:///system. Guests are TCG (<domain type='qemu'>):
// this machine's /dev/kvm cannot run them. The guest has no disk: SeaBIOS prints to the serial
// console, finds nothing to boot and retries, which is all the console test needs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import {
  DomainEventId,
  DomainLifecycleEvent,
  DomainState,
  isNoStorageVol,
  LibvirtConnection,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  StoragePoolBuildFlags,
  type DomainEventLifecycleMsg,
  type StoragePool,
} from '../../src/libvirt/index.js';

let conn: LibvirtConnection;
const suffix = randomBytes(3).toString('hex');
const domName = `vstest-q-${suffix}`;
const poolName = `vstest-pool-${suffix}`;
const netName = `vstest-qn-${suffix}`;
const poolDir = mkdtempSync('/var/tmp/vstest-pool-');

const domainXML = `<domain type='qemu'>
  <name>${domName}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <bios useserial='yes' rebootTimeout='500'/>
  </os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>`;

before(async () => {
  execFileSync(new URL('../../scripts/start-libvirt', import.meta.url).pathname, { stdio: 'inherit' });
  conn = await LibvirtConnection.open('qemu:///system');
});

after(async () => {
  const steps = [
    async () => {
      const d = await conn.domainLookupByName(domName);
      await conn.domainDestroy(d).catch(() => {});
      await conn.domainUndefine(d);
    },
    async () => {
      const p = await conn.storagePoolLookupByName(poolName);
      for (const v of await conn.storagePoolListAllVolumes(p)) await conn.storageVolDelete(v).catch(() => {});
      await conn.storagePoolDestroy(p).catch(() => {});
      await conn.storagePoolUndefine(p);
    },
    async () => {
      const n = await conn.networkLookupByName(netName);
      await conn.networkDestroy(n).catch(() => {});
      await conn.networkUndefine(n);
    },
  ];
  for (const step of steps) await step().catch(() => {});
  await conn.close();
  rmSync(poolDir, { recursive: true, force: true });
});

function waitFor<T>(what: string, ms: number, check: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    check((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

test('a TCG guest: define, start, lifecycle events, console bytes, screenshot, destroy, undefine', async () => {
  const events: DomainEventLifecycleMsg[] = [];
  let onEvent: () => void = () => {};
  const sub = await conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => {
    if (e.dom.name !== domName) return;
    events.push(e);
    onEvent();
  });
  const seen = (kind: number) =>
    waitFor(`lifecycle event ${kind}`, 10_000, (resolve) => {
      const check = () => events.some((e) => e.event === kind) && resolve(undefined);
      onEvent = check;
      check();
    });
  try {
    const dom = await conn.domainDefineXML(domainXML);
    await seen(DomainLifecycleEvent.DEFINED);
    await conn.domainCreate(dom);
    await seen(DomainLifecycleEvent.STARTED);
    const live = await conn.domainLookupByUUID(dom.uuid);
    assert.equal((await conn.domainGetState(live)).state, DomainState.RUNNING);

    const console = await conn.domainOpenConsole(live, null, 1 /* FORCE */);
    let text = '';
    await waitFor('SeaBIOS on the serial console', 30_000, (resolve) => {
      console.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (/SeaBIOS|Booting|bootable/i.test(text)) resolve(undefined);
      });
    });
    console.destroy();
    assert.match(text, /SeaBIOS|Booting|bootable/i);

    const shot = await conn.domainScreenshot(live, 0);
    assert.ok(shot.data.length > 1000, `screenshot has ${shot.data.length} bytes`);
    if (shot.mimeType === 'image/png') assert.deepEqual(shot.data.subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    else assert.equal(shot.data.subarray(0, 2).toString(), 'P6', `mime ${shot.mimeType}`);

    await conn.domainDestroy(live);
    await seen(DomainLifecycleEvent.STOPPED);
    assert.equal((await conn.domainGetState(dom)).state, DomainState.SHUTOFF);
    await conn.domainUndefine(dom);
    await seen(DomainLifecycleEvent.UNDEFINED);
  } finally {
    await sub.cancel();
  }
});

async function withPool(): Promise<StoragePool> {
  const pool = await conn.storagePoolDefineXML(
    `<pool type='dir'><name>${poolName}</name><target><path>${poolDir}</path></target></pool>`,
  );
  await conn.storagePoolBuild(pool, StoragePoolBuildFlags.NEW);
  await conn.storagePoolCreate(pool);
  return pool;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a dir pool volume round-trips through upload and download with the same sha256, sparse or not', async () => {
  const pool = await withPool();
  const info = await conn.storagePoolGetInfo(pool);
  assert.ok(info.capacity > 0n);
  const size = 8 * 1024 * 1024;
  const vol = await conn.storageVolCreateXML(
    pool,
    `<volume><name>vstest-vol.raw</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`,
  );
  // Random data with a 3 MiB run of zeros in the middle: the sparse paths send it as a hole.
  const data = randomBytes(size);
  data.fill(0, 2 * 1024 * 1024, 5 * 1024 * 1024);
  const chunks = Array.from({ length: 16 }, (_, i) => data.subarray(i * (size / 16), (i + 1) * (size / 16)));

  await conn.storageVolUpload(vol, Readable.from(chunks));
  const down = await conn.storageVolDownload(vol);
  const got: Buffer[] = [];
  for await (const c of down) got.push(c as Buffer);
  assert.equal(sha256(Buffer.concat(got)), sha256(data));

  await conn.storageVolUpload(vol, Readable.from(chunks), { sparse: true });
  const sparseDown = await conn.storageVolDownload(vol, { sparse: true });
  const got2: Buffer[] = [];
  for await (const c of sparseDown) got2.push(c as Buffer);
  assert.equal(sha256(Buffer.concat(got2)), sha256(data));
  assert.ok(sparseDown.holeBytes >= 2n * 1024n * 1024n, `holes ${sparseDown.holeBytes}`);

  const volInfo = await conn.storageVolGetInfo(vol);
  assert.equal(volInfo.capacity, BigInt(size));
  await conn.storageVolResize(vol, BigInt(size * 2));
  assert.equal((await conn.storageVolGetInfo(vol)).capacity, BigInt(size * 2));
  const byPath = await conn.storageVolLookupByPath(await conn.storageVolGetPath(vol));
  assert.equal(byPath.name, 'vstest-vol.raw');
  const clone = await conn.storageVolCreateXMLFrom(
    pool,
    `<volume><name>vstest-clone.raw</name><capacity unit='bytes'>${size * 2}</capacity><target><format type='raw'/></target></volume>`,
    vol,
  );
  assert.equal((await conn.storagePoolListAllVolumes(pool)).length, 2);
  await conn.storageVolDelete(clone);
  await conn.storageVolDelete(vol);
  await assert.rejects(conn.storageVolLookupByName(pool, 'vstest-vol.raw'), (err) => isNoStorageVol(err));
  await conn.storagePoolDestroy(pool);
  await conn.storagePoolUndefine(pool);
});

test('a real network: define, start, pin a DHCP host, read leases, remove', async () => {
  const third = 100 + (parseInt(suffix.slice(0, 2), 16) % 100);
  const net = await conn.networkDefineXML(`<network>
  <name>${netName}</name>
  <bridge name='vstbr${suffix}'/>
  <ip address='10.253.${third}.1' netmask='255.255.255.0'>
    <dhcp><range start='10.253.${third}.100' end='10.253.${third}.200'/></dhcp>
  </ip>
</network>`);
  await conn.networkCreate(net);
  try {
    assert.equal(await conn.networkGetBridgeName(net), `vstbr${suffix}`);
    await conn.networkUpdate(
      net,
      NetworkUpdateCommand.ADD_LAST,
      NetworkUpdateSection.IP_DHCP_HOST,
      -1,
      `<host mac='52:54:00:aa:bb:cc' ip='10.253.${third}.50'/>`,
      NetworkUpdateFlags.AFFECT_LIVE | NetworkUpdateFlags.AFFECT_CONFIG,
    );
    assert.match(await conn.networkGetXMLDesc(net), /52:54:00:aa:bb:cc/);
    assert.deepEqual(await conn.networkGetDHCPLeases(net, null), []);
    await conn.networkUpdate(
      net,
      NetworkUpdateCommand.DELETE,
      NetworkUpdateSection.IP_DHCP_HOST,
      -1,
      `<host mac='52:54:00:aa:bb:cc' ip='10.253.${third}.50'/>`,
      NetworkUpdateFlags.AFFECT_LIVE | NetworkUpdateFlags.AFFECT_CONFIG,
    );
    assert.doesNotMatch(await conn.networkGetXMLDesc(net), /52:54:00:aa:bb:cc/);
  } finally {
    await conn.networkDestroy(net);
    await conn.networkUndefine(net);
  }
});
