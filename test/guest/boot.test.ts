/**
 * Integration test: build (or reuse) the tiny test guest, boot it under
 * libvirt with an OpenStack config drive and two NICs, assert every fact line
 * it prints (guest-image/README.md), then power it off with ACPI.
 *
 *   node --import tsx --test test/guest/boot.test.ts
 *
 * Needs root, libvirtd + virtlogd running, qemu-system-x86, genisoimage and
 * libvirt's `default` NAT network (started here if it is inactive).
 * Domains are named vs-guesttest-<pid>; only those are destroyed/undefined.
 * Set KEEP_GUEST_RUN=1 to keep the run directory (console log, ISO, overlay).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DomainState, LibvirtConnection } from '../../src/libvirt/index.js';
import { detectVirtType, type VirtType } from '../../src/virt/virt-type.js';
import { parseGuestFacts, waitForConsoleLine } from '../support/guest-console.js';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const LIBVIRT_URI = 'qemu:///system';
let conn: LibvirtConnection;
const STATE_NAMES: Record<number, string> = { [DomainState.RUNNING]: 'running', [DomainState.PAUSED]: 'paused', [DomainState.SHUTOFF]: 'shut off' };
async function domState(name: string): Promise<string> {
  const { state } = await conn.domainGetState(await conn.domainLookupByName(name));
  return STATE_NAMES[state] ?? `state ${state}`;
}
/** virDomainShutdownFlagValues: VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN. */
const SHUTDOWN_ACPI_POWER_BTN = 1;

/** kvm on real hosts; qemu (TCG) where /dev/kvm is kvm_pvm or absent (src/virt/virt-type.ts). */
const virtType = (): VirtType => detectVirtType(process.env.VIRTSTACK_VIRT_TYPE);

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
const randomMac = () =>
  '52:54:00:' + [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');

const DOMAIN_PREFIX = `vs-guesttest-${process.pid}`;
const name = DOMAIN_PREFIX;
const uuid = randomUUID();
const serverName = `Guest Test ${process.pid}`;
const hostname = `guest-test-${process.pid}.example.org`;
const macDhcp = randomMac();
const macStatic = randomMac();
const staticAddress = `192.0.2.${10 + (process.pid % 200)}`; // TEST-NET-1: never routed
const staticGateway = '192.0.2.1';
const publicKeys = {
  alice: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOgk8Pr6eJmYdOe7Jb1W2Zt0R9y6Vb3R2T1r9R0u2K3x alice@example',
  'bob-rsa': 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 bob@example',
};
const meta = { role: 'witness', 'build-id': String(process.pid), motto: 'hello world = 42' };
const userData = [
  '#!/bin/sh',
  'echo "hello from $(hostname)"',
  'echo "keys: $(wc -l </root/.ssh/authorized_keys)"',
  'echo "to stderr" >&2',
  'exit 7',
  '',
].join('\n');

let runDir = '';
let consoleLog = '';
let imagePath = '';
let failed = false;
const readConsole = () => readFile(consoleLog, 'utf8');

async function makeConfigDrive(dir: string): Promise<string> {
  const tree = join(dir, 'config-drive');
  const latest = join(tree, 'openstack', 'latest');
  await mkdir(latest, { recursive: true });
  const metaData = {
    uuid,
    name: serverName,
    hostname,
    launch_index: 0,
    availability_zone: 'nova',
    project_id: 'guesttest',
    meta,
    public_keys: publicKeys,
    keys: Object.entries(publicKeys).map(([n, data]) => ({ name: n, type: 'ssh', data })),
    devices: [],
  };
  const networkData = {
    links: [
      { id: 'tap-dhcp', type: 'phy', ethernet_mac_address: macDhcp, mtu: 1500 },
      // upper case on purpose: the guest must match MACs case-insensitively
      { id: 'tap-static', type: 'phy', ethernet_mac_address: macStatic.toUpperCase(), mtu: 1500 },
    ],
    networks: [
      { id: 'network0', type: 'ipv4_dhcp', link: 'tap-dhcp', network_id: randomUUID() },
      {
        id: 'network1',
        type: 'ipv4',
        link: 'tap-static',
        ip_address: staticAddress,
        netmask: '255.255.255.0',
        routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: staticGateway }],
        network_id: randomUUID(),
      },
    ],
    services: [{ type: 'dns', address: '192.0.2.53' }],
  };
  await writeFile(join(latest, 'meta_data.json'), JSON.stringify(metaData));
  await writeFile(join(latest, 'network_data.json'), JSON.stringify(networkData));
  await writeFile(join(latest, 'user_data'), userData);
  const iso = join(dir, 'config.iso');
  await run('genisoimage', ['-quiet', '-o', iso, '-V', 'config-2', '-J', '-r', tree]);
  return iso;
}

