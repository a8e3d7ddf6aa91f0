// Nova's quota set JSON. Gates: the nova-network quotas go at 2.36; quota classes omit server_groups
// and server_group_members before 2.50 (quota_classes.py EXTENDED_QUOTAS).
import type { ApiVersion } from './api-version.js';
import { ALL_QUOTAS, NETWORK_QUOTAS } from './quota-set-service.js';

const SERVER_GROUP_QUOTAS = ['server_groups', 'server_group_members'];

function shown(v: ApiVersion): string[] {
  return ALL_QUOTAS.filter((k) => !(v.atLeast('2.36') && (NETWORK_QUOTAS as readonly string[]).includes(k)));
}

export function quotaSetView<T>(values: Record<string, T>, v: ApiVersion, id?: string) {
  const body: Record<string, unknown> = id !== undefined ? { id } : {};
  for (const k of shown(v)) if (k in values) body[k] = values[k];
  return { quota_set: body };
}

export function quotaClassSetView(values: Record<string, number>, v: ApiVersion, id?: string) {
  const body: Record<string, unknown> = id !== undefined ? { id } : {};
  for (const k of ALL_QUOTAS) {
    if (v.before('2.50') && SERVER_GROUP_QUOTAS.includes(k)) continue;
    if (k in values) body[k] = values[k];
  }
  return { quota_class_set: body };
}
