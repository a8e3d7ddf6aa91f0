// ComputeDriver on libvirt, through virtstack's own RPC client (src/libvirt): the translation
// Nova's libvirt driver does (nova/virt/libvirt/driver.py), reduced to what virtstack serves.
// Everything goes over the libvirt connection — disks are storage volumes uploaded and
// downloaded over libvirt streams, the console log is read from a storage pool — so a host can
// be remote (qemu+tls://, qemu+ssh://) with no SSH or shared filesystem besides.
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import {
  DomainEventId,
  DomainLifecycleEvent,
  DomainState,
  DomainStatsTypes,
  DomainUndefineFlags,
  ErrorCode,
  isLibvirtError,
  isNoDomain,
  isNoNetwork,
  isNoStoragePool,
  isNoStorageVol,
  isOperationInvalid,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  typedParamsToObject,
  type Domain,
  type DomainEventLifecycleMsg,
  type EventSubscription,
  type LibvirtConnection,
  type Network,
  type StoragePool,
  type StorageVol,
} from '../libvirt/index.js';
import {
  domainName,
  InstanceNotFoundError,
  PowerState,
  type ComputeDriver,
  type HostInfo,
  type ImageSource,
  type InstanceSpec,
  type NicSpec,
  type PowerStateChange,
  type PowerStateValue,
} from './compute-driver.js';
import { buildConfigDrive } from './config-drive.js';
import { buildDomainXml, METADATA_NAMESPACE, xmlEscape } from './domain-xml.js';
import { imageHeaderGuard } from './image-format.js';
import { KeyedLock } from './keyed-lock.js';
import type { VirtType } from './virt-type.js';

export interface NatNetworkOptions {
  /** libvirt network name, e.g. virtstack-net. */
  name: string;
  /** Linux bridge name (at most 15 characters), e.g. vsbr0. */
  bridge: string;
  /** IPv4 subnet, e.g. 10.250.0.0/24; DHCP serves all of it but the gateway. */
  cidr: string;
  /** The host's address on the bridge, e.g. 10.250.0.1. */
  gateway: string;
}

export interface LibvirtDriverOptions {
  virtType: VirtType;
  /** Directory on the libvirt host (not necessarily this machine) holding the pools. */
  stateDir?: string;
  /** The NAT network init() ensures, or null for user-mode networking only. */
  network: NatNetworkOptions | null;
  log: Logger;
  /** Prefix of the storage pool names: <prefix>-instances and <prefix>-console (default virtstack). */
  poolPrefix?: string;
  /** Soft reboot: how long the guest may take to shut down before it is powered off (default 60 s). */
  softRebootTimeoutSeconds?: number;
  /** Interval between repeated ACPI power button presses (default 3 s). */
  shutdownRetrySeconds?: number;
  /** Timeout of libvirt calls that copy or save a whole disk or memory (default 30 min). */
  longCallTimeoutMs?: number;
}

const GiB = 1024 ** 3;
/** virDomainShutdownFlagValues: VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN. */
const SHUTDOWN_ACPI_POWER_BTN = 1;
/** virDomainMetadataType: VIR_DOMAIN_METADATA_ELEMENT. */
const METADATA_ELEMENT = 2;
/** virStoragePoolCreateFlags: VIR_STORAGE_POOL_CREATE_WITH_BUILD (mkdir of the target). */
const POOL_CREATE_WITH_BUILD = 1;
/** virStorageVolInfoFlags: VIR_STORAGE_VOL_GET_PHYSICAL (file size instead of allocation). */
const VOL_GET_PHYSICAL = 1;
const INSTANCE_NAME = /^instance-[0-9a-f]{8}$/;

/** Nova's LIBVIRT_POWER_STATE (nova/virt/libvirt/driver.py): libvirt's domain state → Nova's power state. */
const POWER_STATE_OF: Record<number, PowerStateValue> = {
  [DomainState.NOSTATE]: PowerState.NOSTATE,
  [DomainState.RUNNING]: PowerState.RUNNING,
  [DomainState.BLOCKED]: PowerState.RUNNING,
  [DomainState.PAUSED]: PowerState.PAUSED,
  [DomainState.SHUTDOWN]: PowerState.SHUTDOWN,
  [DomainState.SHUTOFF]: PowerState.SHUTDOWN,
  [DomainState.CRASHED]: PowerState.CRASHED,
  [DomainState.PMSUSPENDED]: PowerState.SUSPENDED,
};

/** virDomainEventStoppedDetailType: VIR_DOMAIN_EVENT_STOPPED_CRASHED. */
const STOPPED_CRASHED = 2;

/**
 * Lifecycle event → power change. Nova's host.py maps STARTED/RESUMED/SUSPENDED/STOPPED and
 * ignores the rest; virtstack also reports crashes, guest suspend-to-RAM and undefinition.
 * SHUTDOWN (the guest finished shutting down) is followed by STOPPED, which carries the change.
 */