function domainXml(type: VirtType, overlay: string, iso: string): string {
  return `<domain type='${type}'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>${type === 'kvm' ? "\n  <cpu mode='host-passthrough'/>" : ''}
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${xmlEscape(overlay)}'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${xmlEscape(iso)}'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <interface type='network'><source network='default'/><mac address='${macDhcp}'/><model type='virtio'/></interface>
    <interface type='ethernet'><mac address='${macStatic}'/><model type='virtio'/></interface>
    <serial type='file'><source path='${xmlEscape(consoleLog)}'/><target port='0'/></serial>
    <console type='file'><source path='${xmlEscape(consoleLog)}'/><target type='serial' port='0'/></console>
  </devices>
</domain>
`;
}

let bootStart = 0;

before(async () => {
  const { stdout } = await run(join(repo, 'scripts/build-test-image'), [], { timeout: 300_000 });
  imagePath = stdout.trim().split('\n').pop() ?? '';
  assert.ok(existsSync(imagePath), `image ${imagePath} missing`);

  await run(join(repo, 'scripts/start-libvirt'), [], { timeout: 60_000 });
  conn = await LibvirtConnection.open(LIBVIRT_URI);
  const net = await conn.networkLookupByName('default');
  if (!(await conn.networkIsActive(net))) await conn.networkCreate(net);

  runDir = await mkdtemp(join(tmpdir(), 'vs-guesttest-'));
  await chmod(runDir, 0o755); // qemu runs as libvirt-qemu
  consoleLog = join(runDir, 'console.log');
  const iso = await makeConfigDrive(runDir);
  const overlay = join(runDir, 'root.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', imagePath, overlay]);
  await chmod(overlay, 0o644);
  await chmod(iso, 0o644);
  const dom = await conn.domainDefineXML(domainXml(virtType(), overlay, iso));
  bootStart = Date.now();
  await conn.domainCreate(dom);
});

after(async () => {
  if (conn) {
    const doms = (await conn.connectListAllDomains().catch(() => [])).filter(
      (d) => d.name === DOMAIN_PREFIX || d.name.startsWith(`${DOMAIN_PREFIX}-`),
    );
    for (const d of doms) {
      await conn.domainDestroy(d).catch(() => undefined); // fails when already shut off
      await conn.domainUndefine(d).catch(() => undefined);
    }
    await conn.close();
  }
  if (runDir && !failed && !process.env.KEEP_GUEST_RUN) await rm(runDir, { recursive: true, force: true });
  else if (runDir) console.error(`guest run directory kept: ${runDir}`);
});

