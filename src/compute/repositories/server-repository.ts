import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';
import type { FlavorRow } from './flavor-repository.js';

export interface FaultInfo {
  code: number;
  message: string;
  details?: string;
  created: string;
}

export interface ServerRow {
  id: string;
  number: number;
  name: string;
  project_id: string;
  user_id: string;
  image_ref: string | null;
  flavor_id: string;
  flavor: FlavorRow;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  availability_zone: string | null;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  config_drive: boolean;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  description: string | null;
  hostname: string;
  locked: boolean;
  locked_by: string | null;
  locked_reason: string | null;
  reservation_id: string;
  launch_index: number;
  server_group_id: string | null;
  progress: number;
  fault: FaultInfo | null;
  requested_networks: unknown;
  /** Names of the security groups the server is in. */
  security_groups: string[];
  launched_at: Date | null;
  terminated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface FixedIpRow {
  network_id: string;
  address: string;
  mac: string;
  server_id: string;
}

export interface ServerWithDetails extends ServerRow {
  metadata: Record<string, string>;
  tags: string[];
  addresses: Array<FixedIpRow & { network_name: string; cidr: string; gateway: string; libvirt_name: string; mode: string }>;
}

export interface ServerFilters {
  projectId?: string;
  /** Include deleted servers (changes-since, or deleted=true for admins). */
  includeDeleted?: boolean;
  onlyDeleted?: boolean;
  nameRegex?: string;
  vmStates?: string[];
  taskStates?: Array<string | null>;
  imageRef?: string;
  flavorId?: string;
  changesSince?: Date;
  changesBefore?: Date;
  ipRegex?: string;
  host?: string;
  reservationId?: string;
  userId?: string;
  availabilityZone?: string;
  locked?: boolean;
  tagsAll?: string[];
  tagsAny?: string[];
  notTagsAll?: string[];
  notTagsAny?: string[];
  sortKeys: Array<{ column: string; order: 'asc' | 'desc' }>;
  limit?: number;
  marker?: ServerRow;
}

/** Columns a list may sort by (Nova's sort keys that map onto this table). */
export const SERVER_SORT_COLUMNS: Record<string, string> = {
  created_at: 'created_at', updated_at: 'updated_at', display_name: 'name', hostname: 'hostname', uuid: 'id',
  vm_state: 'vm_state', task_state: 'task_state', power_state: 'power_state', project_id: 'project_id',
  user_id: 'user_id', launched_at: 'launched_at', terminated_at: 'terminated_at', availability_zone: 'availability_zone',
  image_ref: 'image_ref', instance_type_id: 'flavor_id', key_name: 'key_name', locked: 'locked', host: 'host',
  node: 'host', display_description: 'description', launch_index: 'launch_index', progress: 'progress',
  config_drive: 'config_drive', access_ip_v4: 'access_ip_v4', access_ip_v6: 'access_ip_v6', id: 'number',
};

function toColumns(row: Partial<ServerRow>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...row };
  for (const k of ['flavor', 'fault', 'requested_networks', 'security_groups']) if (k in c && c[k] !== null && c[k] !== undefined) c[k] = JSON.stringify(c[k]);
  return c;
}

export class ServerRepository {
  constructor(private readonly db: Database) {}

  private q(trx?: Knex.Transaction) {
    return (trx ?? this.db)('servers');
  }

  async insert(row: Omit<ServerRow, 'number' | 'created_at' | 'updated_at' | 'deleted_at' | 'security_groups'>, trx?: Knex.Transaction): Promise<ServerRow> {
    const [saved] = await this.q(trx).insert(toColumns(row as Partial<ServerRow>)).returning('*');
    return saved;
  }

