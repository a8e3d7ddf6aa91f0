// Nova's other quota scopes: per-user limits inside a project (os-quota-sets?user_id=) and quota
// classes (os-quota-class-sets; the `default` class overrides the configured defaults).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_user_quotas', (t) => {
    t.string('project_id', 64).notNullable();
    t.string('user_id', 64).notNullable();
    t.string('resource', 64).notNullable();
    t.integer('hard_limit').notNullable();
    t.primary(['project_id', 'user_id', 'resource']);
  });
  await knex.schema.createTable('quota_classes', (t) => {
    t.string('class_name', 255).notNullable();
    t.string('resource', 64).notNullable();
    t.integer('hard_limit').notNullable();
    t.primary(['class_name', 'resource']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('quota_classes');
  await knex.schema.dropTableIfExists('project_user_quotas');
}
