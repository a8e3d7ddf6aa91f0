// Credentials (keystone/credential/core.py, keystone/api/credentials.py) and the EC2 view of them
// (/v3/users/{user_id}/credentials/OS-EC2, keystone/api/users.py). One store: an EC2 credential is a
// credential of type `ec2` whose blob holds access and secret and whose id is sha256(access).
import { createHash } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError, UnauthorizedError } from '../http/errors.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/table-repository.js';
import { newId } from './ids.js';
import type { CredentialRepository } from './repositories/credential-repository.js';
import type { ProjectRepository } from './repositories/project-repository.js';
import type { CredentialRow } from './repositories/rows.js';
import type { UserRepository } from './repositories/user-repository.js';
import { splitExtra } from './resource-service.js';

export interface CredentialServiceDeps {
  credentials: CredentialRepository;
  users: UserRepository;
  projects: ProjectRepository;
}

const CREDENTIAL_FIELDS = ['user_id', 'project_id', 'type', 'blob'] as const;

/** The EC2 shape of a credential (keystone/api/users.py _convert_v3_to_ec2_credential). */
export interface Ec2Credential {
  user_id: string;
  tenant_id: string | null;
  access: string;
  secret: string;
  trust_id: string | null;
}

export function ec2CredentialId(access: string): string {
  return createHash('sha256').update(access, 'utf8').digest('hex');
}

/** Parses an `ec2` blob; Keystone refuses one that is not a JSON object with an access key. */
function ec2Blob(blob: unknown): { access: string; secret?: string; trust_id?: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(blob));
  } catch {
    throw new BadRequestError('Invalid blob in credential');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError("Expecting to find blob in credential. The server could not comply with the request since it is either malformed or otherwise incorrect.");
  const b = parsed as Record<string, unknown>;
  if (b.access === undefined || b.access === null) throw new BadRequestError("Expecting to find access in credential. The server could not comply with the request since it is either malformed or otherwise incorrect.");
  return { access: String(b.access), secret: b.secret === undefined ? undefined : String(b.secret), trust_id: (b.trust_id as string | null | undefined) ?? null };
}

export function toEc2(row: CredentialRow): Ec2Credential {
  const b = ec2Blob(row.blob);
  return { user_id: row.user_id, tenant_id: row.project_id, access: b.access, secret: b.secret ?? '', trust_id: b.trust_id ?? null };
}

export class CredentialService {
  constructor(private readonly d: CredentialServiceDeps) {}

  async get(id: string): Promise<CredentialRow> {
    const row = await this.d.credentials.get(id);
    if (!row) throw new NotFoundError(`Could not find credential: ${id}.`);
    return row;
  }

  list(filters: { user_id?: string; type?: string }): Promise<CredentialRow[]> {
    return this.d.credentials.list(filters);
  }

  private async checkRefs(userId: string | undefined, projectId: string | null | undefined): Promise<void> {
    if (userId !== undefined && !(await this.d.users.get(userId))) throw new NotFoundError(`Could not find user: ${userId}.`);
    if (projectId && !(await this.d.projects.get(projectId))) throw new NotFoundError(`Could not find project: ${projectId}.`);
  }

  private async insert(row: CredentialRow): Promise<CredentialRow> {
    try {
      return await this.d.credentials.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store credential - Duplicate ID, ${row.id}.`);
      // The user or project went away between the check and the insert.
      if (isForeignKeyViolation(err)) throw new NotFoundError(`Could not find user or project of credential ${row.id}.`);
      throw err;
    }
  }

  async create(body: Record<string, unknown>): Promise<CredentialRow> {
    const { known, extra } = splitExtra(body, CREDENTIAL_FIELDS);
    let id = typeof body.id === 'string' && body.id ? body.id : newId();
    if (String(known.type).toLowerCase() === 'ec2') {
      // Keystone derives an EC2 credential's id from its access key, so the key finds it (ec2tokens).
      id = ec2CredentialId(ec2Blob(known.blob).access);
    }
    await this.checkRefs(known.user_id, known.project_id);
    return this.insert({ id, user_id: known.user_id, project_id: known.project_id ?? null, type: known.type, blob: known.blob, extra });
  }

  async update(id: string, body: Record<string, unknown>): Promise<CredentialRow> {
    const current = await this.get(id);
    if (body.id !== undefined && body.id !== id) throw new BadRequestError(`Cannot change the id of credential ${id}.`);
    const { known, extra } = splitExtra(body, CREDENTIAL_FIELDS);
    const type = known.type ?? current.type;
    const projectId = known.project_id !== undefined ? known.project_id : current.project_id;
    if (String(type).toLowerCase() === 'ec2') {
      // keystone/credential/core.py: an ec2 credential needs a project and a blob with an access key.
      if (!projectId) throw new BadRequestError('Expecting to find project_id in credential.');
      ec2Blob(known.blob ?? current.blob);
    }
    await this.checkRefs(known.user_id, known.project_id);
    return (await this.d.credentials.update(id, {
      user_id: known.user_id,
      project_id: known.project_id,
      type: known.type,
      blob: known.blob,
      extra: { ...current.extra, ...extra },
    }))!;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.d.credentials.delete(id);
  }

  async createEc2(userId: string, projectId: string | undefined): Promise<Ec2Credential> {
    if (!(await this.d.users.get(userId))) throw new NotFoundError(`Could not find user: ${userId}.`);
    if (!projectId || !(await this.d.projects.get(projectId))) throw new NotFoundError(`Could not find project: ${projectId ?? ''}.`);
    // Keystone's access and secret are uuid4 hex: 122 random bits each.
    const blob = { access: newId(), secret: newId(), trust_id: null };
    const row = await this.insert({ id: ec2CredentialId(blob.access), user_id: userId, project_id: projectId, type: 'ec2', blob: JSON.stringify(blob), extra: {} });
    return toEc2(row);
  }

  async listEc2(userId: string): Promise<Ec2Credential[]> {
    if (!(await this.d.users.get(userId))) throw new NotFoundError(`Could not find user: ${userId}.`);
    return (await this.d.credentials.list({ user_id: userId, type: 'ec2' })).map(toEc2);
  }

  /** The EC2 credential with this access key, which must belong to `userId`. */
  async getEc2(userId: string, access: string): Promise<Ec2Credential> {
    if (!(await this.d.users.get(userId))) throw new NotFoundError(`Could not find user: ${userId}.`);
    const row = await this.get(ec2CredentialId(access));
    // Keystone: a credential under that id that is not an EC2 one is "EC2 access key not found" (401).
    if (row.type !== 'ec2') throw new UnauthorizedError('EC2 access key not found.');
    // Under another user's path the key does not exist for this user.
    if (row.user_id !== userId) throw new NotFoundError(`Could not find credential: ${ec2CredentialId(access)}.`);
    return toEc2(row);
  }

  async deleteEc2(userId: string, access: string): Promise<void> {
    await this.getEc2(userId, access);
    await this.d.credentials.delete(ec2CredentialId(access));
  }
}
