// Glance data path vs the raw disk, side by side in one run (issue 5):
//   - upload and download of a 1 GiB image through the API (curl, one HTTP stream each) vs `cp` of the
//     same file on the same disk (plain, and followed by a sync as the API's upload fsyncs), vs md5sum
//     and sha512sum of the file side by side (the hashing the upload must do), and vs curl fetching the
//     same file from a static file server (downloads to a file and to /dev/null);
//   - the server's peak RSS during each transfer (the server runs in a child process; /proc/<pid>/status);
//   - GET /v2/images p50 with 50 images.
// Run: npm run bench image
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, readFileSync, rmSync, closeSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';

const SIZE = 1024 * 1024 * 1024;
const ROOT = join(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Samples the child's RSS every 20 ms while `work` runs; returns the work's seconds and the peak RSS in MiB. */
async function measured<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ seconds: number; peakMiB?: number; before?: number; result: T }> {
  let peak = 0;
  const before = pid ? rssKiB(pid) : 0;
  const timer = pid ? setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 20) : undefined;
  const t = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (timer) clearInterval(timer);
  return { seconds, peakMiB: pid ? Math.max(peak, rssKiB(pid)) / 1024 : undefined, before: pid ? before / 1024 : undefined, result };
}

/** Three runs of `work`, `reset` after each: the median time, the highest server RSS (this VM's disk and memory are noisy). */
async function median3<T>(pid: number | undefined, work: (i: number) => Promise<T>, reset?: () => void): Promise<{ seconds: number; peakMiB?: number; before?: number; results: T[] }> {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await measured(pid, () => work(i)));
    reset?.();
  }
  const results = runs.map((r) => r.result);
  const before = runs[0].before;
  runs.sort((a, b) => a.seconds - b.seconds);
  return { seconds: runs[1].seconds, peakMiB: pid ? Math.max(...runs.map((r) => r.peakMiB!)) : undefined, before, results };
}

