/**
 * Benchmark of the tiny test guest (issue 4):
 *   - build time from scratch with the guest .debs already kept (guest-image/build)
 *   - build time fully cached (scripts/build-test-image reusing the image)
 *   - boot-to-ready time: domainCreate (src/libvirt) to the `tiny-guest ready` console line,
 *     median of 5, under the virt type this machine supports (qemu/TCG where
 *     /dev/kvm is kvm_pvm or absent, else kvm); and ACPI shutdown time.
 *
 *   node --import tsx bench/guest-image.ts
 *
 * Needs what test/guest/boot.test.ts needs (root, libvirtd, default network).
 * Domains are named vs-bench-<pid>-<n>; only those are destroyed/undefined.
 * GUEST_BENCH_BOOTS / GUEST_BENCH_BUILDS change the number of runs.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DomainState, LibvirtConnection } from '../src/libvirt/index.js';
import { detectVirtType, type VirtType } from '../src/virt/virt-type.js';
import { parseGuestFacts, waitForConsoleLine } from '../test/support/guest-console.js';

const exec = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** virDomainShutdownFlagValues: VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN. */
const SHUTDOWN_ACPI_POWER_BTN = 1;
const virtType = (): VirtType => detectVirtType(process.env.VIRTSTACK_VIRT_TYPE);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

export interface GuestImageBench {
  virtType: 'kvm' | 'qemu';
  image: string;
  buildScratchMs: number[];
  buildCachedMs: number[];
  reproducible: boolean;
  bootToReadyMs: number[];
  guestUptimeAtReady: number[];
  shutdownMs: number[];
}

async function bootOnce(conn: LibvirtConnection, image: string, dir: string, n: number, type: VirtType) {
  const name = `vs-bench-${process.pid}-${n}`;
  const uuid = randomUUID();
  const tree = join(dir, `cd-${n}`, 'openstack', 'latest');
  await mkdir(tree, { recursive: true });
  await writeFile(
    join(tree, 'meta_data.json'),
    JSON.stringify({ uuid, name, hostname: name, meta: { bench: String(n) }, public_keys: { k: 'ssh-ed25519 AAAA k' } }),
  );
  await writeFile(join(tree, 'user_data'), '#!/bin/sh\necho bench\n');
  const iso = join(dir, `config-${n}.iso`);
  await exec('genisoimage', ['-quiet', '-o', iso, '-V', 'config-2', '-J', '-r', join(dir, `cd-${n}`)]);
  const overlay = join(dir, `root-${n}.qcow2`);
  await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image, overlay]);
  const log = join(dir, `console-${n}.log`);
  await Promise.all([chmod(iso, 0o644), chmod(overlay, 0o644)]);
  const xml = `<domain type='${type}'><name>${name}</name><uuid>${uuid}</uuid>
  <memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>${type === 'kvm' ? "<cpu mode='host-passthrough'/>" : ''}
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${overlay}'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${iso}'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <interface type='network'><source network='default'/><model type='virtio'/></interface>
    <serial type='file'><source path='${log}'/><target port='0'/></serial>
    <console type='file'><source path='${log}'/><target type='serial' port='0'/></console>
  </devices></domain>`;
  const dom = await conn.domainDefineXML(xml);
  try {
    const t0 = performance.now();
    await conn.domainCreate(dom);
    await waitForConsoleLine(() => readFile(log, 'utf8'), /^tiny-guest ready$/, 90_000, { intervalMs: 50 });
    const ready = performance.now() - t0;
    const facts = parseGuestFacts(await readFile(log, 'utf8'));
    if (facts.metaData?.uuid !== uuid || facts.userData?.exitCode !== 0) {
      throw new Error(`boot ${n}: guest did not see its config drive:\n${facts.lines.join('\n')}`);
    }
    const t1 = performance.now();
    for (;;) {
      const { state } = await conn.domainGetState(dom);
      if (state === DomainState.SHUTOFF) break;
      if (performance.now() - t1 > 30_000) throw new Error(`boot ${n}: still in state ${state} 30 s after ACPI shutdown`);
      // repeat the press (one before acpid runs is lost); it fails harmlessly if the guest just went down
      if (state === DomainState.RUNNING) await conn.domainShutdownFlags(dom, SHUTDOWN_ACPI_POWER_BTN).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ready, uptime: facts.upSeconds ?? NaN, shutdown: performance.now() - t1 };
  } finally {
    await conn.domainDestroy(dom).catch(() => undefined);
    await conn.domainUndefine(dom).catch(() => undefined);
  }
}

export async function run(): Promise<GuestImageBench> {
  const builds = Number(process.env.GUEST_BENCH_BUILDS ?? 3);
  const boots = Number(process.env.GUEST_BENCH_BOOTS ?? 5);
  const buildScript = join(repo, 'scripts/build-test-image');
  // make sure the .debs (and the image) are in the cache
  const image = (await exec(buildScript, [], { timeout: 600_000 })).stdout.trim();
  const debDir = process.env.GUEST_DEB_DIR ?? join(repo, '.cache/test-image/debs');

  const dir = await mkdtemp(join(tmpdir(), 'vs-bench-'));
  await chmod(dir, 0o755);
  try {
    const buildScratchMs: number[] = [];
    let reproducible = true;
    for (let i = 0; i < builds; i++) {
      const out = join(dir, `scratch-${i}.qcow2`);
      const [ms] = await timed(() =>
        exec(join(repo, 'guest-image/build'), [out], { env: { ...process.env, GUEST_DEB_DIR: debDir }, timeout: 600_000 }),
      );
      buildScratchMs.push(ms);
      if (sha256(out) !== sha256(image)) reproducible = false;
      await rm(out);
    }
    const buildCachedMs: number[] = [];
    for (let i = 0; i < 5; i++) buildCachedMs.push((await timed(() => exec(buildScript, [])))[0]);

    const type = virtType();
    const bootToReadyMs: number[] = [];
    const guestUptimeAtReady: number[] = [];
    const shutdownMs: number[] = [];
    const conn = await LibvirtConnection.open('qemu:///system');
    try {
      for (let i = 0; i < boots; i++) {
        const r = await bootOnce(conn, image, dir, i, type);
        bootToReadyMs.push(r.ready);
        guestUptimeAtReady.push(r.uptime);
        shutdownMs.push(r.shutdown);
      }
    } finally {
      await conn.close();
    }
    return { virtType: type, image, buildScratchMs, buildCachedMs, reproducible, bootToReadyMs, guestUptimeAtReady, shutdownMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function report(r: GuestImageBench): string {
  const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
  return [
    `tiny guest image: ${r.image}`,
    `build from scratch (.debs kept): median ${sec(median(r.buildScratchMs))}  [${list(r.buildScratchMs)}]` +
      `  byte-identical to the cached image: ${r.reproducible ? 'yes' : 'NO'}`,
    `build fully cached:              median ${sec(median(r.buildCachedMs))}  [${list(r.buildCachedMs)}]`,
    `boot to ready (virt type ${r.virtType}, ${r.bootToReadyMs.length} boots): median ${sec(median(r.bootToReadyMs))}` +
      `  [${list(r.bootToReadyMs)}]`,
    `guest uptime at ready:           median ${median(r.guestUptimeAtReady).toFixed(2)} s  [${r.guestUptimeAtReady.join(', ')}]`,
    `ACPI shutdown to shut off:       median ${sec(median(r.shutdownMs))}  [${list(r.shutdownMs)}]`,
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
