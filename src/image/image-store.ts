// Glance's file store: image data under <dataDir>/images/<id>, staged data under <dataDir>/staging/<id>.
// Data is written to a temporary file in the same directory, hashed on the way (md5 + sha512 in one
// pass, as glance_store's add() does), fsynced, and only then renamed into place — so a file with the
// final name is always complete, and a crash leaves at most a temporary file behind.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type ReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface WrittenData {
  tempPath: string;
  size: number;
  md5: string;
  sha512: string;
}

/** Thrown when the data grows past `limit`; `reason` says which limit. */
export class DataLimitError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const TEMP_PREFIX = '.tmp-';
const WRITE_BUFFER = 4 * 1024 * 1024;

export class ImageStore {
  readonly imagesDir: string;
  readonly stagingDir: string;

  constructor(dataDir: string) {
    this.imagesDir = join(dataDir, 'images');
    this.stagingDir = join(dataDir, 'staging');
    mkdirSync(this.imagesDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.stagingDir, { recursive: true, mode: 0o700 });
  }

  path(id: string): string {
    return join(this.imagesDir, id);
  }

  stagedPath(id: string): string {
    return join(this.stagingDir, id);
  }

  /**
   * Streams `source` into a new temporary file in `dir`, computing size, md5 and sha512; refuses more
   * than `limit` bytes (checked as the data arrives, so an over-size upload is cut short).
   * On any failure the temporary file is removed and the error rethrown.
   */
  async write(source: Readable, dir: string, limit: { bytes: number; reason: string }, onProgress?: () => void): Promise<WrittenData> {
    const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    let size = 0;
    let lastProgress = Date.now();
    const meter = new Transform({
      highWaterMark: WRITE_BUFFER,
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limit.bytes) {
          cb(new DataLimitError(limit.reason));
          return;
        }
        md5.update(chunk);
        sha512.update(chunk);
        if (onProgress && Date.now() - lastProgress > 1000) {
          lastProgress = Date.now();
          onProgress();
        }
        cb(null, chunk);
      },
    });
    const out = createWriteStream(tempPath, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER });
    try {
      await pipeline(source, meter, out);
      const fh = await open(tempPath, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      await rm(tempPath, { force: true });
      throw err;
    }
    return { tempPath, size, md5: md5.digest('hex'), sha512: sha512.digest('hex') };
  }

  /** Renames a complete temporary file to its final name and makes the rename durable. */
  async commit(tempPath: string, finalPath: string): Promise<void> {
    await rename(tempPath, finalPath);
    await this.syncDir(finalPath.slice(0, finalPath.lastIndexOf('/')));
  }

  /** Hashes an existing file (recovery of an upload whose process died after the rename). */
  async hashFile(path: string): Promise<Omit<WrittenData, 'tempPath'>> {
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    let size = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: WRITE_BUFFER })) {
      size += (chunk as Buffer).length;
      md5.update(chunk as Buffer);
      sha512.update(chunk as Buffer);
    }
    return { size, md5: md5.digest('hex'), sha512: sha512.digest('hex') };
  }

  async exists(path: string): Promise<boolean> {
    return stat(path).then(() => true, () => false);
  }

  async size(path: string): Promise<number> {
    return (await stat(path)).size;
  }

  read(path: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(path, { highWaterMark: WRITE_BUFFER, ...(range ?? {}) });
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /**
   * Temporary files left by writes that never finished (a crash). Only those untouched for
   * `olderThanMs` go: another process sharing the data dir may be writing the recent ones.
   */
  async removeTemporaryFiles(olderThanMs: number): Promise<number> {
    let n = 0;
    for (const dir of [this.imagesDir, this.stagingDir]) {
      for (const name of await readdir(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const path = join(dir, name);
        const st = await stat(path).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > olderThanMs) {
          await rm(path, { force: true });
          n++;
        }
      }
    }
    return n;
  }

  private async syncDir(dir: string): Promise<void> {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
