// The hypervisor boundary (Nova's nova/virt/driver.py idea): everything virtstack does to a guest goes
// through this interface. Each method's contract is in its comment; test/virt/compute-driver.test.ts
// runs the same contract tests against every implementation (today: LibvirtDriver on a real libvirtd).
import type { Readable } from 'node:stream';

/** Nova's power states (nova/compute/power_state.py). */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

export interface ImageSource {
  id: string;
  /** Glance's disk_format: qcow2 or raw are bootable here. */
  diskFormat: string;
  /** Bytes of the image data. */
  size: number;
  /** Virtual disk size in bytes (for raw, the same as size). */
  virtualSize: number;
  /** Opens the image data; called at most once per host, when the host has no cached copy yet. */
  open(): Promise<Readable>;
}

export interface NicSpec {
  mac: string;
  address: string;
  prefix: number;
  gateway: string;
  /** The libvirt network the NIC joins, or null for user-mode networking (qemu's slirp). */
  libvirtNetwork: string | null;
}

export interface InstanceSpec {
  id: string;
  /** Nova's instance number: the domain is named instance-%08x. */
  number: number;
  name: string;
  hostname: string;
  memoryMiB: number;
  vcpus: number;
  /** Root disk size; 0 means the image's virtual size (Nova's flavor disk 0). */
  rootGiB: number;
  ephemeralGiB: number;
  swapMiB: number;
  image: ImageSource;
  nics: NicSpec[];
  /** Files of the config drive (path inside the ISO → content), or undefined for none. */
  configDrive?: Record<string, string | Buffer>;
  /** The OpenStack side, kept in the domain's <metadata> (Nova does the same). */
  owner: { projectId: string; userId: string; flavorName: string; serverName: string };
}

export interface HostInfo {
  hostname: string;
  vcpus: number;
  memoryMiB: number;
  freeMemoryMiB: number;
  localGiB: number;
  freeDiskGiB: number;
  hypervisorType: string;
  hypervisorVersion: number;
  cpuInfo: Record<string, unknown>;
}

export interface PowerStateChange {
  serverId: string;
  powerState: PowerStateValue;
  /**
   * What happened, for the log: started, resumed, paused, stopped, crashed, suspended (guest
   * suspend-to-RAM), undefined (the domain was removed), resync (a difference found by listing
   * after the connection to the host was lost and restored; events in between were missed).
   */
  event: string;
}

/** A power or snapshot operation named a server whose guest does not exist on the host. */
export class InstanceNotFoundError extends Error {
  override name = 'InstanceNotFoundError';
  constructor(readonly serverId: string) {
    super(`no guest for server ${serverId} on this host`);
  }
}

export interface ComputeDriver {
  /**
   * Prepares the host: storage pools, the NAT network, the lifecycle event subscription.
   * Safe to call at every start. Throws a clear error if the NAT network cannot run (the caller
   * may then fall back to user-mode networking: a driver without a network).
   */
  init(): Promise<void>;

  /** The host's capacity and identity, read from the hypervisor (not configured). */
  hostInfo(): Promise<HostInfo>;

  /**
   * Creates the disks (a cached base copy of the image, then an overlay sized by the flavor), the
   * config drive, DHCP reservations and the domain, and starts it. Idempotent: called again for the
   * same server after a crash, it reuses what exists and ends with the guest running.
   * On failure it leaves whatever it created for `destroy` to remove.
   */
  spawn(spec: InstanceSpec): Promise<void>;

  /**
   * Stops and removes the guest with its disks, config drive, console log and DHCP reservations.
   * Must succeed if the guest (or any part of it) is already gone.
   */
  destroy(serverId: string, number: number, nics: NicSpec[]): Promise<void>;

  /*
   * The power methods below throw InstanceNotFoundError when the guest does not exist.
   * Lifecycle events follow each of them (see onPowerStateChange); suspend and snapshot of an
   * active guest go through a managed save, so they report stopped (SHUTDOWN) and, for snapshot
   * and resume, started (RUNNING) again.
   */

  /** ACPI shutdown, repeated until the guest is off; after `timeoutSeconds` a hard power-off (0: at once). */
  powerOff(serverId: string, number: number, timeoutSeconds: number): Promise<void>;
  /** Starts a stopped guest (also restores a suspended one). No-op if it runs or is paused. */
  powerOn(serverId: string, number: number): Promise<void>;
  /** SOFT: clean shutdown then start (hard after a timeout); HARD: power cycle. */
  reboot(serverId: string, number: number, type: 'SOFT' | 'HARD'): Promise<void>;
  pause(serverId: string, number: number): Promise<void>;
  unpause(serverId: string, number: number): Promise<void>;
  /** Saves the guest's memory to disk and stops it (libvirt managed save): power state SHUTDOWN. */
  suspend(serverId: string, number: number): Promise<void>;
  /** Restores a suspended guest (same as powerOn). */
  resume(serverId: string, number: number): Promise<void>;
  /** Sends an NMI to the guest (os-triggerCrashDump). */
  injectNmi(serverId: string, number: number): Promise<void>;

  /** The power state libvirt reports; NOSTATE when the domain does not exist. */
  powerState(serverId: string, number: number): Promise<PowerStateValue>;
  /** Power states of every guest on the host that virtstack created, by server id (one libvirt call). */
  listPowerStates(): Promise<Map<string, PowerStateValue>>;
  /**
   * Calls `listener` for every power change libvirt reports (lifecycle events) on virtstack's
   * guests, in order per server; after a lost connection is restored, the differences found by
   * listing (event 'resync').
   */
  onPowerStateChange(listener: (change: PowerStateChange) => void): void;

  /**
   * Addresses the host's DHCP server has leased on a network and not yet expired. A lease outlives its
   * guest (dnsmasq keeps it until it expires), and dnsmasq will not hand a leased address to another
   * MAC even when a host entry pins it: the allocator must not reuse such an address yet.
   */
  leasedAddresses(libvirtNetwork: string): Promise<Set<string>>;

  /**
   * The guest's counters as Nova's libvirt driver reports them before microversion 2.48 (get_diagnostics):
   * cpu0_time (ns), memory (KiB), and per disk and NIC its read/write and rx/tx counters.
   * Throws InstanceNotFoundError when the guest does not exist.
   */
  diagnostics(serverId: string, number: number): Promise<Record<string, number>>;

  /**
   * The serial console log (what the guest printed, raw: control characters kept), at most the
   * last `maxBytes`; '' when there is none. It survives reboots (appended) until destroy.
   */
  consoleOutput(serverId: string, maxBytes: number): Promise<string>;

  /**
   * Copies the guest's root disk into a standalone qcow2 image (no backing file) and streams it
   * to `sink` with its size in bytes; resolves with that size once `sink` has resolved. An
   * active guest is saved (managed save) for the copy and restored after it, in the state it
   * was in (qemu's lock on a running disk forbids copying it even while paused).
   */
  snapshot(serverId: string, number: number, sink: (data: Readable, size: number) => Promise<void>): Promise<number>;

  /** Stops listening to the host's events. The libvirt connection stays open: its owner closes it. */
  close(): Promise<void>;
}

export function domainName(number: number): string {
  return `instance-${number.toString(16).padStart(8, '0')}`;
}
