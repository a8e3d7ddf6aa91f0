// The only place that shapes Keystone's JSON. Field names and formats follow keystone's responses
// (see ../shared/openstack-samples/keystone-*.txt).
import type { AuthContext } from './auth-context.js';
import type { IssuedToken } from './token-service.js';
import type { CatalogEntry } from './catalog-service.js';
import type { AssignmentEntry } from './role-service.js';
import type { Ec2Credential } from './credential-service.js';
import type {
  ApplicationCredentialRow, ConsumerRow, CredentialRow, DomainRow, EndpointGroupRow, EndpointRow, GroupRow, PolicyRow, ProjectRow, RegionRow,
  RoleRow, ServiceRow, UserRow,
} from './repositories/rows.js';

/** Keystone's time format: microseconds and a Z (`2026-11-26T19:58:35.000000Z`). */
export function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class IdentityViews {
  /** `base` is the public URL of the identity API, e.g. http://127.0.0.1:8080/identity */
  constructor(readonly base: string) {}

  private self(path: string): { self: string } {
    return { self: `${this.base}/v3/${path}` };
  }

  collection<T>(key: string, items: T[], path: string): Record<string, unknown> {
    return { [key]: items, links: { self: `${this.base}/v3/${path}`, previous: null, next: null } };
  }

  versionEntry() {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${this.base}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
  }

  domain(d: DomainRow) {
    return { ...d.extra, id: d.id, name: d.name, description: d.description ?? '', enabled: d.enabled, tags: [], options: {}, links: this.self(`domains/${d.id}`) };
  }

  project(p: ProjectRow) {
    return {
      ...p.extra,
      id: p.id,
      name: p.name,
      // A project acting as a domain has neither (Keystone shows both as null).
      domain_id: p.is_domain ? null : p.domain_id,
      description: p.description ?? '',
      enabled: p.enabled,
      // Keystone gives a top-level project its domain as parent.
      parent_id: p.is_domain ? null : p.parent_id ?? p.domain_id,
      is_domain: p.is_domain,
      tags: p.tags,
      options: {},
      links: this.self(`projects/${p.id}`),
    };
  }

  user(u: UserRow) {
    const body: Record<string, unknown> = {
      ...u.extra,
      id: u.id,
      name: u.name,
      domain_id: u.domain_id,
      enabled: u.enabled,
      password_expires_at: u.password_expires_at ? keystoneTime(u.password_expires_at).replace(/Z$/, '') : null,
      options: u.options,
      links: this.self(`users/${u.id}`),
    };
    if (u.default_project_id) body.default_project_id = u.default_project_id;
    if (u.description !== null) body.description = u.description;
    if (u.email !== null) body.email = u.email;
    return body;
  }

  group(g: GroupRow) {
    return { ...g.extra, id: g.id, name: g.name, domain_id: g.domain_id, description: g.description ?? '', links: this.self(`groups/${g.id}`) };
  }

  role(r: RoleRow) {
    const body: Record<string, unknown> = { ...r.extra, id: r.id, name: r.name, domain_id: r.domain_id, options: r.options, links: this.self(`roles/${r.id}`) };
    if (r.description !== null) body.description = r.description;
    return body;
  }

  roleRef(r: RoleRow) {
    return { id: r.id, name: r.name, links: this.self(`roles/${r.id}`) };
  }

  impliedRole(prior: RoleRow, implied: RoleRow) {
    return { role_inference: { prior_role: this.roleRef(prior), implies: this.roleRef(implied) }, links: this.self(`roles/${prior.id}/implies/${implied.id}`) };
  }

  impliedRoles(prior: RoleRow, implies: RoleRow[]) {
    return { role_inference: { prior_role: this.roleRef(prior), implies: implies.map((r) => this.roleRef(r)) }, links: this.self(`roles/${prior.id}/implies`) };
  }

  region(r: RegionRow) {
    return { ...r.extra, id: r.id, description: r.description, parent_region_id: r.parent_region_id, links: this.self(`regions/${r.id}`) };
  }

  service(s: ServiceRow) {
    return { ...s.extra, id: s.id, type: s.type, enabled: s.enabled, links: this.self(`services/${s.id}`) };
  }

  endpoint(e: EndpointRow) {
    return { ...e.extra, id: e.id, service_id: e.service_id, interface: e.interface, region_id: e.region_id, region: e.region_id, url: e.url, enabled: e.enabled, links: this.self(`endpoints/${e.id}`) };
  }

  catalog(entries: CatalogEntry[]) {
    return entries.map(({ service, endpoints }) => ({
      endpoints: endpoints.map((e) => ({ id: e.id, interface: e.interface, region_id: e.region_id, url: e.url, region: e.region_id })),
      id: service.id,
      type: service.type,
      name: (service.extra.name as string | undefined) ?? '',
    }));
  }

  applicationCredential(a: ApplicationCredentialRow, secret?: string) {
    const body: Record<string, unknown> = {
      id: a.id,
      name: a.name,
      description: a.description,
      user_id: a.user_id,
      project_id: a.project_id,
      expires_at: a.expires_at_text ?? (a.expires_at ? keystoneTime(a.expires_at).replace(/Z$/, '') : null),
      unrestricted: a.unrestricted,
      roles: a.roles.map((r) => ({ id: r.id, name: r.name, domain_id: null })),
      access_rules: [],
      links: this.self(`users/${a.user_id}/application_credentials/${a.id}`),
    };
    if (secret !== undefined) body.secret = secret;
    return body;
  }

  token(issued: IssuedToken, catalog: CatalogEntry[] | undefined) {
    const a: AuthContext = issued.auth;
    const token: Record<string, unknown> = {
      methods: a.methods,
      user: {
        domain: { id: a.userDomainId, name: a.userDomainName },
        id: a.userId,
        name: a.userName,
        password_expires_at: a.passwordExpiresAt ? keystoneTime(a.passwordExpiresAt) : null,
      },
      audit_ids: a.auditIds,
      expires_at: keystoneTime(a.expiresAt),
      issued_at: keystoneTime(a.issuedAt),
    };
    if (a.projectId) {
      token.project = { domain: { id: a.projectDomainId, name: a.projectDomainName }, id: a.projectId, name: a.projectName };
      token.is_domain = false;
    } else if (a.domainId) {
      token.domain = { id: a.domainId, name: a.domainName };
    } else if (a.system) {
      token.system = { all: true };
    }
    if (a.projectId || a.domainId || a.system) token.roles = a.roles.map((r) => ({ id: r.id, name: r.name }));
    if (issued.applicationCredential) {
      token.application_credential = issued.applicationCredential;
    }
    if (catalog) token.catalog = this.catalog(catalog);
    return { token };
  }

  credential(c: CredentialRow) {
    return { ...c.extra, id: c.id, user_id: c.user_id, project_id: c.project_id, type: c.type, blob: c.blob, links: this.self(`credentials/${c.id}`) };
  }

  /** keystone/api/users.py: EC2 credentials are named by their access key. */
  ec2Credential(c: Ec2Credential) {
    return { ...c, links: this.self(`users/${c.user_id}/credentials/OS-EC2/${c.access}`) };
  }

  endpointGroup(g: EndpointGroupRow) {
    return { id: g.id, name: g.name, description: g.description, filters: g.filters, links: this.self(`OS-EP-FILTER/endpoint_groups/${g.id}`) };
  }

  /** The secret only in the create response (keystone/api/os_oauth1.py). */
  consumer(c: ConsumerRow, withSecret = false) {
    const body: Record<string, unknown> = { ...c.extra, id: c.id, description: c.description, links: this.self(`OS-OAUTH1/consumers/${c.id}`) };
    if (withSecret) body.secret = c.secret;
    return body;
  }

  policy(p: PolicyRow) {
    return { ...p.extra, id: p.id, type: p.type, blob: p.blob, links: this.self(`policies/${p.id}`) };
  }

  /** One line of GET /v3/role_assignments (keystone/assignment/controllers.py's format). */
  assignment(e: AssignmentEntry, names?: NameLookup) {
    const scope: Record<string, unknown> = {};
    if (e.target === 'project') scope.project = { id: e.targetId, ...names?.project(e.targetId) };
    else if (e.target === 'domain') scope.domain = { id: e.targetId, ...names?.domain(e.targetId) };
    else scope.system = { all: true };
    if (e.inherited) scope['OS-INHERIT:inherited_to'] = 'projects';
    const actorKey = e.actor === 'user' ? 'user' : 'group';
    const body: Record<string, unknown> = {
      scope,
      role: { id: e.roleId, ...names?.role(e.roleId) },
      [actorKey]: { id: e.actorId, ...(e.actor === 'user' ? names?.user(e.actorId) : names?.group(e.actorId)) },
    };
    const source = e.via?.assignment ?? e;
    const targetPath = source.target === 'system' ? 'system' : `${source.target}s/${source.targetId}`;
    const prefix = source.inherited ? `OS-INHERIT/${targetPath}` : targetPath;
    const links: Record<string, string> = {
      assignment: `${this.base}/v3/${prefix}/${source.actor}s/${source.actorId}/roles/${source.roleId}${source.inherited ? '/inherited_to_projects' : ''}`,
    };
    if (e.via?.groupId) links.membership = `${this.base}/v3/groups/${e.via.groupId}/users/${e.actorId}`;
    if (e.priorRoleId) links.prior_role = `${this.base}/v3/roles/${e.priorRoleId}`;
    body.links = links;
    return body;
  }
}

/** Names for `include_names`, looked up by the handler before rendering. */
export interface NameLookup {
  project(id: string): { name?: string; domain?: { id: string; name?: string } };
  domain(id: string): { name?: string };
  user(id: string): { name?: string; domain?: { id: string; name?: string } };
  group(id: string): { name?: string; domain?: { id: string; name?: string } };
  role(id: string): { name?: string };
}
