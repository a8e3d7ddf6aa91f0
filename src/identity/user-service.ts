// Users and groups (keystone/identity/core.py in spirit).
import { BadRequestError, ConflictError, NotFoundError, UnauthorizedError } from '../http/errors.js';
import { isUniqueViolation } from '../db/table-repository.js';
import type { AuthContext } from './auth-context.js';
import { newId } from './ids.js';
import type { PasswordHasher } from './password-hasher.js';
import type { AssignmentRepository } from './repositories/assignment-repository.js';
import type { DomainRepository } from './repositories/domain-repository.js';
import type { GroupRepository } from './repositories/group-repository.js';
import type { RevocationRepository } from './repositories/revocation-repository.js';
import type { GroupRow, UserRow } from './repositories/rows.js';
import type { UserRepository } from './repositories/user-repository.js';
import { splitExtra } from './resource-service.js';

export interface UserServiceDeps {
  users: UserRepository;
  groups: GroupRepository;
  domains: DomainRepository;
  assignments: AssignmentRepository;
  revocations: RevocationRepository;
  hasher: PasswordHasher;
}

const USER_FIELDS = ['name', 'domain_id', 'enabled', 'password', 'default_project_id', 'description', 'email', 'options', 'federated'] as const;
const GROUP_FIELDS = ['name', 'domain_id', 'description'] as const;

export class UserService {
  constructor(private readonly d: UserServiceDeps) {}

  async getUser(id: string): Promise<UserRow> {
    const user = await this.d.users.get(id);
    if (!user) throw new NotFoundError(`Could not find user: ${id}.`);
    return user;
  }

  async listUsers(filters: { name?: string; domain_id?: string; enabled?: boolean }): Promise<UserRow[]> {
    return this.d.users.list(filters, 'name');
  }

  private async requireDomain(id: string): Promise<void> {
    if (!(await this.d.domains.get(id))) throw new NotFoundError(`Could not find domain: ${id}.`);
  }

