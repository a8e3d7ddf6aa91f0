// Keystone v3 handlers, keyed by the operationIds of api-specs/identity-v3.yaml. They stay thin:
// check policy, call a service, render with IdentityViews.
import type { Response } from 'express';
import type { ApiRequest, Handler } from '../http/openapi-router.js';
import { ForbiddenError, NotFoundError } from '../http/errors.js';
import { isAdmin, type AuthContext } from './auth-context.js';
import { enforce } from './identity-policy.js';
import type { IdentityViews, NameLookup } from './identity-views.js';
import type { ApplicationCredentialService } from './application-credential-service.js';
import type { CatalogService } from './catalog-service.js';
import type { ConsumerService } from './consumer-service.js';
import type { CredentialService } from './credential-service.js';
import type { DomainConfigService } from './domain-config-service.js';
import type { EndpointGroupService } from './endpoint-group-service.js';
import type { PolicyService } from './policy-service.js';
import type { ResourceService } from './resource-service.js';
import type { ActorKind, RoleService, TargetKind } from './role-service.js';
import type { TokenService } from './token-service.js';
import type { UserService } from './user-service.js';

export interface IdentityHandlerDeps {
  tokens: TokenService;
  resources: ResourceService;
  users: UserService;
  roles: RoleService;
  catalog: CatalogService;
  appCreds: ApplicationCredentialService;
  credentials: CredentialService;
  domainConfigs: DomainConfigService;
  endpointGroups: EndpointGroupService;
  consumers: ConsumerService;
  policies: PolicyService;
  views: IdentityViews;
}

type Req = ApiRequest<AuthContext>;

/** Keystone's query booleans: `0`, `false`, `no`, `off` (any case) are false; anything else, even empty, is true. */
export function queryBool(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const s = String(Array.isArray(value) ? value[0] : value).toLowerCase();
  return !['0', 'false', 'no', 'off', 'n', 'f'].includes(s);
}

