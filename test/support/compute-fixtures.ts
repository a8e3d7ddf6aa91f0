// Helpers for tests that boot real guests through virtstack's Nova API.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { http } from './http.js';
import { consoleLines } from './guest-console.js';

const run = promisify(execFile);

/** Path of the tiny test guest (built once, then cached by content). */
export async function testImagePath(): Promise<string> {
  const { stdout } = await run(join(import.meta.dirname, '..', '..', 'scripts', 'build-test-image'), [], { maxBuffer: 1 << 20, timeout: 300_000 });
  return stdout.trim();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ServerState {
  status: string;
  task_state: string | null;
  vm_state: string;
  power_state: number;
  body: any;
}

export async function serverState(computeUrl: string, token: string, id: string): Promise<ServerState | undefined> {
  const res = await http('GET', `${computeUrl}/servers/${id}`, { token, headers: { 'OpenStack-API-Version': 'compute 2.47' } });
  if (res.status === 404) return undefined;
  const s = res.body.server;
  return { status: s.status, task_state: s['OS-EXT-STS:task_state'], vm_state: s['OS-EXT-STS:vm_state'], power_state: s['OS-EXT-STS:power_state'], body: s };
}

/** Polls until the server has `status` and no task; fails fast on ERROR. */
export async function waitForStatus(computeUrl: string, token: string, id: string, status: string, deadlineMs = 120_000): Promise<ServerState> {
  const end = Date.now() + deadlineMs;
  let last: ServerState | undefined;
  for (;;) {
    last = await serverState(computeUrl, token, id);
    if (last && last.status === status && last.task_state === null) return last;
    if (last?.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(last.body.fault)}`);
    if (Date.now() > end) throw new Error(`server ${id} did not reach ${status} within ${deadlineMs} ms; last: ${last?.status}/${last?.task_state}`);
    await sleep(250);
  }
}

export async function waitForGone(computeUrl: string, token: string, id: string, deadlineMs = 120_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (await serverState(computeUrl, token, id)) {
    if (Date.now() > end) throw new Error(`server ${id} was not deleted within ${deadlineMs} ms`);
    await sleep(250);
  }
}

export async function consoleOutput(computeUrl: string, token: string, id: string): Promise<string> {
  const res = await http('POST', `${computeUrl}/servers/${id}/action`, { token, body: { 'os-getConsoleOutput': {} } });
  if (res.status !== 200) throw new Error(`console output: ${res.status} ${res.text}`);
  return res.body.output;
}

/** The guest's fact lines (without kernel lines), from the console. */
export function guestLines(output: string): string[] {
  return consoleLines(output).filter((l) => !/^\[\s*\d+\.\d+\]/.test(l));
}
