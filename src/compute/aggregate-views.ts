// Nova's aggregate JSON (aggregates.py _marshall_aggregate): the object's fields with naive
// timestamps; create omits hosts and metadata. Gate: 2.41 shows the uuid.
import type { ApiVersion } from './api-version.js';
import type { AggregateRow } from './repositories/aggregate-repository.js';
import { isoMicrosNoZone } from './server-views.js';

export function aggregateView(a: AggregateRow, v: ApiVersion, opts: { created?: boolean } = {}) {
  const body: Record<string, unknown> = { id: a.id };
  if (v.atLeast('2.41')) body.uuid = a.uuid;
  body.name = a.name;
  if (!opts.created) {
    body.hosts = a.hosts;
    body.metadata = a.metadata;
  }
  Object.assign(body, {
    created_at: isoMicrosNoZone(a.created_at),
    updated_at: isoMicrosNoZone(a.updated_at),
    deleted_at: null,
    deleted: false,
    availability_zone: a.metadata.availability_zone ?? null,
  });
  return body;
}