async function api(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Auth-Token': token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const exec = promisify(execFile);

/** curl is the client for every HTTP transfer here, so that API and static server are measured alike. */
async function curl(args: string[]): Promise<number> {
  const { stdout } = await exec('curl', ['-s', '-w', '%{http_code}', ...args]);
  return Number(stdout.trim().slice(-3));
}

const mbps = (seconds: number) => `${(SIZE / 1e6 / seconds).toFixed(0)} MB/s`;
const row = (what: string, a: string, b = '', c = '') => console.log(`${what.padEnd(30)} ${a.padStart(14)} ${b.padStart(16)} ${c.padStart(22)}`);

export async function run(): Promise<void> {
  const work = mkdtempSync('/var/tmp/virtstack-bench-image-');
  let child: ChildProcess | undefined;
  try {
    // 1 GiB of incompressible data (a 64 MiB random block repeated).
    const src = join(work, 'src.raw');
    const block = randomFillSync(Buffer.alloc(64 * 1024 * 1024));
    const fd = openSync(src, 'w');
    for (let i = 0; i < SIZE / block.length; i++) writeSync(fd, block);
    closeSync(fd);
    execFileSync('sync');

    const port = await freePort();
    const dataDir = join(work, 'data');
    child = spawn(process.execPath, [join(ROOT, 'bin', 'virtstack.js'), 'serve'], {
      env: { ...process.env, VIRTSTACK_DATA_DIR: dataDir, VIRTSTACK_PORT: String(port), VIRTSTACK_ADMIN_PASSWORD: 'bench-secret', VIRTSTACK_LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/image`)).status === 300) break;
      } catch {
        /* not up yet */
      }
      if (i > 600) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const auth = await api('POST', `${base}/identity/v3/auth/tokens`, undefined, {
      auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'bench-secret' } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } },
    });
    const token = auth.headers.get('x-subject-token')!;
    const pid = child.pid!;

    console.log(`1 GiB, same disk (${work}), median of 3 runs each; server RSS idle ${(rssKiB(pid) / 1024).toFixed(0)} MiB`);
    row('', 'time', 'throughput', 'server peak RSS');

    const cpOut = join(work, 'cp.raw');
    const cp = await median3(undefined, async () => execFileSync('cp', [src, cpOut]), () => rmSync(cpOut));
    row('cp', `${cp.seconds.toFixed(2)} s`, mbps(cp.seconds));
    const cpSync = await median3(undefined, async () => {
      execFileSync('cp', [src, cpOut]);
      execFileSync('sync', ['-f', cpOut]);
    }, () => rmSync(cpOut));
    row('cp + sync', `${cpSync.seconds.toFixed(2)} s`, mbps(cpSync.seconds));

    // The upload's floor: md5 and sha512 of the same file, both at once (two cores), as the server
    // must compute them.
    const hashes = await median3(undefined, () => Promise.all([exec('md5sum', [src]), exec('sha512sum', [src])]));
    row('md5sum ‖ sha512sum', `${hashes.seconds.toFixed(2)} s`, mbps(hashes.seconds));

    const fileUrls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const img = await api('POST', `${base}/image/v2/images`, token, { name: `bench-1g-${i}`, disk_format: 'raw', container_format: 'bare' });
      fileUrls.push(`${base}/image/v2/images/${img.body.id}/file`);
    }
    const fileUrl = fileUrls[0];
    const up = await median3(pid, (i) => curl(['-o', '/dev/null', '-T', src, '-H', `X-Auth-Token: ${token}`, '-H', 'Content-Type: application/octet-stream', fileUrls[i]]));
    if (up.results.some((status) => status !== 204)) throw new Error(`uploads answered ${up.results}`);
    row('API upload (md5+sha512+fsync)', `${up.seconds.toFixed(2)} s`, mbps(up.seconds), `${up.peakMiB!.toFixed(0)} MiB (was ${up.before!.toFixed(0)})`);

    const dlOut = join(work, 'dl.raw');
    const dl = await median3(pid, () => curl(['-o', dlOut, '-H', `X-Auth-Token: ${token}`, fileUrl]), () => rmSync(dlOut));
    if (dl.results.some((status) => status !== 200)) throw new Error(`downloads answered ${dl.results}`);
    row('API download to a file', `${dl.seconds.toFixed(2)} s`, mbps(dl.seconds), `${dl.peakMiB!.toFixed(0)} MiB (was ${dl.before!.toFixed(0)})`);
    const dlNull = await median3(pid, () => curl(['-o', '/dev/null', '-H', `X-Auth-Token: ${token}`, fileUrl]));
    row('API download to /dev/null', `${dlNull.seconds.toFixed(2)} s`, mbps(dlNull.seconds), `${dlNull.peakMiB!.toFixed(0)} MiB (was ${dlNull.before!.toFixed(0)})`);

    // The same file from a static file server (in this process).
    const stat = createServer((req, res) => {
      res.writeHead(200, { 'Content-Length': SIZE, 'Content-Type': 'application/octet-stream' });
      createReadStream(src, { highWaterMark: 4 * 1024 * 1024 }).pipe(res);
    });
    await new Promise<void>((r) => stat.listen(0, '127.0.0.1', () => r()));
    const staticUrl = `http://127.0.0.1:${(stat.address() as { port: number }).port}/`;
    // curl runs as a child process (execFile, not execFileSync): the static server runs on this event loop.
    const st = await median3(undefined, () => curl(['-o', dlOut, staticUrl]), () => rmSync(dlOut));
    row('static server to a file', `${st.seconds.toFixed(2)} s`, mbps(st.seconds));
    const stNull = await median3(undefined, () => curl(['-o', '/dev/null', staticUrl]));
    row('static server to /dev/null', `${stNull.seconds.toFixed(2)} s`, mbps(stNull.seconds));
    stat.close();
    const pct = (base: number, x: number) => `${((base / x) * 100).toFixed(0)}%`;
    console.log(`API upload = ${pct(cp.seconds, up.seconds)} of cp, ${pct(cpSync.seconds, up.seconds)} of cp + sync, ${pct(hashes.seconds, up.seconds)} of md5sum ‖ sha512sum`);
    console.log(`API download = ${pct(cp.seconds, dl.seconds)} of cp (to a file), ${pct(st.seconds, dl.seconds)} of the static server (to a file), ${pct(stNull.seconds, dlNull.seconds)} (to /dev/null)`);

    // GET /v2/images with 50 images.
    for (let i = 0; i < 47; i++) await api('POST', `${base}/image/v2/images`, token, { name: `list-${i}`, disk_format: 'raw', container_format: 'bare', os_distro: 'debian' });
    const samples: number[] = [];
    for (let i = 0; i < 220; i++) {
      const t = process.hrtime.bigint();
      const res = await api('GET', `${base}/image/v2/images?limit=50`, token);
      if (i >= 20) samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.body.images.length !== 50) throw new Error(`listed ${res.body.images.length} images`);
    }
    samples.sort((a, b) => a - b);
    console.log(`GET /v2/images?limit=50 (50 images): p50 ${samples[100].toFixed(1)} ms, p99 ${samples[197].toFixed(1)} ms (real Glance here: 15–17 ms p50)`);
  } finally {
    if (child?.pid) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    rmSync(work, { recursive: true, force: true });
  }
}
