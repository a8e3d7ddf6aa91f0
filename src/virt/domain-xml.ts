// The libvirt domain XML of a server: a pure function of the InstanceSpec and where the driver
// put its disks, modelled on what Nova's libvirt driver writes (nova/virt/libvirt/config.py,
// driver.py _get_guest_config) and on what the test guest needs (guest-image/README.md).
import type { InstanceSpec, NicSpec } from './compute-driver.js';
import { domainName } from './compute-driver.js';
import type { VirtType } from './virt-type.js';

/** virtstack's namespace for its <metadata> element (Nova uses http://openstack.org/xmlns/libvirt/nova/1.1). */
export const METADATA_NAMESPACE = 'https://virtstack.dev/xmlns/libvirt/instance/1.0';
export const METADATA_PREFIX = 'virtstack';

export interface DomainPlacement {
  virtType: VirtType;
  /** The qcow2 overlay of the root disk. */
  rootDiskPath: string;
  ephemeralDiskPath?: string;
  swapDiskPath?: string;
  /** The config drive ISO, attached as an IDE cdrom. */
  configDrivePath?: string;
  /** Where virtlogd appends the serial console. */
  consoleLogPath: string;
  /** Recorded in the metadata (Nova records creationTime too). */
  createdAt?: Date;
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function nicXml(nic: NicSpec): string {
  if (!MAC.test(nic.mac)) throw new Error(`invalid MAC address '${nic.mac}'`);
  // virtio only: the guests' cloud kernels (and the test guest) carry no e1000/rtl8139 driver.
  const tail = `<mac address='${nic.mac.toLowerCase()}'/><model type='virtio'/>`;
  if (nic.libvirtNetwork === null) return `    <interface type='user'>${tail}</interface>`;
  return `    <interface type='network'><source network='${xmlEscape(nic.libvirtNetwork)}'/>${tail}</interface>`;
}

function fileDisk(device: 'disk' | 'cdrom', format: 'qcow2' | 'raw', path: string, dev: string, bus: 'virtio' | 'ide'): string {
  return (
    `    <disk type='file' device='${device}'><driver name='qemu' type='${format}'/>` +
    `<source file='${xmlEscape(path)}'/><target dev='${dev}' bus='${bus}'/>${device === 'cdrom' ? '<readonly/>' : ''}</disk>`
  );
}

/**
 * The domain XML. Machine type `pc` (i440fx) because its IDE controller is where the config
 * drive must be: q35 would make the cdrom SATA, and cloud kernels such as the test guest's have
 * no AHCI driver. Memory below 80 MiB makes the test guest reboot in a loop; that is the
 * flavor's business, not checked here.
 */
export function buildDomainXml(spec: InstanceSpec, where: DomainPlacement): string {
  if (!UUID.test(spec.id)) throw new Error(`server id '${spec.id}' is not a UUID`);
  if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB <= 0) throw new Error(`invalid memory ${spec.memoryMiB} MiB`);
  if (!Number.isInteger(spec.vcpus) || spec.vcpus <= 0) throw new Error(`invalid vcpus ${spec.vcpus}`);
  const e = xmlEscape;
  const ns = METADATA_PREFIX;
  const created = (where.createdAt ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  const disks = [fileDisk('disk', 'qcow2', where.rootDiskPath, 'vda', 'virtio')];
  // Nova's order: disk, disk.local, disk.swap, then the config drive.
  if (where.ephemeralDiskPath) disks.push(fileDisk('disk', 'qcow2', where.ephemeralDiskPath, 'vdb', 'virtio'));
  if (where.swapDiskPath) disks.push(fileDisk('disk', 'qcow2', where.swapDiskPath, where.ephemeralDiskPath ? 'vdc' : 'vdb', 'virtio'));
  if (where.configDrivePath) disks.push(fileDisk('cdrom', 'raw', where.configDrivePath, 'hdd', 'ide'));
  return `<domain type='${where.virtType}'>
  <name>${domainName(spec.number)}</name>
  <uuid>${spec.id.toLowerCase()}</uuid>
  <metadata>
    <${ns}:instance xmlns:${ns}='${METADATA_NAMESPACE}'>
      <${ns}:name>${e(spec.owner.serverName)}</${ns}:name>
      <${ns}:hostname>${e(spec.hostname)}</${ns}:hostname>
      <${ns}:creationTime>${created}</${ns}:creationTime>
      <${ns}:flavor name='${e(spec.owner.flavorName)}'><${ns}:memory>${spec.memoryMiB}</${ns}:memory><${ns}:vcpus>${spec.vcpus}</${ns}:vcpus><${ns}:disk>${spec.rootGiB}</${ns}:disk><${ns}:ephemeral>${spec.ephemeralGiB}</${ns}:ephemeral><${ns}:swap>${spec.swapMiB}</${ns}:swap></${ns}:flavor>
      <${ns}:owner><${ns}:user uuid='${e(spec.owner.userId)}'/><${ns}:project uuid='${e(spec.owner.projectId)}'/></${ns}:owner>
      <${ns}:image uuid='${e(spec.image.id)}'/>
    </${ns}:instance>
  </metadata>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <currentMemory unit='MiB'>${spec.memoryMiB}</currentMemory>
  <vcpu>${spec.vcpus}</vcpu>
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>virtstack</entry>
      <entry name='product'>OpenStack Compute</entry>
      <entry name='serial'>${spec.id.toLowerCase()}</entry>
      <entry name='uuid'>${spec.id.toLowerCase()}</entry>
      <entry name='family'>Virtual Machine</entry>
    </system>
  </sysinfo>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
    <smbios mode='sysinfo'/>
  </os>
  <features><acpi/><apic/></features>${where.virtType === 'kvm' ? "\n  <cpu mode='host-model'/>" : ''}
  <clock offset='utc'><timer name='pit' tickpolicy='delay'/><timer name='rtc' tickpolicy='catchup'/><timer name='hpet' present='no'/></clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${[...disks, ...spec.nics.map(nicXml)].join('\n')}
    <serial type='pty'><log file='${e(where.consoleLogPath)}' append='on'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='virtio'><stats period='10'/></memballoon>
  </devices>
</domain>
`;
}
