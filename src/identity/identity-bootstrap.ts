// First-start set-up, like `keystone-manage bootstrap`: domain Default, roles admin > member > reader,
// project and user admin, region, and the service catalog for the services this process serves.
// Idempotent, and serialised on an advisory lock so that two processes starting together agree.
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { PasswordHasher } from './password-hasher.js';
import { newId } from './ids.js';
import { AssignmentRepository, SYSTEM_TARGET } from './repositories/assignment-repository.js';
import { EndpointRepository, RegionRepository, ServiceRepository } from './repositories/catalog-repository.js';
import { DomainRepository } from './repositories/domain-repository.js';
import { ProjectRepository } from './repositories/project-repository.js';
import { RoleRepository } from './repositories/role-repository.js';
import { UserRepository } from './repositories/user-repository.js';

const BOOTSTRAP_LOCK_KEY = 0x76736274; // "vsbt"

/** A service virtstack serves, with the path of its catalog URL below the public URL. */
export interface ServedService {
  type: string;
  name: string;
  path: string;
  description: string;
}

export interface BootstrapResult {
  /** Set when the admin user was created with a generated password (shown once). */
  generatedAdminPassword?: string;
  adminPassword?: string;
  created: boolean;
}

export async function bootstrapIdentity(opts: {
  db: Database;
  hasher: PasswordHasher;
  adminPassword?: string;
  region: string;
  publicUrl: string;
  services: ServedService[];
}): Promise<BootstrapResult> {
  const { db } = opts;
  const conn = await db.client.acquireConnection();
  try {
    await conn.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    try {
      const result = await ensureAccounts(opts);
      await syncCatalog(opts);
      return result;
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

async function ensureAccounts(opts: { db: Database; hasher: PasswordHasher; adminPassword?: string }): Promise<BootstrapResult> {
  const domains = new DomainRepository(opts.db);
  const roles = new RoleRepository(opts.db);
  const projects = new ProjectRepository(opts.db);
  const users = new UserRepository(opts.db);
  const assignments = new AssignmentRepository(opts.db);

  if (!(await domains.get('default'))) {
    await domains.insert({ id: 'default', name: 'Default', description: 'The default domain', enabled: true, extra: {} });
  }
  const roleIds: Record<string, string> = {};
  for (const name of ['admin', 'member', 'reader']) {
    const role = (await roles.getByName(name)) ?? (await roles.insert({ id: newId(), name, domain_id: null, description: null, options: {}, extra: {} }));
    roleIds[name] = role.id;
  }
  // Keystone's bootstrap makes admin imply member and member imply reader.
  await roles.addImplied(roleIds.admin, roleIds.member);
  await roles.addImplied(roleIds.member, roleIds.reader);

  const project = (await projects.getByName('default', 'admin')) ?? (await projects.insert({
    id: newId(), name: 'admin', domain_id: 'default', parent_id: null, description: 'Bootstrap project for initializing the cloud.',
    enabled: true, is_domain: false, tags: [], extra: {},
  }));
  let result: BootstrapResult = { created: false };
  let admin = await users.getByName('default', 'admin');
  if (!admin) {
    const password = opts.adminPassword ?? randomBytes(18).toString('base64url');
    admin = await users.insert({
      id: newId(), name: 'admin', domain_id: 'default', enabled: true, password_hash: await opts.hasher.hash(password),
      default_project_id: null, description: null, email: null, password_expires_at: null, failed_auth_count: 0,
      failed_auth_at: null, options: {}, extra: {},
    });
    result = { created: true, adminPassword: password, generatedAdminPassword: opts.adminPassword ? undefined : password };
  }
  await assignments.grant({ type: 'UserProject', actor_id: admin.id, target_id: project.id, role_id: roleIds.admin, inherited: false });
  await assignments.grant({ type: 'UserSystem', actor_id: admin.id, target_id: SYSTEM_TARGET, role_id: roleIds.admin, inherited: false });
  return result;
}

/** The catalog lists exactly the services this process serves: never advertise one that is not served. */
async function syncCatalog(opts: { db: Database; region: string; publicUrl: string; services: ServedService[] }): Promise<void> {
  const regions = new RegionRepository(opts.db);
  const services = new ServiceRepository(opts.db);
  const endpoints = new EndpointRepository(opts.db);
  if (!(await regions.get(opts.region))) await regions.insert({ id: opts.region, description: '', parent_region_id: null, extra: {} });

  const existing = await services.list();
  for (const s of existing) {
    if (s.extra.virtstack_managed && !opts.services.some((x) => x.type === s.type)) await services.delete(s.id);
  }
  for (const served of opts.services) {
    let service = existing.find((s) => s.type === served.type && s.extra.virtstack_managed);
    service ??= await services.insert({ id: newId(), type: served.type, enabled: true, extra: { name: served.name, description: served.description, virtstack_managed: true } });
    const url = `${opts.publicUrl}${served.path}`;
    const current = await endpoints.list({ service_id: service.id });
    for (const iface of ['public', 'internal', 'admin']) {
      const endpoint = current.find((e) => e.interface === iface && e.region_id === opts.region);
      if (!endpoint) await endpoints.insert({ id: newId(), service_id: service.id, interface: iface, region_id: opts.region, url, enabled: true, extra: {} });
      else if (endpoint.url !== url) await endpoints.update(endpoint.id, { url });
    }
  }
}
