import { randomUUID } from 'node:crypto';

/** Keystone's ids: uuid4 without dashes. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}
