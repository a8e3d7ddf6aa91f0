// Hypervisor uptime (os-hypervisors/{id}/uptime). Nova's libvirt driver runs `uptime` on the compute
// host itself (nova/virt/libvirt/driver.py get_host_uptime: `env LANG=C uptime`). virtstack runs on
// the host of a local libvirt URI, so it can do the same there; for a remote host the answer would have
// to come through the host's driver, which does not offer it yet: Nova then answers 501.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NotImplementedError } from '../http/errors.js';

const run = promisify(execFile);

/** A libvirt URI without a host part (qemu:///system, qemu+unix:///session) names this machine. */
export function isLocalUri(uri: string): boolean {
  return /^[a-z0-9+]+:\/\/\//i.test(uri);
}

export async function hostUptime(uri: string): Promise<string> {
  if (!isLocalUri(uri)) throw new NotImplementedError('The requested functionality is not supported.');
  const { stdout } = await run('uptime', [], { env: { ...process.env, LANG: 'C' }, timeout: 5000 });
  return stdout.replace(/\n$/, '');
}