test('the guest prints every fact it received', { timeout: 60_000 }, async (t) => {
  try {
    await waitForConsoleLine(readConsole, /^tiny-guest ready$/, 50_000);
    t.diagnostic(`virt type ${virtType()}: ready ${((Date.now() - bootStart) / 1000).toFixed(1)} s after start`);
    const facts = parseGuestFacts(await readConsole());

    assert.equal(facts.boots, 1);
    assert.match(facts.kernel ?? '', /^\d+\.\d+\.\d+-\d+-cloud-amd64$/);
    assert.ok(facts.bootUptime !== undefined && facts.bootUptime > 0);

    assert.deepEqual(facts.configDrive, { device: '/dev/sr0', filesystem: 'iso9660' });
    assert.deepEqual(facts.metaData, { uuid, hostname, name: serverName });
    assert.deepEqual(facts.publicKeys, Object.keys(publicKeys));
    assert.deepEqual(facts.meta, meta);

    assert.deepEqual(facts.networkData, [
      { id: 'network0', type: 'ipv4_dhcp', mac: macDhcp, address: null, gateway: null },
      { id: 'network1', type: 'ipv4', mac: macStatic, address: `${staticAddress}/24`, gateway: staticGateway },
    ]);

    // eth0: a lease from libvirt's default network (dnsmasq)
    const defaultNet = await conn.networkLookupByName('default');
    const netXml = await conn.networkGetXMLDesc(defaultNet);
    const bridgeIp = netXml.match(/<ip address='([\d.]+)' netmask='255\.255\.255\.0'/)?.[1];
    assert.ok(bridgeIp, 'default network has an IPv4 /24');
    const eth0 = facts.addresses.eth0;
    assert.ok(eth0, 'eth0 got an address');
    assert.equal(eth0.source, 'dhcp');
    assert.equal(eth0.mac, macDhcp);
    assert.equal(eth0.prefix, 24);
    assert.equal(eth0.router, bridgeIp);
    assert.equal(eth0.address.split('.').slice(0, 3).join('.'), bridgeIp.split('.').slice(0, 3).join('.'));
    // the guest sent its hostname (from meta_data.json) with the DHCP request
    const leases = await conn.networkGetDHCPLeases(defaultNet, macDhcp);
    assert.ok(
      leases.some((l) => l.ipaddr === eth0.address && l.prefix === 24 && l.hostname === `guest-test-${process.pid}`),
      `lease of ${eth0.address} with the guest's hostname: ${JSON.stringify(leases, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    );

    // eth1: no DHCP server on its link -> the static address from network_data.json
    assert.deepEqual(facts.addresses.eth1, {
      address: staticAddress,
      prefix: 24,
      router: staticGateway,
      mac: macStatic,
      source: 'static',
    });
    assert.equal(facts.noNetworkInterface, false);

    assert.deepEqual(facts.userData, {
      firstLine: '#!/bin/sh',
      output: [`hello from guest-test-${process.pid}`, `keys: ${Object.keys(publicKeys).length}`, 'to stderr'],
      exitCode: 7,
    });
    assert.ok(facts.upSeconds !== undefined && facts.upSeconds >= facts.bootUptime!);
    assert.equal(facts.ready, true);
    assert.equal(facts.powerButton, false);
    assert.equal(facts.poweredDown, false);
    assert.equal(await domState(name), 'running');
  } catch (err) {
    failed = true;
    throw err;
  }
});

test('an ACPI power button press powers the guest off cleanly', { timeout: 30_000 }, async () => {
  try {
    const sent = Date.now();
    let state = await domState(name);
    // repeat the request (a press before acpid runs is lost), as Nova does
    while (state !== 'shut off') {
      assert.ok(Date.now() - sent < 20_000, `still ${state} 20 s after the ACPI shutdown request`);
      // the guest may go down between the state read and the press: then the press fails harmlessly
      if (state === 'running') await conn.domainShutdownFlags(await conn.domainLookupByName(name), SHUTDOWN_ACPI_POWER_BTN).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      state = await domState(name);
    }
    const facts = parseGuestFacts(await readConsole());
    assert.equal(facts.powerButton, true, 'the guest ran its power-button handler');
    assert.equal(facts.poweredDown, true, 'the kernel powered down');
    assert.equal(facts.boots, 1, 'it did not reboot');
  } catch (err) {
    failed = true;
    throw err;
  }
});
