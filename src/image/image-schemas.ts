// The JSON schemas Glance serves under /v2/schemas (glance/api/v2/images.py get_schema,
// image_members.py, metadef_*.py). python-glanceclient builds its models from them and validates
// what the user types against them, so their names, types and enums must be Glance's.
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
export const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'];
const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

export function imageSchema(): Record<string, unknown> {
  return {
    name: 'image',
    properties: {
      id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
      status: { type: 'string', readOnly: true, description: 'Status of the image', enum: IMAGE_STATUSES },
      visibility: { type: 'string', description: 'Scope of image accessibility', enum: ['community', 'public', 'private', 'shared'] },
      protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
      os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
      checksum: { type: ['null', 'string'], readOnly: true, description: 'md5 hash of image contents.', maxLength: 32 },
      os_hash_algo: { type: ['null', 'string'], readOnly: true, description: 'Algorithm to calculate the os_hash_value', maxLength: 64 },
      os_hash_value: { type: ['null', 'string'], readOnly: true, description: 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', maxLength: 128 },
      owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
      size: { type: ['null', 'integer'], readOnly: true, description: 'Size of image file in bytes' },
      virtual_size: { type: ['null', 'integer'], readOnly: true, description: 'Virtual size of image in bytes' },
      container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
      disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
      created_at: { type: 'string', readOnly: true, description: 'Date and time of image registration' },
      updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last image modification' },
      tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
      direct_url: { type: 'string', readOnly: true, description: 'URL to access the image file kept in external store' },
      min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
      min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
      self: { type: 'string', readOnly: true, description: 'An image self url' },
      file: { type: 'string', readOnly: true, description: 'An image file url' },
      stores: { type: 'string', readOnly: true, description: 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.' },
      schema: { type: 'string', readOnly: true, description: 'An image schema url' },
      locations: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            url: { type: 'string', maxLength: 255 },
            metadata: { type: 'object' },
            validation_data: {
              description: "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
              type: 'object',
              writeOnly: true,
              additionalProperties: false,
              properties: {
                checksum: { type: 'string', minLength: 32, maxLength: 32 },
                os_hash_algo: { type: 'string', maxLength: 64 },
                os_hash_value: { type: 'string', maxLength: 128 },
              },
              required: ['os_hash_algo', 'os_hash_value'],
            },
          },
          required: ['url', 'metadata'],
        },
        description: 'A set of URLs to access the image file kept in external store',
      },
      kernel_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.', is_base: false },
      ramdisk_id: { type: ['null', 'string'], pattern: UUID_PATTERN, description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.', is_base: false },
      instance_uuid: { type: 'string', description: 'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)', is_base: false },
      architecture: { description: 'Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', type: 'string', is_base: false },
      os_distro: { description: 'Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html', type: 'string', is_base: false },
      os_version: { description: 'Operating system version as specified by the distributor.', type: 'string', is_base: false },
      description: { description: 'A human-readable string describing this image.', type: 'string', is_base: false },
    },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** Properties that are not base attributes but that the schema types (is_base: false). */
export const TYPED_EXTRA_PROPERTIES = ['kernel_id', 'ramdisk_id', 'instance_uuid', 'architecture', 'os_distro', 'os_version', 'description'];

function collection(name: string, itemName: string, item: Record<string, unknown>, paging = true): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    [itemName]: { type: 'array', items: item },
    schema: { type: 'string' },
  };
  const links = [{ rel: 'describedby', href: '{schema}' }];
  if (paging) {
    properties.first = { type: 'string' };
    properties.next = { type: 'string' };
    links.unshift({ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' });
  }
  return { name, properties, links };
}

export function imagesSchema(): Record<string, unknown> {
  return collection('images', 'images', imageSchema());
}

export function memberSchema(): Record<string, unknown> {
  return {
    name: 'member',
    properties: {
      member_id: { type: 'string', description: 'An identifier for the image member (tenantId)' },
      image_id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
      created_at: { type: 'string', description: 'Date and time of image member creation' },
      updated_at: { type: 'string', description: 'Date and time of last modification of image member' },
      status: { type: 'string', description: 'The status of this image member', enum: ['pending', 'accepted', 'rejected'] },
      schema: { readOnly: true, type: 'string' },
    },
  };
}

export function membersSchema(): Record<string, unknown> {
  return { name: 'members', properties: { members: { type: 'array', items: memberSchema() }, schema: { type: 'string' } }, links: [{ rel: 'describedby', href: '{schema}' }] };
}

// Metadata definitions (glance/api/v2/metadef_*.py get_schema).
const PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', null];

function propertyDefinition(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['title', 'type'],
    properties: {
      name: { type: 'string', maxLength: 255 },
      title: { type: 'string' },
      description: { type: 'string' },
      operators: { type: 'array', items: { type: 'string' } },
      type: { type: 'string', enum: PROPERTY_TYPES },
      required: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
      minimum: { type: 'number' },
      maximum: { type: 'number' },
      maxLength: { type: 'integer', minimum: 0 },
      minLength: { type: 'integer', minimum: 0 },
      pattern: { type: 'string', format: 'regex' },
      enum: { type: 'array' },
      readonly: { type: 'boolean' },
      default: {},
      items: { type: 'object', properties: { type: { type: 'string', enum: PROPERTY_TYPES }, enum: { type: 'array' } } },
      maxItems: { type: 'integer', minimum: 0 },
      minItems: { type: 'integer', minimum: 0 },
      uniqueItems: { type: 'boolean', default: false },
      additionalItems: { type: 'boolean' },
    },
  };
}

const timestamps = {
  created_at: { type: 'string', readOnly: true, description: 'Date and time of creation', format: 'date-time' },
  updated_at: { type: 'string', readOnly: true, description: 'Date and time of the last modification', format: 'date-time' },
};

export function metadefPropertySchema(): Record<string, unknown> {
  return { name: 'property', ...propertyDefinition(), additionalProperties: false };
}

export function metadefPropertiesSchema(): Record<string, unknown> {
  return {
    name: 'properties',
    properties: { properties: { type: 'object', additionalProperties: propertyDefinition() }, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
    links: [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }],
  };
}

export function metadefObjectSchema(): Record<string, unknown> {
  return {
    name: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', maxLength: 80 },
      description: { type: 'string' },
      required: { type: 'array', items: { type: 'string' } },
      properties: { type: 'object', additionalProperties: propertyDefinition() },
      schema: { type: 'string', readOnly: true },
      self: { type: 'string', readOnly: true },
      ...timestamps,
    },
  };
}

