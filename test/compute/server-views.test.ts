// Golden samples of the server body per microversion: each shape change in VERSION_HISTORY is pinned
// here (test/compute/golden/server-<version>.json). To refresh after an intended change:
//   UPDATE_GOLDEN=1 npm test -- test/compute/server-views.test.ts   (then review the diff)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiVersion, MAX_VERSION, VERSION_HISTORY } from '../../src/compute/api-version.js';
import { FlavorViews } from '../../src/compute/flavor-views.js';
import { ServerViews } from '../../src/compute/server-views.js';
import type { ServerWithDetails } from '../../src/compute/repositories/server-repository.js';

const server: ServerWithDetails = {
  id: '3baf782c-53f9-423e-9075-6514cb34bc06',
  number: 7,
  name: 'sample-server',
  project_id: '229fb9c959464589a104057cccfa63b5',
  user_id: 'f00a06d596c343d0a70cb5aae7a2ce97',
  image_ref: '02a93208-c6c3-45a4-9a77-98fc64863371',
  flavor_id: '1',
  flavor: { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, rxtx_factor: 1, is_public: true, disabled: false, description: null, extra_specs: { 'hw:cpu_policy': 'shared' } },
  vm_state: 'active',
  task_state: null,
  power_state: 1,
  host: 'compute-1',
  availability_zone: 'nova',
  key_name: 'k1',
  key_data: 'ssh-ed25519 AAAA k1',
  user_data: 'IyEvYmluL3NoCg==',
  config_drive: true,
  access_ip_v4: null,
  access_ip_v6: null,
  description: 'a sample',
  hostname: 'sample-server',
  locked: false,
  locked_by: null,
  locked_reason: null,
  reservation_id: 'r-abcdefgh',
  launch_index: 0,
  server_group_id: null,
  progress: 0,
  fault: null,
  requested_networks: 'auto',
  security_groups: ['default'],
  launched_at: new Date('2026-11-26T18:58:49.123Z'),
  terminated_at: null,
  created_at: new Date('2026-11-26T18:58:43.500Z'),
  updated_at: new Date('2026-11-26T18:58:49.900Z'),
  deleted_at: null,
  metadata: { purpose: 'sample' },
  tags: ['web'],
  addresses: [{ network_id: '8d1fa1a4-5a5b-4a7e-9d5c-4b1f0f0f0f0f', address: '10.213.0.8', mac: 'fa:16:3e:dc:a0:6a', server_id: '3baf782c-53f9-423e-9075-6514cb34bc06', network_name: 'virtstack', cidr: '10.213.0.0/24', gateway: '10.213.0.1', libvirt_name: 'virtstack', mode: 'nat' }],
};

const views = new ServerViews('http://127.0.0.1:8080/compute', new FlavorViews('http://127.0.0.1:8080/compute'));
// The versions whose line in VERSION_HISTORY changes the server body, and the oldest and newest.
const SHAPES = ['2.1', '2.3', '2.9', '2.16', '2.19', '2.26', '2.47'];

test('every shape version is in VERSION_HISTORY and the newest is the advertised maximum', () => {
  const known = VERSION_HISTORY.map(([v]) => v);
  for (const v of SHAPES) assert.ok(known.includes(v), v);
  assert.equal(MAX_VERSION, known[known.length - 1]);
});

for (const v of SHAPES) {
  for (const role of ['admin', 'member'] as const) {
    test(`server body at ${v} for ${role === 'admin' ? 'an admin' : 'a project member'} matches its golden sample`, () => {
      const body = views.detail(server, { version: ApiVersion.parse(v)!, isAdmin: role === 'admin', hostStatus: () => 'UP' });
      const file = join(import.meta.dirname, 'golden', `server-${v}-${role}.json`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
      assert.deepEqual(body, JSON.parse(readFileSync(file, 'utf8')));
    });
  }
}

test('time formats: created/updated with Z, launched_at without a zone', () => {
  const body = views.detail(server, { version: ApiVersion.parse('2.1')!, isAdmin: false });
  assert.equal(body.created, '2026-11-26T18:58:43Z');
  assert.equal(body['OS-SRV-USG:launched_at'], '2026-11-26T18:58:49.123000');
  assert.deepEqual(body.addresses, { virtstack: [{ version: 4, addr: '10.213.0.8', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:dc:a0:6a' }] });
});

test('locked appears at 2.9, description at 2.19, tags at 2.26, the embedded flavor at 2.47', () => {
  const at = (v: string) => views.detail(server, { version: ApiVersion.parse(v)!, isAdmin: false });
  assert.equal('locked' in at('2.8'), false);
  assert.equal(at('2.9').locked, false);
  assert.equal('description' in at('2.18'), false);
  assert.equal(at('2.19').description, 'a sample');
  assert.equal('tags' in at('2.25'), false);
  assert.deepEqual(at('2.26').tags, ['web']);
  assert.deepEqual((at('2.46').flavor as any).id, '1');
  assert.deepEqual(at('2.47').flavor, { original_name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, extra_specs: { 'hw:cpu_policy': 'shared' } });
});

test('extended server attributes are for admins only', () => {
  const member = views.detail(server, { version: ApiVersion.parse('2.3')!, isAdmin: false });
  assert.equal(Object.keys(member).some((k) => k.startsWith('OS-EXT-SRV-ATTR')), false);
  const admin = views.detail(server, { version: ApiVersion.parse('2.3')!, isAdmin: true });
  assert.equal(admin['OS-EXT-SRV-ATTR:instance_name'], 'instance-00000007');
  assert.equal(admin['OS-EXT-SRV-ATTR:user_data'], 'IyEvYmluL3NoCg==');
});
