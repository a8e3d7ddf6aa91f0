// URI parsing and the three dialers: unix (real daemon), TLS (a local TLS peer speaking the
// libvirt confirmation byte) and SSH (the real daemon through virt-ssh-helper, with a stand-in
// for the ssh binary that runs the remote command locally).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import {
  dialerForUri,
  LibvirtConnection,
  LibvirtConnectionError,
  parseLibvirtUri,
  SshDialer,
  TlsDialer,
  UnixDialer,
} from '../../src/libvirt/index.js';

const work = mkdtempSync(join(tmpdir(), 'vstest-dialers-'));

before(() => {
  execFileSync(new URL('../../scripts/start-libvirt', import.meta.url).pathname, { stdio: 'inherit' });
});
after(() => rmSync(work, { recursive: true, force: true }));

test('parses local, TLS and SSH URIs the way libvirt does', () => {
  const local = parseLibvirtUri('qemu:///system');
  assert.equal(local.transport, 'unix');
  assert.equal(local.driver, 'qemu');
  assert.equal(local.path, '/system');
  assert.equal(local.openName, 'qemu:///system');

  const sock = parseLibvirtUri('qemu+unix:///system?socket=/tmp/x.sock');
  assert.equal(sock.transport, 'unix');
  assert.equal(sock.params.socket, '/tmp/x.sock');
  assert.equal(sock.openName, 'qemu:///system', 'client-only parameters are not forwarded');
  assert.equal((dialerForUri(sock) as UnixDialer).path, '/tmp/x.sock');

  const t = parseLibvirtUri('qemu+tls://host1.example:16600/system?pkipath=/etc/vs/pki&no_verify=1');
  assert.equal(t.transport, 'tls');
  assert.equal(t.host, 'host1.example');
  assert.equal(t.port, 16600);
  assert.equal(t.params.pkipath, '/etc/vs/pki');
  assert.equal(t.openName, 'qemu:///system');
  assert.equal(dialerForUri(t).description, 'tls:host1.example:16600');
  assert.equal(parseLibvirtUri('qemu://h/system').transport, 'tls', 'a host and no transport means TLS');

  const s = parseLibvirtUri('qemu+ssh://root@10.0.0.5:2222/system?keyfile=/k/id&no_verify=1&foo=bar');
  assert.equal(s.transport, 'ssh');
  assert.equal(s.user, 'root');
  assert.equal(s.host, '10.0.0.5');
  assert.equal(s.openName, 'qemu:///system?foo=bar', 'driver parameters are forwarded');
  const v6 = parseLibvirtUri('qemu+ssh://[fe80::1]/system');
  assert.equal(v6.host, 'fe80::1');

  assert.throws(() => parseLibvirtUri('qemu+carrierpigeon://h/system'), /unsupported libvirt transport/);
  assert.throws(() => parseLibvirtUri('not a uri'), /not a libvirt URI/);
});

test('the SSH dialer runs ssh with the URI options and virt-ssh-helper, falling back to nc -U', () => {
  const d = dialerForUri('qemu+ssh://root@h1:2222/system?keyfile=/k/id&no_verify=1') as SshDialer;
  const argv = d.argv();
  assert.deepEqual(argv.slice(0, 14), [
    'ssh', '-p', '2222', '-l', 'root', '-i', '/k/id', '-o', 'StrictHostKeyChecking=no', '-T', '-e', 'none', '-o', 'BatchMode=yes',
  ]);
  assert.equal(argv[14], '--');
  assert.equal(argv[15], 'h1');
  // Quoted for the remote shell: sh -c '... virt-ssh-helper '\''qemu:///system'\'' ... nc -U ...'
  assert.ok(argv[16].includes(`exec virt-ssh-helper '\\''qemu:///system'\\''`), argv[16]);
  assert.ok(argv[16].includes(`exec nc -U '\\''/var/run/libvirt/libvirt-sock'\\''`), argv[16]);
  const nc = (dialerForUri('qemu+ssh://h1/system?proxy=netcat&socket=/run/s') as SshDialer).argv().at(-1)!;
  assert.equal(nc, `sh -c 'nc -U '\\''/run/s'\\'''`);
});

