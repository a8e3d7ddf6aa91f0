import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';
import type { DomainConfigOptionRow } from './rows.js';

/** A domain's configuration options, one row per (group, option), as Keystone's sql domain_config driver. */
export class DomainConfigRepository {
  constructor(private readonly db: Database) {}

  async list(domainId: string, filter: { group?: string; option?: string; sensitive?: boolean } = {}): Promise<DomainConfigOptionRow[]> {
    const q = this.db('domain_config_options').where({ domain_id: domainId });
    if (filter.group !== undefined) q.where({ group: filter.group });
    if (filter.option !== undefined) q.where({ option: filter.option });
    if (filter.sensitive !== undefined) q.where({ sensitive: filter.sensitive });
    return q.orderBy(['group', 'option']);
  }

  private async upsert(trx: Knex.Transaction, domainId: string, options: Omit<DomainConfigOptionRow, 'domain_id'>[]): Promise<void> {
    if (options.length === 0) return;
    await trx('domain_config_options')
      .insert(options.map((o) => ({ domain_id: domainId, group: o.group, option: o.option, value: JSON.stringify(o.value), sensitive: o.sensitive })))
      .onConflict(['domain_id', 'group', 'option'])
      .merge(['value', 'sensitive']);
  }

  /** Replaces the whole configuration of the domain. */
  async replace(domainId: string, options: Omit<DomainConfigOptionRow, 'domain_id'>[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('domain_config_options').where({ domain_id: domainId }).delete();
      await this.upsert(trx, domainId, options);
    });
  }

  /** Creates or overwrites the given options, leaving the others. */
  async merge(domainId: string, options: Omit<DomainConfigOptionRow, 'domain_id'>[]): Promise<void> {
    await this.db.transaction((trx) => this.upsert(trx, domainId, options));
  }

  async delete(domainId: string, group?: string, option?: string): Promise<void> {
    const q = this.db('domain_config_options').where({ domain_id: domainId });
    if (group !== undefined) q.where({ group });
    if (option !== undefined) q.where({ option });
    await q.delete();
  }
}
