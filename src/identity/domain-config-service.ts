// Domain-specific configuration (keystone/resource/core.py DomainConfigManager, keystone/api/domains.py).
// Only the options that shape a domain's identity driver may be stored: Keystone's whitelist for the
// `identity` and `ldap` groups, plus the sensitive `ldap.password`, which is stored but never shown.
import { ForbiddenError, NotFoundError } from '../http/errors.js';
import type { DomainRepository } from './repositories/domain-repository.js';
import type { DomainConfigRepository } from './repositories/domain-config-repository.js';
import type { DomainConfigOptionRow } from './repositories/rows.js';

export type DomainConfig = Record<string, Record<string, unknown>>;

/** Keystone's defaults for the whitelisted options (keystone/conf/identity.py, keystone/conf/ldap.py). */
const DEFAULTS: DomainConfig = {
  identity: { driver: 'sql', list_limit: null },
  ldap: {
    url: 'ldap://localhost', user: null, suffix: 'cn=example,cn=com', query_scope: 'one', page_size: 0,
    alias_dereferencing: 'default', debug_level: null, chase_referrals: null, user_tree_dn: null, user_filter: null,
    user_objectclass: 'inetOrgPerson', user_id_attribute: 'cn', user_name_attribute: 'sn', user_mail_attribute: 'mail',
    user_description_attribute: 'description', user_pass_attribute: 'userPassword', user_enabled_attribute: 'enabled',
    user_enabled_invert: false, user_enabled_mask: 0, user_enabled_default: 'True', user_attribute_ignore: ['default_project_id'],
    user_default_project_id_attribute: null, user_enabled_emulation: false, user_enabled_emulation_dn: null,
    user_enabled_emulation_use_group_config: false, user_additional_attribute_mapping: [], group_tree_dn: null,
    group_filter: null, group_objectclass: 'groupOfNames', group_id_attribute: 'cn', group_name_attribute: 'ou',
    group_members_are_ids: false, group_member_attribute: 'member', group_desc_attribute: 'description',
    group_attribute_ignore: [], group_additional_attribute_mapping: [], tls_cacertfile: null, tls_cacertdir: null,
    use_tls: false, tls_req_cert: 'demand', use_pool: true, pool_size: 10, pool_retry_max: 3, pool_retry_delay: 0.1,
    pool_connection_timeout: -1, pool_connection_lifetime: 600, use_auth_pool: true, auth_pool_size: 100,
    auth_pool_connection_lifetime: 60,
  },
};
const WHITELISTED: Record<string, string[]> = Object.fromEntries(Object.entries(DEFAULTS).map(([g, opts]) => [g, Object.keys(opts)]));
const SENSITIVE: Record<string, string[]> = { identity: [], ldap: ['password'] };

export interface DomainConfigServiceDeps {
  domains: DomainRepository;
  configs: DomainConfigRepository;
}

/** Keystone's InvalidDomainConfig is a 403. */
function invalid(reason: string): ForbiddenError {
  return new ForbiddenError(`Invalid domain specific configuration: ${reason}.`);
}

function notFound(domainId: string, group?: string, option?: string): NotFoundError {
  const what = option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options';
  return new NotFoundError(`Could not find ${what} in domain configuration for domain ${domainId}.`);
}