test('the unix dialer reaches the real daemon, and reports a missing socket clearly', async () => {
  const conn = await LibvirtConnection.open('test:///default?socket=/var/run/libvirt/libvirt-sock');
  assert.equal(await conn.connectGetType(), 'TEST');
  await conn.close();
  await assert.rejects(new UnixDialer(join(work, 'nope.sock')).dial(), (err: Error) => {
    assert.ok(err instanceof LibvirtConnectionError);
    assert.match(err.message, /cannot connect to libvirt at .*nope\.sock/);
    return true;
  });
});

test('the SSH dialer carries a full session (through virt-ssh-helper on the "remote" host)', async () => {
  // Stands in for ssh: ignores the options and host, runs the remote command here.
  const fakeSsh = join(work, 'fake-ssh');
  writeFileSync(fakeSsh, '#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n');
  chmodSync(fakeSsh, 0o755);
  for (const proxy of ['native', 'netcat']) {
    const conn = await LibvirtConnection.open(`test+ssh://root@remote.invalid/default?command=${fakeSsh}&proxy=${proxy}`);
    assert.equal(await conn.connectGetType(), 'TEST', proxy);
    assert.ok((await conn.connectListAllDomains()).length >= 1);
    await conn.close();
  }
});

function makePki(dir: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=vstest CA', '-keyout', 'cakey.pem', '-out', 'cacert.pem');
  for (const [name, cn] of [['server', 'localhost'], ['client', 'vstest-client']]) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}key.pem`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), name === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'cacert.pem', '-CAkey', 'cakey.pem', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}cert.pem`);
  }
}

test('the TLS dialer presents the client certificate and honours the confirmation byte', async () => {
  const pki = join(work, 'pki');
  execFileSync('mkdir', ['-p', pki]);
  makePki(pki);
  const read = (f: string) => readFileSync(join(pki, f));
  let confirmation = 1;
  const seenClientCN: string[] = [];
  const server = tls.createServer(
    { key: read('serverkey.pem'), cert: read('servercert.pem'), ca: read('cacert.pem'), requestCert: true, rejectUnauthorized: true },
    (sock) => {
      seenClientCN.push(String(sock.getPeerCertificate().subject.CN));
      // libvirtd sends one byte after checking the client certificate; then RPC begins.
      sock.write(Buffer.from([confirmation, 0x42]));
      sock.on('error', () => {});
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const dialer = dialerForUri(`qemu+tls://127.0.0.1:${port}/system?pkipath=${pki}`) as TlsDialer;
    // pkipath names cacert.pem, clientcert.pem and clientkey.pem, as libvirt's ?pkipath= does.
    const sock = await dialer.dial();
    const first = await new Promise<Buffer>((resolve) => {
      sock.once('data', resolve);
      sock.resume(); // dialers hand over a paused stream so no byte is lost before RpcClient listens
    });
    assert.deepEqual(first, Buffer.from([0x42]), 'bytes after the confirmation reach the RPC layer');
    sock.destroy();
    assert.deepEqual(seenClientCN, ['vstest-client']);

    confirmation = 0;
    await assert.rejects(dialer.dial(), /refused the client certificate/);

    // A server certificate from another CA fails verification unless no_verify=1.
    confirmation = 1;
    const other = join(work, 'other');
    execFileSync('mkdir', ['-p', other]);
    makePki(other);
    writeFileSync(join(other, 'clientcert.pem'), read('clientcert.pem'));
    writeFileSync(join(other, 'clientkey.pem'), read('clientkey.pem'));
    await assert.rejects(
      (dialerForUri(`qemu+tls://127.0.0.1:${port}/system?pkipath=${other}`) as TlsDialer).dial(),
      /TLS connection to 127\.0\.0\.1:\d+ failed/,
    );
    const lax = await (dialerForUri(`qemu+tls://127.0.0.1:${port}/system?pkipath=${other}&no_verify=1`) as TlsDialer).dial();
    lax.destroy();
  } finally {
    server.close();
  }
});
