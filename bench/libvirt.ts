// libvirt RPC client vs virsh, side by side in one run (issue 3):
//   - p50/p99 of a simple call (domain get state)
//   - define + start of a small TCG domain
//   - volume upload and download MB/s of the same 256 MiB file
// Run: node --import tsx bench/libvirt.ts   (needs a running libvirtd; scripts/start-libvirt)
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LibvirtConnection, StoragePoolBuildFlags } from '../src/libvirt/index.js';

const run = promisify(execFile);
const URI = 'qemu:///system';
const virsh = (...args: string[]) => run('virsh', ['-q', '-c', URI, ...args], { maxBuffer: 1 << 20 });

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (n: number) => `${n.toFixed(n < 1 ? 3 : 1)} ms`;
const row = (what: string, client: string, cli: string) => console.log(`${what.padEnd(34)} ${client.padStart(22)} ${cli.padStart(22)}`);

function domainXML(name: string): string {
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>`;
}

export async function run_(): Promise<void> {
  execFileSync(fileURLToPath(new URL('../scripts/start-libvirt', import.meta.url)), { stdio: 'inherit' });
  const tag = randomBytes(3).toString('hex');
  const work = mkdtempSync('/var/tmp/vstest-bench-');
  const conn = await LibvirtConnection.open(URI);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    console.log(`libvirt client vs virsh (${URI})`);
    row('', 'client', 'virsh');

    // 1. simple call
    const probeName = `vstest-bench-${tag}`;
    const probe = await conn.domainDefineXML(domainXML(probeName));
    cleanups.push(() => conn.domainUndefine(probe));
    for (let i = 0; i < 500; i++) await conn.domainGetState(probe); // warm up
    const client: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = process.hrtime.bigint();
      await conn.domainGetState(probe);
      client.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const cli: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = process.hrtime.bigint();
      await virsh('domstate', probeName);
      cli.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    row('get state p50', ms(pct(client, 50)), ms(pct(cli, 50)));
    row('get state p99', ms(pct(client, 99)), ms(pct(cli, 99)));

    // 2. define + start
    const rounds = 3;
    const dsClient: number[] = [];
    const dsCli: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const name = `vstest-bench-${tag}-c${i}`;
      const t = process.hrtime.bigint();
      const d = await conn.domainDefineXML(domainXML(name));
      await conn.domainCreate(d);
      dsClient.push(Number(process.hrtime.bigint() - t) / 1e6);
      await conn.domainDestroy(d);
      await conn.domainUndefine(d);

      const vname = `vstest-bench-${tag}-v${i}`;
      const file = join(work, `${vname}.xml`);
      writeFileSync(file, domainXML(vname));
      const t2 = process.hrtime.bigint();
      await virsh('define', file);
      await virsh('start', vname);
      dsCli.push(Number(process.hrtime.bigint() - t2) / 1e6);
      await virsh('destroy', vname);
      await virsh('undefine', vname);
    }
    row(`define+start (median of ${rounds})`, ms(pct(dsClient, 50)), ms(pct(dsCli, 50)));

    // 3. volume upload / download, 256 MiB
    const size = 256 * 1024 * 1024;
    const src = join(work, 'src.raw');
    const out = createWriteStream(src);
    for (let i = 0; i < 256; i++) out.write(randomBytes(1024 * 1024));
    await new Promise((resolve) => out.end(resolve));
    const srcSum = createHash('sha256').update(readFileSync(src)).digest('hex');
    const poolName = `vstest-bench-pool-${tag}`;
    const poolDir = join(work, 'pool');
    const pool = await conn.storagePoolDefineXML(`<pool type='dir'><name>${poolName}</name><target><path>${poolDir}</path></target></pool>`);
    await conn.storagePoolBuild(pool, StoragePoolBuildFlags.NEW);
    await conn.storagePoolCreate(pool);
    cleanups.push(async () => {
      for (const v of await conn.storagePoolListAllVolumes(pool)) await conn.storageVolDelete(v);
      await conn.storagePoolDestroy(pool);
      await conn.storagePoolUndefine(pool);
    });
    const volXML = (n: string) => `<volume><name>${n}</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`;
    const volA = await conn.storageVolCreateXML(pool, volXML('a.raw'));
    await conn.storageVolCreateXML(pool, volXML('b.raw'));
    const mbps = (t0: bigint) => `${(256 / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(0)} MB/s`;

    let t = process.hrtime.bigint();
    await conn.storageVolUpload(volA, createReadStream(src, { highWaterMark: 1 << 20 }));
    const upClient = mbps(t);
    t = process.hrtime.bigint();
    await virsh('vol-upload', '--pool', poolName, 'b.raw', src);
    const upCli = mbps(t);
    row('volume upload 256 MiB', upClient, upCli);

    const dstA = join(work, 'a.out');
    const dstB = join(work, 'b.out');
    t = process.hrtime.bigint();
    await pipeline(await conn.storageVolDownload(volA), createWriteStream(dstA));
    const downClient = mbps(t);
    t = process.hrtime.bigint();
    await virsh('vol-download', '--pool', poolName, 'b.raw', dstB);
    const downCli = mbps(t);
    row('volume download 256 MiB', downClient, downCli);
    for (const f of [dstA, dstB]) {
      const sum = createHash('sha256').update(readFileSync(f)).digest('hex');
      if (sum !== srcSum) throw new Error(`${f}: sha256 differs from the uploaded file`);
    }
  } finally {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error('cleanup:', err.message));
    await conn.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export { run_ as run };
export default run_;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run_().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
