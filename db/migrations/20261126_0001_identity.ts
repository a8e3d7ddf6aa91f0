// Keystone's data: domains, projects, users, groups, roles and their assignments, the service catalog,
// application credentials and token revocation events.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('domains', (t) => {
    t.string('id', 64).primary();
    t.string('name', 64).notNullable().unique();
    t.text('description');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('projects', (t) => {
    t.string('id', 64).primary();
    t.string('name', 64).notNullable();
    t.string('domain_id', 64).notNullable().references('domains.id');
    t.string('parent_id', 64).references('projects.id');
    t.text('description');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.boolean('is_domain').notNullable().defaultTo(false);
    t.jsonb('tags').notNullable().defaultTo('[]');
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['domain_id', 'name']);
  });
  await knex.schema.createTable('users', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    t.string('domain_id', 64).notNullable().references('domains.id');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('password_hash');
    t.string('default_project_id', 64);
    t.text('description');
    t.string('email', 255);
    t.timestamp('password_expires_at', { useTz: true });
    t.integer('failed_auth_count').notNullable().defaultTo(0);
    t.timestamp('failed_auth_at', { useTz: true });
    t.jsonb('options').notNullable().defaultTo('{}');
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['domain_id', 'name']);
  });
  await knex.schema.createTable('groups', (t) => {
    t.string('id', 64).primary();
    t.string('name', 64).notNullable();
    t.string('domain_id', 64).notNullable().references('domains.id');
    t.text('description');
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.unique(['domain_id', 'name']);
  });
  await knex.schema.createTable('group_members', (t) => {
    t.string('group_id', 64).notNullable().references('groups.id').onDelete('CASCADE');
    t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
    t.primary(['group_id', 'user_id']);
    t.index(['user_id']);
  });
  await knex.schema.createTable('roles', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    // '<<null>>' stands for a global role so that the unique constraint works (Keystone does the same).
    t.string('domain_id', 64).notNullable().defaultTo('<<null>>');
    t.text('description');
    t.jsonb('options').notNullable().defaultTo('{}');
    t.jsonb('extra').notNullable().defaultTo('{}');
    t.unique(['name', 'domain_id']);
  });
  await knex.schema.createTable('implied_roles', (t) => {
    t.string('prior_role_id', 64).notNullable().references('roles.id').onDelete('CASCADE');
    t.string('implied_role_id', 64).notNullable().references('roles.id').onDelete('CASCADE');
    t.primary(['prior_role_id', 'implied_role_id']);
  });
  // type: UserProject, GroupProject, UserDomain, GroupDomain, UserSystem, GroupSystem (Keystone's names).
  await knex.schema.createTable('role_assignments', (t) => {
    t.string('type', 16).notNullable();
    t.string('actor_id', 64).notNullable();
    t.string('target_id', 64).notNullable();
    t.string('role_id', 64).notNullable().references('roles.id').onDelete('CASCADE');
    t.boolean('inherited').notNullable().defaultTo(false);
    t.primary(['type', 'actor_id', 'target_id', 'role_id', 'inherited']);
    t.index(['actor_id']);
    t.index(['target_id']);
  });
  await knex.schema.createTable('regions', (t) => {
    t.string('id', 255).primary();
    t.text('description').notNullable().defaultTo('');
    t.string('parent_region_id', 255);
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('services', (t) => {
    t.string('id', 64).primary();
    t.string('type', 255).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('endpoints', (t) => {
    t.string('id', 64).primary();
    t.string('service_id', 64).notNullable().references('services.id').onDelete('CASCADE');
    t.string('interface', 8).notNullable();
    t.string('region_id', 255);
    t.text('url').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.jsonb('extra').notNullable().defaultTo('{}');
  });
  await knex.schema.createTable('application_credentials', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    t.text('secret_hash').notNullable();
    t.text('description');
    t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
    t.string('project_id', 64);
    t.timestamp('expires_at', { useTz: true });
    t.boolean('unrestricted').notNullable().defaultTo(false);
    t.jsonb('roles').notNullable().defaultTo('[]');
    t.unique(['user_id', 'name']);
  });
  // Tokens are self-contained signed JWTs; revocation is recorded here and checked on every validation.
  await knex.schema.createTable('revocation_events', (t) => {
    t.bigIncrements('id');
    t.string('audit_id', 64);
    t.string('user_id', 64);
    t.string('project_id', 64);
    t.string('domain_id', 64);
    t.string('app_cred_id', 64);
    t.bigInteger('issued_before_ms').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['audit_id']);
    t.index(['user_id']);
    t.index(['project_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['revocation_events', 'application_credentials', 'endpoints', 'services', 'regions',
    'role_assignments', 'implied_roles', 'roles', 'group_members', 'groups', 'users', 'projects', 'domains']) {
    await knex.schema.dropTableIfExists(table);
  }
}
