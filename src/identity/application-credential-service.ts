// Application credentials (keystone/application_credential/core.py in spirit): a secret shown once,
// bound to the creating user and project, carrying a subset of the user's roles there.
import { randomBytes } from 'node:crypto';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { AuthContext, RoleRef } from './auth-context.js';
import { newId } from './ids.js';
import type { PasswordHasher } from './password-hasher.js';
import type { ApplicationCredentialRepository } from './repositories/application-credential-repository.js';
import type { RevocationRepository } from './repositories/revocation-repository.js';
import type { RoleRepository } from './repositories/role-repository.js';
import type { ApplicationCredentialRow } from './repositories/rows.js';

export interface ApplicationCredentialServiceDeps {
  appCreds: ApplicationCredentialRepository;
  roles: RoleRepository;
  revocations: RevocationRepository;
  hasher: PasswordHasher;
}

export interface CreateApplicationCredential {
  name: string;
  description?: string | null;
  secret?: string | null;
  expires_at?: string | null;
  roles?: Array<{ id?: string; name?: string }>;
  unrestricted?: boolean;
}

export class ApplicationCredentialService {
  constructor(private readonly d: ApplicationCredentialServiceDeps) {}

  async create(auth: AuthContext, userId: string, body: CreateApplicationCredential): Promise<{ row: ApplicationCredentialRow; secret: string }> {
    if (userId !== auth.userId) throw new ForbiddenError('You are not authorized to create application credentials for another user.');
    if (!auth.projectId) throw new ForbiddenError('Application credentials need a project-scoped token.');
    if (auth.applicationCredentialId && !body.unrestricted) {
      // Keystone: a restricted application credential may not create another one.
      throw new ForbiddenError('Using method application_credential is not allowed for managing additional application credentials.');
    }
    let roles: RoleRef[] = auth.roles;
    if (body.roles && body.roles.length > 0) {
      roles = [];
      for (const ref of body.roles) {
        const held = auth.roles.find((r) => (ref.id && r.id === ref.id) || (!ref.id && ref.name && r.name === ref.name));
        if (!held) throw new BadRequestError(`Invalid role: the user does not hold role ${ref.id ?? ref.name} on the project.`);
        roles.push(held);
      }
    }
    let expiresAt: Date | null = null;
    let expiresAtText: string | null = null;
    if (body.expires_at) {
      // Keystone reads a time without a zone as UTC; PostgreSQL stores the given microseconds.
      expiresAtText = body.expires_at.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(body.expires_at) ? body.expires_at : `${body.expires_at}Z`;
      expiresAt = new Date(expiresAtText);
      if (Number.isNaN(expiresAt.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(expiresAtText)) {
        throw new BadRequestError(`Invalid input for field 'expires_at': '${body.expires_at}' is not a date-time.`);
      }
      if (expiresAt.getTime() <= Date.now()) throw new BadRequestError('The expiration of an application credential must be in the future.');
    }
    const secret = body.secret || randomBytes(48).toString('base64url');
    try {
      const row = await this.d.appCreds.insert({
        id: newId(),
        name: body.name,
        // A secret the user chose gets the slow hash; one we generated is high-entropy (see hashRandomSecret).
        secret_hash: body.secret ? await this.d.hasher.hash(secret) : this.d.hasher.hashRandomSecret(secret),
        description: body.description ?? null,
        user_id: userId,
        project_id: auth.projectId,
        expires_at: expiresAt,
        expires_at_text: expiresAtText,
        unrestricted: body.unrestricted ?? false,
        roles,
      });
      return { row, secret };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${body.name}.`);
      throw err;
    }
  }

  async get(userId: string, id: string): Promise<ApplicationCredentialRow> {
    const row = await this.d.appCreds.get(id);
    if (!row || row.user_id !== userId) throw new NotFoundError(`Could not find Application Credential: ${id}.`);
    return row;
  }

  list(userId: string, name?: string): Promise<ApplicationCredentialRow[]> {
    return this.d.appCreds.list({ user_id: userId, name }, 'name');
  }

  async delete(auth: AuthContext, userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    if (auth.applicationCredentialId && auth.applicationCredentialId !== id) {
      throw new ForbiddenError('Using method application_credential is not allowed for managing additional application credentials.');
    }
    await this.d.appCreds.delete(id);
    await this.d.revocations.add({ app_cred_id: id, issued_before_ms: Date.now() });
  }
}
