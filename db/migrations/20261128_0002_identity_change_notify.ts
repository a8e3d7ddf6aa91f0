// Every change to what a token's validity depends on (users, projects, domains, roles, grants, group
// membership, revocations, application credentials) sends NOTIFY virtstack_identity, so that every
// virtstack process drops the tokens it has validated recently (src/identity/identity-change-feed.ts).
import type { Knex } from 'knex';

const TABLES = ['users', 'projects', 'domains', 'roles', 'implied_roles', 'role_assignments', 'group_members', 'groups', 'revocation_events', 'application_credentials'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION virtstack_identity_changed() RETURNS trigger AS $$
    BEGIN
      PERFORM pg_notify('virtstack_identity', TG_TABLE_NAME);
      RETURN NULL;
    END;
    $$ LANGUAGE plpgsql`);
  for (const table of TABLES) {
    await knex.raw(`CREATE TRIGGER virtstack_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION virtstack_identity_changed()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) await knex.raw(`DROP TRIGGER IF EXISTS virtstack_identity_changed ON ${table}`);
  await knex.raw('DROP FUNCTION IF EXISTS virtstack_identity_changed()');
}
