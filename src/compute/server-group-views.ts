// Nova's server group JSON (server_groups.py _format_server_group). Gates: 2.13 adds project_id and
// user_id; the policy stays a one-item `policies` list with an empty `metadata` before 2.64.
import type { ApiVersion } from './api-version.js';
import type { ServerGroup } from './server-group-service.js';

export function serverGroupView(g: ServerGroup, v: ApiVersion) {
  const body: Record<string, unknown> = { id: g.id, name: g.name, policies: [g.policy], members: g.members, metadata: {} };
  if (v.atLeast('2.13')) {
    body.project_id = g.project_id;
    body.user_id = g.user_id;
  }
  return body;
}
