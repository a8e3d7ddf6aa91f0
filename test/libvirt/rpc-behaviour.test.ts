// Connection behaviour a real daemon does not show on demand, against a scripted daemon.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnixDialer } from '../../src/libvirt/dialer.js';
import { DomainEventId } from '../../src/libvirt/libvirt-constants.js';
import { LibvirtConnection } from '../../src/libvirt/libvirt-connection.js';
import {
  isNoDomain,
  LibvirtConnectionError,
  LibvirtError,
  LibvirtTimeoutError,
} from '../../src/libvirt/libvirt-error.js';
import { KEEPALIVE_PROGRAM, KeepaliveProcedure, PacketType } from '../../src/libvirt/packet.js';
import {
  DomainEventCallbackLifecycleMsgCodec,
  Procedure,
} from '../../src/libvirt/remote-protocol.js';
import * as x from '../../src/libvirt/xdr.js';
import { FakeLibvirtd } from './fake-libvirtd.js';

let fake: FakeLibvirtd;
const dom = { name: 'vstest-fake', uuid: Buffer.alloc(16, 1), id: 1 };
const open = (opts: Parameters<typeof LibvirtConnection.open>[1] = {}) =>
  LibvirtConnection.open('test:///default', { dialer: new UnixDialer(fake.path), keepaliveIntervalMs: 0, ...opts });

before(async () => {
  fake = await new FakeLibvirtd().listen();
});
after(async () => {
  await fake.close();
});

