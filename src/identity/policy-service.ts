// Policies (/v3/policies, keystone/policy/core.py): opaque policy documents stored for other services;
// `blob` and `type` are kept as given. Not to be confused with identity-policy.ts, which enforces ours.
import { NotFoundError } from '../http/errors.js';
import { newId } from './ids.js';
import type { PolicyRepository } from './repositories/policy-repository.js';
import type { PolicyRow } from './repositories/rows.js';
import { splitExtra } from './resource-service.js';

const FIELDS = ['type', 'blob'] as const;

export class PolicyService {
  constructor(private readonly policies: PolicyRepository) {}

  async get(id: string): Promise<PolicyRow> {
    const policy = await this.policies.get(id);
    if (!policy) throw new NotFoundError(`Could not find policy: ${id}.`);
    return policy;
  }

  list(filters: { type?: string }): Promise<PolicyRow[]> {
    return this.policies.list(filters);
  }

  create(body: Record<string, unknown>): Promise<PolicyRow> {
    const { known, extra } = splitExtra(body, FIELDS);
    return this.policies.insert({ id: newId(), type: known.type, blob: known.blob, extra });
  }

  async update(id: string, body: Record<string, unknown>): Promise<PolicyRow> {
    const current = await this.get(id);
    const { known, extra } = splitExtra(body, FIELDS);
    return (await this.policies.update(id, { type: known.type, blob: known.blob, extra: { ...current.extra, ...extra } }))!;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.policies.delete(id);
  }
}
