// A scripted libvirt daemon on a unix socket, for the paths a real daemon will not produce on
// demand: silence (timeouts), dropped connections, reordered replies, early events, pings.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePacket, PacketReader, PacketStatus, PacketType, type Packet } from '../../src/libvirt/packet.js';
import { Procedure, REMOTE_PROGRAM, RemoteErrorCodec } from '../../src/libvirt/remote-protocol.js';
import * as x from '../../src/libvirt/xdr.js';

export interface FakeClient {
  sock: net.Socket;
  received: Packet[];
  reply(call: Packet, body?: Buffer): void;
  replyError(call: Packet, code: number, message: string): void;
  send(h: Partial<Packet> & { procedure: number; type: number }, body?: Buffer): void;
}

export type Handler = (call: Packet, client: FakeClient) => void;

export class FakeLibvirtd {
  readonly dir = mkdtempSync(join(tmpdir(), 'vstest-fake-'));
  readonly path = join(this.dir, 'sock');
  readonly clients: FakeClient[] = [];
  private server = net.createServer((sock) => this.accept(sock));
  /** Calls other than the open handshake go here; unhandled calls are never answered. */
  handlers = new Map<number, Handler>();
  keepaliveSupported = true;

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.path, resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.sock.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(sock: net.Socket): void {
    const reader = new PacketReader();
    const send: FakeClient['send'] = (h, body) =>
      sock.write(
        encodePacket(
          { program: REMOTE_PROGRAM, version: 1, serial: 0, status: PacketStatus.OK, ...h },
          body,
        ),
      );
    const client: FakeClient = {
      sock,
      received: [],
      send,
      reply: (call, body) => send({ procedure: call.procedure, type: PacketType.REPLY, serial: call.serial }, body),
      replyError: (call, code, message) =>
        send(
          { procedure: call.procedure, type: PacketType.REPLY, serial: call.serial, status: PacketStatus.ERROR },
          x.encode(RemoteErrorCodec, {
            code, domain: 10, message, level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null,
          }),
        ),
    };
    this.clients.push(client);
    sock.on('error', () => {});
    sock.on('data', (chunk) => {
      for (const p of reader.push(chunk)) {
        client.received.push(p);
        if (p.program !== REMOTE_PROGRAM || p.type !== PacketType.CALL) continue;
        if (p.procedure === Procedure.AUTH_LIST) client.reply(p, x.encode(x.array(x.int), [0]));
        else if (p.procedure === Procedure.CONNECT_OPEN) client.reply(p);
        else if (p.procedure === Procedure.CONNECT_CLOSE) client.reply(p);
        else if (p.procedure === Procedure.CONNECT_SUPPORTS_FEATURE) client.reply(p, x.encode(x.int, this.keepaliveSupported ? 1 : 0));
        else this.handlers.get(p.procedure)?.(p, client);
      }
    });
  }
}
