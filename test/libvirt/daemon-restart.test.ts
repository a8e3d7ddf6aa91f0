// The real libvirtd stops answering, dies and comes back. Only the libvirtd named by its pid
// file is signalled, and the daemon is left running (scripts/start-libvirt) whatever happens.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  DomainEventId,
  DomainLifecycleEvent,
  LibvirtConnection,
  LibvirtConnectionError,
  LibvirtTimeoutError,
} from '../../src/libvirt/index.js';

const START = new URL('../../scripts/start-libvirt', import.meta.url).pathname;
const PIDFILE = '/var/run/libvirtd.pid';
const libvirtdPid = () => Number(readFileSync(PIDFILE, 'utf8').trim());
/** True once the process is gone or a zombie (it no longer holds the socket). */
const dead = (pid: number) => {
  try {
    return /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};
const domName = `vstest-r-${randomBytes(3).toString('hex')}`;
let conn: LibvirtConnection;
let stoppedPid: number | null = null;

before(async () => {
  execFileSync(START, { stdio: 'inherit' });
  conn = await LibvirtConnection.open('test:///default', { callTimeoutMs: 10_000 });
});

after(async () => {
  if (stoppedPid !== null) {
    try {
      process.kill(stoppedPid, 'SIGCONT');
    } catch {
      /* already gone */
    }
  }
  execFileSync(START, { stdio: 'inherit' });
  const d = await conn.domainLookupByName(domName).catch(() => null);
  if (d) await conn.domainUndefine(d).catch(() => {});
  await conn.close();
});

test('a call to a daemon that stopped answering times out instead of hanging', async () => {
  const pid = libvirtdPid();
  process.kill(pid, 'SIGSTOP');
  stoppedPid = pid;
  try {
    const t0 = Date.now();
    await assert.rejects(conn.withTimeout(300).connectGetHostname(), (err: Error) => err instanceof LibvirtTimeoutError);
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    process.kill(pid, 'SIGCONT');
    stoppedPid = null;
  }
  assert.ok((await conn.connectGetHostname()).length > 0);
});

test('a daemon restart fails the call in flight, then the client reconnects and events flow again', async () => {
  const events: number[] = [];
  await conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => {
    if (e.dom.name === domName) events.push(e.event);
  });
  const pid = libvirtdPid();
  // Frozen first, so the call is certainly in flight when the daemon dies.
  process.kill(pid, 'SIGSTOP');
  stoppedPid = pid;
  const inFlight = conn.connectGetHostname();
  await new Promise((r) => setTimeout(r, 50));
  const disconnected = new Promise<Error>((resolve) => conn.once('disconnect', resolve));
  const reconnected = new Promise<void>((resolve) => conn.once('reconnect', resolve));
  process.kill(pid, 'SIGKILL');
  stoppedPid = null;
  await assert.rejects(inFlight, (err: Error) => {
    assert.ok(err instanceof LibvirtConnectionError, String(err));
    assert.match(err.message, /connection to libvirt lost/);
    return true;
  });
  await disconnected;
  assert.equal(conn.connected, false);
  for (let i = 0; i < 100 && !dead(pid); i++) await new Promise((r) => setTimeout(r, 50));
  execFileSync(START, { stdio: 'inherit' });
  await reconnected;
  assert.notEqual(libvirtdPid(), pid);
  assert.ok((await conn.connectGetHostname()).length > 0);
  // The subscription made before the restart was registered again on the new daemon.
  const dom = await conn.domainDefineXML(
    `<domain type='test'><name>${domName}</name><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>`,
  );
  await conn.domainUndefine(dom);
  for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(events, [DomainLifecycleEvent.DEFINED, DomainLifecycleEvent.UNDEFINED]);
});
