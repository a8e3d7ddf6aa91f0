// Keystone latency, side by side with baselines measured in the same run (`npm run bench identity`):
//   - token issue by password, by token (re-scope) and by application credential
//   - token validation (GET /v3/auth/tokens) and a cheap authenticated GET (GET /v3/regions/{id})
//   - baselines: a bare node:http handler answering a fixed 200 (the floor of any HTTP round trip here),
//     and one argon2id verify alone (the floor of the password and application credential methods).
// The server runs as a child process (`virtstack serve`, embedded PostgreSQL) as in production; 4 clients
// send BENCH_N (default 1000) requests each measurement over keep-alive connections, after
// BENCH_WARMUP_SECONDS (default 10) of the same requests, baselines included.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordHasher } from '../src/identity/password-hasher.js';

const N = Number(process.env.BENCH_N ?? 1000);
const CONCURRENCY = 4;
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const PASSWORD = 'bench-admin-password';
const root = join(import.meta.dirname, '..');
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Res { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent, headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Runs `op` from CONCURRENCY concurrent clients until `seconds` have passed (and at least `min` times). */
async function load(seconds: number, min: number, op: () => Promise<unknown>): Promise<void> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end || done < min) {
      await op();
      done++;
    }
  }));
}

/**
 * Runs `op` n times from CONCURRENCY concurrent clients; returns each call's latency in ms. Measured
 * warm, as a running server is: first WARMUP_SECONDS of the same load. V8 optimises a route's code only
 * after it has run a while (and the route's request validator is compiled on first use): here a
 * validation's p50 went from 2.4 ms in the first 3 s of load to 1.8 ms in the next 4 s and 1.4 ms after.
 */
async function measure(n: number, op: () => Promise<unknown>): Promise<number[]> {
  await load(WARMUP_SECONDS, CONCURRENCY * 2, op);
  const samples: number[] = [];
  let left = n;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) {
      const t = process.hrtime.bigint();
      await op();
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }));
  return samples;
}

async function expect(status: number, p: Promise<Res>): Promise<Res> {
  const res = await p;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.body}`);
  return res;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startVirtstack(): Promise<{ url: string; child: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'virtstack-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bin/virtstack.js'), 'serve'], {
    env: { ...process.env, VIRTSTACK_DATA_DIR: dataDir, VIRTSTACK_PORT: String(port), VIRTSTACK_ADMIN_PASSWORD: PASSWORD, VIRTSTACK_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    const ok = await request('GET', `${url}/identity/v3`).then((r) => r.status === 200, () => false);
    if (ok) return { url, child, dataDir };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('virtstack did not start within 60 s');
}

async function startBareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const body = JSON.stringify({ ok: true });
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => srv.close(() => r())) };
}

const fmt = (n: number) => `${n.toFixed(2)} ms`;
function row(what: string, samples: number[], baseline?: { name: string; samples: number[] }) {
  const cols = [what.padEnd(44), fmt(pct(samples, 50)).padStart(11), fmt(pct(samples, 99)).padStart(11)];
  if (baseline) cols.push(`   vs ${baseline.name}: ${fmt(pct(baseline.samples, 50))} / ${fmt(pct(baseline.samples, 99))}`);
  console.log(cols.join(''));
}

export async function run(): Promise<void> {
  console.log(`Keystone latency: ${N} requests per line, ${CONCURRENCY} concurrent clients (p50, p99)`);
  const bare = await startBareServer();
  const { url, child, dataDir } = await startVirtstack();
  try {
    const v3 = `${url}/identity/v3`;
    const pwAuth = { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } };
    const adminToken = (await expect(201, request('POST', `${v3}/auth/tokens`, {}, pwAuth))).headers['x-subject-token'] as string;
    const userRes = await expect(200, request('GET', `${v3}/auth/tokens`, { 'X-Auth-Token': adminToken, 'X-Subject-Token': adminToken }));
    const { token } = JSON.parse(userRes.body);
    const appCred = JSON.parse((await expect(201, request('POST', `${v3}/users/${token.user.id}/application_credentials`, { 'X-Auth-Token': adminToken },
      { application_credential: { name: 'bench' } }))).body).application_credential;

    // Baselines.
    const bareSamples = await measure(N, () => request('GET', bare.url));
    const hasher = new PasswordHasher();
    const encoded = await hasher.hash(PASSWORD);
    const argonSamples = await measure(N, async () => {
      if (!(await hasher.verify(encoded, PASSWORD))) throw new Error('argon2 verify failed');
    });
    const bareBase = { name: 'bare http 200', samples: bareSamples };
    const argonBase = { name: 'argon2id verify alone', samples: argonSamples };

    console.log(`${''.padEnd(44)}${'p50'.padStart(11)}${'p99'.padStart(11)}`);
    row('baseline: bare node:http 200', bareSamples);
    row('baseline: argon2id verify (64 MiB, t=3, p=4)', argonSamples);
    row('validate: GET /v3/auth/tokens', await measure(N, () => expect(200, request('GET', `${v3}/auth/tokens?nocatalog`, { 'X-Auth-Token': adminToken, 'X-Subject-Token': adminToken }))), bareBase);
    row('authenticated GET /v3/regions/RegionOne', await measure(N, () => expect(200, request('GET', `${v3}/regions/RegionOne`, { 'X-Auth-Token': adminToken }))), bareBase);
    row('issue: token method (re-scope)', await measure(N, () => expect(201, request('POST', `${v3}/auth/tokens?nocatalog`, {},
      { auth: { identity: { methods: ['token'], token: { id: adminToken } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }))), bareBase);
    row('issue: password', await measure(N, () => expect(201, request('POST', `${v3}/auth/tokens?nocatalog`, {}, pwAuth))), argonBase);
    row('issue: application credential', await measure(N, () => expect(201, request('POST', `${v3}/auth/tokens?nocatalog`, {},
      { auth: { identity: { methods: ['application_credential'], application_credential: { id: appCred.id, secret: appCred.secret } } } }))), argonBase);
  } finally {
    agent.destroy();
    await bare.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