test('a call with no reply fails with LibvirtTimeoutError, and the connection stays usable', async () => {
  fake.handlers.clear();
  fake.handlers.set(Procedure.CONNECT_GET_HOSTNAME, (call, c) => c.reply(call, x.encode(x.string(), 'fakehost')));
  const conn = await open({ callTimeoutMs: 150 });
  try {
    const t0 = Date.now();
    await assert.rejects(conn.domainGetState(dom), (err: Error) => {
      assert.ok(err instanceof LibvirtTimeoutError);
      assert.match(err.message, /DOMAIN_GET_STATE timed out after 150 ms/);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(await conn.connectGetHostname(), 'fakehost');
    // A per-view timeout overrides the connection's.
    await assert.rejects(conn.withTimeout(30).domainGetState(dom), /timed out after 30 ms/);
  } finally {
    await conn.close();
  }
});

test('replies are matched by serial when they come out of order', async () => {
  const held: [ReturnType<typeof fake.clients.at>, import('../../src/libvirt/packet.js').Packet][] = [];
  fake.handlers.clear();
  fake.handlers.set(Procedure.CONNECT_GET_HOSTNAME, (call, c) => {
    held.push([c, call]);
    if (held.length === 3) {
      for (const [client, p] of held.reverse()) client!.reply(p, x.encode(x.string(), `host-${p.serial}`));
    }
  });
  const conn = await open();
  try {
    const results = await Promise.all([conn.connectGetHostname(), conn.connectGetHostname(), conn.connectGetHostname()]);
    const serials = held.map(([, p]) => p.serial).sort((a, b) => a - b);
    assert.deepEqual(results, serials.map((s) => `host-${s}`));
  } finally {
    await conn.close();
  }
});

test('an error reply becomes a LibvirtError with code, domain and message', async () => {
  fake.handlers.clear();
  fake.handlers.set(Procedure.DOMAIN_LOOKUP_BY_NAME, (call, c) => c.replyError(call, 42, "Domain not found: no domain with matching name 'x'"));
  const conn = await open();
  try {
    await assert.rejects(conn.domainLookupByName('x'), (err: unknown) => {
      assert.ok(err instanceof LibvirtError);
      assert.equal(err.code, 42);
      assert.equal(err.domain, 10);
      assert.equal(err.procedure, 'DOMAIN_LOOKUP_BY_NAME');
      assert.match(err.message, /no domain with matching name/);
      assert.ok(isNoDomain(err));
      return true;
    });
  } finally {
    await conn.close();
  }
});

test('events that arrive before the registration reply are delivered', async () => {
  fake.handlers.clear();
  fake.handlers.set(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, (call, c) => {
    c.send(
      { procedure: Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, type: PacketType.MESSAGE },
      x.encode(DomainEventCallbackLifecycleMsgCodec, { callbackID: 7, msg: { dom, event: 2, detail: 0 } }),
    );
    c.reply(call, x.encode(x.int, 7));
    c.send(
      { procedure: Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, type: PacketType.MESSAGE },
      x.encode(DomainEventCallbackLifecycleMsgCodec, { callbackID: 7, msg: { dom, event: 5, detail: 1 } }),
    );
  });
  const conn = await open();
  try {
    const seen: number[] = [];
    const got = new Promise<void>((resolve) => {
      void conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => {
        assert.equal(e.dom.name, 'vstest-fake');
        seen.push(e.event);
        if (seen.length === 2) resolve();
      });
    });
    await got;
    assert.deepEqual(seen, [2, 5]);
  } finally {
    await conn.close();
  }
});

test('keepalive: daemon pings are answered, and a silent daemon is dropped', async () => {
  fake.handlers.clear();
  const conn = await open({ keepaliveIntervalMs: 50, keepaliveCount: 2, callTimeoutMs: 30_000, reconnect: false });
  const client = fake.clients.at(-1)!;
  client.send({ program: KEEPALIVE_PROGRAM, procedure: KeepaliveProcedure.PING, type: PacketType.MESSAGE });
  await sleep(30);
  assert.ok(
    client.received.some((p) => p.program === KEEPALIVE_PROGRAM && p.procedure === KeepaliveProcedure.PONG),
    'PONG sent',
  );
  // The fake never answers our pings: after ~3 intervals the call in flight fails.
  const t0 = Date.now();
  const disconnected = new Promise((resolve) => conn.once('disconnect', resolve));
  await assert.rejects(conn.domainGetState(dom), (err: Error) => {
    assert.ok(err instanceof LibvirtConnectionError);
    assert.match(err.message, /no keepalive response/);
    return true;
  });
  assert.ok(Date.now() - t0 < 2000, `dropped after ${Date.now() - t0} ms`);
  await disconnected;
  assert.ok(client.received.some((p) => p.program === KEEPALIVE_PROGRAM && p.procedure === KeepaliveProcedure.PING), 'we pinged');
  await conn.close();
});

test('when the connection dies, every pending call fails at once; then it reconnects and re-registers events', async () => {
  fake.handlers.clear();
  let registrations = 0;
  fake.handlers.set(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, (call, c) => {
    registrations++;
    c.reply(call, x.encode(x.int, 100 + registrations));
  });
  fake.handlers.set(Procedure.CONNECT_GET_HOSTNAME, (call, c) => c.reply(call, x.encode(x.string(), 'again')));
  const conn = await open({ callTimeoutMs: 30_000 });
  try {
    const events: number[] = [];
    await conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => events.push(e.event));
    const pending = [conn.domainGetState(dom), conn.domainGetInfo(dom), conn.domainGetXMLDesc(dom)];
    await sleep(20);
    const reconnected = new Promise<void>((resolve) => conn.once('reconnect', resolve));
    fake.clients.at(-1)!.sock.destroy();
    const t0 = Date.now();
    const results = await Promise.allSettled(pending);
    assert.ok(Date.now() - t0 < 500);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok((r as PromiseRejectedResult).reason instanceof LibvirtConnectionError);
      assert.match((r as PromiseRejectedResult).reason.message, /connection to libvirt lost/);
    }
    await reconnected;
    assert.equal(registrations, 2, 'subscription registered again');
    assert.equal(await conn.connectGetHostname(), 'again');
    // Events for the new callback id reach the old handler.
    fake.clients.at(-1)!.send(
      { procedure: Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, type: PacketType.MESSAGE },
      x.encode(DomainEventCallbackLifecycleMsgCodec, { callbackID: 102, msg: { dom, event: 4, detail: 0 } }),
    );
    await sleep(30);
    assert.deepEqual(events, [4]);
  } finally {
    await conn.close();
  }
});

test('a closed connection fails calls immediately', async () => {
  const conn = await open();
  await conn.close();
  await assert.rejects(conn.connectGetHostname(), (err: Error) => err instanceof LibvirtConnectionError && /closed/.test(err.message));
});

test('calls wait for a reconnect only as long as their timeout', async () => {
  const lonely = await new FakeLibvirtd().listen();
  const conn = await LibvirtConnection.open('test:///default', {
    dialer: new UnixDialer(lonely.path),
    keepaliveIntervalMs: 0,
    callTimeoutMs: 200,
  });
  await lonely.close(); // the daemon is gone for good
  await sleep(20);
  const t0 = Date.now();
  await assert.rejects(conn.connectGetHostname(), (err: Error) => err instanceof LibvirtTimeoutError && /reconnecting/.test(err.message));
  assert.ok(Date.now() - t0 < 1000);
  await conn.close();
});
