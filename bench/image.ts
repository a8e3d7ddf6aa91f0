// Glance data path vs the raw disk, side by side in one run (issue 5):
//   - upload and download of a 1 GiB image through the API (one HTTP stream each) vs `cp` of the same
//     file on the same disk (plain, and followed by a sync as the API's upload fsyncs), and vs `curl`
//     fetching the same file from a static file server;
//   - the server's peak RSS during each transfer (the server runs in a child process; /proc/<pid>/status);
//   - GET /v2/images p50 with 50 images.
// Run: npm run bench image
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, closeSync, writeSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:http';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

async function api(method: string, url: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Auth-Token': token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function streamUpload(url: string, token: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(file).size } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }).pipe(req);
  });
}

function streamDownload(url: string, token: string, out: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'X-Auth-Token': token } }, (res) => {
      pipeline(res, createWriteStream(out, { highWaterMark: 4 * 1024 * 1024 })).then(() => resolve(res.statusCode ?? 0), reject);
    }).on('error', reject).end();
  });
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

    console.log(`1 GiB, same disk (${work}); server RSS idle ${(rssKiB(pid) / 1024).toFixed(0)} MiB`);
    row('', 'time', 'throughput', 'server peak RSS');

    const cp = await measured(undefined, async () => execFileSync('cp', [src, join(work, 'cp.raw')]));
    row('cp', `${cp.seconds.toFixed(2)} s`, mbps(cp.seconds));
    rmSync(join(work, 'cp.raw'));
    const cpSync = await measured(undefined, async () => {
      execFileSync('cp', [src, join(work, 'cp.raw')]);
      execFileSync('sync', ['-f', join(work, 'cp.raw')]);
    });
    row('cp + sync', `${cpSync.seconds.toFixed(2)} s`, mbps(cpSync.seconds));

    const img = await api('POST', `${base}/image/v2/images`, token, { name: 'bench-1g', disk_format: 'raw', container_format: 'bare' });
    const up = await measured(pid, () => streamUpload(`${base}/image/v2/images/${img.body.id}/file`, token, src));
    if (up.result !== 204) throw new Error(`upload answered ${up.result}`);
    row('API upload (md5+sha512+fsync)', `${up.seconds.toFixed(2)} s`, mbps(up.seconds), `${up.peakMiB!.toFixed(0)} MiB (was ${up.before!.toFixed(0)})`);

    const dl = await measured(pid, () => streamDownload(`${base}/image/v2/images/${img.body.id}/file`, token, join(work, 'dl.raw')));
    row('API download', `${dl.seconds.toFixed(2)} s`, mbps(dl.seconds), `${dl.peakMiB!.toFixed(0)} MiB (was ${dl.before!.toFixed(0)})`);
    rmSync(join(work, 'dl.raw'));

    // curl from a static file server serving the same file (in this process).
    const stat = createServer((req, res) => {
      res.writeHead(200, { 'Content-Length': SIZE, 'Content-Type': 'application/octet-stream' });
      createReadStream(src, { highWaterMark: 4 * 1024 * 1024 }).pipe(res);
    });
    await new Promise<void>((r) => stat.listen(0, '127.0.0.1', () => r()));
    // execFile, not execFileSync: the static server runs on this event loop.
    const curl = await measured(undefined, () => promisify(execFile)('curl', ['-s', '-o', join(work, 'curl.raw'), `http://127.0.0.1:${(stat.address() as { port: number }).port}/`]));
    stat.close();
    row('curl from static server', `${curl.seconds.toFixed(2)} s`, mbps(curl.seconds));
    console.log(`API upload = ${((cp.seconds / up.seconds) * 100).toFixed(0)}% of cp, ${((cpSync.seconds / up.seconds) * 100).toFixed(0)}% of cp + sync; download = ${((cp.seconds / dl.seconds) * 100).toFixed(0)}% of cp`);

    // GET /v2/images with 50 images.
    for (let i = 0; i < 49; i++) await api('POST', `${base}/image/v2/images`, token, { name: `list-${i}`, disk_format: 'raw', container_format: 'bare', os_distro: 'debian' });
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
