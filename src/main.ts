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
import { createServiceRouter } from './http/openapi-router.js';
import { ApplicationCredentialService } from './identity/application-credential-service.js';
import type { AuthContext } from './identity/auth-context.js';
import { CatalogService } from './identity/catalog-service.js';
import { bootstrapIdentity, type ServedService } from './identity/identity-bootstrap.js';
import { identityErrorRenderer } from './identity/identity-errors.js';
import { createIdentityHandlers } from './identity/identity-handlers.js';
import { IdentityViews } from './identity/identity-views.js';
import { PasswordHasher } from './identity/password-hasher.js';
import { ApplicationCredentialRepository } from './identity/repositories/application-credential-repository.js';
import { AssignmentRepository } from './identity/repositories/assignment-repository.js';
import { EndpointRepository, RegionRepository, ServiceRepository } from './identity/repositories/catalog-repository.js';
import { DomainRepository } from './identity/repositories/domain-repository.js';
import { GroupRepository } from './identity/repositories/group-repository.js';
import { ProjectRepository } from './identity/repositories/project-repository.js';
import { RevocationRepository } from './identity/repositories/revocation-repository.js';
import { RoleRepository } from './identity/repositories/role-repository.js';
import { TokenRepository } from './identity/repositories/token-repository.js';
import { UserRepository } from './identity/repositories/user-repository.js';
import { ResourceService } from './identity/resource-service.js';
import { RoleService } from './identity/role-service.js';
import { TokenProvider } from './identity/token-provider.js';
import { TokenService } from './identity/token-service.js';
import { UserService } from './identity/user-service.js';
import { openrc } from './client-config.js';

const SPEC_DIR = join(import.meta.dirname, '..', 'api-specs');

export const SERVED_SERVICES: ServedService[] = [
  { type: 'identity', name: 'keystone', path: '/identity', description: 'virtstack Identity (Keystone v3)' },
];

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<{ db: Database; embedded?: EmbeddedDatabase }> {
  let url = config.databaseUrl;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    embedded = await startEmbeddedDatabase(config.dataDir, log);
    url = embedded.url;
  }
  const db = createDatabase(url);
  await db.raw('SELECT 1');
  return { db, embedded };
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const { db, embedded } = await openDatabase(config, log);
  try {
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

    const domains = new DomainRepository(db);
    const projects = new ProjectRepository(db);
    const users = new UserRepository(db);
    const groups = new GroupRepository(db);
    const roles = new RoleRepository(db);
    const assignments = new AssignmentRepository(db);
    const revocations = new RevocationRepository(db);
    const appCredRepo = new ApplicationCredentialRepository(db);
    const tokens = new TokenService({
      provider: TokenProvider.fromDirectory(config.dataDir),
      hasher, users, domains, projects, assignments, appCreds: appCredRepo, revocations,
      tokens: new TokenRepository(db),
      expirationSeconds: config.tokenExpirationSeconds,
      lockoutFailureAttempts: config.lockoutFailureAttempts,
      lockoutDurationSeconds: config.lockoutDurationSeconds,
    });
    const identityBase = `${config.publicUrl}/identity`;
    const identityRouter = await createServiceRouter<AuthContext>({
      specFile: join(SPEC_DIR, 'identity-v3.yaml'),
      handlers: createIdentityHandlers({
        tokens,
        resources: new ResourceService({ db, domains, projects, users, groups, assignments, revocations }),
        users: new UserService({ users, groups, domains, assignments, revocations, hasher }),
        roles: new RoleService({ roles, assignments, users, groups, projects, domains }),
        catalog: new CatalogService({ regions: new RegionRepository(db), services: new ServiceRepository(db), endpoints: new EndpointRepository(db) }),
        appCreds: new ApplicationCredentialService({ appCreds: appCredRepo, roles, revocations, hasher }),
        views: new IdentityViews(identityBase),
      }),
      renderError: identityErrorRenderer(identityBase),
      authenticate: (req) => tokens.validate(req.header('x-auth-token')),
    });
    identityRouter.use((_req, res, next) => {
      res.setHeader('Vary', 'X-Auth-Token');
      next();
    });

    const app = createApp(log, [{ prefix: '/identity', router: identityRouter }]);
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
