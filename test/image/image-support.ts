// Helpers for the Glance tests: the image endpoint of a test server, raw uploads, real qcow2 files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, type HttpResponse } from '../support/http.js';

export const PATCH = 'application/openstack-images-v2.1-json-patch';

export class ImageApi {
  constructor(readonly base: string) {}

  get(path: string, token: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return http('GET', `${this.base}${path}`, { token, headers });
  }

  async create(token: string, body: Record<string, unknown> = {}): Promise<any> {
    const res = await http('POST', `${this.base}/v2/images`, { token, body: { disk_format: 'raw', container_format: 'bare', ...body } });
    if (res.status !== 201) throw new Error(`create image: ${res.status} ${res.text}`);
    return res.body;
  }

  patch(token: string, id: string, ops: unknown, contentType = PATCH): Promise<HttpResponse> {
    return http('PATCH', `${this.base}/v2/images/${id}`, { token, rawBody: JSON.stringify(ops), headers: { 'Content-Type': contentType } });
  }

  async upload(token: string, id: string, data: Buffer, path = 'file'): Promise<HttpResponse> {
    const res = await fetch(`${this.base}/v2/images/${id}/${path}`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream' },
      body: new Blob([new Uint8Array(data)]),
    });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body, text };
  }

  async download(token: string, id: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; data: Buffer }> {
    const res = await fetch(`${this.base}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': token, ...headers } });
    return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
  }

  async waitForStatus(token: string, id: string, statuses: string[], timeoutMs = 15_000): Promise<any> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.get(`/v2/images/${id}`, token);
      if (statuses.includes(res.body?.status)) return res.body;
      if (Date.now() > end) throw new Error(`image ${id} stayed ${res.body?.status}, wanted ${statuses.join('|')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A scratch directory for image files. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'virtstack-image-test-'));
}

/** A real image made by `qemu-img create -f FORMAT [-o OPTIONS] PATH SIZE`; returns its bytes. */
export function qemuImg(dir: string, name: string, format: string, size: string, options?: string): Buffer {
  const path = join(dir, name);
  // -u: do not open the backing file (it may be a host file such as /etc/passwd, which is the point).
  execFileSync('qemu-img', ['create', '-q', '-f', format, ...(options ? ['-u', '-o', options] : []), path, size]);
  return readFileSync(path);
}
