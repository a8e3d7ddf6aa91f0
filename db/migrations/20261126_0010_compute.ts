// Nova's data: flavors, keypairs, hosts, networks with their fixed IPs, servers with metadata, tags
// and instance actions, server groups, aggregates, quotas, and the task queue that drives libvirt.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('flavors', (t) => {
    t.string('id', 255).primary(); // Nova's flavorid: a string
    t.string('name', 255).notNullable().unique();
    t.integer('vcpus').notNullable();
    t.integer('ram').notNullable();
    t.integer('disk').notNullable();
    t.integer('ephemeral').notNullable().defaultTo(0);
    t.integer('swap').notNullable().defaultTo(0);
    t.float('rxtx_factor').notNullable().defaultTo(1);
    t.boolean('is_public').notNullable().defaultTo(true);
    t.boolean('disabled').notNullable().defaultTo(false);
    t.text('description');
    t.jsonb('extra_specs').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('flavor_projects', (t) => {
    t.string('flavor_id', 255).notNullable().references('flavors.id').onDelete('CASCADE');
    t.string('project_id', 64).notNullable();
    t.primary(['flavor_id', 'project_id']);
  });
  await knex.schema.createTable('keypairs', (t) => {
    t.bigIncrements('id');
    t.string('user_id', 64).notNullable();
    t.string('name', 255).notNullable();
    t.string('type', 8).notNullable().defaultTo('ssh');
    t.text('public_key').notNullable();
    t.string('fingerprint', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'name']);
  });
  // One row per libvirt host (Nova's compute service + compute node).
  await knex.schema.createTable('hosts', (t) => {
    t.increments('id');
    t.string('name', 255).notNullable().unique();
    t.text('libvirt_uri').notNullable();
    t.string('virt_type', 16).notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.text('disabled_reason');
    t.boolean('forced_down').notNullable().defaultTo(false);
    t.integer('vcpus').notNullable().defaultTo(0);
    t.bigInteger('memory_mb').notNullable().defaultTo(0);
    t.bigInteger('local_gb').notNullable().defaultTo(0);
    t.bigInteger('free_disk_gb').notNullable().defaultTo(0);
    t.string('hypervisor_type', 32).notNullable().defaultTo('QEMU');
    t.integer('hypervisor_version').notNullable().defaultTo(0);
    t.string('host_ip', 64);
    t.jsonb('cpu_info').notNullable().defaultTo('{}');
    t.timestamp('heartbeat_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('networks', (t) => {
    t.uuid('id').primary();
    t.string('name', 255).notNullable().unique();
    t.string('libvirt_name', 255).notNullable();
    t.string('cidr', 64).notNullable();
    t.string('gateway', 64).notNullable();
    t.string('mode', 16).notNullable(); // nat | user
  });
  await knex.schema.createTable('servers', (t) => {
    t.uuid('id').primary();
    t.increments('number'); // instance-%08x, as Nova names domains
    t.string('name', 255).notNullable();
    t.string('project_id', 64).notNullable();
    t.string('user_id', 64).notNullable();
    t.string('image_ref', 64);
    t.string('flavor_id', 255).notNullable();
    t.jsonb('flavor').notNullable(); // the flavor as it was at boot (Nova keeps a copy)
    t.string('vm_state', 32).notNullable();
    t.string('task_state', 32);
    t.integer('power_state').notNullable().defaultTo(0);
    t.string('host', 255);
    t.string('availability_zone', 255);
    t.string('key_name', 255);
    t.text('key_data');
    t.text('user_data');
    t.boolean('config_drive').notNullable().defaultTo(false);
    t.string('access_ip_v4', 64);
    t.string('access_ip_v6', 64);
    t.text('description');
    t.string('hostname', 255).notNullable();
    t.boolean('locked').notNullable().defaultTo(false);
    t.string('locked_by', 16);
    t.text('locked_reason');
    t.string('reservation_id', 64).notNullable();
    t.integer('launch_index').notNullable().defaultTo(0);
    t.string('server_group_id', 64);
    t.integer('progress').notNullable().defaultTo(0);
    t.jsonb('fault');
    t.jsonb('requested_networks').notNullable().defaultTo('"auto"');
    t.timestamp('launched_at', { useTz: true });
    t.timestamp('terminated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.index(['project_id', 'deleted_at']);
    t.index(['updated_at']);
    t.index(['host']);
  });
  await knex.schema.createTable('fixed_ips', (t) => {
    t.uuid('network_id').notNullable().references('networks.id').onDelete('CASCADE');
    t.string('address', 64).notNullable();
    t.string('mac', 17).notNullable().unique();
    t.uuid('server_id').notNullable().references('servers.id').onDelete('CASCADE');
    t.primary(['network_id', 'address']);
    t.index(['server_id']);
  });
  await knex.schema.createTable('server_metadata', (t) => {
    t.uuid('server_id').notNullable().references('servers.id').onDelete('CASCADE');
    t.string('key', 255).notNullable();
    t.text('value').notNullable();
    t.primary(['server_id', 'key']);
  });
  await knex.schema.createTable('server_tags', (t) => {
    t.uuid('server_id').notNullable().references('servers.id').onDelete('CASCADE');
    t.string('tag', 60).notNullable();
    t.primary(['server_id', 'tag']);
  });
  await knex.schema.createTable('instance_actions', (t) => {
    t.bigIncrements('id');
    t.uuid('server_id').notNullable().references('servers.id').onDelete('CASCADE');
    t.string('action', 64).notNullable();
    t.string('request_id', 64).notNullable();
    t.string('project_id', 64).notNullable();
    t.string('user_id', 64).notNullable();
    t.text('message');
    t.timestamp('start_time', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['server_id']);
  });
  await knex.schema.createTable('instance_action_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('action_id').notNullable().references('instance_actions.id').onDelete('CASCADE');
    t.string('event', 64).notNullable();
    t.string('result', 32);
    t.text('traceback');
    t.string('host', 255);
    t.timestamp('start_time', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finish_time', { useTz: true });
  });
  await knex.schema.createTable('server_groups', (t) => {
    t.uuid('id').primary();
    t.string('name', 255).notNullable();
    t.string('project_id', 64).notNullable();
    t.string('user_id', 64).notNullable();
    t.string('policy', 32).notNullable();
    t.jsonb('rules').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('aggregates', (t) => {
    t.increments('id');
    t.uuid('uuid').notNullable().unique();
    t.string('name', 255).notNullable().unique();
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true });
  });
  await knex.schema.createTable('aggregate_hosts', (t) => {
    t.integer('aggregate_id').notNullable().references('aggregates.id').onDelete('CASCADE');
    t.string('host', 255).notNullable();
    t.primary(['aggregate_id', 'host']);
  });
  // Per-project limits; a missing row means the default from config.
  await knex.schema.createTable('quotas', (t) => {
    t.string('project_id', 64).notNullable();
    t.string('resource', 64).notNullable();
    t.integer('hard_limit').notNullable();
    t.primary(['project_id', 'resource']);
  });
  // Long operations as jobs: claimed with FOR UPDATE SKIP LOCKED, so several processes share the work
  // and a job whose worker died is claimed again once its lease runs out.
  await knex.schema.createTable('tasks', (t) => {
    t.bigIncrements('id');
    t.string('kind', 64).notNullable();
    t.uuid('server_id');
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.string('state', 16).notNullable().defaultTo('pending'); // pending | running | done | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('request_id', 64);
    t.timestamp('run_after', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['state', 'run_after']);
    t.index(['server_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['tasks', 'quotas', 'aggregate_hosts', 'aggregates', 'server_groups', 'instance_action_events',
    'instance_actions', 'server_tags', 'server_metadata', 'fixed_ips', 'servers', 'networks', 'hosts', 'keypairs',
    'flavor_projects', 'flavors']) {
    await knex.schema.dropTableIfExists(table);
  }
}
