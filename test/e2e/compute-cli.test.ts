// The Nova issue's acceptance flow with the real `openstack` command, booting the real test guest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startTestServer, type TestServer } from '../support/server.js';
import { openstack, openstackJson, openstackOk } from '../support/openstack-cli.js';
import { IdentityFixtures } from '../support/identity-fixtures.js';
import { http } from '../support/http.js';
import { consoleOutput, guestLines, testImagePath, waitForGone, waitForStatus } from '../support/compute-fixtures.js';
import { parseGuestFacts, waitForConsoleLine } from '../support/guest-console.js';
import { LibvirtConnection } from '../../src/libvirt/index.js';

let server: TestServer;
let fx: IdentityFixtures;
let computeUrl: string;
let work: string;
let imageId: string;
let vm1Address: string;
const created: string[] = [];

before(async () => {
  server = await startTestServer();
  fx = await IdentityFixtures.create(server.authUrl);
  computeUrl = `${server.url}/compute/v2.1`;
  work = mkdtempSync(join(tmpdir(), 'vs-compute-e2e-'));
  const image = await openstackJson(server.adminEnv, 'image', 'create', '--file', await testImagePath(), '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'tiny');
  imageId = image.id;
});

after(async () => {
  // Whatever a failed test left: delete through the API, so the guests go too.
  for (const id of created) await openstack(server.adminEnv, 'server', 'delete', '--wait', id);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

async function domainsOf(ids: string[]): Promise<string[]> {
  const conn = await LibvirtConnection.open('qemu:///system');
  try {
    const doms = await conn.connectListAllDomains();
    const uuids = doms.map((d) => Buffer.from(d.uuid).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'));
    return uuids.filter((u) => ids.includes(u));
  } finally {
    await conn.close();
  }
}

describe('a server through its whole life, with the openstack CLI', () => {
  test('boots with key and user data, reports its address, and the guest saw all of it', async () => {
    const env = server.adminEnv;
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'k1')]);
    await openstackOk(env, 'keypair', 'create', '--public-key', join(work, 'k1.pub'), 'k1');
    writeFileSync(join(work, 'script.sh'), '#!/bin/sh\necho "hello from $(hostname)"\nexit 3\n');
    const vm = await openstackJson(env, 'server', 'create', '--image', 'tiny', '--flavor', 'm1.tiny', '--key-name', 'k1', '--user-data', join(work, 'script.sh'), '--property', 'role=web', '--wait', 'vm1');
    created.push(vm.id);
    assert.equal(vm.status, 'ACTIVE');
    const addr = vm.addresses.vstest?.[0];
    assert.match(addr, /^10\.250\.0\.\d+$/, `an address on the test network: ${JSON.stringify(vm.addresses)}`);
    vm1Address = addr;

    const ready = await waitForConsoleLine(async () => (await openstackOk(env, 'console', 'log', 'show', 'vm1')), 'tiny-guest ready', 90_000);
    const facts = parseGuestFacts(ready.text);
    assert.equal(facts.metaData?.uuid, vm.id);
    assert.equal(facts.metaData?.hostname, 'vm1');
    assert.deepEqual(facts.publicKeys, ['k1']);
    assert.equal(facts.meta.role, 'web');
    assert.deepEqual(facts.userData?.output, ['hello from vm1']);
    assert.equal(facts.userData?.exitCode, 3);
    assert.equal(facts.addresses.eth0?.address, addr, 'the guest got exactly the address virtstack reports');
    assert.equal(facts.addresses.eth0?.source, 'dhcp');
    assert.equal(facts.configDrive?.filesystem, 'iso9660');

    // Diagnostics come from the hypervisor: the guest's memory, CPU time and disk counters.
    const diag = await http('GET', `${computeUrl}/servers/${vm.id}/diagnostics`, { token: fx.adminToken });
    assert.equal(diag.status, 200);
    assert.ok(diag.body.memory >= 512 * 1024, JSON.stringify(diag.body));
    assert.ok(diag.body.cpu0_time > 0);
    assert.ok(diag.body.vda_read > 0, 'the guest read its disk');
    const member = await fx.member();
    assert.equal((await http('GET', `${computeUrl}/servers/${vm.id}/diagnostics`, { token: member.token })).status, 403);
  });

  test('stop, start, reboot soft and hard, pause, suspend, lock behave as on Nova', async () => {
    const env = server.adminEnv;
    const id = created[0];
    const token = fx.adminToken;
    const steps: Array<[string[], string]> = [
      [['server', 'stop', 'vm1'], 'SHUTOFF'],
      [['server', 'start', 'vm1'], 'ACTIVE'],
      [['server', 'reboot', '--wait', 'vm1'], 'ACTIVE'],
      [['server', 'reboot', '--hard', '--wait', 'vm1'], 'ACTIVE'],
      [['server', 'pause', 'vm1'], 'PAUSED'],
      [['server', 'unpause', 'vm1'], 'ACTIVE'],
      [['server', 'suspend', 'vm1'], 'SUSPENDED'],
      [['server', 'resume', 'vm1'], 'ACTIVE'],
    ];
    for (const [args, status] of steps) {
      await openstackOk(env, ...args);
      await waitForStatus(computeUrl, token, id, status, 90_000);
    }
    // Refused in the wrong state, with Nova's 409.
    const wrong = await openstack(env, 'server', 'start', 'vm1');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /409|Cannot 'start' instance/);

    await openstackOk(env, 'server', 'lock', 'vm1');
    const member = await fx.member();
    const shown = await openstackJson(env, 'server', 'show', 'vm1');
    assert.equal(shown.locked ?? shown['locked'], undefined, 'locked is not shown at the CLI default microversion');
    await openstackOk(env, 'server', 'unlock', 'vm1');
    assert.ok(member.token);

    const list = await openstackJson(env, 'server', 'list');
    const row = list.find((s: any) => s.ID === id);
    assert.equal(row.Image, 'tiny', 'image name resolved');
    assert.equal(row.Flavor, 'm1.tiny', 'flavor name resolved');
    await openstackOk(env, 'server', 'set', '--property', 'tier=gold', 'vm1');
    const props = await openstackJson(env, 'server', 'show', 'vm1');
    assert.deepEqual(props.properties, { role: 'web', tier: 'gold' });
    const events = await openstackJson(env, 'server', 'event', 'list', 'vm1');
    assert.deepEqual(new Set(events.map((e: any) => e.Action)), new Set(['create', 'stop', 'start', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'lock', 'unlock']));
  });

  test('a snapshot of a running server boots as a new server; rebuild keeps the id and address', async () => {
    const env = server.adminEnv;
    const snap = await openstackJson(env, 'server', 'image', 'create', '--wait', '--name', 'vm1-snap', 'vm1');
    assert.equal(snap.status, 'active');
    const img = await openstackJson(env, 'image', 'show', 'vm1-snap');
    assert.equal(img.properties.image_type, 'snapshot');
    assert.equal(img.properties.instance_uuid, created[0]);

    const vm2 = await openstackJson(env, 'server', 'create', '--image', 'vm1-snap', '--flavor', 'm1.tiny', '--wait', 'vm2');
    created.push(vm2.id);
    await waitForConsoleLine(() => consoleOutput(computeUrl, fx.adminToken, vm2.id), 'tiny-guest ready', 90_000);
    const facts = parseGuestFacts(await consoleOutput(computeUrl, fx.adminToken, vm2.id));
    assert.equal(facts.metaData?.uuid, vm2.id, 'the snapshot guest booted and read its own config drive');

    const before = await openstackJson(env, 'server', 'show', 'vm2');
    await openstackOk(env, 'server', 'rebuild', '--image', 'tiny', '--wait', 'vm2');
    const rebuilt = await openstackJson(env, 'server', 'show', 'vm2');
    assert.equal(rebuilt.id, vm2.id);
    assert.equal(rebuilt.status, 'ACTIVE');
    assert.match(rebuilt.image, /^tiny /);
    assert.deepEqual(rebuilt.addresses, before.addresses);
    const output = await waitForConsoleLine(() => consoleOutput(computeUrl, fx.adminToken, vm2.id), 'tiny-guest ready', 90_000);
    assert.ok(parseGuestFacts(output.text).boots >= 1);
  });

  test('a guest that powers itself off shows SHUTOFF', async () => {
    const env = server.adminEnv;
    writeFileSync(join(work, 'off.sh'), '#!/bin/sh\n(sleep 1; poweroff) &\necho powering off soon\n');
    const vm = await openstackJson(env, 'server', 'create', '--image', 'tiny', '--flavor', 'm1.tiny', '--user-data', join(work, 'off.sh'), '--wait', 'vm3');
    created.push(vm.id);
    await waitForStatus(computeUrl, fx.adminToken, vm.id, 'SHUTOFF', 90_000);
    const lines = guestLines(await consoleOutput(computeUrl, fx.adminToken, vm.id));
    assert.ok(lines.some((l) => l.includes('powering off soon')));
  });

  test('deleting leaves nothing behind in libvirt', async () => {
    const env = server.adminEnv;
    const ids = [...created];
    for (const id of ids) await openstackOk(env, 'server', 'delete', '--wait', id);
    for (const id of ids) await waitForGone(computeUrl, fx.adminToken, id);
    assert.deepEqual(await domainsOf(ids), []);
    created.length = 0;
    const list = await openstackJson(env, 'server', 'list');
    assert.deepEqual(list, []);

    // vm1's DHCP lease outlives it (dnsmasq keeps it until it expires): its address is not handed out yet.
    const next = await openstackJson(env, 'server', 'create', '--image', 'tiny', '--flavor', 'm1.tiny', 'vm5');
    created.push(next.id);
    const shown = await openstackJson(env, 'server', 'show', 'vm5');
    assert.notEqual(shown.addresses.vstest?.[0], vm1Address);
    await openstackOk(env, 'server', 'delete', '--wait', 'vm5');
    created.length = 0;
  });
});
