// Composition root: config → database → repositories → services → app. Nothing else calls `new` on
// a service or repository; dependencies arrive through constructors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/database.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-database.js';
import { migrateLatest } from './db/migrate.js';
import { bootstrapIdentity, type ServedService } from './identity/identity-bootstrap.js';
import { PasswordHasher } from './identity/password-hasher.js';
import { createIdentityModule } from './identity/identity-module.js';
import { createImageModule } from './image/image-module.js';
import { openrc } from './client-config.js';
import { createComputeModule, type DriverFactory } from './compute/compute-module.js';
import { LibvirtConnection } from './libvirt/index.js';
import { LibvirtDriver } from './virt/libvirt-driver.js';
import { detectVirtType } from './virt/virt-type.js';

const SPEC_DIR = join(import.meta.dirname, '..', 'api-specs');

export const SERVED_SERVICES: ServedService[] = [
  { type: 'identity', name: 'keystone', path: '/identity', description: 'virtstack Identity (Keystone v3)' },
  { type: 'image', name: 'glance', path: '/image', description: 'virtstack Image (Glance v2)' },
  { type: 'compute', name: 'nova', path: '/compute/v2.1', description: 'virtstack Compute (Nova v2.1)' },
];

/** Each compute host: a libvirt connection and its driver, with the host prepared (pools, network). */
function libvirtDriverFactory(config: Config, log: Logger): DriverFactory {
  const c = config.compute;
  return async (uri, { network }) => {
    const local = uri === c.libvirtUris[0] && !uri.includes('+') && !/:\/\/[^/]/.test(uri);
    // Detection looks at this machine, so it only fits the local host; remote hosts default to kvm.
    const virtType = local ? detectVirtType(c.virtType) : (c.virtType ?? 'kvm');
    const conn = await LibvirtConnection.open(uri);
    const driver = new LibvirtDriver(conn, { virtType, stateDir: c.hostStateDir, network, log, softRebootTimeoutSeconds: c.shutdownTimeoutSeconds });
    try {
      await driver.init();
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    return { driver, virtType, disconnect: () => conn.close() };
  };
}

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<{ db: Database; url: string; embedded?: EmbeddedDatabase }> {
  let url = config.databaseUrl;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    embedded = await startEmbeddedDatabase(config.dataDir, log);
    url = embedded.url;
  }
  const db = createDatabase(url);
  await db.raw('SELECT 1');
  return { db, url, embedded };
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const { db, url: databaseUrl, embedded } = await openDatabase(config, log);
  try {
    // With DATABASE_URL set nothing else has made the data dir yet (keys, admin-openrc live there).
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const applied = await migrateLatest(db);
    if (applied.length) log.info({ applied }, 'database migrated');

    const hasher = new PasswordHasher();
    const boot = await bootstrapIdentity({
      db, hasher, adminPassword: config.adminPassword, region: config.region, publicUrl: config.publicUrl, services: SERVED_SERVICES,
    });
    if (boot.created) {
      const rcFile = join(config.dataDir, 'admin-openrc');
      writeFileSync(rcFile, openrc(config, boot.adminPassword!), { mode: 0o600 });
      if (boot.generatedAdminPassword) {
        // Printed once, on purpose: the operator needs it, and it is also in admin-openrc (mode 0600).
        process.stdout.write(`virtstack: created user admin with password ${boot.generatedAdminPassword}\nvirtstack: client settings written to ${rcFile}\n`);
      }
    }

    const identity = await createIdentityModule({ db, databaseUrl, config, hasher, specDir: SPEC_DIR, log });
    const revocations = identity.revocations;

    const image = await createImageModule({ db, config, tokens: identity.tokens, specDir: SPEC_DIR, log });

    const compute = await createComputeModule({
      db,
      databaseUrl,
      config,
      tokens: identity.tokens,
      images: image.computeImages,
      createDriver: libvirtDriverFactory(config, log),
      specDir: SPEC_DIR,
      log,
    });

    const app = createApp(log, [
      { prefix: '/identity', router: identity.router },
      { prefix: '/image', router: image.router },
      { prefix: '/compute', router: compute.router },
    ]);
    const server: Server = await new Promise((resolve, reject) => {
      // Express 5 hands a listen error to this callback.
      const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    });
    server.keepAliveTimeout = 65_000;
    const port = (server.address() as { port: number }).port;
    const url = `http://${config.host}:${port}`;
    log.info({ url, publicUrl: config.publicUrl }, 'virtstack is serving');

    // Old revocation events can match no live token any more.
    const prune = setInterval(() => {
      revocations.prune(Date.now() - (config.tokenExpirationSeconds + 3600) * 1000).catch((err) => log.warn({ err }, 'pruning revocation events failed'));
    }, 3600_000);
    prune.unref();

    return {
      url,
      port,
      async stop() {
        clearInterval(prune);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await compute.stop();
        await image.stop();
        await identity.stop();
        await db.destroy();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await db.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}
