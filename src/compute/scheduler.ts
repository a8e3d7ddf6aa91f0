// Picks a host for a server (Nova's filter scheduler, simplified): filters, then weighs by free RAM.
// Pure logic over a snapshot of the hosts, so it is unit-tested without hosts.

export interface HostCandidate {
  name: string;
  zone: string;
  enabled: boolean;
  up: boolean;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  used: { vcpus: number; ram: number; disk: number; instances: number };
}

export interface ScheduleRequest {
  vcpus: number;
  ramMiB: number;
  diskGiB: number;
  zone?: string | null;
  /** Server group policy and the hosts its other members are on. */
  group?: { policy: string; memberHosts: string[]; maxServerPerHost?: number };
}

/** Nova's default allocation ratios (cpu_allocation_ratio 16, ram 1.5, disk 1.0). */
export const ALLOCATION_RATIOS = { cpu: 16, ram: 1.5, disk: 1 };

export class NoValidHost extends Error {
  constructor(reason: string) {
    super(`No valid host was found. ${reason}`);
  }
}

export function selectHost(hosts: HostCandidate[], req: ScheduleRequest): HostCandidate {
  let candidates = hosts.filter((h) => h.enabled && h.up);
  if (candidates.length === 0) throw new NoValidHost('There are not enough hosts available.');
  if (req.zone) candidates = candidates.filter((h) => h.zone === req.zone);
  candidates = candidates.filter(
    (h) =>
      h.used.vcpus + req.vcpus <= h.vcpus * ALLOCATION_RATIOS.cpu &&
      h.used.ram + req.ramMiB <= h.memoryMiB * ALLOCATION_RATIOS.ram &&
      h.used.disk + req.diskGiB <= h.diskGiB * ALLOCATION_RATIOS.disk,
  );
  const g = req.group;
  if (g?.policy === 'affinity' && g.memberHosts.length > 0) candidates = candidates.filter((h) => g.memberHosts.includes(h.name));
  if (g?.policy === 'anti-affinity') {
    const max = g.maxServerPerHost ?? 1;
    candidates = candidates.filter((h) => g.memberHosts.filter((m) => m === h.name).length < max);
  }
  if (candidates.length === 0) throw new NoValidHost('There are not enough hosts available.');
  const freeRam = (h: HostCandidate) => h.memoryMiB * ALLOCATION_RATIOS.ram - h.used.ram;
  // Soft policies weigh instead of filter (Nova's ServerGroupSoft*Weigher).
  const softWeight = (h: HostCandidate) => {
    if (!g) return 0;
    const onHost = g.memberHosts.filter((m) => m === h.name).length;
    if (g.policy === 'soft-affinity') return onHost;
    if (g.policy === 'soft-anti-affinity') return -onHost;
    return 0;
  };
  return [...candidates].sort((a, b) => softWeight(b) - softWeight(a) || freeRam(b) - freeRam(a) || a.name.localeCompare(b.name))[0];
}