function q(req: Req, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createIdentityHandlers(d: IdentityHandlerDeps): Record<string, Handler<AuthContext>> {
  const v = d.views;
  const admin = (req: Req) => enforce(req.auth, 'identity:admin');
  /** Loads the credential named in the path and checks the caller may use it; 404 before 403 as Keystone defers existence. */
  const ownCredential = async (req: Req) => {
    const credential = await d.credentials.get(req.params.credential_id);
    enforce(req.auth, 'identity:credential_owner', { userId: credential.user_id });
    return credential;
  };

  const grantHandlers = (actor: ActorKind, target: TargetKind, inherited: boolean, suffix: string) => {
    const A = actor === 'user' ? 'User' : 'Group';
    const T = target === 'project' ? 'Project' : target === 'domain' ? 'Domain' : 'System';
    const tag = inherited ? 'Inherited' : '';
    const grant = (req: Req) => ({
      actor,
      actorId: req.params[`${actor}_id`],
      target,
      targetId: target === 'system' ? 'system' : req.params[`${target}_id`],
      roleId: req.params.role_id,
      inherited,
    });
    const check = async (req: Req, res: Response) => {
      admin(req);
      await d.roles.checkGrant(grant(req));
      res.status(204).end();
    };
    return {
      [`list${tag}${A}${T}Roles`]: async (req: Req, res: Response) => {
        admin(req);
        const g = grant(req);
        const roles = await d.roles.listGrants(actor, g.actorId, target, g.targetId, inherited);
        res.json(v.collection('roles', roles.map((r) => v.role(r)), `${suffix}`));
      },
      [`grant${tag}${A}${T}Role`]: async (req: Req, res: Response) => {
        admin(req);
        await d.roles.grant(grant(req));
        res.status(204).end();
      },
      [`check${tag}${A}${T}Role`]: check,
      [`check${tag}${A}${T}RoleGet`]: check,
      [`revoke${tag}${A}${T}Role`]: async (req: Req, res: Response) => {
        admin(req);
        await d.roles.revokeGrant(grant(req));
        res.status(204).end();
      },
    };
  };

  const tokenResponse = async (res: Response, issued: Awaited<ReturnType<TokenService['issue']>>, nocatalog: boolean, status: number) => {
    const catalog = nocatalog || !(issued.auth.projectId || issued.auth.domainId || issued.auth.system) ? undefined : await d.catalog.catalog();
    res.status(status).setHeader('X-Subject-Token', issued.token);
    // An unscoped token has no catalog at all (Keystone; tempest test_rescope_token checks it).
    res.json(v.token(issued, catalog));
  };

  return {
    getVersions: async (_req, res) => {
      res.status(300).setHeader('Location', `${v.base}/v3/`);
      res.json({ versions: { values: [v.versionEntry()] } });
    },
    getVersion: async (_req, res) => {
      res.json({ version: v.versionEntry() });
    },

    issueToken: async (req, res) => {
      const issued = await d.tokens.issue(req.body.auth);
      await tokenResponse(res, issued, q(req, 'nocatalog') !== undefined, 201);
    },
    validateToken: async (req, res) => {
      const issued = await d.tokens.validateSubject(req.headers['x-subject-token'] as string | undefined);
      enforce(req.auth, 'identity:validate_token', { userId: issued.auth.userId });
      await tokenResponse(res, issued, q(req, 'nocatalog') !== undefined, 200);
    },
    checkToken: async (req, res) => {
      const issued = await d.tokens.validateSubject(req.headers['x-subject-token'] as string | undefined);
      enforce(req.auth, 'identity:validate_token', { userId: issued.auth.userId });
      res.status(200).setHeader('X-Subject-Token', issued.token);
      res.end();
    },
    revokeToken: async (req, res) => {
      const issued = await d.tokens.validateSubject(req.headers['x-subject-token'] as string | undefined);
      enforce(req.auth, 'identity:revoke_token', { userId: issued.auth.userId });
      await d.tokens.revoke(issued.auth);
      res.status(204).end();
    },
    getAuthCatalog: async (req, res) => {
      if (!req.auth.projectId && !req.auth.domainId && !req.auth.system) {
        throw new ForbiddenError('The service catalog is not available to an unscoped token.');
      }
      res.json({ catalog: v.catalog(await d.catalog.catalog()), links: { self: `${v.base}/v3/auth/catalog`, previous: null, next: null } });
    },
    listAuthProjects: async (req, res) => {
      const projects = (await d.resources.projectsOfUser(req.auth.userId)).filter((p) => p.enabled);
      res.json(v.collection('projects', projects.map((p) => v.project(p)), 'auth/projects'));
    },
    listAuthDomains: async (req, res) => {
      const domains = await d.resources.domainsOfUser(req.auth.userId);
      res.json(v.collection('domains', domains.map((x) => v.domain(x)), 'auth/domains'));
    },
    listAuthSystem: async (req, res) => {
      const roles = await d.roles.listAssignments({ userId: req.auth.userId, system: true, effective: true });
      res.json({ system: roles.length > 0 ? [{ all: true }] : [], links: { self: `${v.base}/v3/auth/system`, previous: null, next: null } });
    },

    listDomains: async (req, res) => {
      admin(req);
      const domains = await d.resources.listDomains({ name: q(req, 'name'), enabled: queryBool(req.query.enabled) });
      res.json(v.collection('domains', domains.map((x) => v.domain(x)), 'domains'));
    },
    createDomain: async (req, res) => {
      admin(req);
      res.status(201).json({ domain: v.domain(await d.resources.createDomain(req.body.domain)) });
    },
    getDomain: async (req, res) => {
      enforce(req.auth, 'identity:get_domain', { domainId: req.params.domain_id });
      res.json({ domain: v.domain(await d.resources.getDomain(req.params.domain_id)) });
    },
    updateDomain: async (req, res) => {
      admin(req);
      res.json({ domain: v.domain(await d.resources.updateDomain(req.params.domain_id, req.body.domain)) });
    },
    deleteDomain: async (req, res) => {
      admin(req);
      await d.resources.deleteDomain(req.params.domain_id);
      res.status(204).end();
    },

    listProjects: async (req, res) => {
      admin(req);
      const projects = await d.resources.listProjects({
        name: q(req, 'name'),
        domain_id: q(req, 'domain_id'),
        enabled: queryBool(req.query.enabled),
        parent_id: q(req, 'parent_id'),
        is_domain: queryBool(req.query.is_domain),
      });
      res.json(v.collection('projects', projects.map((p) => v.project(p)), 'projects'));
    },
    createProject: async (req, res) => {
      admin(req);
      res.status(201).json({ project: v.project(await d.resources.createProject(req.auth, req.body.project)) });
    },
    getProject: async (req, res) => {
      enforce(req.auth, 'identity:get_project', { projectId: req.params.project_id });
      const project = await d.resources.getProject(req.params.project_id);
      const body: Record<string, unknown> = v.project(project);
      if (q(req, 'parents_as_list') !== undefined) body.parents = (await d.resources.ancestors(project.id)).map((p) => ({ project: v.project(p) }));
      if (q(req, 'subtree_as_list') !== undefined) body.subtree = (await d.resources.descendants(project.id)).map((p) => ({ project: v.project(p) }));
      res.json({ project: body });
    },
    updateProject: async (req, res) => {
      admin(req);
      res.json({ project: v.project(await d.resources.updateProject(req.params.project_id, req.body.project)) });
    },
    deleteProject: async (req, res) => {
      admin(req);
      await d.resources.deleteProject(req.params.project_id);
      res.status(204).end();
    },

    listUsers: async (req, res) => {
      admin(req);
      const users = await d.users.listUsers({ name: q(req, 'name'), domain_id: q(req, 'domain_id'), enabled: queryBool(req.query.enabled) });
      res.json(v.collection('users', users.map((u) => v.user(u)), 'users'));
    },
    createUser: async (req, res) => {
      admin(req);
      res.status(201).json({ user: v.user(await d.users.createUser(req.auth, req.body.user)) });
    },
    getUser: async (req, res) => {
      enforce(req.auth, 'identity:get_user', { userId: req.params.user_id });
      res.json({ user: v.user(await d.users.getUser(req.params.user_id)) });
    },
    updateUser: async (req, res) => {
      admin(req);
      res.json({ user: v.user(await d.users.updateUser(req.params.user_id, req.body.user)) });
    },
    deleteUser: async (req, res) => {
      admin(req);
      await d.users.deleteUser(req.params.user_id);
      res.status(204).end();
    },
    changePassword: async (req, res) => {
      await d.users.changePassword(req.params.user_id, req.body.user.original_password, req.body.user.password);
      res.status(204).end();
    },
    listUserGroups: async (req, res) => {
      enforce(req.auth, 'identity:list_groups_for_user', { userId: req.params.user_id });
      const groups = await d.users.groupsOfUser(req.params.user_id);
      res.json(v.collection('groups', groups.map((g) => v.group(g)), `users/${req.params.user_id}/groups`));
    },
    listUserProjects: async (req, res) => {
      enforce(req.auth, 'identity:list_user_projects', { userId: req.params.user_id });
      await d.users.getUser(req.params.user_id);
      const projects = await d.resources.projectsOfUser(req.params.user_id);
      res.json(v.collection('projects', projects.map((p) => v.project(p)), `users/${req.params.user_id}/projects`));
    },

    listApplicationCredentials: async (req, res) => {
      enforce(req.auth, 'identity:application_credential', { userId: req.params.user_id });
      const rows = await d.appCreds.list(req.params.user_id, q(req, 'name'));
      res.json(v.collection('application_credentials', rows.map((a) => v.applicationCredential(a)), `users/${req.params.user_id}/application_credentials`));
    },
    createApplicationCredential: async (req, res) => {
      enforce(req.auth, 'identity:application_credential', { userId: req.params.user_id });
      const { row, secret } = await d.appCreds.create(req.auth, req.params.user_id, req.body.application_credential);
      res.status(201).json({ application_credential: v.applicationCredential(row, secret) });
    },
    getApplicationCredential: async (req, res) => {
      enforce(req.auth, 'identity:application_credential', { userId: req.params.user_id });
      res.json({ application_credential: v.applicationCredential(await d.appCreds.get(req.params.user_id, req.params.application_credential_id)) });
    },
    deleteApplicationCredential: async (req, res) => {
      enforce(req.auth, 'identity:application_credential', { userId: req.params.user_id });
      await d.appCreds.delete(req.auth, req.params.user_id, req.params.application_credential_id);
      res.status(204).end();
    },

    listGroups: async (req, res) => {
      admin(req);
      const groups = await d.users.listGroups({ name: q(req, 'name'), domain_id: q(req, 'domain_id') });
      res.json(v.collection('groups', groups.map((g) => v.group(g)), 'groups'));
    },
    createGroup: async (req, res) => {
      admin(req);
      res.status(201).json({ group: v.group(await d.users.createGroup(req.auth, req.body.group)) });
    },
    getGroup: async (req, res) => {
      admin(req);
      res.json({ group: v.group(await d.users.getGroup(req.params.group_id)) });
    },
    updateGroup: async (req, res) => {
      admin(req);
      res.json({ group: v.group(await d.users.updateGroup(req.params.group_id, req.body.group)) });
    },
    deleteGroup: async (req, res) => {
      admin(req);
      await d.users.deleteGroup(req.params.group_id);
      res.status(204).end();
    },
    listGroupUsers: async (req, res) => {
      admin(req);
      const users = await d.users.groupMembers(req.params.group_id);
      res.json(v.collection('users', users.map((u) => v.user(u)), `groups/${req.params.group_id}/users`));
    },
    addUserToGroup: async (req, res) => {
      admin(req);
      await d.users.addToGroup(req.params.group_id, req.params.user_id);
      res.status(204).end();
    },
    checkUserInGroup: async (req, res) => {
      admin(req);
      await d.users.checkInGroup(req.params.group_id, req.params.user_id);
      res.status(204).end();
    },
    checkUserInGroupGet: async (req, res) => {
      admin(req);
      await d.users.checkInGroup(req.params.group_id, req.params.user_id);
      res.status(204).end();
    },
    removeUserFromGroup: async (req, res) => {
      admin(req);
      await d.users.removeFromGroup(req.params.group_id, req.params.user_id);
      res.status(204).end();
    },

    listRoles: async (req, res) => {
      admin(req);
      const roles = await d.roles.listRoles({ name: q(req, 'name'), domainId: q(req, 'domain_id') });
      res.json(v.collection('roles', roles.map((r) => v.role(r)), 'roles'));
    },
    createRole: async (req, res) => {
      admin(req);
      res.status(201).json({ role: v.role(await d.roles.createRole(req.body.role)) });
    },
    getRole: async (req, res) => {
      admin(req);
      res.json({ role: v.role(await d.roles.getRole(req.params.role_id)) });
    },
    updateRole: async (req, res) => {
      admin(req);
      res.json({ role: v.role(await d.roles.updateRole(req.params.role_id, req.body.role)) });
    },
    deleteRole: async (req, res) => {
      admin(req);
      await d.roles.deleteRole(req.params.role_id);
      res.status(204).end();
    },
    listImpliedRoles: async (req, res) => {
      admin(req);
      const [rule] = await d.roles.listImplied(req.params.prior_role_id);
      res.json(v.impliedRoles(rule.prior, rule.implies));
    },
    createImpliedRole: async (req, res) => {
      admin(req);
      const { prior, implied } = await d.roles.createImplied(req.params.prior_role_id, req.params.implied_role_id);
      res.status(201).json(v.impliedRole(prior, implied));
    },
    getImpliedRole: async (req, res) => {
      admin(req);
      const { prior, implied } = await d.roles.getImplied(req.params.prior_role_id, req.params.implied_role_id);
      res.json(v.impliedRole(prior, implied));
    },
    checkImpliedRole: async (req, res) => {
      admin(req);
      await d.roles.getImplied(req.params.prior_role_id, req.params.implied_role_id);
      res.status(204).end();
    },
    deleteImpliedRole: async (req, res) => {
      admin(req);
      await d.roles.deleteImplied(req.params.prior_role_id, req.params.implied_role_id);
      res.status(204).end();
    },
    listRoleInferences: async (req, res) => {
      admin(req);
      const rules = await d.roles.listImplied();
      res.json({
        role_inferences: rules.map((r) => v.impliedRoles(r.prior, r.implies).role_inference),
        links: { self: `${v.base}/v3/role_inferences`, previous: null, next: null },
      });
    },
    listRoleAssignments: async (req, res) => {
      admin(req);
      const inheritedTo = q(req, 'scope.OS-INHERIT:inherited_to');
      const entries = await d.roles.listAssignments({
        userId: q(req, 'user.id'),
        groupId: q(req, 'group.id'),
        roleId: q(req, 'role.id'),
        projectId: q(req, 'scope.project.id'),
        domainId: q(req, 'scope.domain.id'),
        system: q(req, 'scope.system') !== undefined,
        inherited: inheritedTo === undefined ? undefined : true,
        effective: q(req, 'effective') !== undefined && queryBool(req.query.effective) !== false,
      });
      const names = q(req, 'include_names') !== undefined && queryBool(req.query.include_names) !== false ? await nameLookup(d, entries) : undefined;
      res.json({
        role_assignments: entries.map((e) => v.assignment(e, names)),
        links: { self: `${v.base}/v3/role_assignments`, previous: null, next: null },
      });
    },

    listRegions: async (req, res) => {
      enforce(req.auth, 'identity:list_regions');
      const regions = await d.catalog.listRegions({ parent_region_id: q(req, 'parent_region_id') });
      res.json(v.collection('regions', regions.map((r) => v.region(r)), 'regions'));
    },
    createRegion: async (req, res) => {
      admin(req);
      res.status(201).json({ region: v.region(await d.catalog.createRegion(req.body.region)) });
    },
    createRegionWithId: async (req, res) => {
      admin(req);
      res.status(201).json({ region: v.region(await d.catalog.createRegion(req.body.region, req.params.region_id)) });
    },
    getRegion: async (req, res) => {
      enforce(req.auth, 'identity:get_region');
      res.json({ region: v.region(await d.catalog.getRegion(req.params.region_id)) });
    },
    updateRegion: async (req, res) => {
      admin(req);
      res.json({ region: v.region(await d.catalog.updateRegion(req.params.region_id, req.body.region)) });
    },
    deleteRegion: async (req, res) => {
      admin(req);
      await d.catalog.deleteRegion(req.params.region_id);
      res.status(204).end();
    },
    listServices: async (req, res) => {
      admin(req);
      const services = await d.catalog.listServices({ type: q(req, 'type'), name: q(req, 'name') });
      res.json(v.collection('services', services.map((s) => v.service(s)), 'services'));
    },
    createService: async (req, res) => {
      admin(req);
      res.status(201).json({ service: v.service(await d.catalog.createService(req.body.service)) });
    },
    getService: async (req, res) => {
      admin(req);
      res.json({ service: v.service(await d.catalog.getService(req.params.service_id)) });
    },
    updateService: async (req, res) => {
      admin(req);
      res.json({ service: v.service(await d.catalog.updateService(req.params.service_id, req.body.service)) });
    },
    deleteService: async (req, res) => {
      admin(req);
      await d.catalog.deleteService(req.params.service_id);
      res.status(204).end();
    },
    listEndpoints: async (req, res) => {
      admin(req);
      const endpoints = await d.catalog.listEndpoints({ interface: q(req, 'interface'), service_id: q(req, 'service_id'), region_id: q(req, 'region_id') });
      res.json(v.collection('endpoints', endpoints.map((e) => v.endpoint(e)), 'endpoints'));
    },
    createEndpoint: async (req, res) => {
      admin(req);
      res.status(201).json({ endpoint: v.endpoint(await d.catalog.createEndpoint(req.body.endpoint)) });
    },
    getEndpoint: async (req, res) => {
      admin(req);
      res.json({ endpoint: v.endpoint(await d.catalog.getEndpoint(req.params.endpoint_id)) });
    },
    updateEndpoint: async (req, res) => {
      admin(req);
      res.json({ endpoint: v.endpoint(await d.catalog.updateEndpoint(req.params.endpoint_id, req.body.endpoint)) });
    },
    deleteEndpoint: async (req, res) => {
      admin(req);
      await d.catalog.deleteEndpoint(req.params.endpoint_id);
      res.status(204).end();
    },

    // Credentials: admin, or the user the credential belongs to (Keystone's default policy).
    listCredentials: async (req, res) => {
      // Keystone lists for a non-admin only what it may get: its own credentials (keystone/api/credentials.py).
      const asked = q(req, 'user_id');
      const userId = isAdmin(req.auth) ? asked : req.auth.userId;
      const rows = asked !== undefined && asked !== userId ? [] : await d.credentials.list({ user_id: userId, type: q(req, 'type') });
      res.json(v.collection('credentials', rows.map((c) => v.credential(c)), 'credentials'));
    },
    createCredential: async (req, res) => {
      enforce(req.auth, 'identity:credential_owner', { userId: req.body.credential.user_id });
      res.status(201).json({ credential: v.credential(await d.credentials.create(req.body.credential)) });
    },
    getCredential: async (req, res) => {
      const credential = await ownCredential(req);
      res.json({ credential: v.credential(credential) });
    },
    updateCredential: async (req, res) => {
      await ownCredential(req);
      // Handing a credential to another user needs the right to create one for that user.
      if (req.body.credential.user_id !== undefined) enforce(req.auth, 'identity:credential_owner', { userId: req.body.credential.user_id });
      res.json({ credential: v.credential(await d.credentials.update(req.params.credential_id, req.body.credential)) });
    },
    deleteCredential: async (req, res) => {
      await ownCredential(req);
      await d.credentials.delete(req.params.credential_id);
      res.status(204).end();
    },
    listEc2Credentials: async (req, res) => {
      enforce(req.auth, 'identity:credential_owner', { userId: req.params.user_id });
      const creds = await d.credentials.listEc2(req.params.user_id);
      res.json(v.collection('credentials', creds.map((c) => v.ec2Credential(c)), `users/${req.params.user_id}/credentials/OS-EC2`));
    },
    createEc2Credential: async (req, res) => {
      enforce(req.auth, 'identity:credential_owner', { userId: req.params.user_id });
      res.status(201).json({ credential: v.ec2Credential(await d.credentials.createEc2(req.params.user_id, req.body.tenant_id)) });
    },
    getEc2Credential: async (req, res) => {
      enforce(req.auth, 'identity:credential_owner', { userId: req.params.user_id });
      res.json({ credential: v.ec2Credential(await d.credentials.getEc2(req.params.user_id, req.params.credential_id)) });
    },
    deleteEc2Credential: async (req, res) => {
      enforce(req.auth, 'identity:credential_owner', { userId: req.params.user_id });
      await d.credentials.deleteEc2(req.params.user_id, req.params.credential_id);
      res.status(204).end();
    },

    // Domain configuration: admin only.
    getDefaultDomainConfig: async (req, res) => {
      admin(req);
      res.json({ config: d.domainConfigs.default() });
    },
    getDefaultDomainConfigGroup: async (req, res) => {
      admin(req);
      res.json({ config: d.domainConfigs.default(req.params.group) });
    },
    getDefaultDomainConfigOption: async (req, res) => {
      admin(req);
      res.json({ config: d.domainConfigs.default(req.params.group, req.params.option) });
    },
    createDomainConfig: async (req, res) => {
      admin(req);
      const { config, created } = await d.domainConfigs.create(req.params.domain_id, req.body.config);
      res.status(created ? 201 : 200).json({ config });
    },
    getDomainConfig: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.get(req.params.domain_id) });
    },
    updateDomainConfig: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.update(req.params.domain_id, req.body.config) });
    },
    deleteDomainConfig: async (req, res) => {
      admin(req);
      await d.domainConfigs.delete(req.params.domain_id);
      res.status(204).end();
    },
    getDomainConfigGroup: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.get(req.params.domain_id, req.params.group) });
    },
    updateDomainConfigGroup: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.update(req.params.domain_id, req.body.config, req.params.group) });
    },
    deleteDomainConfigGroup: async (req, res) => {
      admin(req);
      await d.domainConfigs.delete(req.params.domain_id, req.params.group);
      res.status(204).end();
    },
    getDomainConfigOption: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.get(req.params.domain_id, req.params.group, req.params.option) });
    },
    updateDomainConfigOption: async (req, res) => {
      admin(req);
      res.json({ config: await d.domainConfigs.update(req.params.domain_id, req.body.config, req.params.group, req.params.option) });
    },
    deleteDomainConfigOption: async (req, res) => {
      admin(req);
      await d.domainConfigs.delete(req.params.domain_id, req.params.group, req.params.option);
      res.status(204).end();
    },

    listEndpointGroups: async (req, res) => {
      admin(req);
      const groups = await d.endpointGroups.list({ name: q(req, 'name') });
      res.json(v.collection('endpoint_groups', groups.map((g) => v.endpointGroup(g)), 'OS-EP-FILTER/endpoint_groups'));
    },
    createEndpointGroup: async (req, res) => {
      admin(req);
      res.status(201).json({ endpoint_group: v.endpointGroup(await d.endpointGroups.create(req.body.endpoint_group)) });
    },
    getEndpointGroup: async (req, res) => {
      admin(req);
      res.json({ endpoint_group: v.endpointGroup(await d.endpointGroups.get(req.params.endpoint_group_id)) });
    },
    checkEndpointGroup: async (req, res) => {
      admin(req);
      await d.endpointGroups.get(req.params.endpoint_group_id);
      res.status(200).end();
    },
    updateEndpointGroup: async (req, res) => {
      admin(req);
      res.json({ endpoint_group: v.endpointGroup(await d.endpointGroups.update(req.params.endpoint_group_id, req.body.endpoint_group)) });
    },
    deleteEndpointGroup: async (req, res) => {
      admin(req);
      await d.endpointGroups.delete(req.params.endpoint_group_id);
      res.status(204).end();
    },
    listEndpointGroupEndpoints: async (req, res) => {
      admin(req);
      const endpoints = await d.endpointGroups.endpoints(req.params.endpoint_group_id);
      res.json(v.collection('endpoints', endpoints.map((e) => v.endpoint(e)), `OS-EP-FILTER/endpoint_groups/${req.params.endpoint_group_id}/endpoints`));
    },

    listConsumers: async (req, res) => {
      admin(req);
      res.json(v.collection('consumers', (await d.consumers.list()).map((c) => v.consumer(c)), 'OS-OAUTH1/consumers'));
    },
    createConsumer: async (req, res) => {
      admin(req);
      res.status(201).json({ consumer: v.consumer(await d.consumers.create(req.body.consumer), true) });
    },
    getConsumer: async (req, res) => {
      admin(req);
      res.json({ consumer: v.consumer(await d.consumers.get(req.params.consumer_id)) });
    },
    updateConsumer: async (req, res) => {
      admin(req);
      res.json({ consumer: v.consumer(await d.consumers.update(req.params.consumer_id, req.body.consumer)) });
    },
    deleteConsumer: async (req, res) => {
      admin(req);
      await d.consumers.delete(req.params.consumer_id);
      res.status(204).end();
    },

    listPolicies: async (req, res) => {
      admin(req);
      res.json(v.collection('policies', (await d.policies.list({ type: q(req, 'type') })).map((p) => v.policy(p)), 'policies'));
    },
    createPolicy: async (req, res) => {
      admin(req);
      res.status(201).json({ policy: v.policy(await d.policies.create(req.body.policy)) });
    },
    getPolicy: async (req, res) => {
      admin(req);
      res.json({ policy: v.policy(await d.policies.get(req.params.policy_id)) });
    },
    updatePolicy: async (req, res) => {
      admin(req);
      res.json({ policy: v.policy(await d.policies.update(req.params.policy_id, req.body.policy)) });
    },
    deletePolicy: async (req, res) => {
      admin(req);
      await d.policies.delete(req.params.policy_id);
      res.status(204).end();
    },

    ...grantHandlers('user', 'project', false, 'projects'),
    ...grantHandlers('group', 'project', false, 'projects'),
    ...grantHandlers('user', 'domain', false, 'domains'),
    ...grantHandlers('group', 'domain', false, 'domains'),
    ...grantHandlers('user', 'project', true, 'OS-INHERIT/projects'),
    ...grantHandlers('group', 'project', true, 'OS-INHERIT/projects'),
    ...grantHandlers('user', 'domain', true, 'OS-INHERIT/domains'),
    ...grantHandlers('group', 'domain', true, 'OS-INHERIT/domains'),
    ...grantHandlers('user', 'system', false, 'system'),
    ...grantHandlers('group', 'system', false, 'system'),
  };
}

