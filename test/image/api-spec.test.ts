// image-v2.yaml is the contract: each operation has a handler and each handler an operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSpec } from '../../src/http/openapi-router.js';
import { createImageHandlers } from '../../src/image/image-handlers.js';

test('image-v2.yaml and the image handlers match one to one', () => {
  const spec: any = loadSpec(join(import.meta.dirname, '..', '..', 'api-specs', 'image-v2.yaml'));
  assert.equal(spec.openapi, '3.1.0');
  const ids: string[] = [];
  for (const item of Object.values<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (['get', 'put', 'post', 'patch', 'delete', 'head'].includes(method)) ids.push(op.operationId);
    }
  }
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  const handlers = Object.keys(createImageHandlers({} as any));
  assert.deepEqual([...ids].sort(), [...handlers].sort());
});
