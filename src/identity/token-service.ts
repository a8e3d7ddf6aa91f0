// Issues, validates and revokes tokens (keystone/auth/ and keystone/token/provider.py in spirit).
import { NotFoundError, UnauthorizedError, BadRequestError, ForbiddenError } from '../http/errors.js';
import type { AuthContext, RoleRef } from './auth-context.js';
import type { PasswordHasher } from './password-hasher.js';
import type { ApplicationCredentialRepository } from './repositories/application-credential-repository.js';
import type { AssignmentRepository } from './repositories/assignment-repository.js';
import { SYSTEM_TARGET } from './repositories/assignment-repository.js';
import type { DomainRepository } from './repositories/domain-repository.js';
import type { ProjectRepository } from './repositories/project-repository.js';
import type { RevocationRepository } from './repositories/revocation-repository.js';
import type { DomainRow, ProjectRow, UserRow } from './repositories/rows.js';
import type { TokenRepository } from './repositories/token-repository.js';
import type { UserRepository } from './repositories/user-repository.js';
import { newAuditId, type TokenClaims, type TokenProvider, type TokenScope } from './token-provider.js';
import { ChangeFeedCache, type ChangeSource } from './change-feed-cache.js';

export interface TokenServiceDeps {
  provider: TokenProvider;
  hasher: PasswordHasher;
  users: UserRepository;
  domains: DomainRepository;
  projects: ProjectRepository;
  assignments: AssignmentRepository;
  appCreds: ApplicationCredentialRepository;
  revocations: RevocationRepository;
  tokens: TokenRepository;
  expirationSeconds: number;
  lockoutFailureAttempts: number;
  lockoutDurationSeconds: number;
  /**
   * When given, validated tokens, and the rows and roles a new token is built from, are cached until
   * anything they depend on changes (or 30 s).
   */
  changes?: ChangeSource;
}

/** What a token's context is built from: its subject row (undefined when the user is gone) and roles on its scope. */
interface Facts {
  subject: Awaited<ReturnType<TokenRepository['subject']>>;
  roles: RoleRef[];
}

/** The facts of a new token that was not revoked: the same for every new token of one user on one scope. */
type ScopeFacts = Facts & { subject: NonNullable<Facts['subject']> };

/** The parts of an auth request body the service reads (already shape-checked by the OpenAPI spec). */
export interface AuthRequest {
  identity: {
    methods: string[];
    password?: { user?: { id?: string; name?: string; password?: string; domain?: { id?: string; name?: string } } };
    token?: { id?: string };
    application_credential?: {
      id?: string;
      name?: string;
      secret?: string;
      user?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
    };
  };
  scope?:
    | string
    | {
        project?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
        domain?: { id?: string; name?: string };
        system?: { all?: boolean };
      };
}

export interface IssuedToken {
  token: string;
  auth: AuthContext;
  /** Set when the token came from an application credential. */
  applicationCredential?: { id: string; name: string; restricted: boolean };
}

const UNAUTHORIZED = 'The request you have made requires authentication.';

export class TokenService {
  private readonly validations: ChangeFeedCache<AuthContext>;
  // Lookups on the token method's path (re-scoping is the hot one: every openstack command does it).
  // The password and application credential methods read the user afresh: its lockout counters change.
  private readonly users: ChangeFeedCache<UserRow>;
  private readonly domains: ChangeFeedCache<DomainRow>;
  private readonly projects: ChangeFeedCache<ProjectRow>;
  private readonly scopeFacts: ChangeFeedCache<ScopeFacts>;

  constructor(private readonly d: TokenServiceDeps) {
    this.validations = new ChangeFeedCache(d.changes);
    this.users = new ChangeFeedCache(d.changes);
    this.domains = new ChangeFeedCache(d.changes);
    this.projects = new ChangeFeedCache(d.changes);
    this.scopeFacts = new ChangeFeedCache(d.changes);
  }

