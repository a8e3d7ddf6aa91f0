// The OpenAPI documents are the contract: each operation has a handler and each handler an operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSpec } from '../../src/http/openapi-router.js';
import { createIdentityHandlers } from '../../src/identity/identity-handlers.js';

function operationIds(file: string): string[] {
  const spec: any = loadSpec(join(import.meta.dirname, '..', '..', 'api-specs', file));
  assert.equal(spec.openapi, '3.1.0');
  const ids: string[] = [];
  for (const item of Object.values<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (['get', 'put', 'post', 'patch', 'delete', 'head'].includes(method)) ids.push(op.operationId);
    }
  }
  return ids;
}

test('identity-v3.yaml and the identity handlers match one to one', () => {
  const ids = operationIds('identity-v3.yaml');
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  const handlers = Object.keys(createIdentityHandlers({} as any));
  assert.deepEqual([...ids].sort(), [...handlers].sort());
});

test('compute-v2.1.yaml and the compute handlers match one to one', async () => {
  const ids = operationIds('compute-v2.1.yaml');
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  const { createVersionHandlers } = await import('../../src/compute/version-handlers.js');
  const { createFlavorHandlers } = await import('../../src/compute/flavor-handlers.js');
  const { createKeypairHandlers } = await import('../../src/compute/keypair-handlers.js');
  const { createLimitsHandlers } = await import('../../src/compute/limits-handlers.js');
  const { createServerHandlers } = await import('../../src/compute/server-handlers.js');
  const { createAdminHandlers } = await import('../../src/compute/admin-handlers.js');
  const { createAuditHandlers } = await import('../../src/compute/audit-handlers.js');
  const handlers = [
    createVersionHandlers(''),
    createFlavorHandlers({} as any, {} as any),
    createKeypairHandlers({} as any, ''),
    createLimitsHandlers({} as any),
    createServerHandlers({} as any),
    createAuditHandlers({} as any),
    createAdminHandlers({ db: {} as any, hosts: {} as any, hostRepo: {} as any, aggregates: {} as any, zones: {} as any, groups: {} as any, quotas: {} as any, servers: {} as any, images: {} as any, base: '' }),
  ].flatMap((h) => Object.keys(h));
  assert.deepEqual([...ids].sort(), [...handlers].sort());
});
