import type { Database } from '../../db/database.js';
import type { ServerRow } from './server-repository.js';

/**
 * Servers that ran during a period, deleted ones included (Nova's instance_get_active_by_window_joined):
 * launched before its end and not terminated before its start, ordered by project then id, paged by
 * a server id marker.
 */
export class UsageRepository {
  constructor(private readonly db: Database) {}

  async activeInWindow(opts: { start: Date; end: Date; projectId?: string; limit?: number; marker?: ServerRow }): Promise<ServerRow[]> {
    const q = this.db('servers')
      .where((w) => w.whereNull('terminated_at').orWhere('terminated_at', '>', opts.start))
      .where('launched_at', '<', opts.end);
    if (opts.projectId) q.where('project_id', opts.projectId);
    if (opts.marker) {
      const m = opts.marker;
      q.where((w) => w.where('project_id', '>', m.project_id).orWhere((x) => x.where('project_id', m.project_id).where('id', '>', m.id)));
    }
    q.orderBy([{ column: 'project_id', order: 'asc' }, { column: 'id', order: 'asc' }]);
    if (opts.limit !== undefined) q.limit(opts.limit);
    return q;
  }

  /** Any server, deleted or not (a marker may name a deleted server). */
  async find(id: string): Promise<ServerRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return this.db('servers').where({ id }).first();
  }
}
