// Composes Keystone: repositories → services → handlers → router. Called once, from main.ts.
import { join } from 'node:path';
import type { Router } from 'express';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { createServiceRouter } from '../http/openapi-router.js';
import type { Logger } from 'pino';
import { IdentityChangeFeed } from './identity-change-feed.js';
import { ApplicationCredentialService } from './application-credential-service.js';
import type { AuthContext } from './auth-context.js';
import { CatalogService } from './catalog-service.js';
import { ConsumerService } from './consumer-service.js';
import { CredentialService } from './credential-service.js';
import { DomainConfigService } from './domain-config-service.js';
import { EndpointGroupService } from './endpoint-group-service.js';
import { identityErrorRenderer } from './identity-errors.js';
import { createIdentityHandlers } from './identity-handlers.js';
import { IdentityViews } from './identity-views.js';
import type { PasswordHasher } from './password-hasher.js';
import { ApplicationCredentialRepository } from './repositories/application-credential-repository.js';
import { AssignmentRepository } from './repositories/assignment-repository.js';
import { EndpointRepository, RegionRepository, ServiceRepository } from './repositories/catalog-repository.js';
import { DomainRepository } from './repositories/domain-repository.js';
import { GroupRepository } from './repositories/group-repository.js';
import { ProjectRepository } from './repositories/project-repository.js';
import { RevocationRepository } from './repositories/revocation-repository.js';
import { RoleRepository } from './repositories/role-repository.js';
import { TokenRepository } from './repositories/token-repository.js';
import { UserRepository } from './repositories/user-repository.js';
import { ConsumerRepository } from './repositories/consumer-repository.js';
import { CredentialRepository } from './repositories/credential-repository.js';
import { DomainConfigRepository } from './repositories/domain-config-repository.js';
import { EndpointGroupRepository } from './repositories/endpoint-group-repository.js';
import { PolicyRepository } from './repositories/policy-repository.js';
import { PolicyService } from './policy-service.js';
import { ResourceService } from './resource-service.js';
import { RoleService } from './role-service.js';
import { TokenProvider } from './token-provider.js';
import { TokenService } from './token-service.js';
import { UserService } from './user-service.js';

export interface IdentityModule {
  router: Router;
  stop(): Promise<void>;
  /** Validates X-Auth-Token for the other services (Nova, Glance). */
  tokens: TokenService;
  revocations: RevocationRepository;
}

export async function createIdentityModule(opts: { db: Database; databaseUrl: string; config: Config; hasher: PasswordHasher; specDir: string; log: Logger }): Promise<IdentityModule> {
  const { db, config, hasher } = opts;
  const changes = new IdentityChangeFeed(db, opts.databaseUrl, opts.log.child({ component: 'identity-changes' }));
  await changes.start();
  const domains = new DomainRepository(db);
  const projects = new ProjectRepository(db);
  const users = new UserRepository(db);
  const groups = new GroupRepository(db);
  const roles = new RoleRepository(db);
  const assignments = new AssignmentRepository(db);
  const revocations = new RevocationRepository(db);
  const appCredRepo = new ApplicationCredentialRepository(db);
  const regions = new RegionRepository(db);
  const endpoints = new EndpointRepository(db);
  const tokens = new TokenService({
    provider: TokenProvider.fromDirectory(config.dataDir),
    hasher, users, domains, projects, assignments, appCreds: appCredRepo, revocations,
    tokens: new TokenRepository(db),
    expirationSeconds: config.tokenExpirationSeconds,
    lockoutFailureAttempts: config.lockoutFailureAttempts,
    lockoutDurationSeconds: config.lockoutDurationSeconds,
    changes,
  });
  const identityBase = `${config.publicUrl}/identity`;
  const router = await createServiceRouter<AuthContext>({
    specFile: join(opts.specDir, 'identity-v3.yaml'),
    handlers: createIdentityHandlers({
      tokens,
      resources: new ResourceService({ db, domains, projects, users, groups, assignments, revocations }),
      users: new UserService({ users, groups, domains, assignments, revocations, hasher }),
      roles: new RoleService({ roles, assignments, users, groups, projects, domains }),
      catalog: new CatalogService({ regions, services: new ServiceRepository(db), endpoints }),
      appCreds: new ApplicationCredentialService({ appCreds: appCredRepo, roles, revocations, hasher }),
      credentials: new CredentialService({ credentials: new CredentialRepository(db), users, projects }),
      domainConfigs: new DomainConfigService({ domains, configs: new DomainConfigRepository(db) }),
      endpointGroups: new EndpointGroupService({ groups: new EndpointGroupRepository(db), endpoints }),
      consumers: new ConsumerService(new ConsumerRepository(db)),
      policies: new PolicyService(new PolicyRepository(db)),
      views: new IdentityViews(identityBase),
    }),
    renderError: identityErrorRenderer(identityBase),
    authenticate: (req) => tokens.validate(req.header('x-auth-token')),
  });
  // Keystone varies every response on the token.
  router.use((_req, res, next) => {
    res.setHeader('Vary', 'X-Auth-Token');
    next();
  });
  return { router, tokens, revocations, stop: () => changes.stop() };
}