export function metadefObjectsSchema(): Record<string, unknown> {
  return collection('objects', 'objects', metadefObjectSchema());
}

export function metadefTagSchema(): Record<string, unknown> {
  return { name: 'tag', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 255 }, ...timestamps } };
}

export function metadefTagsSchema(): Record<string, unknown> {
  return collection('tags', 'tags', metadefTagSchema());
}

export function resourceTypeAssociationSchema(): Record<string, unknown> {
  return {
    name: 'resource_type_association',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', maxLength: 80, description: 'Resource type names should be aligned with Heat resource types whenever possible: https://docs.openstack.org/heat/latest/template_guide/openstack.html' },
      prefix: { type: 'string', maxLength: 80, description: 'Specifies the prefix to use for the given resource type. Any properties in the namespace should be prefixed with this prefix when being applied to the specified resource type.' },
      properties_target: { type: 'string', maxLength: 80, description: 'Some resource types allow more than one key / value pair per instance. This specifies which of those the namespace targets.' },
      ...timestamps,
    },
  };
}

export function resourceTypeAssociationsSchema(): Record<string, unknown> {
  return collection('resource_type_associations', 'resource_type_associations', resourceTypeAssociationSchema());
}

export function namespaceSchema(): Record<string, unknown> {
  return {
    name: 'namespace',
    required: ['namespace'],
    additionalProperties: false,
    properties: {
      namespace: { type: 'string', maxLength: 80, description: 'The unique namespace text.' },
      display_name: { type: 'string', maxLength: 80, description: 'The user friendly name for the namespace. Used by UI if available.' },
      description: { type: 'string', maxLength: 500, description: 'Provides a user friendly description of the namespace.' },
      visibility: { type: 'string', enum: ['public', 'private'], description: 'Scope of namespace accessibility.' },
      protected: { type: 'boolean', description: 'If true, namespace will not be deletable.' },
      owner: { type: 'string', maxLength: 255, description: 'Owner of the namespace.' },
      schema: { type: 'string', readOnly: true },
      self: { type: 'string', readOnly: true },
      resource_type_associations: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } } } },
      properties: { type: 'object', additionalProperties: propertyDefinition() },
      objects: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' }, required: { type: 'array', items: { type: 'string' } }, properties: { type: 'object', additionalProperties: propertyDefinition() } } } },
      tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
      ...timestamps,
    },
  };
}

export function namespacesSchema(): Record<string, unknown> {
  return collection('namespaces', 'namespaces', namespaceSchema());
}

export const SCHEMAS: Record<string, () => Record<string, unknown>> = {
  image: imageSchema,
  images: imagesSchema,
  member: memberSchema,
  members: membersSchema,
  'metadefs/namespace': namespaceSchema,
  'metadefs/namespaces': namespacesSchema,
  'metadefs/object': metadefObjectSchema,
  'metadefs/objects': metadefObjectsSchema,
  'metadefs/property': metadefPropertySchema,
  'metadefs/properties': metadefPropertiesSchema,
  'metadefs/tag': metadefTagSchema,
  'metadefs/tags': metadefTagsSchema,
  'metadefs/resource_type': resourceTypeAssociationSchema,
  'metadefs/resource_types': resourceTypeAssociationsSchema,
};
