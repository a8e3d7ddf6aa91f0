// Events about servers sent by other services (os-server-external-events, as Nova's
// server_external_events.py): each event gets its own answer — 200 accepted, 404 no such server, 422 a
// server on no host (it never got one, so no host could act on the event) — and the request as a whole
// 200, 207 when any event was refused, 404 when none was accepted.
//
// The network events (the only names up to 2.50) ask a compute host to refresh what it knows of a
// server's ports from Neutron. virtstack has no network service behind it: a server's addresses are
// virtstack's own, pinned in libvirt's DHCP at build time, so there is nothing to refresh and an
// accepted event is acknowledged.
import { NotFoundError } from '../http/errors.js';
import type { ServerRepository } from './repositories/server-repository.js';

export interface ExternalEvent {
  server_uuid: string;
  name: string;
  status?: string;
  tag?: string;
}

export interface ExternalEventResult extends ExternalEvent {
  status: string;
  code: 200 | 404 | 422;
}

export class ExternalEventService {
  constructor(private readonly servers: ServerRepository) {}

  async create(events: ExternalEvent[]): Promise<{ code: 200 | 207; events: ExternalEventResult[] }> {
    const found = new Map((await this.servers.getMany(events.map((e) => e.server_uuid))).map((s) => [s.id.toLowerCase(), s]));
    let code: 200 | 207 = 200;
    const results = events.map((event): ExternalEventResult => {
      const server = found.get(event.server_uuid.toLowerCase());
      if (!server || !server.host) {
        code = 207;
        return { ...event, status: 'failed', code: server ? 422 : 404 };
      }
      return { ...event, status: 'completed', code: 200 };
    });
    if (!results.some((r) => r.code === 200)) throw new NotFoundError('No instances found for any event');
    return { code, events: results };
  }
}