  async issue(req: AuthRequest): Promise<IssuedToken> {
    const methods = req.identity.methods;
    if (!Array.isArray(methods) || methods.length === 0) throw new BadRequestError('Invalid input for field identity/methods: at least one method is required.');
    for (const m of methods) {
      if (!['password', 'token', 'application_credential'].includes(m)) throw new UnauthorizedError(`Attempted to authenticate with an unsupported method.`);
    }
    let user: UserRow;
    let inherited: TokenClaims | undefined;
    let appCred: { id: string; name: string; restricted: boolean; projectId: string; roles: RoleRef[]; expiresAt: Date | null } | undefined;
    if (methods.includes('application_credential')) {
      ({ user, appCred } = await this.authenticateApplicationCredential(req));
    } else if (methods.includes('password')) {
      user = await this.authenticatePassword(req);
    } else {
      ({ user, inherited } = await this.authenticateToken(req));
    }
    await this.checkUserUsable(user);

    let scope: TokenScope;
    if (appCred) {
      if (req.scope && typeof req.scope === 'object' && (req.scope.domain || req.scope.system)) {
        throw new UnauthorizedError('Application credentials cannot request a scope.');
      }
      scope = { project: appCred.projectId };
    } else {
      scope = await this.resolveScope(req.scope, user);
    }

    const now = Date.now();
    let expiresAtMs = now + this.d.expirationSeconds * 1000;
    // A re-scoped token keeps the original's expiry (Keystone: "the new token inherits the expiration").
    if (inherited) expiresAtMs = Math.min(expiresAtMs, inherited.expiresAtMs);
    if (appCred?.expiresAt) expiresAtMs = Math.min(expiresAtMs, appCred.expiresAt.getTime());
    // JWT `exp` has whole seconds; the body must show the same instant the token carries.
    expiresAtMs = Math.floor(expiresAtMs / 1000) * 1000;
    const claims: TokenClaims = {
      userId: user.id,
      methods: inherited ? [...new Set([...inherited.methods, ...methods.filter((m) => m !== 'token'), 'token'])] : methods,
      scope,
      auditIds: inherited ? [newAuditId(), inherited.auditIds[inherited.auditIds.length - 1]] : [newAuditId()],
      issuedAtMs: now,
      expiresAtMs,
      applicationCredentialId: appCred?.id,
    };
    if (inherited?.applicationCredentialId) {
      throw new ForbiddenError('A token created from an application credential cannot be used to create another token.');
    }
    const token = this.d.provider.issue(claims);
    const auth = await this.contextFor(token, claims, { fresh: true, appCredRoles: appCred?.roles });
    if (!auth) throw new UnauthorizedError(UNAUTHORIZED);
    return { token, auth, applicationCredential: appCred && { id: appCred.id, name: appCred.name, restricted: appCred.restricted } };
  }

  /** Validates a token on every request: signature, expiry, revocation, user/project/domain still enabled, roles. */
  async validate(token: string | undefined): Promise<AuthContext> {
    if (!token) throw new UnauthorizedError(UNAUTHORIZED);
    // A validation made since the last change to users, projects, domains, roles, grants or
    // revocations (in any virtstack process) is still true: the same checks would give the same answer.
    const hit = this.validations.get(token);
    if (hit && hit.expiresAt.getTime() > Date.now()) return hit;
    const claims = this.d.provider.verify(token);
    if (!claims) throw new UnauthorizedError(UNAUTHORIZED);
    const mark = this.validations.mark();
    const auth = await this.contextFor(token, claims, { fresh: false });
    if (!auth) throw new UnauthorizedError(UNAUTHORIZED);
    this.validations.set(token, auth, mark);
    return auth;
  }

  /** GET /v3/auth/tokens: an invalid subject token is a 404, as in Keystone. */
  async validateSubject(subjectToken: string | undefined): Promise<IssuedToken> {
    try {
      const auth = await this.validate(subjectToken);
      let applicationCredential: IssuedToken['applicationCredential'];
      if (auth.applicationCredentialId) {
        const ac = await this.d.appCreds.get(auth.applicationCredentialId);
        if (ac) applicationCredential = { id: ac.id, name: ac.name, restricted: !ac.unrestricted };
      }
      return { token: subjectToken!, auth, applicationCredential };
    } catch (err) {
      if (err instanceof UnauthorizedError) throw new NotFoundError(`Could not find token: ${subjectToken ?? ''}.`);
      throw err;
    }
  }

  async revoke(auth: AuthContext): Promise<void> {
    await this.d.revocations.add({ audit_id: auth.auditIds[0], issued_before_ms: Date.now() });
  }

