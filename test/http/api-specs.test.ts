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
