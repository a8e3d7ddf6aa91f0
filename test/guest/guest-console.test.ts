/**
 * Unit tests of test/support/guest-console.ts against consoles recorded from
 * real boots of the tiny guest (test/guest/fixtures/):
 *   console-sample.txt  config drive, meta, keys, network_data, DHCP + static
 *                       NIC, user-data script, then an ACPI power-off
 *   console-bare.txt    no config drive, no NIC, then an ACPI power-off
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleLines, parseGuestFacts, waitForConsoleLine } from '../support/guest-console.js';

const here = dirname(fileURLToPath(import.meta.url));
const sample = readFileSync(join(here, 'fixtures/console-sample.txt'), 'utf8');
const bare = readFileSync(join(here, 'fixtures/console-bare.txt'), 'utf8');
const readyAt = sample.indexOf('tiny-guest ready');

test('parses every fact of a full boot', () => {
  const f = parseGuestFacts(sample);
  assert.equal(f.boots, 1);
  assert.equal(f.kernel, '6.1.0-56-cloud-amd64');
  assert.equal(f.bootUptime, 1.97);
  assert.deepEqual(f.configDrive, { device: '/dev/sr0', filesystem: 'iso9660' });
  assert.deepEqual(f.metaData, {
    uuid: '1b6cad8c-cecd-41b4-90a2-f1ad39e96bc7',
    hostname: 'guest-test-12579.example.org',
    name: 'Guest Test 12579',
  });
  assert.deepEqual(f.publicKeys, ['alice', 'bob-rsa']);
  assert.deepEqual(f.meta, { role: 'witness', 'build-id': '12579', motto: 'hello world = 42' });
  assert.deepEqual(f.networkData, [
    { id: 'network0', type: 'ipv4_dhcp', mac: '52:54:00:17:db:ce', address: null, gateway: null },
    { id: 'network1', type: 'ipv4', mac: '52:54:00:dc:f4:df', address: '192.0.2.189/24', gateway: '192.0.2.1' },
  ]);
  assert.deepEqual(f.addresses, {
    eth0: { address: '192.168.122.38', prefix: 24, router: '192.168.122.1', mac: '52:54:00:17:db:ce', source: 'dhcp' },
    eth1: { address: '192.0.2.189', prefix: 24, router: '192.0.2.1', mac: '52:54:00:dc:f4:df', source: 'static' },
  });
  assert.equal(f.noNetworkInterface, false);
  assert.deepEqual(f.userData, {
    firstLine: '#!/bin/sh',
    output: ['hello from guest-test-12579', 'keys: 2', 'to stderr'],
    exitCode: 7,
  });
  assert.equal(f.upSeconds, 10.21);
  assert.equal(f.ready, true);
  assert.equal(f.powerButton, true);
  assert.equal(f.poweredDown, true);
  // kernel lines are not guest lines; CRs and escape sequences are gone
  assert.ok(f.lines.every((l) => !l.startsWith('[') && !l.includes('\r') && !l.includes('\x1b')));
  assert.ok(f.lines.includes('tiny-guest ready'));
  assert.ok(f.lines.includes('guest-test-12579:/# '), 'the prompt without its <ESC>[6n');
});

test('parses the "none" forms of a bare boot', () => {
  const f = parseGuestFacts(bare);
  assert.equal(f.boots, 1);
  assert.equal(f.kernel, '6.1.0-56-cloud-amd64');
  assert.equal(f.configDrive, null);
  assert.equal(f.metaData, undefined, 'not printed without a config drive');
  assert.equal(f.networkData, undefined);
  assert.equal(f.userData, undefined);
  assert.deepEqual(f.publicKeys, []);
  assert.deepEqual(f.meta, {});
  assert.deepEqual(f.addresses, {});
  assert.equal(f.noNetworkInterface, true);
  assert.equal(f.ready, true);
  assert.equal(f.powerButton, true);
  assert.equal(f.poweredDown, true);
});

test('a console cut before ready has no ready, no power-off', () => {
  const f = parseGuestFacts(sample.slice(0, readyAt));
  assert.equal(f.ready, false);
  assert.equal(f.powerButton, false);
  assert.equal(f.poweredDown, false);
  assert.equal(f.userData?.exitCode, 7);
  // cut inside the user-data output: exit code not known yet
  const cut = sample.slice(0, sample.indexOf('user-data-output: keys'));
  const g = parseGuestFacts(cut);
  assert.deepEqual(g.userData, { firstLine: '#!/bin/sh', output: ['hello from guest-test-12579'] });
  assert.equal(g.upSeconds, undefined);
});

test('other forms: meta-data none, user-data none, ip IFACE none, non-script user data', () => {
  const text = [
    'tiny-guest boot kernel=6.1.0-56-cloud-amd64 uptime=2.5',
    'config-drive /dev/vdb vfat',
    'meta-data none',
    'network-data none',
    'user-data none',
    'ip eth0 none',
    'tiny-guest up 14.02s',
    'tiny-guest ready',
  ].join('\r\n');
  const f = parseGuestFacts(text);
  assert.deepEqual(f.configDrive, { device: '/dev/vdb', filesystem: 'vfat' });
  assert.equal(f.metaData, null);
  assert.equal(f.networkData, null);
  assert.equal(f.userData, null);
  assert.deepEqual(f.addresses, { eth0: null });
  assert.equal(f.ready, true);

  const g = parseGuestFacts('tiny-guest boot kernel=k uptime=1\nuser-data: #cloud-config\ntiny-guest ready\n');
  assert.deepEqual(g.userData, { firstLine: '#cloud-config', output: [] });
});

test('after a reboot the facts describe the last boot', () => {
  const twice = bare.slice(0, bare.indexOf('tiny-guest:/#')) + sample;
  const f = parseGuestFacts(twice);
  assert.equal(f.boots, 2);
  assert.deepEqual(f.configDrive, { device: '/dev/sr0', filesystem: 'iso9660' });
  assert.equal(f.noNetworkInterface, false);
  assert.equal(parseGuestFacts('no guest here\n[    1.0] kernel').boots, 0);
});

test('consoleLines strips CR and escape sequences', () => {
  assert.deepEqual(consoleLines('a\r\nb:/# \x1b[6n\r\nc'), ['a', 'b:/# ', 'c']);
});

test('waitForConsoleLine polls until the line appears', async () => {
  let reads = 0;
  const readText = async () => {
    reads++;
    if (reads === 1) throw new Error('ENOENT'); // log file not created yet
    return sample.slice(0, reads < 4 ? readyAt : sample.length);
  };
  const got = await waitForConsoleLine(readText, /^ip (eth\d) (\S+) .* source dhcp$/, 5_000, { intervalMs: 5 });
  assert.equal(got.match?.[1], 'eth0');
  assert.equal(got.match?.[2], '192.168.122.38');
  const ready = await waitForConsoleLine(readText, 'tiny-guest ready', 5_000, { intervalMs: 5 });
  assert.equal(ready.line, 'tiny-guest ready');
  assert.ok(reads >= 4, `read ${reads} times`);
  assert.equal(ready.text, sample);
});

test('waitForConsoleLine honours since and its deadline', async () => {
  const readText = async () => sample.slice(0, readyAt);
  const started = Date.now();
  await assert.rejects(
    waitForConsoleLine(readText, 'tiny-guest ready', 120, { intervalMs: 20 }),
    (err: Error) => /not seen within 120 ms/.test(err.message) && /user-data exit=7/.test(err.message),
  );
  const waited = Date.now() - started;
  assert.ok(waited >= 110 && waited < 1_000, `waited ${waited} ms`);
  // the line is there, but before `since`
  await assert.rejects(
    waitForConsoleLine(async () => sample, 'config-drive /dev/sr0', 50, { intervalMs: 10, since: readyAt }),
  );
  const after = await waitForConsoleLine(async () => sample, 'powering off', 50, { since: readyAt });
  assert.equal(after.line, 'tiny-guest acpi power button: powering off');
});
