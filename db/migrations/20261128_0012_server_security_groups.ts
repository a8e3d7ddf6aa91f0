// Which security groups a server is in. Only Nova's implicit "default" group exists here (there is no
// network service to define others), but a server can leave it and join it again, as with Nova.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('servers', (t) => {
    t.jsonb('security_groups').notNullable().defaultTo('["default"]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('servers', (t) => {
    t.dropColumn('security_groups');
  });
}
