// Glance's data: images (base attributes, extra properties, tags), image members, and the metadata
// definitions catalog (namespaces, objects, properties, tags, resource types and their associations).
// The catalog is seeded with a small part of what Glance ships in etc/metadefs/, so that lists are
// not empty and clients (Horizon, tempest) find a resource type to associate.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('images', (t) => {
    t.string('id', 36).primary();
    t.string('name', 255);
    t.string('status', 30).notNullable();
    t.string('visibility', 20).notNullable();
    t.string('owner', 255);
    t.string('disk_format', 20);
    t.string('container_format', 20);
    t.bigInteger('size');
    t.bigInteger('virtual_size');
    t.string('checksum', 32);
    t.string('os_hash_algo', 64);
    t.string('os_hash_value', 128);
    t.integer('min_ram').notNullable().defaultTo(0);
    t.integer('min_disk').notNullable().defaultTo(0);
    t.boolean('protected').notNullable().defaultTo(false);
    t.boolean('os_hidden').notNullable().defaultTo(false);
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.jsonb('tags').notNullable().defaultTo('[]');
    // Bytes held in the staging area (interoperable import), counted against the staging quota.
    t.bigInteger('staged_size');
    // Set while data is being written: which upload owns the image, and when it last made progress.
    t.string('upload_token', 64);
    t.timestamp('upload_heartbeat_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['owner']);
    t.index(['status']);
    t.index(['created_at', 'id']);
  });
  await knex.schema.createTable('image_members', (t) => {
    t.string('image_id', 36).notNullable().references('images.id').onDelete('CASCADE');
    t.string('member_id', 255).notNullable();
    t.string('status', 20).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['image_id', 'member_id']);
    t.index(['member_id']);
  });

  await knex.schema.createTable('metadef_namespaces', (t) => {
    t.string('id', 36).primary();
    t.string('namespace', 80).notNullable().unique();
    t.string('display_name', 80);
    t.text('description');
    t.string('visibility', 32).notNullable().defaultTo('private');
    t.boolean('protected').notNullable().defaultTo(false);
    t.string('owner', 255);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('metadef_objects', (t) => {
    t.string('namespace_id', 36).notNullable().references('metadef_namespaces.id').onDelete('CASCADE');
    t.string('name', 80).notNullable();
    t.text('description');
    t.jsonb('required').notNullable().defaultTo('[]');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['namespace_id', 'name']);
  });
  await knex.schema.createTable('metadef_properties', (t) => {
    t.string('namespace_id', 36).notNullable().references('metadef_namespaces.id').onDelete('CASCADE');
    t.string('name', 255).notNullable();
    // The property's JSON-schema fragment (title, type, enum, default, …) as the client sent it.
    t.jsonb('schema').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['namespace_id', 'name']);
  });
  await knex.schema.createTable('metadef_tags', (t) => {
    t.string('namespace_id', 36).notNullable().references('metadef_namespaces.id').onDelete('CASCADE');
    t.string('name', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['namespace_id', 'name']);
  });
  await knex.schema.createTable('metadef_resource_types', (t) => {
    t.string('name', 80).primary();
    t.boolean('protected').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('metadef_namespace_resource_types', (t) => {
    t.string('namespace_id', 36).notNullable().references('metadef_namespaces.id').onDelete('CASCADE');
    t.string('resource_type', 80).notNullable().references('metadef_resource_types.name');
    t.string('prefix', 80);
    t.string('properties_target', 80);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['namespace_id', 'resource_type']);
  });
  await seedCatalog(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'metadef_namespace_resource_types', 'metadef_resource_types', 'metadef_tags', 'metadef_properties',
    'metadef_objects', 'metadef_namespaces', 'image_members', 'images',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}

// Resource types and a few namespaces as Glance's etc/metadefs/ describes them (Nova reads these
// image properties: hw_*, os_*, hypervisor_type).
const RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server', 'OS::Cinder::Snapshot'];

interface SeedNamespace {
  id: string;
  namespace: string;
  display_name: string;
  description: string;
  associations: Array<{ resource_type: string; prefix?: string; properties_target?: string }>;
  properties: Record<string, Record<string, unknown>>;
  objects?: Array<{ name: string; description: string; properties: Record<string, unknown>; required?: string[] }>;
}

const NAMESPACES: SeedNamespace[] = [
  {
    id: '0b1c7b04-6f36-4a7b-9a8d-5f0c1e7d2a01',
    namespace: 'OS::Compute::Hypervisor',
    display_name: 'Hypervisor Selection',
    description: 'OpenStack Compute supports many hypervisors; an image may name the one it needs.',
    associations: [{ resource_type: 'OS::Glance::Image' }],
    properties: {
      hypervisor_type: {
        title: 'Hypervisor Type',
        description: 'Hypervisor type required by the image; the scheduler only picks hosts of this type.',
        type: 'string',
        enum: ['qemu', 'kvm', 'lxc', 'xen', 'vmware', 'hyperv'],
      },
      vm_mode: {
        title: 'VM Mode',
        description: 'The virtual machine mode: the host/guest ABI the image needs.',
        type: 'string',
        enum: ['hvm', 'xen', 'uml', 'exe'],
      },
    },
  },
  {
    id: '0b1c7b04-6f36-4a7b-9a8d-5f0c1e7d2a02',
    namespace: 'OS::Compute::LibvirtImage',
    display_name: 'libvirt Driver Options for Images',
    description: 'Image properties the libvirt compute driver reads when it builds a guest.',
    associations: [{ resource_type: 'OS::Glance::Image' }],
    properties: {
      hw_disk_bus: {
        title: 'Disk Bus',
        description: 'The bus the root disk is attached to.',
        type: 'string',
        enum: ['scsi', 'virtio', 'uml', 'xen', 'ide', 'usb', 'sata'],
      },
      hw_vif_model: {
        title: 'Virtual Network Interface',
        description: 'The model of the virtual network interface.',
        type: 'string',
        enum: ['e1000', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'e1000e', 'vmxnet3'],
      },
      hw_firmware_type: {
        title: 'Firmware Type',
        description: 'The firmware the guest boots with.',
        type: 'string',
        enum: ['bios', 'uefi'],
      },
      hw_qemu_guest_agent: {
        title: 'QEMU Guest Agent',
        description: 'Whether the guest runs the QEMU guest agent.',
        type: 'string',
        enum: ['yes', 'no'],
      },
    },
  },
  {
    id: '0b1c7b04-6f36-4a7b-9a8d-5f0c1e7d2a03',
    namespace: 'OS::Compute::Watchdog',
    display_name: 'Watchdog Behavior',
    description: 'A virtual hardware watchdog restarts, powers off or pauses a guest that stops responding.',
    associations: [
      { resource_type: 'OS::Glance::Image' },
      { resource_type: 'OS::Cinder::Volume', properties_target: 'image' },
      { resource_type: 'OS::Nova::Flavor', prefix: 'hw:' },
    ],
    properties: {
      hw_watchdog_action: {
        title: 'Watchdog Action',
        description: 'What the watchdog does when the guest stops responding.',
        type: 'string',
        enum: ['disabled', 'reset', 'poweroff', 'pause', 'none'],
      },
    },
  },
  {
    id: '0b1c7b04-6f36-4a7b-9a8d-5f0c1e7d2a04',
    namespace: 'OS::Software::DBMS',
    display_name: 'Database Software',
    description: 'Database software installed in the image.',
    associations: [{ resource_type: 'OS::Glance::Image' }, { resource_type: 'OS::Nova::Server', properties_target: 'metadata' }],
    properties: {},
    objects: [
      {
        name: 'PostgreSQL',
        description: 'PostgreSQL, an object-relational database.',
        properties: {
          'sw_database_postgresql_version': { title: 'Version', description: 'The installed version.', type: 'string' },
          'sw_database_postgresql_listen_port': { title: 'Listen Port', description: 'The TCP port it listens on.', type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
        },
      },
      {
        name: 'MySQL',
        description: 'MySQL, a relational database.',
        properties: {
          'sw_database_mysql_version': { title: 'Version', description: 'The installed version.', type: 'string' },
          'sw_database_mysql_listen_port': { title: 'Listen Port', description: 'The TCP port it listens on.', type: 'integer', minimum: 1, maximum: 65535, default: 3306 },
        },
      },
    ],
  },
];

async function seedCatalog(knex: Knex): Promise<void> {
  const now = new Date();
  await knex('metadef_resource_types').insert(RESOURCE_TYPES.map((name) => ({ name, protected: true, created_at: now, updated_at: now })));
  for (const ns of NAMESPACES) {
    await knex('metadef_namespaces').insert({
      id: ns.id, namespace: ns.namespace, display_name: ns.display_name, description: ns.description,
      visibility: 'public', protected: true, owner: 'admin', created_at: now, updated_at: now,
    });
    for (const a of ns.associations) {
      await knex('metadef_namespace_resource_types').insert({
        namespace_id: ns.id, resource_type: a.resource_type, prefix: a.prefix ?? null, properties_target: a.properties_target ?? null, created_at: now, updated_at: now,
      });
    }
    for (const [name, schema] of Object.entries(ns.properties)) {
      await knex('metadef_properties').insert({ namespace_id: ns.id, name, schema: JSON.stringify(schema), created_at: now, updated_at: now });
    }
    for (const o of ns.objects ?? []) {
      await knex('metadef_objects').insert({
        namespace_id: ns.id, name: o.name, description: o.description, required: JSON.stringify(o.required ?? []),
        properties: JSON.stringify(o.properties), created_at: now, updated_at: now,
      });
    }
  }
}