function assertValidGroupAndOption(group?: string, option?: string): void {
  if (group === undefined) return;
  if (!(group in WHITELISTED)) throw invalid(`Group ${group} is not supported for domain specific configurations`);
  if (option !== undefined && !WHITELISTED[group].includes(option) && !SENSITIVE[group].includes(option)) {
    throw invalid(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

function assertValidConfig(config: unknown): asserts config is DomainConfig {
  if (!config || typeof config !== 'object' || Array.isArray(config) || Object.keys(config).length === 0) throw invalid('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!options || typeof options !== 'object' || Array.isArray(options) || Object.keys(options).length === 0) {
      throw invalid(`The value of group ${group} specified in the config should be a dictionary of options`);
    }
    assertValidGroupAndOption(group);
    for (const option of Object.keys(options)) assertValidGroupAndOption(group, option);
  }
}

function toOptions(config: DomainConfig): Omit<DomainConfigOptionRow, 'domain_id'>[] {
  return Object.entries(config).flatMap(([group, options]) =>
    Object.entries(options).map(([option, value]) => ({ group, option, value, sensitive: SENSITIVE[group].includes(option) })));
}

function toConfig(rows: Array<Pick<DomainConfigOptionRow, 'group' | 'option' | 'value'>>): DomainConfig {
  const config: DomainConfig = {};
  for (const r of rows) (config[r.group] ??= {})[r.option] = r.value;
  return config;
}

export class DomainConfigService {
  constructor(private readonly d: DomainConfigServiceDeps) {}

  private async requireDomain(id: string): Promise<void> {
    if (!(await this.d.domains.get(id))) throw new NotFoundError(`Could not find domain: ${id}.`);
  }

  /** PUT: replaces the whole configuration; `created` is false when one existed (Keystone answers 200, not 201). */
  async create(domainId: string, config: unknown): Promise<{ config: DomainConfig; created: boolean }> {
    await this.requireDomain(domainId);
    assertValidConfig(config);
    const existed = (await this.d.configs.list(domainId)).length > 0;
    await this.d.configs.replace(domainId, toOptions(config));
    return { config: toConfig(await this.d.configs.list(domainId, { sensitive: false })), created: !existed };
  }

  /** The whole config, one group, or `{option: value}` for one option; sensitive options are never shown. */
  async get(domainId: string, group?: string, option?: string): Promise<Record<string, unknown>> {
    await this.requireDomain(domainId);
    assertValidGroupAndOption(group, option);
    const rows = await this.d.configs.list(domainId, { group, option, sensitive: false });
    if (rows.length === 0) throw notFound(domainId, group, option);
    return option !== undefined ? { [option]: rows[0].value } : toConfig(rows);
  }

  /** PATCH: merges options; with a group (and option) in the URL only that part may be sent, and it must exist. */
  async update(domainId: string, config: unknown, group?: string, option?: string): Promise<Record<string, unknown>> {
    await this.requireDomain(domainId);
    // For one option the body is `{option: value}`: treat it as that option under the group.
    const update = group !== undefined && option !== undefined ? { [group]: config } : config;
    assertValidConfig(update);
    assertValidGroupAndOption(group, option);
    if (group !== undefined) {
      const groups = Object.keys(update);
      if (groups.length !== 1 || (option !== undefined && Object.keys(update[groups[0]]).length !== 1)) {
        throw invalid(option !== undefined
          ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified in the config`
          : `Trying to update group ${group}, so that, and only that, group must be specified in the config`);
      }
      if (!(group in update)) throw invalid(`request to update group ${group}, but config provided contains group ${groups[0]} instead`);
      if (option !== undefined && !(option in update[group])) {
        throw invalid(`Trying to update option ${option} in group ${group}, but config provided contains option ${Object.keys(update[group])[0]} instead`);
      }
      if ((await this.d.configs.list(domainId, { group, option })).length === 0) throw notFound(domainId, group, option);
    }
    await this.d.configs.merge(domainId, toOptions(update));
    return this.get(domainId);
  }

  async delete(domainId: string, group?: string, option?: string): Promise<void> {
    await this.requireDomain(domainId);
    assertValidGroupAndOption(group, option);
    if (group !== undefined && (await this.d.configs.list(domainId, { group, option })).length === 0) throw notFound(domainId, group, option);
    await this.d.configs.delete(domainId, group, option);
  }

  /** GET /v3/domains/config[/{group}[/{option}]]/default: Keystone's own defaults for whitelisted options. */
  default(group?: string, option?: string): Record<string, unknown> {
    assertValidGroupAndOption(group, option);
    if (group !== undefined && option !== undefined) {
      if (!WHITELISTED[group].includes(option)) throw invalid(`Reading the default for option ${option} in group ${group} is not supported`);
      return { [option]: DEFAULTS[group][option] };
    }
    return group !== undefined ? { [group]: DEFAULTS[group] } : DEFAULTS;
  }
}
