// Unit tests of the domain XML (no libvirt needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceSpec } from '../../src/virt/compute-driver.js';
import { buildDomainXml, METADATA_NAMESPACE, type DomainPlacement } from '../../src/virt/domain-xml.js';

function buildSpec(over: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    id: '6f1e2d3c-4b5a-4978-8877-665544332211',
    number: 0x2a,
    name: 'vm1',
    hostname: 'vm1',
    memoryMiB: 128,
    vcpus: 1,
    rootGiB: 1,
    ephemeralGiB: 0,
    swapMiB: 0,
    image: { id: 'img-1', diskFormat: 'qcow2', size: 1, virtualSize: 1, open: () => Promise.reject(new Error('unused')) },
    nics: [{ mac: '52:54:00:AA:bb:01', address: '10.251.0.50', prefix: 24, gateway: '10.251.0.1', libvirtNetwork: 'vstest-net' }],
    owner: { projectId: 'p-1', userId: 'u-1', flavorName: 'm1.tiny', serverName: 'My <VM> & "friends"' },
    ...over,
  };
}
const where: DomainPlacement = {
  virtType: 'qemu',
  rootDiskPath: '/var/lib/virtstack/instances/x-disk',
  configDrivePath: '/var/lib/virtstack/instances/x-config.iso',
  consoleLogPath: '/var/lib/virtstack/console/x.log',
  createdAt: new Date('2026-01-02T03:04:05Z'),
};
const diskElements = (xml: string) => [...xml.matchAll(/<disk [\s\S]*?<\/disk>/g)].map((m) => m[0]);

test('names the domain instance-%08x with the server id as uuid', () => {
  const xml = buildDomainXml(buildSpec(), where);
  assert.match(xml, /<name>instance-0000002a<\/name>/);
  assert.match(xml, /<uuid>6f1e2d3c-4b5a-4978-8877-665544332211<\/uuid>/);
  assert.match(xml, /<memory unit='MiB'>128<\/memory>/);
  assert.match(xml, /<vcpu>1<\/vcpu>/);
});

test('uses the virt type as the domain type; host-model CPU only for kvm', () => {
  assert.match(buildDomainXml(buildSpec(), where), /^<domain type='qemu'>/);
  assert.doesNotMatch(buildDomainXml(buildSpec(), where), /<cpu /);
  const kvm = buildDomainXml(buildSpec(), { ...where, virtType: 'kvm' });
  assert.match(kvm, /^<domain type='kvm'>/);
  assert.match(kvm, /<cpu mode='host-model'\/>/);
});

test('attaches the config drive as an IDE cdrom on machine type pc, never SATA', () => {
  const xml = buildDomainXml(buildSpec(), where);
  assert.match(xml, /machine='pc'/);
  const cdrom = diskElements(xml).find((d) => d.includes("device='cdrom'"));
  assert.ok(cdrom);
  assert.match(cdrom, /bus='ide'/);
  assert.match(cdrom, /<source file='\/var\/lib\/virtstack\/instances\/x-config.iso'\/>/);
  assert.match(cdrom, /<readonly\/>/);
  assert.doesNotMatch(xml, /sata/);
});

test('omits the cdrom without a config drive', () => {
  const xml = buildDomainXml(buildSpec(), { ...where, configDrivePath: undefined });
  assert.equal(diskElements(xml).length, 1);
});

test('root, ephemeral and swap disks are virtio qcow2 in Nova order', () => {
  const xml = buildDomainXml(buildSpec(), { ...where, ephemeralDiskPath: '/e', swapDiskPath: '/s' });
  const disks = diskElements(xml);
  assert.deepEqual(
    disks.map((d) => /<target dev='(\w+)' bus='(\w+)'/.exec(d)!.slice(1).join(':')),
    ['vda:virtio', 'vdb:virtio', 'vdc:virtio', 'hdd:ide'],
  );
  for (const d of disks.slice(0, 3)) assert.match(d, /<driver name='qemu' type='qcow2'\/>/);
});

test('NICs are virtio on the libvirt network with their MAC, lower-cased', () => {
  const xml = buildDomainXml(buildSpec(), where);
  assert.match(
    xml,
    /<interface type='network'><source network='vstest-net'\/><mac address='52:54:00:aa:bb:01'\/><model type='virtio'\/><\/interface>/,
  );
});

test('a NIC without a libvirt network is user-mode networking', () => {
  const spec = buildSpec({ nics: [{ mac: '52:54:00:00:00:09', address: '10.0.2.15', prefix: 24, gateway: '10.0.2.2', libvirtNetwork: null }] });
  const xml = buildDomainXml(spec, where);
  assert.match(xml, /<interface type='user'><mac address='52:54:00:00:00:09'\/><model type='virtio'\/><\/interface>/);
  assert.doesNotMatch(xml, /type='network'/);
});

test('carries project, user, flavor and server name in virtstack metadata, escaped', () => {
  const xml = buildDomainXml(buildSpec(), where);
  const meta = /<metadata>([\s\S]*)<\/metadata>/.exec(xml)?.[1] ?? '';
  assert.match(meta, new RegExp(`<virtstack:instance xmlns:virtstack='${METADATA_NAMESPACE}'>`));
  assert.match(meta, /<virtstack:name>My &lt;VM&gt; &amp; &quot;friends&quot;<\/virtstack:name>/);
  assert.match(meta, /<virtstack:flavor name='m1.tiny'>/);
  assert.match(meta, /<virtstack:user uuid='u-1'\/><virtstack:project uuid='p-1'\/>/);
  assert.match(meta, /<virtstack:creationTime>2026-01-02 03:04:05<\/virtstack:creationTime>/);
});

test('has smbios sysinfo with the uuid, ACPI, destroy on poweroff, logged pty serial, VNC, tablet, balloon', () => {
  const xml = buildDomainXml(buildSpec(), where);
  assert.match(xml, /<smbios mode='sysinfo'\/>/);
  assert.match(xml, /<entry name='uuid'>6f1e2d3c-4b5a-4978-8877-665544332211<\/entry>/);
  assert.match(xml, /<entry name='product'>OpenStack Compute<\/entry>/);
  assert.match(xml, /<features><acpi\/>/);
  assert.match(xml, /<on_poweroff>destroy<\/on_poweroff>/);
  assert.match(xml, /<serial type='pty'><log file='\/var\/lib\/virtstack\/console\/x.log' append='on'\/>/);
  assert.match(xml, /<console type='pty'>/);
  assert.match(xml, /<graphics type='vnc' autoport='yes' listen='127.0.0.1'\/>/);
  assert.match(xml, /<input type='tablet' bus='usb'\/>/);
  assert.match(xml, /<memballoon model='virtio'>/);
});

test('refuses a server id that is not a uuid and a bad MAC', () => {
  assert.throws(() => buildDomainXml(buildSpec({ id: "x'/><evil" }), where), /not a UUID/);
  assert.throws(
    () => buildDomainXml(buildSpec({ nics: [{ mac: "52:54:00:00:00:0g'", address: '', prefix: 24, gateway: '', libvirtNetwork: null }] }), where),
    /invalid MAC/,
  );
});
