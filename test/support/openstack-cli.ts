// Runs Debian's real `openstack` command (python3-openstackclient) against a test server.
import { execFile } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without any OS_* of the caller, plus `env`. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) clean[k] = v;
  // Debian's client lives in /usr/bin and runs on Debian's python3.
  clean.PATH = `/usr/bin:/bin:${clean.PATH ?? ''}`;
  return { ...clean, ...env };
}

export function openstack(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/openstack', args, { env: cliEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command that must succeed and returns its parsed `-f json` output. */
export async function openstackJson(env: Record<string, string>, ...args: string[]): Promise<any> {
  const r = await openstack(env, ...args, '-f', 'json');
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function openstackOk(env: Record<string, string>, ...args: string[]): Promise<string> {
  const r = await openstack(env, ...args);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}
