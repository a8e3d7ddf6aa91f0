// OAuth1 consumers (OS-OAUTH1, keystone/oauth1/core.py and keystone/api/os_oauth1.py): a consumer has
// an id and a secret, both generated; the secret is shown only in the create response.
import { randomBytes } from 'node:crypto';
import { BadRequestError, NotFoundError } from '../http/errors.js';
import { newId } from './ids.js';
import type { ConsumerRepository } from './repositories/consumer-repository.js';
import type { ConsumerRow } from './repositories/rows.js';
import { splitExtra } from './resource-service.js';

const FIELDS = ['description'] as const;

export class ConsumerService {
  constructor(private readonly consumers: ConsumerRepository) {}

  async get(id: string): Promise<ConsumerRow> {
    const consumer = await this.consumers.get(id);
    if (!consumer) throw new NotFoundError(`Could not find Consumer: ${id}.`);
    return consumer;
  }

  list(): Promise<ConsumerRow[]> {
    return this.consumers.list();
  }

  create(body: Record<string, unknown>): Promise<ConsumerRow> {
    const { known, extra } = splitExtra(body, FIELDS);
    delete extra.secret;
    return this.consumers.insert({ id: newId(), description: known.description ?? null, secret: randomBytes(32).toString('hex'), extra });
  }

  async update(id: string, body: Record<string, unknown>): Promise<ConsumerRow> {
    const current = await this.get(id);
    // keystone/api/os_oauth1.py: the secret cannot be changed, nor the id.
    if ('secret' in body) throw new BadRequestError('Cannot change consumer secret.');
    if (body.id !== undefined && body.id !== id) throw new BadRequestError('Cannot change consumer id.');
    const { known, extra } = splitExtra(body, FIELDS);
    return (await this.consumers.update(id, { description: known.description, extra: { ...current.extra, ...extra } }))!;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.consumers.delete(id);
  }
}