  /** A server that is not deleted (or, with includeDeleted, any). */
  async get(id: string, opts: { includeDeleted?: boolean } = {}): Promise<ServerRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const q = this.q().where({ id });
    if (!opts.includeDeleted) q.whereNull('deleted_at');
    return q.first();
  }

  /** The servers that are not deleted among `ids` (ids that cannot name a server are skipped). */
  async getMany(ids: string[]): Promise<ServerRow[]> {
    const valid = [...new Set(ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id)).map((id) => id.toLowerCase()))];
    return valid.length ? this.q().whereIn('id', valid).whereNull('deleted_at') : [];
  }

  /**
   * Compare-and-swap on the state columns (Nova's instance.save(expected_task_state=…)).
   * Returns the updated row, or undefined when the server was not in an expected state.
   */
  async transition(
    id: string,
    expect: { vmStates?: string[]; taskStates?: Array<string | null>; notDeleted?: boolean; unchangedSince?: Date },
    set: Partial<ServerRow>,
    trx?: Knex.Transaction,
  ): Promise<ServerRow | undefined> {
    const q = this.q(trx).where({ id });
    if (expect.notDeleted !== false) q.whereNull('deleted_at');
    if (expect.vmStates) q.whereIn('vm_state', expect.vmStates);
    if (expect.unchangedSince) q.where('updated_at', '<', expect.unchangedSince);
    if (expect.taskStates) {
      const states = expect.taskStates.filter((s): s is string => s !== null);
      const allowNull = expect.taskStates.includes(null);
      q.where((w) => {
        if (states.length) w.whereIn('task_state', states);
        if (allowNull) w.orWhereNull('task_state');
      });
    }
    const [row] = await q.update({ ...toColumns(set), updated_at: this.db.fn.now() }).returning('*');
    return row;
  }

  async update(id: string, set: Partial<ServerRow>, trx?: Knex.Transaction): Promise<ServerRow | undefined> {
    const [row] = await this.q(trx).where({ id }).update({ ...toColumns(set), updated_at: this.db.fn.now() }).returning('*');
    return row;
  }

  async list(f: ServerFilters): Promise<ServerRow[]> {
    const q = this.q().select('servers.*');
    if (f.projectId) q.where('project_id', f.projectId);
    if (f.onlyDeleted) q.whereNotNull('deleted_at');
    else if (!f.includeDeleted) q.whereNull('deleted_at');
    if (f.nameRegex !== undefined) q.whereRaw('name ~ ?', [f.nameRegex]);
    if (f.vmStates) q.whereIn('vm_state', f.vmStates);
    if (f.taskStates) {
      const states = f.taskStates.filter((s): s is string => s !== null);
      q.where((w) => {
        if (states.length) w.whereIn('task_state', states);
        if (f.taskStates!.includes(null)) w.orWhereNull('task_state');
      });
    }
    if (f.imageRef) q.where('image_ref', f.imageRef);
    if (f.flavorId) q.where('flavor_id', f.flavorId);
    if (f.changesSince) q.where('updated_at', '>=', f.changesSince);
    if (f.changesBefore) q.where('updated_at', '<=', f.changesBefore);
    if (f.host) q.where('host', f.host);
    if (f.reservationId) q.where('reservation_id', f.reservationId);
    if (f.userId) q.where('user_id', f.userId);
    if (f.availabilityZone) q.where('availability_zone', f.availabilityZone);
    if (f.locked !== undefined) q.where('locked', f.locked);
    if (f.ipRegex !== undefined) {
      q.whereExists(this.db('fixed_ips').whereRaw('fixed_ips.server_id = servers.id').whereRaw('address ~ ?', [f.ipRegex]));
    }
    for (const tag of f.tagsAll ?? []) q.whereExists(this.db('server_tags').whereRaw('server_tags.server_id = servers.id').where('tag', tag));
    if (f.tagsAny?.length) q.whereExists(this.db('server_tags').whereRaw('server_tags.server_id = servers.id').whereIn('tag', f.tagsAny));
    if (f.notTagsAll?.length) {
      q.whereRaw(`(SELECT count(DISTINCT tag) FROM server_tags WHERE server_tags.server_id = servers.id AND tag = ANY(?)) < ?`, [f.notTagsAll, f.notTagsAll.length]);
    }
    if (f.notTagsAny?.length) q.whereNotExists(this.db('server_tags').whereRaw('server_tags.server_id = servers.id').whereIn('tag', f.notTagsAny));
    if (f.marker) {
      // Keyset pagination on the sort keys, then the row number to break ties.
      const keys = [...f.sortKeys, { column: 'number', order: f.sortKeys[0]?.order ?? 'desc' }];
      const marker = f.marker as unknown as Record<string, unknown>;
      q.where((outer) => {
        keys.forEach((key, i) => {
          outer.orWhere((w) => {
            for (const prev of keys.slice(0, i)) {
              const v = marker[prev.column];
              if (v === null) w.whereNull(prev.column);
              else w.where(prev.column, v as never);
            }
            const v = marker[key.column];
            const op = key.order === 'asc' ? '>' : '<';
            if (v === null) {
              // NULLs sort last ascending in PostgreSQL: after a NULL marker nothing follows ascending.
              if (key.order === 'desc') w.whereNotNull(key.column);
              else w.whereRaw('false');
            } else if (key.order === 'asc') w.where((x) => x.where(key.column, op, v as never).orWhereNull(key.column));
            else w.where(key.column, op, v as never);
          });
        });
      });
    }
    for (const key of f.sortKeys) q.orderBy(key.column, key.order, key.order === 'asc' ? 'last' : 'first');
    q.orderBy('number', f.sortKeys[0]?.order ?? 'desc');
    if (f.limit !== undefined) q.limit(f.limit);
    return q;
  }

  /** Metadata, tags and addresses of many servers in three queries (never one per server). */
  async details(rows: ServerRow[]): Promise<ServerWithDetails[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [meta, tags, ips] = await Promise.all([
      this.db('server_metadata').whereIn('server_id', ids).orderBy(['server_id', 'key']),
      this.db('server_tags').whereIn('server_id', ids).orderBy(['server_id', 'tag']),
      this.db('fixed_ips')
        .join('networks', 'networks.id', 'fixed_ips.network_id')
        .whereIn('server_id', ids)
        .select('fixed_ips.*', 'networks.name as network_name', 'networks.cidr', 'networks.gateway', 'networks.libvirt_name', 'networks.mode')
        .orderBy(['server_id', 'address']),
    ]);
    const by = <T extends { server_id: string }>(list: T[]) => {
      const m = new Map<string, T[]>();
      for (const x of list) m.set(x.server_id, [...(m.get(x.server_id) ?? []), x]);
      return m;
    };
    const metaBy = by(meta);
    const tagsBy = by(tags);
    const ipsBy = by(ips);
    return rows.map((r) => ({
      ...r,
      metadata: Object.fromEntries((metaBy.get(r.id) ?? []).map((m: { key: string; value: string }) => [m.key, m.value])),
      tags: (tagsBy.get(r.id) ?? []).map((t: { tag: string }) => t.tag),
      addresses: ipsBy.get(r.id) ?? [],
    }));
  }

  async setMetadata(serverId: string, items: Record<string, string>, replace: boolean, trx?: Knex.Transaction): Promise<void> {
    const run = async (t: Knex.Transaction) => {
      if (replace) await t('server_metadata').where({ server_id: serverId }).delete();
      for (const [key, value] of Object.entries(items)) {
        await t('server_metadata').insert({ server_id: serverId, key, value }).onConflict(['server_id', 'key']).merge();
      }
      await t('servers').where({ id: serverId }).update({ updated_at: t.fn.now() });
    };
    if (trx) await run(trx);
    else await this.db.transaction(run);
  }

  async deleteMetadata(serverId: string, key: string): Promise<boolean> {
    return (await this.db('server_metadata').where({ server_id: serverId, key }).delete()) > 0;
  }

  async countMetadata(serverId: string): Promise<number> {
    const [{ n }] = await this.db('server_metadata').where({ server_id: serverId }).count({ n: '*' });
    return Number(n);
  }

  async setTags(serverId: string, tags: string[]): Promise<void> {
    await this.db.transaction(async (t) => {
      await t('server_tags').where({ server_id: serverId }).delete();
      for (const tag of new Set(tags)) await t('server_tags').insert({ server_id: serverId, tag });
      await t('servers').where({ id: serverId }).update({ updated_at: t.fn.now() });
    });
  }

  async addTag(serverId: string, tag: string): Promise<boolean> {
    const rows = await this.db('server_tags').insert({ server_id: serverId, tag }).onConflict(['server_id', 'tag']).ignore().returning('tag');
    return rows.length > 0;
  }

  async deleteTag(serverId: string, tag: string): Promise<boolean> {
    return (await this.db('server_tags').where({ server_id: serverId, tag }).delete()) > 0;
  }

  async countTags(serverId: string): Promise<number> {
    const [{ n }] = await this.db('server_tags').where({ server_id: serverId }).count({ n: '*' });
    return Number(n);
  }

  /** Resources in use by a project's servers that are not deleted (Nova's quota usages). */
  async usage(projectId: string, trx?: Knex.Transaction): Promise<{ instances: number; cores: number; ram: number }> {
    const { rows } = await (trx ?? this.db).raw(
      `SELECT count(*)::int AS instances, coalesce(sum((flavor->>'vcpus')::int), 0)::int AS cores,
              coalesce(sum((flavor->>'ram')::int), 0)::int AS ram
       FROM servers WHERE project_id = ? AND deleted_at IS NULL`,
      [projectId],
    );
    return rows[0];
  }

  async onHost(host: string): Promise<ServerRow[]> {
    return this.q().where({ host }).whereNull('deleted_at');
  }

  async all(): Promise<ServerRow[]> {
    return this.q().whereNull('deleted_at');
  }
}