  /**
   * The context of a token: who, which scope, which roles; undefined when the token is revoked or its
   * user, scope or roles are gone. A `fresh` token (just signed here) may take its facts from the
   * cache of an earlier new token of the same user and scope: revocation events cannot name a new
   * audit id, and any revocation, disabling or grant change since that token clears the cache.
   */
  private async contextFor(token: string, claims: TokenClaims, opts: { fresh: boolean; appCredRoles?: RoleRef[] }): Promise<AuthContext | undefined> {
    const { appCredRoles } = opts;
    const scope = claims.scope;
    const projectId = scope && 'project' in scope ? scope.project : undefined;
    const domainId = scope && 'domain' in scope ? scope.domain : undefined;
    const roleScope = projectId ? { project: projectId } : domainId ? { domain: domainId } : scope ? { system: SYSTEM_TARGET } : undefined;
    const read = async (): Promise<Facts> => {
      const [subject, roles] = await Promise.all([
        this.d.tokens.subject({
          auditIds: claims.auditIds,
          userId: claims.userId,
          projectId,
          domainId,
          domainIds: [domainId].filter((x): x is string => !!x),
          appCredId: claims.applicationCredentialId,
          issuedAtMs: claims.issuedAtMs,
        }),
        roleScope ? this.d.assignments.effectiveRoles(claims.userId, roleScope) : Promise.resolve([] as RoleRef[]),
      ]);
      return { subject, roles };
    };
    const [{ subject, roles }, appCred] = await Promise.all([
      opts.fresh ? this.cachedScopeFacts(`${claims.userId}|${projectId ?? ''}|${domainId ?? ''}|${scope && 'system' in scope ? 'system' : ''}|${claims.applicationCredentialId ?? ''}`, read) : read(),
      claims.applicationCredentialId && !appCredRoles ? this.d.appCreds.get(claims.applicationCredentialId) : Promise.resolve(undefined),
    ]);
    if (!subject || subject.revoked || !subject.user_enabled || !subject.user_domain_enabled) return undefined;
    if (projectId && (!subject.project_name || !subject.project_enabled || !subject.project_domain_enabled)) return undefined;
    if (domainId && (!subject.domain_name || !subject.domain_enabled)) return undefined;
    let effective: RoleRef[] = roles;
    if (claims.applicationCredentialId) {
      const allowed = appCredRoles ?? appCred?.roles;
      if (!allowed) return undefined; // the application credential was deleted
      const ids = new Set(allowed.map((r) => r.id));
      effective = roles.filter((r) => ids.has(r.id));
    }
    // A scoped token whose user lost every role on the scope is no longer valid (Keystone's token model).
    if (roleScope && effective.length === 0) return undefined;
    return {
      token,
      userId: claims.userId,
      userName: subject.user_name,
      userDomainId: subject.user_domain_id,
      userDomainName: subject.user_domain_name,
      projectId,
      projectName: subject.project_name ?? undefined,
      projectDomainId: subject.project_domain_id ?? undefined,
      projectDomainName: subject.project_domain_name ?? undefined,
      domainId,
      domainName: subject.domain_name ?? undefined,
      system: !!(scope && 'system' in scope),
      roles: effective.map((r) => ({ id: r.id, name: r.name })),
      methods: claims.methods,
      auditIds: claims.auditIds,
      issuedAt: new Date(claims.issuedAtMs),
      expiresAt: new Date(claims.expiresAtMs),
      applicationCredentialId: claims.applicationCredentialId,
      passwordExpiresAt: subject.password_expires_at,
    };
  }

  /** Facts for a new token from the cache, else read (and kept unless the token was revoked: that answer is read again). */
  private async cachedScopeFacts(key: string, read: () => Promise<Facts>): Promise<Facts> {
    const hit = this.scopeFacts.get(key);
    if (hit) return hit;
    const mark = this.scopeFacts.mark();
    const facts = await read();
    if (facts.subject && !facts.subject.revoked) this.scopeFacts.set(key, { subject: facts.subject, roles: facts.roles }, mark);
    return facts;
  }

  private async findDomain(ref: { id?: string; name?: string } | undefined): Promise<DomainRow | undefined> {
    if (!ref) return undefined;
    const { id, name } = ref;
    if (id) return this.domains.getOrLoad(`id:${id}`, () => this.d.domains.get(id));
    if (name) return this.domains.getOrLoad(`name:${name}`, () => this.d.domains.getByName(name));
    return undefined;
  }

