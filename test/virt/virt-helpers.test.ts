// Unit tests of the virt layer's small pure pieces: virt type detection, image header checks,
// the NAT network XML, the config drive ISO.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { buildConfigDrive } from '../../src/virt/config-drive.js';
import { imageHeaderGuard, imageHeaderProblem, inspectImageHeader } from '../../src/virt/image-format.js';
import { natNetworkXml } from '../../src/virt/libvirt-driver.js';
import { detectVirtType } from '../../src/virt/virt-type.js';

const probe = (paths: string[]) => ({ exists: (p: string) => paths.includes(p) });

test('virt type: an explicit setting wins; kvm_pvm or no /dev/kvm means qemu', () => {
  assert.equal(detectVirtType('kvm', probe([])), 'kvm');
  assert.equal(detectVirtType('qemu', probe(['/dev/kvm'])), 'qemu');
  assert.equal(detectVirtType(undefined, probe(['/dev/kvm'])), 'kvm');
  assert.equal(detectVirtType('auto', probe(['/dev/kvm', '/sys/module/kvm_pvm'])), 'qemu');
  assert.equal(detectVirtType(undefined, probe([])), 'qemu');
  assert.throws(() => detectVirtType('xen', probe([])), /kvm, qemu or auto/);
});


test('image header: qcow2 with a backing file or data file is refused; formats must match', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vstest-hdr-'));
  try {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'base.img'), '1M']);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', join(dir, 'base.img'), join(dir, 'over.img')]);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${join(dir, 'data.raw')}`, join(dir, 'df.img'), '1M']);
    const head = (f: string) => execFileSync('head', ['-c', '4096', join(dir, f)]);
    const base = inspectImageHeader(head('base.img'));
    assert.equal(base.format, 'qcow2');
    assert.equal(base.virtualSize, 1048576n);
    assert.equal(imageHeaderProblem(base, 'qcow2'), null);
    assert.match(imageHeaderProblem(base, 'raw')!, /data is qcow2/);
    assert.match(imageHeaderProblem(inspectImageHeader(head('over.img')), 'qcow2')!, /backing file/);
    assert.match(imageHeaderProblem(inspectImageHeader(head('df.img')), 'qcow2')!, /data file/);
    assert.equal(imageHeaderProblem(inspectImageHeader(Buffer.alloc(4096)), 'raw'), null);
    assert.match(imageHeaderProblem(inspectImageHeader(Buffer.alloc(4096)), 'qcow2')!, /data is raw/);
    assert.match(imageHeaderProblem(inspectImageHeader(Buffer.from('KDMV....')), 'raw')!, /vmdk/);
    assert.match(imageHeaderProblem(inspectImageHeader(Buffer.alloc(8)), 'vhd')!, /cannot boot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image header guard passes every byte through, in small chunks too, and fails before passing a bad image', async () => {
  const data = Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), Buffer.alloc(96), Buffer.alloc(2000, 7)]);
  const chunks = [...Array(Math.ceil(data.length / 100)).keys()].map((i) => data.subarray(i * 100, i * 100 + 100));
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), imageHeaderGuard('qcow2'), async function* (src) {
    for await (const c of src) out.push(c as Buffer);
  });
  assert.deepEqual(Buffer.concat(out), data);
  const passed: Buffer[] = [];
  await assert.rejects(
    pipeline(Readable.from(chunks), imageHeaderGuard('raw'), async function* (src) {
      for await (const c of src) passed.push(c as Buffer);
    }),
    /image rejected: image data is qcow2/,
  );
  assert.equal(passed.length, 0);
});

test('NAT network XML: DHCP over the subnet except the gateway', () => {
  const xml = natNetworkXml({ name: 'n', bridge: 'br9', cidr: '10.251.0.0/24', gateway: '10.251.0.1' });
  assert.match(xml, /<forward mode='nat'\/>/);
  assert.match(xml, /<bridge name='br9'/);
  assert.match(xml, /<ip address='10.251.0.1' netmask='255.255.255.0'>/);
  assert.match(xml, /<range start='10.251.0.2' end='10.251.0.254'\/>/);
  assert.throws(() => natNetworkXml({ name: 'n', bridge: 'b', cidr: '10.251.0.0/24', gateway: '10.9.0.1' }), /not a host/);
});

test('config drive: an ISO9660 image labelled config-2 with the files', async () => {
  const iso = await buildConfigDrive({
    'openstack/latest/meta_data.json': '{"uuid":"u"}',
    'openstack/latest/user_data': Buffer.from('#!/bin/sh\necho hi\n'),
  });
  assert.equal(iso.subarray(0x8001, 0x8006).toString('latin1'), 'CD001');
  assert.equal(iso.subarray(0x8028, 0x8028 + 8).toString('latin1'), 'config-2');
  assert.ok(iso.includes(Buffer.from('{"uuid":"u"}')));
  await assert.rejects(buildConfigDrive({ '../escape': 'x' }), /not allowed/);
});