async function nameLookup(d: IdentityHandlerDeps, entries: Array<{ actor: string; actorId: string; target: string; targetId: string; roleId: string }>): Promise<NameLookup> {
  const cache = new Map<string, any>();
  const load = async (key: string, fetch: () => Promise<any>) => {
    if (!cache.has(key)) cache.set(key, await fetch().catch((e) => (e instanceof NotFoundError ? undefined : Promise.reject(e))));
  };
  for (const e of entries) {
    await load(`role:${e.roleId}`, () => d.roles.getRole(e.roleId));
    if (e.actor === 'user') await load(`user:${e.actorId}`, () => d.users.getUser(e.actorId));
    else await load(`group:${e.actorId}`, () => d.users.getGroup(e.actorId));
    if (e.target === 'project') await load(`project:${e.targetId}`, () => d.resources.getProject(e.targetId));
    if (e.target === 'domain') await load(`domain:${e.targetId}`, () => d.resources.getDomain(e.targetId));
  }
  for (const value of [...cache.values()]) {
    if (value?.domain_id && !cache.has(`domain:${value.domain_id}`)) await load(`domain:${value.domain_id}`, () => d.resources.getDomain(value.domain_id));
  }
  const domainRef = (id: string) => ({ id, name: cache.get(`domain:${id}`)?.name });
  return {
    project: (id) => ({ name: cache.get(`project:${id}`)?.name, domain: domainRef(cache.get(`project:${id}`)?.domain_id) }),
    domain: (id) => ({ name: cache.get(`domain:${id}`)?.name }),
    user: (id) => ({ name: cache.get(`user:${id}`)?.name, domain: domainRef(cache.get(`user:${id}`)?.domain_id) }),
    group: (id) => ({ name: cache.get(`group:${id}`)?.name, domain: domainRef(cache.get(`group:${id}`)?.domain_id) }),
    role: (id) => ({ name: cache.get(`role:${id}`)?.name }),
  };
}
