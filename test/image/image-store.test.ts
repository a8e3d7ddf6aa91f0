// The image store's write path on the real filesystem and real hash workers: data crossing slot
// boundaries in odd-sized chunks, several writes at once, limits and broken sources.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataLimitError, ImageStore } from '../../src/image/image-store.js';

const MiB = 1024 * 1024;
const NO_LIMIT = { bytes: Infinity, reason: '' };

/** Yields `data` in chunks of the given sizes, repeated, optionally failing after `failAfter` bytes. */
async function* chunks(data: Buffer, sizes: number[], failAfter?: number): AsyncGenerator<Buffer> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    if (failAfter !== undefined && offset >= failAfter) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const n = Math.min(sizes[i % sizes.length], data.length - offset);
    yield data.subarray(offset, offset + n);
    offset += n;
    // Let the workers and the file writes interleave with the source, as a socket would.
    if (i % 7 === 0) await new Promise((r) => setImmediate(r));
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('image store', () => {
  let dir: string;
  let store: ImageStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtstack-store-'));
    store = new ImageStore(dir);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes and hashes data spanning several slots, in odd-sized chunks, byte for byte', async () => {
    const data = randomBytes(29 * MiB + 12345);
    const w = await store.write(chunks(data, [65536, 1, 3 * MiB + 7, 100_000]), store.imagesDir, NO_LIMIT);
    assert.equal(w.size, data.length);
    assert.equal(w.md5, md5(data));
    assert.equal(w.sha512, sha512(data));
    assert.ok(readFileSync(w.tempPath).equals(data));
    await store.remove(w.tempPath);
  });

  it('hashes the empty upload and a one-byte upload', async () => {
    for (const data of [Buffer.alloc(0), Buffer.from('x')]) {
      const w = await store.write(chunks(data, [1]), store.imagesDir, NO_LIMIT);
      assert.deepEqual([w.size, w.md5, w.sha512], [data.length, md5(data), sha512(data)]);
      assert.equal(readFileSync(w.tempPath).length, data.length);
      await store.remove(w.tempPath);
    }
  });

  it('keeps concurrent writes apart: each gets its own bytes and hashes', async () => {
    const inputs = Array.from({ length: 5 }, (_, i) => randomBytes(9 * MiB + i * 1001));
    const written = await Promise.all(inputs.map((data, i) => store.write(chunks(data, [40_000 + i * 9999]), store.imagesDir, NO_LIMIT)));
    written.forEach((w, i) => {
      assert.equal(w.md5, md5(inputs[i]));
      assert.equal(w.sha512, sha512(inputs[i]));
      assert.ok(readFileSync(w.tempPath).equals(inputs[i]));
    });
    await Promise.all(written.map((w) => store.remove(w.tempPath)));
  });

  it('stops at the limit and at a broken source, leaving no temporary file, and goes on working', async () => {
    const data = randomBytes(20 * MiB);
    await assert.rejects(store.write(chunks(data, [65536]), store.imagesDir, { bytes: 10 * MiB, reason: 'too big' }), (err) => err instanceof DataLimitError && err.reason === 'too big');
    await assert.rejects(store.write(chunks(data, [65536], 17 * MiB), store.imagesDir, NO_LIMIT), { code: 'ECONNRESET' });
    assert.deepEqual(readdirSync(store.imagesDir), []);
    const w = await store.write(chunks(data, [65536]), store.imagesDir, NO_LIMIT);
    assert.equal(w.sha512, sha512(data));
    await store.remove(w.tempPath);
  });

  it('hashFile hashes a file in place', async () => {
    const data = randomBytes(11 * MiB + 3);
    const path = join(dir, 'plain');
    writeFileSync(path, data);
    assert.deepEqual(await store.hashFile(path), { size: data.length, md5: md5(data), sha512: sha512(data) });
  });
});
