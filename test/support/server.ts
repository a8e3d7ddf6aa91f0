// Starts a real virtstack server in this process, on a fresh database and data dir, on a free
// loopback port. Tests talk to it over HTTP (test/support/http.ts) or with the real `openstack` CLI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { IdentityFixtures } from './identity-fixtures.js';
import { freePort } from '../../src/util/free-port.js';

export const ADMIN_PASSWORD = 'admin-secret-for-tests';

export interface TestServer {
  url: string;
  authUrl: string;
  dataDir: string;
  database: TestDatabase;
  /** OS_* variables for the admin account, for the `openstack` CLI. */
  adminEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  // Servers of different test files (and a real virtstack on the same machine) must not share domain
  // names: each test database numbers its servers from its own random start.
  await database.db.raw(`ALTER SEQUENCE servers_number_seq RESTART WITH ${0x100000 + Math.floor(Math.random() * 0x7fe00000)}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'virtstack-test-data-'));
  // Port 0: the OS picks a free port; the catalog needs the real one, so the public URL is set after.
  const probe = loadConfig({
    VIRTSTACK_PORT: '0',
    VIRTSTACK_DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    // The tests' own NAT network, apart from a real virtstack's on the same machine.
    VIRTSTACK_NETWORK_NAME: 'vstest',
    VIRTSTACK_NETWORK_BRIDGE: 'vstestbr0',
    VIRTSTACK_NETWORK_CIDR: '10.250.0.0/24',
    VIRTSTACK_SHUTDOWN_TIMEOUT: '20',
    ...env,
  });
  let server: RunningServer | undefined;
  const port = await freePort();
  const config = { ...probe, port, publicUrl: `http://127.0.0.1:${port}`, adminPassword: ADMIN_PASSWORD, logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' };
  server = await startServer(config, pino({ level: config.logLevel }));
  const url = server.url;
  return {
    url,
    authUrl: `${url}/identity/v3`,
    dataDir,
    database,
    adminEnv: {
      OS_AUTH_URL: `${url}/identity/v3`,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: 'admin',
      OS_PASSWORD: ADMIN_PASSWORD,
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
    },
    async stop() {
      await server?.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}


export interface TestServerContext {
  server: TestServer;
  fx: IdentityFixtures;
  compute: string;
}

/**
 * A server for the whole test file, with an admin fixture: started in `before`, stopped in `after`.
 * `ready` runs once both exist, for what a file derives from them (a second top-level `before` may
 * run before this one has finished).
 */
export function useTestServer(env: Record<string, string> = {}, ready?: (ctx: TestServerContext) => void): TestServerContext {
  const ctx = {} as TestServerContext;
  before(async () => {
    ctx.server = await startTestServer(env);
    ctx.fx = await IdentityFixtures.create(ctx.server.authUrl);
    ctx.compute = `${ctx.server.url}/compute/v2.1`;
    ready?.(ctx);
  });
  after(() => ctx.server.stop());
  return ctx;
}