  async createUser(auth: AuthContext, body: Record<string, unknown>): Promise<UserRow> {
    const { known, extra } = splitExtra(body, USER_FIELDS);
    const domainId: string = known.domain_id ?? auth.projectDomainId ?? auth.domainId ?? 'default';
    await this.requireDomain(domainId);
    const passwordHash = typeof known.password === 'string' ? await this.d.hasher.hash(known.password) : null;
    try {
      return await this.d.users.insert({
        id: newId(),
        name: known.name,
        domain_id: domainId,
        enabled: known.enabled ?? true,
        password_hash: passwordHash,
        default_project_id: known.default_project_id ?? null,
        description: known.description ?? null,
        email: known.email ?? null,
        password_expires_at: null,
        failed_auth_count: 0,
        failed_auth_at: null,
        options: known.options ?? {},
        extra,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store user - Duplicate entry found with name ${known.name} at domain ID ${domainId}.`);
      throw err;
    }
  }

  async updateUser(id: string, body: Record<string, unknown>): Promise<UserRow> {
    const current = await this.getUser(id);
    const { known, extra } = splitExtra(body, USER_FIELDS);
    if (known.domain_id !== undefined && known.domain_id !== current.domain_id) throw new BadRequestError('Update of `domain_id` is not allowed.');
    const passwordHash = typeof known.password === 'string' ? await this.d.hasher.hash(known.password) : undefined;
    let updated: UserRow | undefined;
    try {
      updated = await this.d.users.update(id, {
        name: known.name,
        enabled: known.enabled,
        password_hash: passwordHash,
        default_project_id: known.default_project_id,
        description: known.description,
        email: known.email,
        options: known.options !== undefined ? { ...current.options, ...known.options } : undefined,
        extra: { ...current.extra, ...extra },
        ...(passwordHash ? { failed_auth_count: 0, failed_auth_at: null } : {}),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store user - Duplicate entry found with name ${known.name} at domain ID ${current.domain_id}.`);
      throw err;
    }
    // Disabling a user or changing its password revokes its tokens (Keystone's revoke_by_user).
    if ((known.enabled === false && current.enabled) || passwordHash) {
      await this.d.revocations.add({ user_id: id, issued_before_ms: Date.now() });
    }
    return updated!;
  }

  /** POST /v3/users/{id}/password: the user proves the old password; all its tokens are revoked. */
  async changePassword(id: string, originalPassword: string, password: string): Promise<void> {
    const user = await this.getUser(id);
    if (!(await this.d.hasher.verify(user.password_hash, originalPassword))) throw new UnauthorizedError('The request you have made requires authentication.');
    if (password === originalPassword) throw new BadRequestError('Changing password failed: the new password must be different from the original password.');
    await this.d.users.update(id, { password_hash: await this.d.hasher.hash(password), failed_auth_count: 0, failed_auth_at: null, password_expires_at: null });
    await this.d.revocations.add({ user_id: id, issued_before_ms: Date.now() });
  }

  async deleteUser(id: string): Promise<void> {
    await this.getUser(id);
    await this.d.revocations.add({ user_id: id, issued_before_ms: Date.now() });
    await this.d.assignments.deleteFor(id);
    await this.d.users.delete(id);
  }

  async getGroup(id: string): Promise<GroupRow> {
    const group = await this.d.groups.get(id);
    if (!group) throw new NotFoundError(`Could not find group: ${id}.`);
    return group;
  }

  async listGroups(filters: { name?: string; domain_id?: string }): Promise<GroupRow[]> {
    return this.d.groups.list(filters, 'name');
  }

  async createGroup(auth: AuthContext, body: Record<string, unknown>): Promise<GroupRow> {
    const { known, extra } = splitExtra(body, GROUP_FIELDS);
    const domainId: string = known.domain_id ?? auth.projectDomainId ?? auth.domainId ?? 'default';
    await this.requireDomain(domainId);
    try {
      return await this.d.groups.insert({ id: newId(), name: known.name, domain_id: domainId, description: known.description ?? '', extra });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store group - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
  }

  async updateGroup(id: string, body: Record<string, unknown>): Promise<GroupRow> {
    const current = await this.getGroup(id);
    const { known, extra } = splitExtra(body, GROUP_FIELDS);
    if (known.domain_id !== undefined && known.domain_id !== current.domain_id) throw new BadRequestError('Update of `domain_id` is not allowed.');
    try {
      return (await this.d.groups.update(id, { name: known.name, description: known.description, extra: { ...current.extra, ...extra } }))!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Conflict occurred attempting to store group - Duplicate entry found with name ${known.name}.`);
      throw err;
    }
  }

  async deleteGroup(id: string): Promise<void> {
    await this.getGroup(id);
    await this.d.assignments.deleteFor(id);
    await this.d.groups.delete(id);
  }

  async addToGroup(groupId: string, userId: string): Promise<void> {
    await Promise.all([this.getGroup(groupId), this.getUser(userId)]);
    await this.d.groups.addMember(groupId, userId);
  }

  async removeFromGroup(groupId: string, userId: string): Promise<void> {
    await Promise.all([this.getGroup(groupId), this.getUser(userId)]);
    if (!(await this.d.groups.removeMember(groupId, userId))) {
      throw new NotFoundError(`Could not find user, ${userId}, in group, ${groupId}.`);
    }
  }

  async checkInGroup(groupId: string, userId: string): Promise<void> {
    await Promise.all([this.getGroup(groupId), this.getUser(userId)]);
    if (!(await this.d.groups.isMember(groupId, userId))) throw new NotFoundError(`Could not find user, ${userId}, in group, ${groupId}.`);
  }

  async groupMembers(groupId: string): Promise<UserRow[]> {
    await this.getGroup(groupId);
    return this.d.groups.members(groupId);
  }

  async groupsOfUser(userId: string): Promise<GroupRow[]> {
    await this.getUser(userId);
    return this.d.groups.groupsOfUser(userId);
  }
}