function changeOf(e: DomainEventLifecycleMsg): { powerState: PowerStateValue; event: string } | null {
  switch (e.event) {
    case DomainLifecycleEvent.STARTED:
      return { powerState: PowerState.RUNNING, event: 'started' };
    case DomainLifecycleEvent.RESUMED:
      return { powerState: PowerState.RUNNING, event: 'resumed' };
    case DomainLifecycleEvent.SUSPENDED:
      return { powerState: PowerState.PAUSED, event: 'paused' };
    case DomainLifecycleEvent.STOPPED:
      return e.detail === STOPPED_CRASHED
        ? { powerState: PowerState.CRASHED, event: 'crashed' }
        : { powerState: PowerState.SHUTDOWN, event: 'stopped' };
    case DomainLifecycleEvent.PMSUSPENDED:
      return { powerState: PowerState.SUSPENDED, event: 'suspended' };
    case DomainLifecycleEvent.CRASHED:
      return { powerState: PowerState.CRASHED, event: 'crashed' };
    case DomainLifecycleEvent.UNDEFINED:
      return { powerState: PowerState.NOSTATE, event: 'undefined' };
    default:
      return null;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

export function uuidString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Ignores the error when `ok(err)` says it means "already done". */
async function tolerate<T>(p: Promise<T>, ok: (err: unknown) => boolean): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (ok(err)) return undefined;
    throw err;
  }
}

function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address '${ip}'`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}
const intToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The libvirt network XML of a NAT network whose DHCP range spans the subnet except the gateway. */
export function natNetworkXml(net: NatNetworkOptions): string {
  const [addr, prefixText] = net.cidr.split('/');
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`network cidr '${net.cidr}' must be IPv4 /8 to /30`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const base = (ipv4ToInt(addr) & mask) >>> 0;
  const broadcast = (base | (~mask >>> 0)) >>> 0;
  const gw = ipv4ToInt(net.gateway);
  if (((gw & mask) >>> 0) !== base || gw === base || gw === broadcast) throw new Error(`gateway ${net.gateway} is not a host of ${net.cidr}`);
  let start = base + 1;
  let end = broadcast - 1;
  if (gw === start) start++;
  if (gw === end) end--;
  return `<network>
  <name>${xmlEscape(net.name)}</name>
  <forward mode='nat'/>
  <bridge name='${xmlEscape(net.bridge)}' stp='on' delay='0'/>
  <ip address='${net.gateway}' netmask='${intToIpv4(mask)}'>
    <dhcp><range start='${intToIpv4(start)}' end='${intToIpv4(end)}'/></dhcp>
  </ip>
