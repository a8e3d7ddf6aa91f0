// Builders for identity fixtures, created through the real API.
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { http, issueToken, passwordAuth, projectScope } from './http.js';
import { ADMIN_PASSWORD } from './server.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export class IdentityFixtures {
  constructor(readonly authUrl: string, readonly adminToken: string) {}

  static async create(authUrl: string): Promise<IdentityFixtures> {
    const t = await issueToken(authUrl, passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }, projectScope('admin')));
    assert.equal(t.status, 201, JSON.stringify(t.body));
    return new IdentityFixtures(authUrl, t.id);
  }

  async post(path: string, body: unknown): Promise<any> {
    const res = await http('POST', `${this.authUrl}/${path}`, { token: this.adminToken, body });
    assert.equal(res.status, 201, `POST ${path}: ${res.text}`);
    return res.body;
  }

  async put(path: string): Promise<void> {
    const res = await http('PUT', `${this.authUrl}/${path}`, { token: this.adminToken });
    assert.ok(res.status === 204 || res.status === 201, `PUT ${path}: ${res.status} ${res.text}`);
  }

  async role(name: string): Promise<{ id: string; name: string }> {
    const res = await http('GET', `${this.authUrl}/roles?name=${name}`, { token: this.adminToken });
    return res.body.roles[0];
  }

  async project(overrides: Record<string, unknown> = {}): Promise<any> {
    return (await this.post('projects', { project: { name: uniqueName('p'), domain_id: 'default', ...overrides } })).project;
  }

  async user(overrides: Record<string, unknown> = {}): Promise<any & { password: string }> {
    const password = (overrides.password as string) ?? `pw-${randomBytes(6).toString('hex')}`;
    const user = (await this.post('users', { user: { name: uniqueName('u'), domain_id: 'default', password, ...overrides } })).user;
    return { ...user, password };
  }

  /** A user with `role` on a new project, and a token scoped to it. */
  async member(role = 'member'): Promise<{ user: any; project: any; token: string }> {
    const project = await this.project();
    const user = await this.user();
    const r = await this.role(role);
    await this.put(`projects/${project.id}/users/${user.id}/roles/${r.id}`);
    const t = await issueToken(this.authUrl, passwordAuth({ id: user.id, password: user.password }, { project: { id: project.id } }));
    assert.equal(t.status, 201, JSON.stringify(t.body));
    return { user, project, token: t.id };
  }
}
