// Calls against the real libvirtd serving libvirt's fake "test" driver (test:///default).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  DomainEventId,
  DomainLifecycleEvent,
  DomainState,
  DomainStatsTypes,
  isNoDomain,
  isNoNetwork,
  isOperationInvalid,
  LibvirtConnection,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  typedParamsToObject,
  type Domain,
  type DomainEventLifecycleMsg,
} from '../../src/libvirt/index.js';

let conn: LibvirtConnection;
const suffix = randomBytes(3).toString('hex');
const domName = `vstest-t-${suffix}`;
const netName = `vstest-tn-${suffix}`;

const domainXML = (name: string) => `<domain type='test'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>`;

before(async () => {
  execFileSync(new URL('../../scripts/start-libvirt', import.meta.url).pathname, { stdio: 'inherit' });
  conn = await LibvirtConnection.open('test:///default');
});

after(async () => {
  for (const cleanup of [
    async () => {
      const d = await conn.domainLookupByName(domName);
      await conn.domainDestroy(d).catch(() => {});
      await conn.domainUndefine(d);
    },
    async () => {
      const n = await conn.networkLookupByName(netName);
      await conn.networkDestroy(n).catch(() => {});
      await conn.networkUndefine(n);
    },
  ]) {
    await cleanup().catch(() => {});
  }
  await conn.close();
});

test('connect and node calls return the test driver host', async () => {
  assert.equal(await conn.connectGetType(), 'TEST');
  assert.ok((await conn.connectGetLibVersion()) >= 9_000_000n);
  assert.ok((await conn.connectGetHostname()).length > 0);
  assert.match(await conn.connectGetCapabilities(), /<capabilities>[\s\S]*<host>/);
  const info = await conn.nodeGetInfo();
  assert.equal(info.model, 'i686');
  assert.equal(typeof info.memory, 'bigint');
  assert.equal(info.cpus, 16);
  assert.ok((await conn.nodeGetFreeMemory()) > 0n);
  assert.equal(await conn.connectGetURI(), 'test:///default');
});

test('define, start, inspect, suspend, destroy and undefine a domain, with lifecycle events', async () => {
  const events: DomainEventLifecycleMsg[] = [];
  const sub = await conn.domainEventRegister(DomainEventId.LIFECYCLE, (e) => {
    if (e.dom.name === domName) events.push(e);
  });
  const dom = await conn.domainDefineXML(domainXML(domName));
  assert.equal(dom.name, domName);
  assert.equal(dom.uuid.length, 16);
  const byUUID = await conn.domainLookupByUUID(dom.uuid);
  assert.equal(byUUID.name, domName);
  assert.equal((await conn.domainGetState(dom)).state, DomainState.SHUTOFF);
  await conn.domainCreate(dom);
  const running = await conn.domainLookupByName(domName);
  assert.ok(running.id > 0);
  assert.equal((await conn.domainGetState(running)).state, DomainState.RUNNING);
  const info = await conn.domainGetInfo(running);
  assert.equal(info.maxMem, 65536n);
  assert.equal(info.nrVirtCpu, 1);
  assert.match(await conn.domainGetXMLDesc(running), new RegExp(`<name>${domName}</name>`));
  assert.equal(await conn.domainIsActive(running), 1);
  await conn.domainSuspend(running);
  assert.equal((await conn.domainGetState(running)).state, DomainState.PAUSED);
  await conn.domainResume(running);
  const all = await conn.connectListAllDomains(1, 0);
  assert.ok(all.some((d) => d.name === domName));
  const stats = await conn.connectGetAllDomainStats([running], DomainStatsTypes.STATE, 0);
  assert.equal(stats.length, 1);
  assert.equal(typedParamsToObject(stats[0].params)['state.state'], DomainState.RUNNING);
  await conn.domainDestroy(running);
  await assert.rejects(conn.domainDestroy(running), (err) => isOperationInvalid(err));
  await conn.domainUndefine(dom);
  await assert.rejects(conn.domainLookupByName(domName), (err) => isNoDomain(err));
  await sub.cancel();
  const kinds = events.map((e) => e.event);
  for (const k of [
    DomainLifecycleEvent.DEFINED,
    DomainLifecycleEvent.STARTED,
    DomainLifecycleEvent.SUSPENDED,
    DomainLifecycleEvent.RESUMED,
    DomainLifecycleEvent.STOPPED,
    DomainLifecycleEvent.UNDEFINED,
  ]) {
    assert.ok(kinds.includes(k), `event ${k} in ${kinds}`);
  }
});

test('snapshots: create, list, revert, delete', async () => {
  await conn.domainLookupByName(domName).then((d) => conn.domainUndefine(d), () => {});
  const dom: Domain = await conn.domainDefineXML(domainXML(domName));
  try {
    const snap = await conn.domainSnapshotCreateXML(dom, '<domainsnapshot><name>vstest-snap</name></domainsnapshot>');
    assert.equal(snap.name, 'vstest-snap');
    const list = await conn.domainListAllSnapshots(dom);
    assert.deepEqual(list.map((s) => s.name), ['vstest-snap']);
    assert.equal(await conn.domainSnapshotNum(dom), 1);
    await conn.domainRevertToSnapshot(snap);
    await conn.domainSnapshotDelete(snap);
    assert.equal(await conn.domainSnapshotNum(dom), 0);
  } finally {
    await conn.domainUndefine(dom);
  }
});

test('networks: define, start, pin a DHCP host with networkUpdate, destroy, undefine', async () => {
  const net = await conn.networkDefineXML(`<network>
  <name>${netName}</name>
  <bridge name='vstbr${suffix}'/>
  <ip address='192.168.213.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.213.100' end='192.168.213.200'/></dhcp>
  </ip>
</network>`);
  await conn.networkCreate(net);
  assert.equal(await conn.networkIsActive(net), 1);
  assert.ok((await conn.connectListAllNetworks()).some((n) => n.name === netName));
  await conn.networkUpdate(
    net,
    NetworkUpdateCommand.ADD_LAST,
    NetworkUpdateSection.IP_DHCP_HOST,
    -1,
    `<host mac='52:54:00:00:00:42' name='vstest-host' ip='192.168.213.42'/>`,
    NetworkUpdateFlags.AFFECT_LIVE | NetworkUpdateFlags.AFFECT_CONFIG,
  );
  assert.match(await conn.networkGetXMLDesc(net), /<host mac='52:54:00:00:00:42' name='vstest-host' ip='192.168.213.42'\/>/);
  await conn.networkDestroy(net);
  await conn.networkUndefine(net);
  await assert.rejects(conn.networkLookupByName(netName), (err) => isNoNetwork(err));
});

test('many calls in flight at once all complete', async () => {
  const [dom] = await conn.connectListAllDomains();
  const states = await Promise.all(Array.from({ length: 300 }, () => conn.domainGetState(dom)));
  assert.equal(states.length, 300);
  assert.ok(states.every((s) => s.state === states[0].state));
});