</network>
`;
}

export class LibvirtDriver implements ComputeDriver {
  private readonly stateDir: string;
  private readonly instancesPoolName: string;
  private readonly consolePoolName: string;
  private readonly log: Logger;
  private readonly slow: LibvirtConnection;
  private readonly baseLock = new KeyedLock();
  private readonly listeners: ((c: PowerStateChange) => void)[] = [];
  /** Ownership verdicts by domain uuid (virtstack's metadata present or not). */
  private readonly owned = new Map<string, boolean>();
  /** Last power state reported per server, to report what changed while disconnected. */
  private readonly lastState = new Map<string, PowerStateValue>();
  /** Per-domain chains keeping events in order while ownership is checked. */
  private readonly eventChains = new Map<string, Promise<void>>();
  private subscription: EventSubscription | null = null;
  private readonly onReconnect = () => {
    this.resync().catch((err) => this.log.warn({ err }, 'power state resync after reconnect failed'));
  };

  constructor(
    private readonly conn: LibvirtConnection,
    private readonly options: LibvirtDriverOptions,
  ) {
    this.stateDir = options.stateDir ?? '/var/lib/virtstack';
    const prefix = options.poolPrefix ?? 'virtstack';
    this.instancesPoolName = `${prefix}-instances`;
    this.consolePoolName = `${prefix}-console`;
    this.log = options.log.child({ component: 'libvirt-driver', uri: conn.uri });
    this.slow = conn.withTimeout(options.longCallTimeoutMs ?? 30 * 60_000);
  }

  // --- host ---------------------------------------------------------------------------------

  async init(): Promise<void> {
    await this.ensurePool(this.instancesPoolName, posix.join(this.stateDir, 'instances'));
    await this.ensurePool(this.consolePoolName, posix.join(this.stateDir, 'console'));
    if (this.options.network) await this.ensureNetwork(this.options.network);
    if (!this.subscription) {
      // One subscription for all domains; the client registers it again after a reconnect.
      this.subscription = await this.conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => this.onLifecycle(e));
      this.conn.on('reconnect', this.onReconnect);
    }
    for (const [id, state] of await this.listPowerStates()) this.lastState.set(id, state);
  }

  private async ensurePool(name: string, path: string): Promise<StoragePool> {
    let pool = await tolerate(this.conn.storagePoolLookupByName(name), isNoStoragePool);
    if (pool) {
      const xml = await this.conn.storagePoolGetXMLDesc(pool);
      const actual = /<target>\s*<path>([^<]*)<\/path>/.exec(xml)?.[1];
      if (actual !== undefined && posix.normalize(actual) !== posix.normalize(path)) {
        throw new Error(`storage pool ${name} exists on ${this.conn.uri} with target ${actual}, not ${path}`);
      }
    } else {
      pool = await this.conn.storagePoolDefineXML(
        `<pool type='dir'><name>${xmlEscape(name)}</name><target><path>${xmlEscape(path)}</path>` +
          `<permissions><mode>0755</mode></permissions></target></pool>`,
      );
      this.log.info({ pool: name, path }, 'defined storage pool');
    }
    if (!(await this.conn.storagePoolIsActive(pool))) await this.conn.storagePoolCreate(pool, POOL_CREATE_WITH_BUILD);
    if (!(await this.conn.storagePoolGetAutostart(pool))) await this.conn.storagePoolSetAutostart(pool, 1);
    return pool;
  }

  private async ensureNetwork(net: NatNetworkOptions): Promise<void> {
    const xml = natNetworkXml(net);
    let network = await tolerate(this.conn.networkLookupByName(net.name), isNoNetwork);
    if (!network) {
      network = await this.conn.networkDefineXML(xml);
      this.log.info({ network: net.name, bridge: net.bridge, cidr: net.cidr }, 'defined NAT network');
    } else {
      // An existing network is used as it is (an operator may have tuned it); say so if it is
      // not the one configured, since pinned addresses outside its subnet would not be served.
      const actual = await this.conn.networkGetXMLDesc(network);
      if (!actual.includes(`<bridge name='${net.bridge}'`) || !actual.includes(`<ip address='${net.gateway}'`)) {
        this.log.warn({ network: net.name, bridge: net.bridge, gateway: net.gateway }, 'existing libvirt network differs from the configured bridge or gateway; using it as it is');
      }
    }
    if (!(await this.conn.networkIsActive(network))) {
      try {
        await this.conn.networkCreate(network);
      } catch (err) {
        throw new Error(
          `NAT network ${net.name} (bridge ${net.bridge}, ${net.cidr}) cannot start on ${this.conn.uri}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    if (!(await this.conn.networkGetAutostart(network))) await this.conn.networkSetAutostart(network, 1);
  }

  async hostInfo(): Promise<HostInfo> {
    const pool = await this.conn.storagePoolLookupByName(this.instancesPoolName);
    await tolerate(this.conn.storagePoolRefresh(pool), isLibvirtError); // fresh free space; busy pools keep the last figure
    const [node, free, hostname, version, caps, poolInfo] = await Promise.all([
      this.conn.nodeGetInfo(),
      this.conn.nodeGetFreeMemory(),
      this.conn.connectGetHostname(),
      this.conn.connectGetVersion(),
      this.conn.connectGetCapabilities(),
      this.conn.storagePoolGetInfo(pool),
    ]);
    return {
      hostname,
      vcpus: node.cpus,
      memoryMiB: Number(node.memory / 1024n),
      freeMemoryMiB: Number(free / 1024n / 1024n),
      localGiB: Math.floor(Number(poolInfo.capacity) / GiB),
      freeDiskGiB: Math.floor(Number(poolInfo.available) / GiB),
      // Nova reports "QEMU" for both kvm and qemu virt types (os-hypervisors hypervisor_type).
      hypervisorType: 'QEMU',
      hypervisorVersion: Number(version),
      cpuInfo: cpuInfoFromCapabilities(caps, node),
    };
  }

  // --- spawn / destroy ----------------------------------------------------------------------

  async spawn(spec: InstanceSpec): Promise<void> {
    const log = this.log.child({ server: spec.id, domain: domainName(spec.number) });
    const started = Date.now();
    const pool = await this.conn.storagePoolLookupByName(this.instancesPoolName);
    const existing = await this.lookup(spec.id);
    if (existing && existing.name !== domainName(spec.number)) {
      throw new Error(`domain ${existing.name} already has uuid ${spec.id}; expected ${domainName(spec.number)}`);
    }
    const running = existing ? (await this.conn.domainGetState(existing)).state !== DomainState.SHUTOFF : false;

    // The disks, the config drive and the DHCP pins do not depend on each other: prepare them at once.
    const configDrive = spec.configDrive;
    const [rootDiskPath, ephemeralDiskPath, swapDiskPath, configDrivePath] = await Promise.all([
      this.ensureBaseImage(pool, spec.image).then((base) => this.ensureOverlay(pool, spec, base)),
      spec.ephemeralGiB > 0 ? this.ensureBlankDisk(pool, `${spec.id}-disk.local`, BigInt(spec.ephemeralGiB) * BigInt(GiB)) : undefined,
      spec.swapMiB > 0 ? this.ensureBlankDisk(pool, `${spec.id}-disk.swap`, BigInt(spec.swapMiB) * 1024n * 1024n) : undefined,
      configDrive ? this.ensureConfigDrive(pool, `${spec.id}-config.iso`, configDrive, running) : undefined,
      Promise.all(spec.nics.map((nic) => this.pinAddress(nic, domainName(spec.number)))),
    ]);
    log.debug({ ms: Date.now() - started }, 'disks, config drive and addresses ready');

    const xml = buildDomainXml(spec, {
      virtType: this.options.virtType,
      rootDiskPath,
      ephemeralDiskPath,
      swapDiskPath,
      configDrivePath,
      consoleLogPath: posix.join(this.stateDir, 'console', `${spec.id}.log`),
    });
    this.owned.set(spec.id, true);
    const dom = await this.conn.domainDefineXML(xml);
    const { state } = await this.conn.domainGetState(dom);
    if (state === DomainState.PAUSED) await this.conn.domainResume(dom);
    else if (state === DomainState.SHUTOFF || state === DomainState.CRASHED) await this.slow.domainCreate(dom);
    log.info({ ms: Date.now() - started, reused: Boolean(existing) }, 'spawned');
  }

  /**
   * The host's cached copy of an image, `base-<imageId>`, uploaded over the libvirt stream the
   * first time a server on this host needs it (Nova's image cache, _base/<hash>). A marker
   * volume `base-<imageId>.done` is written after a complete upload: a base without it is the
   * remains of an interrupted upload and is uploaded again. Concurrent spawns wait on one lock
   * per image (in this process only).
   */
  private ensureBaseImage(pool: StoragePool, image: ImageSource): Promise<{ path: string; format: 'qcow2' | 'raw'; capacity: bigint }> {
    if (!/^[A-Za-z0-9_.-]+$/.test(image.id)) throw new Error(`image id '${image.id}' cannot name a volume`);
    return this.baseLock.run(image.id, async () => {
      const name = `base-${image.id}`;
      const markerName = `${name}.done`;
      let vol = await tolerate(this.conn.storageVolLookupByName(pool, name), isNoStorageVol);
      const marker = await tolerate(this.conn.storageVolLookupByName(pool, markerName), isNoStorageVol);
      if (!vol || !marker) {
        if (vol) {
          this.log.warn({ image: image.id }, 'base image upload was not completed earlier; uploading it again');
          await tolerate(this.conn.storageVolDelete(vol), isNoStorageVol);
        }
        if (marker) await tolerate(this.conn.storageVolDelete(marker), isNoStorageVol);
        vol = await this.uploadBaseImage(pool, name, image);
        await this.conn.storageVolCreateXML(pool, volumeXml(markerName, 0n, 'raw'));
      }
      const xml = await this.conn.storageVolGetXMLDesc(vol);
      // libvirt probes the file's format and backing chain itself: a second check of the
      // header check made during the upload (and of bases uploaded by older code).
      if (/<backingStore>\s*<path>/.test(xml)) throw new Error(`base image ${name} has a backing file; refusing to use it`);
      const format = /<target>[\s\S]*?<format type='(\w+)'/.exec(xml)?.[1];
      if (format !== 'qcow2' && format !== 'raw') throw new Error(`base image ${name} has format ${format}`);
      const capacity = BigInt(/<capacity unit='bytes'>(\d+)</.exec(xml)?.[1] ?? '0');
      return { path: await this.conn.storageVolGetPath(vol), format, capacity };
    });
  }

  private async uploadBaseImage(pool: StoragePool, name: string, image: ImageSource): Promise<StorageVol> {
    const started = Date.now();
    // A raw file of the image's byte size; the upload writes the image's own bytes (qcow2 or
    // raw) into it, and libvirt probes the format from them afterwards.
    const vol = await this.conn.storageVolCreateXML(pool, volumeXml(name, BigInt(image.size), 'raw'));
    const transfer = await this.conn.openSibling();
    try {
      const source = await image.open();
      const guard = imageHeaderGuard(image.diskFormat);
      const feeding = pipeline(source, guard);
      // Runs of zeros travel as holes: a sparse raw image costs only its data.
      await Promise.all([feeding, transfer.storageVolUpload(vol, guard, { sparse: true })]);
      this.log.info({ image: image.id, bytes: image.size, ms: Date.now() - started }, 'uploaded base image');
      return vol;
    } catch (err) {
      await tolerate(this.conn.storageVolDelete(vol), () => true);
      throw err;
    } finally {
      await transfer.close();
    }
  }

  /** The root disk `<id>-disk`: a qcow2 overlay on the base (Nova's Qcow2 image backend). */
  private async ensureOverlay(pool: StoragePool, spec: InstanceSpec, base: { path: string; format: string; capacity: bigint }): Promise<string> {
    const name = `${spec.id}-disk`;
    const existing = await tolerate(this.conn.storageVolLookupByName(pool, name), isNoStorageVol);
    if (existing) return this.conn.storageVolGetPath(existing);
    const imageSize = BigInt(Math.max(spec.image.virtualSize, 0)) > base.capacity ? BigInt(spec.image.virtualSize) : base.capacity;
    const wanted = BigInt(spec.rootGiB) * BigInt(GiB);
    // Nova refuses a flavor disk smaller than the image (FlavorDiskSmallerThanImage); 0 means "the image's size".
    if (spec.rootGiB > 0 && wanted < imageSize) {
      throw new Error(`flavor root disk ${spec.rootGiB} GiB is smaller than the image's virtual size ${imageSize} bytes`);
    }
    const capacity = spec.rootGiB > 0 ? wanted : imageSize;
    const xml =
      `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity>` +
      `<target><format type='qcow2'/><compat>1.1</compat><permissions><mode>0644</mode></permissions></target>` +
      `<backingStore><path>${xmlEscape(base.path)}</path><format type='${base.format}'/></backingStore></volume>`;
    return this.conn.storageVolGetPath(await this.conn.storageVolCreateXML(pool, xml));
  }

  /**
   * Ephemeral and swap disks: blank qcow2 volumes. Nova formats them (mkfs / mkswap on the
   * host); here the guest formats them (cloud-init's disk_setup and mounts do), since a remote
   * host cannot run mkfs for us through libvirt.
   */
  private async ensureBlankDisk(pool: StoragePool, name: string, bytes: bigint): Promise<string> {
    const existing = await tolerate(this.conn.storageVolLookupByName(pool, name), isNoStorageVol);
    if (existing) return this.conn.storageVolGetPath(existing);
    return this.conn.storageVolGetPath(await this.conn.storageVolCreateXML(pool, volumeXml(name, bytes, 'qcow2')));
  }

  /**
   * The config drive volume `<id>-config.iso`. A running guest may have it open: it is kept.
   * Otherwise it is built afresh, so a drive whose upload died half-way is never used.
   */
  private async ensureConfigDrive(pool: StoragePool, name: string, files: Record<string, string | Buffer>, running: boolean): Promise<string> {
    const [current, iso] = await Promise.all([
      tolerate(this.conn.storageVolLookupByName(pool, name), isNoStorageVol),
      running ? undefined : buildConfigDrive(files),
    ]);
    if (current && !iso) return this.conn.storageVolGetPath(current);
    const bytes = iso ?? (await buildConfigDrive(files));
    if (current) await tolerate(this.conn.storageVolDelete(current), isNoStorageVol);
    const vol = await this.conn.storageVolCreateXML(pool, volumeXml(name, BigInt(bytes.length), 'raw'));
    await this.conn.storageVolUpload(vol, Readable.from([bytes]));
    return this.conn.storageVolGetPath(vol);
  }

  /** Pins the NIC's address in the network's DHCP host entries (dnsmasq dhcp-host), replacing an older pin of its MAC. */
  private async pinAddress(nic: NicSpec, name: string): Promise<void> {
    if (!nic.libvirtNetwork) return;
    const net = await this.conn.networkLookupByName(nic.libvirtNetwork);
    const flags = await this.networkUpdateFlags(net);
    const xml = await this.conn.networkGetXMLDesc(net);
    const mac = nic.mac.toLowerCase();
    const hostRe = new RegExp(`<host mac='${mac}'[^>]*ip='([\\d.]+)'`, 'i');
    const pinned = hostRe.exec(xml)?.[1];
    if (pinned === nic.address) return;
    if (pinned) await this.unpinAddress(net, flags, mac, pinned);
    // virtstack's database owns the addresses: another MAC pinned to this address or under this name is
    // a leftover (a guest removed behind virtstack's back, an earlier database) and would make libvirt
    // refuse the new pin.
    for (const m of xml.matchAll(/<host\s[^>]*>/g)) {
      const entry = m[0];
      const entryMac = /mac='([^']+)'/.exec(entry)?.[1]?.toLowerCase();
      const entryIp = /ip='([^']+)'/.exec(entry)?.[1];
      const entryName = /name='([^']+)'/.exec(entry)?.[1];
      if (!entryMac || !entryIp || entryMac === mac) continue;
      if (entryIp === nic.address || entryName === name) {
        this.log.warn({ mac: entryMac, ip: entryIp, name: entryName }, 'removing a stale DHCP pin that clashes with a new server');
        await this.unpinAddress(net, flags, entryMac, entryIp);
      }
    }
    await this.conn.networkUpdate(
      net,
      NetworkUpdateCommand.ADD_LAST,
      NetworkUpdateSection.IP_DHCP_HOST,
      -1,
      `<host mac='${mac}' name='${name}' ip='${nic.address}'/>`,
      flags,
    );
  }

  private async networkUpdateFlags(net: Network): Promise<number> {
    const active = await this.conn.networkIsActive(net);
    return NetworkUpdateFlags.AFFECT_CONFIG | (active ? NetworkUpdateFlags.AFFECT_LIVE : 0);
  }

  private async unpinAddress(net: Network, flags: number, mac: string, ip: string): Promise<void> {
    await tolerate(
      this.conn.networkUpdate(net, NetworkUpdateCommand.DELETE, NetworkUpdateSection.IP_DHCP_HOST, -1, `<host mac='${mac}' ip='${ip}'/>`, flags),
      // libvirt says "couldn't locate a matching dhcp host entry" as an OPERATION_INVALID.
      (err) => isOperationInvalid(err) || isNoNetwork(err),
    );
  }

  async destroy(serverId: string, number: number, nics: NicSpec[]): Promise<void> {
    const log = this.log.child({ server: serverId, domain: domainName(number) });
    const dom = await this.lookup(serverId);
    if (dom) {
      if (dom.name !== domainName(number)) throw new Error(`domain ${dom.name} with uuid ${serverId} is not ${domainName(number)}; not destroying it`);
      await tolerate(this.conn.domainDestroy(dom), (err) => isOperationInvalid(err) || isNoDomain(err));
      // Nova's guest.delete_configuration: drop managed save, snapshot/checkpoint metadata and NVRAM too.
      await tolerate(
        this.conn.domainUndefineFlags(
          dom,
          DomainUndefineFlags.MANAGED_SAVE | DomainUndefineFlags.SNAPSHOTS_METADATA | DomainUndefineFlags.CHECKPOINTS_METADATA | DomainUndefineFlags.NVRAM,
        ),
        isNoDomain,
      );
    }
    const pool = await this.conn.storagePoolLookupByName(this.instancesPoolName);
    for (const vol of await this.conn.storagePoolListAllVolumes(pool)) {
      if (vol.name.startsWith(`${serverId}-`)) await tolerate(this.conn.storageVolDelete(vol), isNoStorageVol);
    }
    const consolePool = await this.conn.storagePoolLookupByName(this.consolePoolName);
    await this.refreshPool(consolePool);
    for (const vol of await this.conn.storagePoolListAllVolumes(consolePool)) {
      // virtlogd rotates <id>.log into <id>.log.0, .1, ...
      if (vol.name === `${serverId}.log` || vol.name.startsWith(`${serverId}.log.`)) await tolerate(this.conn.storageVolDelete(vol), isNoStorageVol);
    }
    for (const nic of nics) {
      if (!nic.libvirtNetwork) continue;
      const net = await tolerate(this.conn.networkLookupByName(nic.libvirtNetwork), isNoNetwork);
      if (net) await this.unpinAddress(net, await this.networkUpdateFlags(net), nic.mac.toLowerCase(), nic.address);
    }
    this.owned.delete(serverId);
    this.lastState.delete(serverId);
    log.info('destroyed');
  }

  // --- power --------------------------------------------------------------------------------

  async powerOff(serverId: string, number: number, timeoutSeconds: number): Promise<void> {
    const dom = await this.require(serverId, number);
    // Nova's _clean_shutdown: press the power button, poll, press again every retry interval
    // (a press before the guest's ACPI daemon runs is lost), destroy when the time is up.
    const deadline = Date.now() + timeoutSeconds * 1000;
    const retryMs = (this.options.shutdownRetrySeconds ?? 3) * 1000;
    let lastPress = 0;
    for (;;) {
      const { state } = await this.conn.domainGetState(dom);
      if (state === DomainState.SHUTOFF || state === DomainState.CRASHED) return;
      // A paused or PM-suspended guest cannot hear the button.
      if (state === DomainState.PAUSED || state === DomainState.PMSUSPENDED || Date.now() >= deadline) {
        await tolerate(this.conn.domainDestroy(dom), isOperationInvalid);
        return;
      }
      if (Date.now() - lastPress >= retryMs) {
        await tolerate(this.conn.domainShutdownFlags(dom, SHUTDOWN_ACPI_POWER_BTN), isOperationInvalid);
        lastPress = Date.now();
      }
      await sleep(Math.max(10, Math.min(250, deadline - Date.now())));
    }
  }

  async powerOn(serverId: string, number: number): Promise<void> {
    const dom = await this.require(serverId, number);
    const { state } = await this.conn.domainGetState(dom);
    // A managed-saved domain is shut off; starting it restores the saved memory.
    if (state === DomainState.SHUTOFF || state === DomainState.CRASHED) await this.slow.domainCreate(dom);
  }

  async reboot(serverId: string, number: number, type: 'SOFT' | 'HARD'): Promise<void> {
    const dom = await this.require(serverId, number);
    if (type === 'SOFT') {
      // Nova's _soft_reboot shuts down and starts again; if the guest ignores the button it
      // falls back to a hard reboot, which is what powerOff's timeout does here.
      await this.powerOff(serverId, number, this.options.softRebootTimeoutSeconds ?? 60);
    } else {
      await tolerate(this.conn.domainDestroy(dom), isOperationInvalid);
      // A hard reboot boots afresh (Nova's _hard_reboot recreates the domain): no saved memory.
      if (await this.conn.domainHasManagedSaveImage(dom)) await this.conn.domainManagedSaveRemove(dom);
    }
    await this.slow.domainCreate(dom);
  }

  async pause(serverId: string, number: number): Promise<void> {
    await this.conn.domainSuspend(await this.require(serverId, number));
  }

  async unpause(serverId: string, number: number): Promise<void> {
    await this.conn.domainResume(await this.require(serverId, number));
  }

  async suspend(serverId: string, number: number): Promise<void> {
    // Nova's suspend is guest.save_memory_state(), i.e. virDomainManagedSave.
    await this.slow.domainManagedSave(await this.require(serverId, number), 0);
  }

  async resume(serverId: string, number: number): Promise<void> {
    await this.powerOn(serverId, number);
  }

  async injectNmi(serverId: string, number: number): Promise<void> {
    await this.conn.domainInjectNMI(await this.require(serverId, number));
  }

  async powerState(serverId: string, number: number): Promise<PowerStateValue> {
    const dom = await this.lookup(serverId);
    if (!dom || dom.name !== domainName(number)) return PowerState.NOSTATE;
    const { state } = await tolerate(this.conn.domainGetState(dom), isNoDomain) ?? { state: DomainState.NOSTATE };
    return POWER_STATE_OF[state] ?? PowerState.NOSTATE;
  }

  async listPowerStates(): Promise<Map<string, PowerStateValue>> {
    // One call for every domain's state (virConnectGetAllDomainStats), then the ownership check,
    // which costs a call only for a domain not seen before.
    const records = await this.conn.connectGetAllDomainStats([], DomainStatsTypes.STATE, 0);
    const out = new Map<string, PowerStateValue>();
    await Promise.all(
      records.map(async (r) => {
        if (!INSTANCE_NAME.test(r.dom.name) || !(await this.isOwned(r.dom))) return;
        const state = Number(typedParamsToObject(r.params)['state.state'] ?? DomainState.NOSTATE);
        out.set(uuidString(r.dom.uuid), POWER_STATE_OF[state] ?? PowerState.NOSTATE);
      }),
    );
    return out;
  }

  onPowerStateChange(listener: (change: PowerStateChange) => void): void {
    this.listeners.push(listener);
  }

  private onLifecycle(e: DomainEventLifecycleMsg): void {
    if (!INSTANCE_NAME.test(e.dom.name)) return;
    const change = changeOf(e);
    if (!change) return;
    const id = uuidString(e.dom.uuid);
    const prev = this.eventChains.get(id) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        if (change.event === 'undefined' ? this.owned.get(id) !== true && !this.lastState.has(id) : !(await this.isOwned(e.dom))) return;
        this.emit({ serverId: id, ...change });
      })
      .catch((err) => this.log.warn({ err, server: id }, 'lifecycle event dropped'));
    this.eventChains.set(id, next);
    void next.then(() => {
      if (this.eventChains.get(id) === next) this.eventChains.delete(id);
    });
  }

  private emit(change: PowerStateChange): void {
    if (change.powerState === PowerState.NOSTATE) this.lastState.delete(change.serverId);
    else this.lastState.set(change.serverId, change.powerState);
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log.error({ err }, 'power state listener threw');
      }
    }
  }

  /** After a reconnect, events in between were lost: report what differs from what was last reported. */
  private async resync(): Promise<void> {
    const now = await this.listPowerStates();
    for (const [id, state] of now) if (this.lastState.get(id) !== state) this.emit({ serverId: id, powerState: state, event: 'resync' });
    for (const id of [...this.lastState.keys()]) if (!now.has(id)) this.emit({ serverId: id, powerState: PowerState.NOSTATE, event: 'resync' });
  }

  /** virtstack's domains carry its metadata element; other instance-* domains (e.g. Nova's) are left alone. */
  private async isOwned(dom: Domain): Promise<boolean> {
    const id = uuidString(dom.uuid);
    const known = this.owned.get(id);
    if (known !== undefined) return known;
    try {
      await this.conn.domainGetMetadata(dom, METADATA_ELEMENT, METADATA_NAMESPACE, 0);
      this.owned.set(id, true);
      return true;
    } catch (err) {
      if (isLibvirtError(err) && err.code === ErrorCode.NO_DOMAIN_METADATA) {
        this.owned.set(id, false);
        return false;
      }
      if (isNoDomain(err)) return false;
      throw err;
    }
  }

  // --- console, snapshot --------------------------------------------------------------------

  async consoleOutput(serverId: string, maxBytes: number): Promise<string> {
    const pool = await this.conn.storagePoolLookupByName(this.consolePoolName);
    // virtlogd writes the file behind libvirt's back: refresh so the pool knows it and its size.
    await this.refreshPool(pool);
    const vol = await tolerate(this.conn.storageVolLookupByName(pool, `${serverId}.log`), isNoStorageVol);
    if (!vol) return '';
    const { capacity: size } = await this.conn.storageVolGetInfo(vol);
    if (size === 0n) return '';
    const offset = size > BigInt(maxBytes) ? size - BigInt(maxBytes) : 0n;
    const stream = await this.conn.storageVolDownload(vol, { offset, length: size - offset });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async refreshPool(pool: StoragePool): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.conn.storagePoolRefresh(pool);
      } catch (err) {
        // "pool has asynchronous jobs running" while a volume is being built: try again shortly.
        if (attempt >= 20 || !isLibvirtError(err) || err.code !== ErrorCode.INTERNAL_ERROR) throw err;
        await sleep(100);
      }
    }
  }

  async leasedAddresses(libvirtNetwork: string): Promise<Set<string>> {
    const net = await tolerate(this.conn.networkLookupByName(libvirtNetwork), isNoNetwork);
    if (!net) return new Set();
    const now = BigInt(Math.floor(Date.now() / 1000));
    const leases = await this.conn.networkGetDHCPLeases(net, null);
    return new Set(leases.filter((l) => l.expirytime === 0n || l.expirytime > now).map((l) => l.ipaddr));
  }

  async diagnostics(serverId: string, number: number): Promise<Record<string, number>> {
    const dom = await this.require(serverId, number);
    const [info, xml] = await Promise.all([this.conn.domainGetInfo(dom), this.conn.domainGetXMLDesc(dom)]);
    const out: Record<string, number> = { memory: Number(info.memory) };
    // Nova reports the total CPU time under cpu0_time when per-vCPU times are not asked for.
    out.cpu0_time = Number(info.cpuTime);
    if (info.state === DomainState.SHUTOFF) return out;
    for (const m of xml.matchAll(/<disk [^>]*device='disk'[\s\S]*?<target dev='([^']+)'/g)) {
      const st = await tolerate(this.conn.domainBlockStats(dom, m[1]), () => true);
      if (!st) continue;
      Object.assign(out, { [`${m[1]}_read_req`]: Number(st.rdReq), [`${m[1]}_read`]: Number(st.rdBytes), [`${m[1]}_write_req`]: Number(st.wrReq), [`${m[1]}_write`]: Number(st.wrBytes), [`${m[1]}_errors`]: Number(st.errs) });
    }
    for (const m of xml.matchAll(/<interface [\s\S]*?<target dev='([^']+)'/g)) {
      const st = await tolerate(this.conn.domainInterfaceStats(dom, m[1]), () => true);
      if (!st) continue;
      Object.assign(out, {
        [`${m[1]}_rx`]: Number(st.rxBytes), [`${m[1]}_rx_packets`]: Number(st.rxPackets), [`${m[1]}_rx_errors`]: Number(st.rxErrs), [`${m[1]}_rx_drop`]: Number(st.rxDrop),
        [`${m[1]}_tx`]: Number(st.txBytes), [`${m[1]}_tx_packets`]: Number(st.txPackets), [`${m[1]}_tx_errors`]: Number(st.txErrs), [`${m[1]}_tx_drop`]: Number(st.txDrop),
      });
    }
    return out;
  }

  async snapshot(serverId: string, number: number, sink: (data: Readable, size: number) => Promise<void>): Promise<number> {
    const log = this.log.child({ server: serverId, domain: domainName(number) });
    const dom = await this.require(serverId, number);
    const pool = await this.conn.storagePoolLookupByName(this.instancesPoolName);
    const disk = await this.conn.storageVolLookupByName(pool, `${serverId}-disk`);
    const { state } = await this.conn.domainGetState(dom);
    const active = state !== DomainState.SHUTOFF && state !== DomainState.CRASHED;
    // qemu holds a write lock on the running disk (qemu-img cannot read it even while the guest
    // is paused), so this is Nova's cold snapshot (driver.py snapshot(), live snapshot off):
    // managed-save the guest, copy, restore it. A paused guest comes back paused.
    const tmpName = `${serverId}-snap-${Date.now().toString(36)}`;
    let tmp: StorageVol | undefined;
    const started = Date.now();
    if (active) await this.slow.domainManagedSave(dom, 0);
    try {
      const { capacity } = await this.conn.storageVolGetInfo(disk);
      // storageVolCreateXMLFrom runs qemu-img convert: the copy is standalone (backing chain flattened).
      tmp = await this.slow.storageVolCreateXMLFrom(pool, volumeXml(tmpName, capacity, 'qcow2'), disk);
    } finally {
      if (active) await this.slow.domainCreate(dom);
    }
    try {
      const { allocation: size } = await this.conn.storageVolGetInfoFlags(tmp, VOL_GET_PHYSICAL);
      const transfer = await this.conn.openSibling();
      let data: Readable | undefined;
      try {
        data = await transfer.storageVolDownload(tmp);
        // When the sink gives up early (the image was deleted while saving), closing the connection
        // ends this stream with an error that nobody reads any more: it must not go unhandled.
        data.on('error', (err) => log.debug({ err }, 'snapshot download ended early'));
        await sink(data, Number(size));
      } finally {
        data?.destroy();
        await transfer.close();
      }
      log.info({ bytes: Number(size), ms: Date.now() - started, guestWasActive: active }, 'snapshot streamed');
      return Number(size);
    } finally {
      await tolerate(this.conn.storageVolDelete(tmp), isNoStorageVol);
    }
  }

  async close(): Promise<void> {
    this.conn.off('reconnect', this.onReconnect);
    const sub = this.subscription;
    this.subscription = null;
    await sub?.cancel().catch(() => {});
  }

  // --- helpers ------------------------------------------------------------------------------

  private async lookup(serverId: string): Promise<Domain | undefined> {
    return tolerate(this.conn.domainLookupByUUID(uuidBytes(serverId)), isNoDomain);
  }

  private async require(serverId: string, number: number): Promise<Domain> {
    const dom = await this.lookup(serverId);
    if (!dom || dom.name !== domainName(number)) throw new InstanceNotFoundError(serverId);
    return dom;
  }
}

