// A wrong password counts itself in users.failed_auth_count; that must not tell every virtstack process
// that identity changed (it would drop every cached token validation, so that anyone guessing
// passwords kept all validations on the database). Nothing a token depends on is in those two
// columns. Updates of users notify only when another column changes; inserts, deletes and truncates
// as before (20261128_0002_identity_change_notify.ts).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS virtstack_identity_changed ON users');
  await knex.raw(`CREATE TRIGGER virtstack_identity_changed AFTER INSERT OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION virtstack_identity_changed()`);
  // Row level, as a statement-level trigger cannot look at the rows; NOTIFY folds the identical
  // notifications of one transaction into one.
  await knex.raw(`CREATE TRIGGER virtstack_identity_user_changed AFTER UPDATE ON users FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'failed_auth_count' - 'failed_auth_at') IS DISTINCT FROM (to_jsonb(NEW) - 'failed_auth_count' - 'failed_auth_at'))
    EXECUTE FUNCTION virtstack_identity_changed()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS virtstack_identity_user_changed ON users');
  await knex.raw('DROP TRIGGER IF EXISTS virtstack_identity_changed ON users');
  await knex.raw(`CREATE TRIGGER virtstack_identity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION virtstack_identity_changed()`);
}