  private async findUser(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } } | undefined): Promise<UserRow | undefined> {
    if (!ref) return undefined;
    if (ref.id) return this.d.users.get(ref.id);
    if (!ref.name) return undefined;
    if (!ref.domain) throw new BadRequestError('Expected a domain for user name authentication: user.domain.id or user.domain.name.');
    const domain = await this.findDomain(ref.domain);
    return domain ? this.d.users.getByName(domain.id, ref.name) : undefined;
  }

  private async authenticatePassword(req: AuthRequest): Promise<UserRow> {
    const ref = req.identity.password?.user;
    if (!ref || typeof ref.password !== 'string') throw new BadRequestError("Invalid input for field 'identity/password/user': a user and a password are required.");
    const user = await this.findUser(ref);
    if (!user) throw new UnauthorizedError(UNAUTHORIZED);
    // Keystone's lockout (security_compliance.lockout_failure_attempts), made progressive: after N wrong
    // passwords in a row the user is refused without a hash check for a lockout that doubles each time.
    const limit = this.d.lockoutFailureAttempts;
    if (limit > 0 && user.failed_auth_count >= limit && user.failed_auth_at) {
      const lockMs = Math.min(this.d.lockoutDurationSeconds * 1000 * 2 ** (user.failed_auth_count - limit), 900_000);
      if (Date.now() - user.failed_auth_at.getTime() < lockMs) {
        throw new UnauthorizedError(`The account is locked for user: ${user.id}.`);
      }
    }
    if (!(await this.d.hasher.verify(user.password_hash, ref.password))) {
      await this.d.users.recordFailedAuth(user.id);
      throw new UnauthorizedError(UNAUTHORIZED);
    }
    if (user.failed_auth_count > 0) await this.d.users.clearFailedAuth(user.id);
    if (user.password_expires_at && user.password_expires_at.getTime() < Date.now()) {
      throw new UnauthorizedError(`The password is expired and needs to be changed for user: ${user.id}.`);
    }
    return user;
  }

  private async authenticateToken(req: AuthRequest): Promise<{ user: UserRow; inherited: TokenClaims }> {
    const id = req.identity.token?.id;
    if (!id) throw new BadRequestError("'id' is a required property of 'identity.token'.");
    const claims = this.d.provider.verify(id);
    if (!claims) throw new UnauthorizedError(UNAUTHORIZED);
    // Revoked or otherwise invalid tokens cannot be re-scoped.
    await this.validate(id);
    const user = await this.users.getOrLoad(claims.userId, () => this.d.users.get(claims.userId));
    if (!user) throw new UnauthorizedError(UNAUTHORIZED);
    return { user, inherited: claims };
  }

  private async authenticateApplicationCredential(req: AuthRequest) {
    const ref = req.identity.application_credential;
    if (!ref || typeof ref.secret !== 'string') throw new BadRequestError("Invalid input for field 'identity/application_credential': an id (or name and user) and a secret are required.");
    let row;
    if (ref.id) {
      row = await this.d.appCreds.get(ref.id);
    } else if (ref.name && ref.user) {
      const owner = await this.findUser(ref.user);
      row = owner ? await this.d.appCreds.getByName(owner.id, ref.name) : undefined;
    } else {
      throw new BadRequestError('Could not find application credential: an id, or a name and a user, is required.');
    }
    if (!row || !(await this.d.hasher.verify(row.secret_hash, ref.secret))) throw new UnauthorizedError(UNAUTHORIZED);
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw new UnauthorizedError(UNAUTHORIZED);
    const user = await this.d.users.get(row.user_id);
    if (!user || !row.project_id) throw new UnauthorizedError(UNAUTHORIZED);
    return {
      user,
      appCred: { id: row.id, name: row.name, restricted: !row.unrestricted, projectId: row.project_id, roles: row.roles, expiresAt: row.expires_at },
    };
  }

  /** A disabled user is refused here; a disabled domain, project or a missing role by contextFor. */
  private async checkUserUsable(user: UserRow): Promise<void> {
    if (!user.enabled) throw new UnauthorizedError(UNAUTHORIZED);
  }

  private async resolveScope(scope: AuthRequest['scope'], user: UserRow): Promise<TokenScope> {
    if (scope === undefined || scope === 'unscoped') {
      // Without a scope Keystone scopes to the user's default project when it can (keystone/auth/core.py).
      if (scope === undefined && user.default_project_id) {
        const project = await this.d.projects.get(user.default_project_id);
        if (project?.enabled) {
          const roles = await this.d.assignments.effectiveRoles(user.id, { project: project.id });
          if (roles.length > 0) return { project: project.id };
        }
      }
      return undefined;
    }
    if (typeof scope === 'string') throw new BadRequestError(`Invalid scope: '${scope}'.`);
    const kinds = ['project', 'domain', 'system'].filter((k) => (scope as Record<string, unknown>)[k] !== undefined);
    if (kinds.length > 1) throw new BadRequestError('Specify a project, a domain or the system as scope, not several.');
    if (scope.project) {
      let project: ProjectRow | undefined;
      const { id, name } = scope.project;
      if (id) project = await this.projects.getOrLoad(`id:${id}`, () => this.d.projects.get(id));
      else if (name) {
        if (!scope.project.domain) throw new BadRequestError('Expected a domain for project name scoping: project.domain.id or project.domain.name.');
        const domain = await this.findDomain(scope.project.domain);
        project = domain ? await this.projects.getOrLoad(`name:${domain.id}:${name}`, () => this.d.projects.getByName(domain.id, name)) : undefined;
      } else throw new BadRequestError('Expected project.id or project.name in the scope.');
      if (!project || !project.enabled) throw new UnauthorizedError(UNAUTHORIZED);
      // Roles are checked once, when the token's context is built (a scope without roles is refused there).
      return { project: project.id };
    }
    if (scope.domain) {
      const domain = await this.findDomain(scope.domain);
      if (!domain || !domain.enabled) throw new UnauthorizedError(UNAUTHORIZED);
      return { domain: domain.id };
    }
    if (scope.system) {
      if (scope.system.all !== true) throw new BadRequestError("Invalid scope: 'system' must be {\"all\": true}.");
      return { system: 'all' };
    }
    return undefined;
  }
}