function volumeXml(name: string, capacity: bigint, format: 'qcow2' | 'raw'): string {
  return (
    `<volume><name>${xmlEscape(name)}</name><capacity unit='bytes'>${capacity}</capacity><allocation>0</allocation>` +
    `<target><format type='${format}'/>${format === 'qcow2' ? '<compat>1.1</compat>' : ''}` +
    `<permissions><mode>0644</mode></permissions></target></volume>`
  );
}

/** Nova's cpu_info (libvirt driver _get_cpu_info): the host CPU from the capabilities XML. */
function cpuInfoFromCapabilities(caps: string, node: { cpus: number; nodes: number; sockets: number; cores: number; threads: number }): Record<string, unknown> {
  const host = /<host>([\s\S]*?)<\/host>/.exec(caps)?.[1] ?? '';
  const cpu = /<cpu>([\s\S]*?)<\/cpu>/.exec(host)?.[1] ?? '';
  const text = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(cpu)?.[1] ?? null;
  const topo = /<topology ([^>]*)\/>/.exec(cpu)?.[1] ?? '';
  const attr = (name: string) => {
    const v = new RegExp(`${name}='(\\d+)'`).exec(topo)?.[1];
    return v === undefined ? undefined : Number(v);
  };
  return {
    arch: text('arch'),
    model: text('model'),
    vendor: text('vendor'),
    topology: {
      cells: node.nodes,
      sockets: attr('sockets') ?? node.sockets,
      cores: attr('cores') ?? node.cores,
      threads: attr('threads') ?? node.threads,
    },
    features: [...cpu.matchAll(/<feature [^>]*name='([^']+)'/g)].map((m) => m[1]).sort(),
  };
}
