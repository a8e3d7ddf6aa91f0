// Keystone's remaining admin APIs: credentials (incl. EC2), domain configuration, endpoint groups
// (OS-EP-FILTER), OAuth1 consumers and policies.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Keystone's credential table; an EC2 credential's id is sha256(access) (keystone/api/credentials.py).
  await knex.schema.createTable('credentials', (t) => {
    t.string('id', 64).primary();
    t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
    t.string('project_id', 64).references('projects.id').onDelete('CASCADE');
    t.string('type', 255).notNullable();
    t.text('blob').notNullable();
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.index(['user_id']);
  });
  // One row per option, as Keystone's whitelisted_config/sensitive_config tables; values keep their JSON type.
  await knex.schema.createTable('domain_config_options', (t) => {
    t.string('domain_id', 64).notNullable().references('domains.id').onDelete('CASCADE');
    t.string('group', 255).notNullable();
    t.string('option', 255).notNullable();
    t.jsonb('value').notNullable();
    t.boolean('sensitive').notNullable().defaultTo(false);
    t.primary(['domain_id', 'group', 'option']);
  });
  await knex.schema.createTable('endpoint_groups', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    t.text('description');
    t.jsonb('filters').notNullable().defaultTo('{}');
  });
  // The consumer secret is an HMAC key for OAuth1 request signatures, so Keystone keeps it recoverable.
  await knex.schema.createTable('oauth1_consumers', (t) => {
    t.string('id', 64).primary();
    t.text('description');
    t.text('secret').notNullable();
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('policies', (t) => {
    t.string('id', 64).primary();
    t.string('type', 255).notNullable();
    t.text('blob').notNullable();
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['policies', 'oauth1_consumers', 'endpoint_groups', 'domain_config_options', 'credentials']) {
    await knex.schema.dropTableIfExists(table);
  }
}
